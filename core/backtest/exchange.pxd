from libc.stdint cimport int64_t

from core.backtest.models cimport FeeModel, FillModel, LatencyModel
from core.common.clock cimport Clock
from core.execution.client cimport ExecutionClient
from core.model.commands cimport TradingCommand
from core.model.data cimport Data
from core.model.identifiers cimport Venue


cdef class SimulatedExchange:
    cdef readonly Venue venue
    cdef readonly object oms_type
    cdef readonly object account_type
    cdef readonly object base_currency
    cdef readonly list starting_balances
    cdef readonly object default_leverage
    cdef readonly object book_type
    cdef readonly FillModel fill_model
    cdef readonly FeeModel fee_model
    cdef readonly LatencyModel latency_model
    cdef readonly object spec
    cdef Clock _clock
    cdef dict _engines
    cdef list _engine_list
    cdef list _queue
    cdef int64_t _seq
    cdef dict _execution_bar_intervals
    cdef int64_t _next_expire_ns

    cdef void process_data(self, Data data) except *
    cdef void expire_orders(self, int64_t ts) except *
    cdef void send(self, TradingCommand command) except *
    cdef int64_t next_command_time(self)
    cdef void process_commands(self, int64_t ts) except *


cdef class BacktestExecClient(ExecutionClient):
    cdef SimulatedExchange _exchange
