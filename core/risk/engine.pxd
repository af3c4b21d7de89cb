from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.logging cimport Logger
from core.common.msgbus cimport MessageBus
from core.execution.engine cimport ExecutionEngine
from core.model.commands cimport TradingCommand
from core.model.enums cimport TradingState
from core.model.instruments cimport Instrument
from core.model.orders cimport Order
from core.model.uuid cimport UUIDFactory


cdef class RiskEngine:
    cdef Cache _cache
    cdef MessageBus _msgbus
    cdef Clock _clock
    cdef ExecutionEngine _exec_engine
    cdef UUIDFactory _uuids
    cdef Logger _log
    cdef readonly bint is_bypassed
    cdef readonly TradingState trading_state
    cdef int64_t _submit_count_max
    cdef int64_t _submit_interval_ns
    cdef list _submit_times
    cdef Py_ssize_t _submit_head
    cdef int64_t _modify_count_max
    cdef int64_t _modify_interval_ns
    cdef list _modify_times
    cdef Py_ssize_t _modify_head
    cdef dict _max_notional
    cdef readonly int64_t denied_count
    cdef readonly list denied_first

    cpdef void execute(self, TradingCommand command) except *
    cdef str _check_order(self, Order order)
    cdef int64_t _reference_price(self, Order order, Instrument instrument) except? -1
    cdef str _check_notional(self, Order order, Instrument instrument, int64_t px)
    cdef str _check_notional_raw(self, Order order, Instrument instrument, int64_t notional)
    cdef bint _throttled(self, bint submit) except -1
    cdef void _deny(self, Order order, str reason) except *
