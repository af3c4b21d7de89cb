from libc.stdint cimport int64_t, uint8_t, uint64_t

from core.model.currency cimport Currency
from core.model.enums cimport AccountType, LiquiditySide, OrderSide, OrderType, PositionSide
from core.model.enums cimport ContingencyType, TimeInForce, TriggerType
from core.model.identifiers cimport AccountId, ClientOrderId, InstrumentId, OrderListId
from core.model.identifiers cimport PositionId, StrategyId, TradeId, TraderId, VenueOrderId
from core.model.objects cimport Money, Price, Quantity
from core.model.uuid cimport UUID4


cdef inline void set_event_id(Event event, UUID4 event_id) noexcept:
    """Store `event_id` (or None) in `event`."""
    if event_id is None:
        event._id_hi = 0
        event._id_lo = 0
    else:
        event._id_hi = event_id._hi
        event._id_lo = event_id._lo


cdef inline UUID4 event_id_of(Event event):
    """Return `event`'s id as a UUID4 (None if it has none)."""
    if event._id_hi == 0 and event._id_lo == 0:
        return None
    return UUID4.from_ints_c(event._id_hi, event._id_lo)


cpdef enum OrderEventKind:
    ORDER_INITIALIZED = 1
    ORDER_DENIED = 2
    ORDER_SUBMITTED = 3
    ORDER_ACCEPTED = 4
    ORDER_REJECTED = 5
    ORDER_PENDING_UPDATE = 6
    ORDER_PENDING_CANCEL = 7
    ORDER_MODIFY_REJECTED = 8
    ORDER_CANCEL_REJECTED = 9
    ORDER_UPDATED = 10
    ORDER_CANCELED = 11
    ORDER_EXPIRED = 12
    ORDER_TRIGGERED = 13
    ORDER_FILLED = 14


cdef class Event:
    # The id's two 64-bit halves (both 0: no id); the ``id`` property builds the UUID4. A
    # version 4 UUID never has a zero high half.
    cdef uint64_t _id_hi
    cdef uint64_t _id_lo
    cdef readonly int64_t ts_event
    """When the event happened (UNIX ns)."""
    cdef readonly int64_t ts_init
    """When the event object was created (UNIX ns)."""


cdef class OrderEvent(Event):
    cdef readonly OrderEventKind kind
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef readonly InstrumentId instrument_id
    cdef readonly ClientOrderId client_order_id
    cdef readonly VenueOrderId venue_order_id
    cdef readonly AccountId account_id
    cdef readonly bint reconciliation


cdef class OrderInitialized(OrderEvent):
    cdef readonly OrderSide side
    cdef readonly OrderType order_type
    cdef readonly Quantity quantity
    cdef readonly Price price
    cdef readonly Price trigger_price
    cdef readonly TriggerType trigger_type
    cdef readonly TimeInForce time_in_force
    cdef readonly int64_t expire_time_ns
    cdef readonly bint post_only
    cdef readonly bint reduce_only
    cdef readonly bint quote_quantity
    cdef readonly ContingencyType contingency_type
    cdef readonly OrderListId order_list_id
    cdef readonly list linked_order_ids
    cdef readonly ClientOrderId parent_order_id
    cdef readonly list tags


cdef class OrderDenied(OrderEvent):
    cdef readonly str reason


cdef class OrderSubmitted(OrderEvent):
    @staticmethod
    cdef OrderSubmitted create(TraderId trader_id, StrategyId strategy_id,
                               InstrumentId instrument_id, ClientOrderId client_order_id,
                               AccountId account_id, UUID4 event_id, int64_t ts_event,
                               int64_t ts_init)


cdef class OrderAccepted(OrderEvent):
    @staticmethod
    cdef OrderAccepted create(TraderId trader_id, StrategyId strategy_id,
                              InstrumentId instrument_id, ClientOrderId client_order_id,
                              VenueOrderId venue_order_id, AccountId account_id, UUID4 event_id,
                              int64_t ts_event, int64_t ts_init)


cdef class OrderRejected(OrderEvent):
    cdef readonly str reason
    cdef readonly bint due_post_only


cdef class OrderPendingUpdate(OrderEvent):
    pass


cdef class OrderPendingCancel(OrderEvent):
    pass


cdef class OrderModifyRejected(OrderEvent):
    cdef readonly str reason


cdef class OrderCancelRejected(OrderEvent):
    cdef readonly str reason


cdef class OrderUpdated(OrderEvent):
    cdef readonly Quantity quantity
    cdef readonly Price price
    cdef readonly Price trigger_price


cdef class OrderCanceled(OrderEvent):
    pass


cdef class OrderExpired(OrderEvent):
    pass


cdef class OrderTriggered(OrderEvent):
    pass


cdef class OrderFilled(OrderEvent):
    cdef readonly TradeId trade_id
    cdef readonly PositionId position_id
    cdef readonly OrderSide order_side
    cdef readonly OrderType order_type
    cdef readonly Quantity last_qty
    cdef readonly Price last_px
    cdef readonly Currency currency
    cdef readonly Money commission
    cdef readonly LiquiditySide liquidity_side
    cdef readonly dict info

    @staticmethod
    cdef OrderFilled create(TraderId trader_id, StrategyId strategy_id,
                            InstrumentId instrument_id, ClientOrderId client_order_id,
                            VenueOrderId venue_order_id, AccountId account_id, TradeId trade_id,
                            PositionId position_id, OrderSide order_side, OrderType order_type,
                            Quantity last_qty, Price last_px, Currency currency,
                            Money commission, LiquiditySide liquidity_side, UUID4 event_id,
                            int64_t ts_event, int64_t ts_init)
    cpdef bint is_buy(self)
    cpdef bint is_sell(self)


cdef class AccountBalance:
    cdef readonly Money total
    cdef readonly Money locked
    cdef readonly Money free


cdef class MarginBalance:
    cdef readonly Money initial
    cdef readonly Money maintenance
    cdef readonly InstrumentId instrument_id


cdef class AccountState(Event):
    cdef readonly AccountId account_id
    cdef readonly AccountType account_type
    cdef readonly Currency base_currency
    cdef readonly list balances
    cdef readonly list margins
    cdef readonly bint is_reported
    cdef readonly dict info


cdef class PositionEvent(Event):
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef readonly InstrumentId instrument_id
    cdef readonly PositionId position_id
    cdef readonly AccountId account_id
    cdef readonly ClientOrderId opening_order_id
    cdef readonly ClientOrderId closing_order_id
    cdef readonly OrderSide entry
    cdef readonly PositionSide side
    cdef readonly double signed_qty
    cdef readonly Currency currency
    cdef readonly double avg_px_open
    cdef readonly double avg_px_close
    cdef readonly double realized_return
    # Quantities, price and PnLs held raw; their properties build the value objects (most
    # position events are read for a field or two, or not at all).
    cdef int64_t _quantity_raw
    cdef int64_t _peak_qty_raw
    cdef int64_t _last_qty_raw
    cdef int64_t _last_px_raw
    cdef uint8_t _size_precision
    cdef uint8_t _price_precision
    cdef int64_t _realized_pnl_raw
    cdef int64_t _unrealized_pnl_raw
    cdef Currency _pnl_currency
    cdef readonly int64_t ts_opened
    cdef readonly int64_t ts_closed
    cdef readonly int64_t duration_ns


cdef class PositionOpened(PositionEvent):
    pass


cdef class PositionChanged(PositionEvent):
    pass


cdef class PositionClosed(PositionEvent):
    pass
