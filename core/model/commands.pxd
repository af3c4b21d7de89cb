from libc.stdint cimport int64_t

from core.model.enums cimport OrderSide
from core.model.identifiers cimport ClientId, ClientOrderId, InstrumentId, PositionId
from core.model.identifiers cimport StrategyId, TraderId, VenueOrderId
from core.model.objects cimport Price, Quantity
from core.model.orders cimport Order
from core.model.uuid cimport UUID4


cpdef enum CommandKind:
    SUBMIT_ORDER = 1
    MODIFY_ORDER = 2
    CANCEL_ORDER = 3
    CANCEL_ALL_ORDERS = 4


cdef class TradingCommand:
    cdef readonly CommandKind kind
    cdef readonly UUID4 id
    cdef readonly int64_t ts_init
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef readonly InstrumentId instrument_id
    cdef readonly ClientId client_id


cdef class SubmitOrder(TradingCommand):
    cdef readonly Order order
    cdef readonly PositionId position_id

    @staticmethod
    cdef SubmitOrder create(Order order, UUID4 command_id, int64_t ts_init,
                            PositionId position_id, ClientId client_id)


cdef class ModifyOrder(TradingCommand):
    cdef readonly ClientOrderId client_order_id
    cdef readonly VenueOrderId venue_order_id
    cdef readonly Quantity quantity
    cdef readonly Price price
    cdef readonly Price trigger_price


cdef class CancelOrder(TradingCommand):
    cdef readonly ClientOrderId client_order_id
    cdef readonly VenueOrderId venue_order_id


cdef class CancelAllOrders(TradingCommand):
    cdef readonly OrderSide order_side
