from libc.stdint cimport int64_t, uint8_t, uint64_t

from core.model.enums cimport ContingencyType, LiquiditySide, OrderSide, OrderStatus
from core.model.enums cimport OrderType, PositionSide, TimeInForce, TriggerType
from core.model.events cimport OrderEvent, OrderInitialized, OrderUpdated
from core.model.identifiers cimport AccountId, ClientOrderId, InstrumentId, OrderListId
from core.model.identifiers cimport PositionId, StrategyId, TradeId, TraderId, VenueOrderId
from core.model.objects cimport Quantity
from core.model.uuid cimport UUID4


cdef class Order:
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef readonly InstrumentId instrument_id
    cdef readonly ClientOrderId client_order_id
    cdef readonly VenueOrderId venue_order_id
    cdef readonly PositionId position_id
    cdef readonly AccountId account_id
    cdef readonly TradeId last_trade_id
    cdef readonly OrderSide side
    cdef readonly OrderType order_type
    cdef readonly TimeInForce time_in_force
    cdef readonly OrderStatus status
    cdef OrderStatus _previous_status
    cdef readonly LiquiditySide liquidity_side
    cdef readonly int64_t quantity_raw
    """The order quantity, raw (value × 10**9)."""
    cdef readonly int64_t filled_raw
    """The filled quantity, raw."""
    cdef readonly uint8_t size_precision
    cdef readonly bint has_price
    cdef readonly int64_t price_raw
    cdef readonly bint has_trigger_price
    cdef readonly int64_t trigger_price_raw
    cdef readonly uint8_t price_precision
    cdef readonly TriggerType trigger_type
    cdef readonly bint is_triggered
    cdef readonly int64_t expire_time_ns
    cdef readonly bint is_post_only
    cdef readonly bint is_reduce_only
    cdef readonly bint is_quote_quantity
    cdef readonly ContingencyType contingency_type
    cdef readonly OrderListId order_list_id
    cdef readonly list linked_order_ids
    cdef readonly ClientOrderId parent_order_id
    cdef readonly list tags
    cdef uint64_t _init_id_hi
    cdef uint64_t _init_id_lo
    """The OrderInitialized id as two halves (`init_id` builds the UUID4 on read)."""
    cdef readonly int64_t ts_init
    cdef readonly int64_t ts_last
    cdef readonly double avg_px
    """The average fill price (for display and reports; PnL uses exact fills)."""
    cdef double _fill_notional
    cdef list _events
    cdef OrderInitialized _init

    cdef void _init_common(self, OrderInitialized init, bint keep_init)
    cdef OrderInitialized _build_init(self)
    cdef bint _has_trade_id(self, object trade_id) except -1
    cpdef void apply(self, OrderEvent event) except *
    cdef void _check_update(self, OrderUpdated updated) except *
    # The status checks are properties for Python (as in NautilusTrader); cdef callers use
    # these `_c` variants so the hot path never goes through a Python attribute lookup.
    cdef bint is_open_c(self)
    cdef bint is_closed_c(self)
    cdef bint is_inflight_c(self)
    cdef bint is_buy_c(self)
    cdef bint is_sell_c(self)
    cdef bint is_passive_c(self)
    cpdef bint would_reduce_only(self, PositionSide position_side, int64_t position_qty_raw)
    cdef OrderInitialized init_event_c(self)


cdef class MarketOrder(Order):
    @staticmethod
    cdef MarketOrder create_c(
        TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, object order_side, Quantity quantity, UUID4 init_id,
        int64_t ts_init, object time_in_force, bint reduce_only, bint quote_quantity,
        list tags,
    )


cdef class LimitOrder(Order):
    pass


cdef class StopMarketOrder(Order):
    pass


cdef class StopLimitOrder(Order):
    pass


cdef class MarketIfTouchedOrder(Order):
    pass


cdef class LimitIfTouchedOrder(Order):
    pass


cpdef Order order_from_init(OrderInitialized init)
