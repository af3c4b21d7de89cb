from libc.stdint cimport int64_t, uint8_t

from core.model.currency cimport Currency
from core.model.enums cimport OrderSide, PositionSide
from core.model.events cimport OrderFilled, PositionEvent
from core.model.identifiers cimport AccountId, ClientOrderId, InstrumentId, PositionId
from core.model.identifiers cimport StrategyId, TradeId, TraderId
from core.model.instruments cimport Instrument
from core.model.uuid cimport UUID4


cdef object div_round_half_even(object numerator, object denominator)
cdef bint scaled_product_c(int64_t a, int64_t b, int64_t c, object num, object den, int step,
                           int64_t* out) except -1


cdef class Position:
    cdef readonly PositionId id
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef readonly InstrumentId instrument_id
    cdef readonly AccountId account_id
    cdef readonly ClientOrderId opening_order_id
    cdef readonly ClientOrderId closing_order_id
    cdef readonly OrderSide entry
    cdef readonly PositionSide side
    cdef readonly int64_t signed_raw
    """Signed open quantity, raw: > 0 long, < 0 short."""
    cdef readonly int64_t peak_raw
    cdef readonly int64_t last_qty_raw
    cdef readonly int64_t last_px_raw
    cdef readonly uint8_t size_precision
    cdef readonly uint8_t price_precision
    cdef readonly int64_t multiplier_raw
    cdef readonly bint is_inverse
    cdef readonly Currency quote_currency
    cdef readonly Currency base_currency
    cdef readonly Currency settlement_currency
    cdef readonly int64_t realized_pnl_raw
    cdef readonly double realized_return
    cdef readonly int64_t ts_opened
    cdef readonly int64_t ts_last
    cdef readonly int64_t ts_closed
    cdef readonly int64_t duration_ns
    cdef readonly int64_t buy_raw
    cdef readonly int64_t sell_raw
    cdef readonly TradeId last_trade_id
    cdef object _avg_open_num
    cdef object _avg_open_den
    cdef object _avg_close
    cdef object _closed_raw
    cdef Currency _commission_ccy
    cdef object _commission_total
    cdef dict _commissions_more
    cdef list _events

    cpdef void apply(self, OrderFilled fill) except *
    # Properties for Python (as in NautilusTrader); cdef callers use the `_c` variants.
    cdef bint is_open_c(self)
    cdef bint is_closed_c(self)
    cpdef int64_t unrealized_pnl_raw(self, int64_t last_px_raw) except? -1
    cdef int64_t _pnl_raw(self, int64_t px_raw, int64_t qty_raw, bint long_side) except? -1
    cdef bint _pnl_linear_c(self, int64_t px_raw, int64_t qty_raw, int step,
                            int64_t* out) except -1
    cpdef PositionEvent to_event(self, type event_type, UUID4 event_id, int64_t ts_init)
    cdef double _avg_px_open_c(self) except? -1.0
    cdef double _avg_px_close_c(self) except? -1.0
