from libc.stdint cimport int64_t

from core.common.clock cimport Clock
from core.model.identifiers cimport ClientOrderId, StrategyId, TraderId
from core.model.uuid cimport UUIDFactory


cdef class OrderFactory:
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef Clock _clock
    cdef UUIDFactory _uuids
    cdef readonly int64_t count
    cdef int64_t _prefix_second
    cdef str _prefix
    cdef str _suffix

    cpdef ClientOrderId generate_client_order_id(self)
