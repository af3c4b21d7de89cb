from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.logging cimport Logger
from core.common.msgbus cimport MessageBus
from core.execution.client cimport ExecutionClient
from core.model.commands cimport TradingCommand
from core.model.events cimport OrderEvent, OrderFilled, PositionEvent
from core.model.identifiers cimport InstrumentId, PositionId, StrategyId
from core.model.instruments cimport Instrument
from core.model.orders cimport Order
from core.model.position cimport Position
from core.model.uuid cimport UUIDFactory
from core.portfolio.portfolio cimport Portfolio


cdef class ExecutionEngine:
    cdef Cache _cache
    cdef MessageBus _msgbus
    cdef Clock _clock
    cdef Portfolio _portfolio
    cdef UUIDFactory _uuids
    cdef Logger _log
    cdef dict _clients
    cdef dict _order_topics
    cdef dict _position_topics
    cdef dict _netting_ids
    cdef dict _hedging_counts
    cdef dict _oms_overrides
    cdef readonly bint is_debug
    cdef readonly int64_t command_count
    cdef readonly int64_t event_count
    cdef readonly int64_t rejected_event_count
    cdef object _journal
    cdef bint _replaying
    cdef readonly int64_t replayed_count

    cpdef void register_client(self, ExecutionClient client) except *
    cpdef void execute(self, TradingCommand command) except *
    cpdef void process(self, OrderEvent event) except *
    cpdef void replay(self, OrderEvent event, PositionId position_id=*) except *
    cdef void _deny_unjournaled(self, Order order) except *
    cdef void _handle_fill(self, Order order, OrderFilled fill) except *
    cdef void _open_position(self, Instrument instrument, Position previous,
                             OrderFilled fill) except *
    cdef void _change_position(self, Instrument instrument, Position position,
                               OrderFilled fill) except *
    cdef bint _hedging_position(self, Order order, ExecutionClient client) except -1
    cdef PositionId _position_id(self, Order order, ExecutionClient client)
    cdef void _publish_order_event(self, OrderEvent event) except *
    cdef void _publish_position_event(self, PositionEvent event) except *
