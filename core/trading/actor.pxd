from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.component cimport Component
from core.common.msgbus cimport MessageBus
from core.model.data cimport Bar, QuoteTick, TradeTick
from core.model.identifiers cimport TraderId
from core.model.uuid cimport UUIDFactory
from core.portfolio.portfolio cimport Portfolio


cdef class Actor(Component):
    cdef readonly object config
    cdef readonly Cache cache
    cdef readonly Portfolio portfolio
    cdef UUIDFactory _uuids
    cdef dict _quote_indicators
    cdef dict _trade_indicators
    cdef dict _bar_indicators
    # One-entry caches of the indicator lists by key identity (reset on registration)
    cdef object _quote_indicators_key
    cdef list _quote_indicators_last
    cdef object _trade_indicators_key
    cdef list _trade_indicators_last
    cdef object _bar_indicators_key
    cdef list _bar_indicators_last
    cdef readonly bint is_active
    cdef readonly int64_t handler_error_count
    cdef object _on_quote_tick
    cdef object _on_trade_tick
    cdef object _on_bar
    cdef object _on_data
    cdef object _error_policy
    cdef readonly object compute
    """The actor's `ComputeClient` (None until a compute backend is registered)."""

    cpdef void register_base(self, TraderId trader_id, Portfolio portfolio, MessageBus msgbus,
                             Cache cache, Clock clock, UUIDFactory uuid_factory) except *
    cpdef void handle_quote_tick(self, QuoteTick tick) except *
    cpdef void handle_trade_tick(self, TradeTick tick) except *
    cpdef void handle_bar(self, Bar bar) except *
    cpdef void handle_data(self, object data) except *
    cpdef void handle_instrument(self, object instrument) except *
    cpdef void handle_time_event(self, object event) except *
    cdef void _handler_failed(self, str handler, object arg) except *
