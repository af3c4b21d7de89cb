from libc.stdint cimport int64_t

from core.backtest.exchange cimport SimulatedExchange
from core.common.clock cimport Clock
from core.data.engine cimport DataEngine
from core.execution.client cimport ExecutionClient
from core.model.data cimport Data


cdef class StreamMerger:
    cdef list _streams
    cdef readonly int64_t emitted

    cpdef Data next(self)
    cpdef int64_t head_ts(self)


cdef class SandboxExecutionClient(ExecutionClient):
    cdef SimulatedExchange _exchange
    cdef object _listener
    cdef readonly int64_t commands

    cdef void _queue(self, object command) except *


cdef class LiveDispatcher:
    cdef DataEngine _data_engine
    cdef Clock _clock
    cdef list _exchanges
    cdef dict _venue_exchange
    cdef readonly int64_t events
    cdef readonly int64_t accepted
    cdef readonly bint restamp

    cpdef void on_data(self, Data data) except *
    cpdef void settle(self) except *
    cpdef int64_t next_command_time(self)
    cdef void _settle(self) except *
