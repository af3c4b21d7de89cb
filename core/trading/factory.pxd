from libc.stdint cimport int64_t

from core.common.clock cimport Clock
from core.model.identifiers cimport ClientOrderId, InstrumentId, StrategyId, TraderId
from core.model.objects cimport Quantity
from core.model.orders cimport MarketOrder
from core.model.uuid cimport UUIDFactory


cdef class OrderFactory:
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef Clock _clock
    cdef UUIDFactory _uuids
    cdef readonly int64_t count
    cdef int64_t _prefix_second
    cdef int64_t _prefix_day
    cdef str _day_prefix
    cdef str _prefix
    cdef str _suffix

    cpdef ClientOrderId generate_client_order_id(self)
    cdef MarketOrder market_c(self, InstrumentId instrument_id, object order_side,
                              Quantity quantity, object time_in_force, bint reduce_only,
                              bint quote_quantity, list tags)
