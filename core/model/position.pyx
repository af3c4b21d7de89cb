"""`Position`: the net exposure a strategy holds in an instrument, and its exact PnL.

Realized PnL is computed in integers, never in binary floating point:

* linear: ``(exit − entry) × quantity × multiplier`` (× −1 for shorts), in the settlement
  (quote) currency;
* inverse: ``quantity × multiplier × (1/entry − 1/exit)`` (× −1 for shorts), in the base
  currency.

``entry`` is the average open price, kept exactly as a fraction of integers (``num / den`` raw
price units, reduced by their gcd): a rounded average (even to 18 decimals) can move a realized
amount that lies exactly on a half unit of the currency to the wrong side. Each realized amount
is rounded half to even to the currency's precision once, per closing fill. Commissions in the
settlement currency are deducted from realized PnL (NautilusTrader's convention).

A fill that would take the position through zero must be split by the caller (the
ExecutionEngine does this: one fill closes, one opens a new position).
"""

import cython

from math import gcd

from cpython.long cimport PyLong_AsLongLongAndOverflow
from libc.stdint cimport INT64_MIN, int64_t

from core.model.currency cimport Currency
from core.model.enums cimport OrderSide, PositionSide
from core.model.events cimport OrderFilled, PositionChanged, PositionClosed, PositionEvent
from core.model.events cimport PositionOpened, set_event_id
from core.model.instruments cimport Instrument
from core.model.int128 cimport flt_add, flt_div_half_even, flt_mul, flt_sub, i128
from core.model.objects cimport POW10, Money, Price, Quantity
from core.model.uuid cimport UUID4

from core.errors import ValidationError
from core.model.enums import PositionSide as PyPositionSide

cdef object _E9 = 10 ** 9
cdef int64_t _EXACT = 2 ** 53  # integers below this are exact in a double
cdef object _E18 = 10 ** 18


cdef object div_round_half_even(object numerator, object denominator):
    """Return numerator / denominator (Python ints, denominator > 0) rounded half to even."""
    q, r = divmod(numerator, denominator)
    twice = 2 * r
    if twice > denominator or (twice == denominator and q % 2 == 1):
        q += 1
    return q


cdef bint _as_int64(object value, int64_t* out) except -1:
    """Set `out` to the Python int `value` if it fits an int64; return whether it did."""
    cdef int overflow = 0
    cdef long long v = PyLong_AsLongLongAndOverflow(value, &overflow)
    if overflow:
        return False
    out[0] = v
    return True


cdef bint _scale_out(i128 n, i128 d, int step, int64_t* out):
    """out = round_half_even(n / (d × 10**step)) × 10**step, if every step fits."""
    cdef int64_t q
    cdef i128 scaled
    if not (flt_mul(d, POW10[step], &d) and flt_div_half_even(n, d, &q)):
        return False
    return flt_mul(q, POW10[step], &scaled) and flt_div_half_even(scaled, 1, out)


cdef bint _avg_close_c(object avg_close, object closed_raw, int64_t px, int64_t qty,
                       int64_t* out) except -1:
    """``round_half_even((avg_close×closed_raw + px×10**9×qty) / (closed_raw + qty))`` in
    128-bit C integers; False when a value does not fit."""
    cdef int64_t avg_c
    cdef int64_t closed_c
    cdef int64_t result
    cdef i128 n
    cdef i128 m
    cdef i128 d
    if not (_as_int64(avg_close, &avg_c) and _as_int64(closed_raw, &closed_c)):
        return False
    if not (flt_mul(avg_c, closed_c, &n) and flt_mul(px, 1_000_000_000, &m)
            and flt_mul(m, qty, &m) and flt_add(n, m, &n) and flt_add(closed_c, qty, &d)
            and flt_div_half_even(n, d, &result)):
        return False
    out[0] = result
    return True


cdef bint scaled_product_c(int64_t a, int64_t b, int64_t c, object num, object den, int step,
                           int64_t* out) except -1:
    """Set ``out = round_half_even(a×b×c×num / (10**18×den×10**step)) × 10**step``.

    The exact value of the Python-int formula (``div_round_half_even``) computed in 128-bit C
    integers; returns False, leaving `out` untouched, when a value does not fit (the caller
    then computes it with Python ints). `den` > 0.
    """
    cdef int64_t num_c
    cdef int64_t den_c
    cdef i128 n
    cdef i128 d
    if not (_as_int64(num, &num_c) and _as_int64(den, &den_c)):
        return False
    if not (flt_mul(a, b, &n) and flt_mul(n, c, &n) and flt_mul(n, num_c, &n)
            and flt_mul(1_000_000_000_000_000_000, den_c, &d)):
        return False
    return _scale_out(n, d, step, out)


@cython.no_gc
@cython.final
cdef class Position:
    """A position opened by `fill` on `instrument`.

    Parameters
    ----------
    instrument : Instrument
    fill : OrderFilled
        The opening fill; its ``position_id`` becomes the position's id.
    """

    def __init__(self, Instrument instrument not None, OrderFilled fill not None):
        if fill.instrument_id != instrument.id:
            raise ValidationError(
                f"Position {fill.position_id}: fill {fill.trade_id} for {fill.instrument_id} "
                f"invalid, expected a fill for the instrument {instrument.id}"
            )
        if fill.position_id is None:
            raise ValidationError(
                f"Position {fill.instrument_id}: fill {fill.trade_id} has no position_id, "
                f"expected the ExecutionEngine to assign one"
            )
        self.id = fill.position_id
        self.trader_id = fill.trader_id
        self.strategy_id = fill.strategy_id
        self.instrument_id = fill.instrument_id
        self.account_id = fill.account_id
        self.opening_order_id = fill.client_order_id
        self.closing_order_id = None
        self.entry = fill.order_side
        self.side = PositionSide.FLAT
        self.size_precision = instrument.size_precision
        self.price_precision = instrument.price_precision
        self.multiplier_raw = instrument.multiplier.raw
        self.is_inverse = instrument.is_inverse
        self.quote_currency = instrument.quote_currency
        self.base_currency = instrument.get_base_currency()
        self.settlement_currency = instrument.get_settlement_currency() \
            if not instrument.is_inverse else instrument.get_base_currency()
        self.ts_opened = fill.ts_event
        self._avg_open_num = 0
        self._avg_open_den = 1
        self._avg_close = 0
        self._closed_raw = 0
        # The first commission currency inline (a dict per position costs ~250 bytes, and
        # almost every position pays in one currency); others in `_commissions_more`.
        self._commission_ccy = None
        self._commission_total = 0
        self._commissions_more = None
        self._events = []
        self.apply(fill)

    cdef bint is_open_c(self):
        return self.signed_raw != 0

    cdef bint is_closed_c(self):
        return self.signed_raw == 0

    @property
    def is_open(self):
        """Whether the position holds a non-zero quantity."""
        return self.signed_raw != 0

    @property
    def is_closed(self):
        """Whether the position's quantity is back to zero."""
        return self.signed_raw == 0

    @property
    def is_long(self):
        return self.side == PositionSide.LONG

    @property
    def is_short(self):
        return self.side == PositionSide.SHORT

    @property
    def quantity(self):
        return Quantity.from_raw_c(abs(self.signed_raw), self.size_precision)

    @property
    def peak_qty(self):
        return Quantity.from_raw_c(self.peak_raw, self.size_precision)

    @property
    def signed_qty(self):
        """The signed open quantity as a Decimal (negative when short)."""
        return Quantity.from_raw_c(abs(self.signed_raw), self.size_precision).as_decimal() * (
            -1 if self.signed_raw < 0 else 1)

    @property
    def avg_px_open(self):
        """The average open price (float, for display)."""
        return self._avg_px_open_c()

    @property
    def avg_px_close(self):
        """The average close price of the closed quantity (float, for display)."""
        return self._avg_px_close_c()

    cdef double _avg_px_open_c(self) except? -1.0:
        cdef int64_t num
        cdef int64_t den
        # Both operands exact in a double (< 2**53): one IEEE division gives the correctly
        # rounded quotient, as Python's int / int does.
        if _as_int64(self._avg_open_num, &num) and _as_int64(self._avg_open_den, &den) and \
                -_EXACT < num < _EXACT and 0 < den < _EXACT // 1_000_000_000:
            return <double>num / (<double>den * 1e9)
        return self._avg_open_num / (self._avg_open_den * _E9)

    cdef double _avg_px_close_c(self) except? -1.0:
        cdef int64_t avg
        if _as_int64(self._avg_close, &avg):
            return <double>avg / 1e18  # the int64 to double conversion rounds as float() does
        return float(self._avg_close) / 1e18

    @property
    def realized_pnl(self):
        return Money.from_raw_c(self.realized_pnl_raw, self.settlement_currency)

    def unrealized_pnl(self, Price last not None):
        """Return the PnL of the open quantity at `last`, in the settlement currency."""
        return Money.from_raw_c(self.unrealized_pnl_raw(last.raw), self.settlement_currency)

    def total_pnl(self, Price last not None):
        return Money.from_raw_c(
            self.realized_pnl_raw + self.unrealized_pnl_raw(last.raw), self.settlement_currency
        )

    def commissions(self):
        """Return the commissions paid, one Money per currency (in first-paid order)."""
        if self._commission_ccy is None:
            return []
        result = [Money.from_raw_c(self._commission_total, self._commission_ccy)]
        if self._commissions_more is not None:
            result += [Money.from_raw_c(raw, ccy) for ccy, raw in self._commissions_more.items()]
        return result

    @property
    def events(self):
        return list(self._events)

    @property
    def event_count(self):
        return len(self._events)

    @property
    def trade_ids(self):
        return [(<OrderFilled>fill).trade_id for fill in self._events]

    cdef int64_t _pnl_raw(self, int64_t px_raw, int64_t qty_raw, bint long_side) except? -1:
        # A = num/den (raw price units), P = px_raw, Q = qty_raw, M = multiplier_raw.
        cdef object num = self._avg_open_num
        cdef object den = self._avg_open_den
        cdef object px = <object>px_raw
        cdef object numerator
        cdef object value
        cdef int64_t fast
        cdef int step = 9 - self.settlement_currency.precision
        if self.is_inverse:
            if num == 0 or px == 0:
                return 0
            # value = Q×M×(P−A)/(A×P); raw = Q×M×(P×den − num) / (num×P)
            numerator = <object>qty_raw * self.multiplier_raw * (px * den - num)
            value = div_round_half_even(numerator, num * px * POW10[step]) * POW10[step]
        else:
            # raw = (P − A)×Q×M / 10**18 = (P×den − num)×Q×M / (den×10**18)
            if self._pnl_linear_c(px_raw, qty_raw, step, &fast) and fast != INT64_MIN:
                return fast if long_side else -fast
            numerator = (px * den - num) * qty_raw * self.multiplier_raw
            value = div_round_half_even(numerator, den * _E18 * POW10[step]) * POW10[step]
        return value if long_side else -value

    cdef bint _pnl_linear_c(self, int64_t px_raw, int64_t qty_raw, int step,
                            int64_t* out) except -1:
        """The linear branch of `_pnl_raw` (before the side's sign) in 128-bit C integers;
        False when a value does not fit."""
        cdef int64_t num_c
        cdef int64_t den_c
        cdef i128 n
        cdef i128 d
        if not (_as_int64(self._avg_open_num, &num_c) and _as_int64(self._avg_open_den, &den_c)):
            return False
        if not (flt_mul(px_raw, den_c, &n) and flt_sub(n, num_c, &n) and flt_mul(n, qty_raw, &n)
                and flt_mul(n, self.multiplier_raw, &n)
                and flt_mul(den_c, 1_000_000_000_000_000_000, &d)):
            return False
        return _scale_out(n, d, step, out)

    cpdef int64_t unrealized_pnl_raw(self, int64_t last_px_raw) except? -1:
        """Return the raw PnL of the open quantity at `last_px_raw`."""
        if self.signed_raw == 0:
            return 0
        return self._pnl_raw(last_px_raw, abs(self.signed_raw), self.signed_raw > 0)

    cpdef void apply(self, OrderFilled fill) except *:
        """Apply a fill: open, increase, reduce or close (never flip; see the module doc).

        Raises
        ------
        ValidationError
            If the fill is for another instrument, a duplicate trade, or would flip the
            position through zero.
        """
        cdef int64_t qty = fill.last_qty.raw
        cdef int64_t px = fill.last_px.raw
        cdef int64_t open_qty = abs(self.signed_raw)
        cdef int64_t signed_delta = qty if fill.order_side == OrderSide.BUY else -qty
        cdef bint reducing = self.signed_raw != 0 and (self.signed_raw > 0) != (signed_delta > 0)
        cdef int64_t pnl
        cdef object avg_close
        cdef int64_t avg_close_c
        cdef Currency commission_ccy = fill.commission.currency
        if fill.instrument_id != self.instrument_id:
            raise ValidationError(
                f"Position {self.id}: fill for {fill.instrument_id} invalid, expected "
                f"{self.instrument_id}"
            )
        if reducing and qty > open_qty:
            raise ValidationError(
                f"Position {self.id}: fill of {fill.last_qty} would flip the position of "
                f"{self.quantity} through zero, expected the fill split at zero"
            )
        cdef str trade_value = fill.trade_id.value
        cdef str order_value = fill.client_order_id.value
        for existing in self._events:
            # Compare the ids' strings in C (no Python-level __eq__ per fill).
            if (<OrderFilled>existing).trade_id.value == trade_value and \
                    (<OrderFilled>existing).client_order_id.value == order_value:
                raise ValidationError(
                    f"Position {self.id}: trade {fill.trade_id} already applied, "
                    f"expected a new fill"
                )
        if self._commission_ccy is None or self._commission_ccy == commission_ccy:
            self._commission_ccy = commission_ccy
            self._commission_total = self._commission_total + fill.commission.raw
        else:
            if self._commissions_more is None:
                self._commissions_more = {}
            self._commissions_more[commission_ccy] = \
                self._commissions_more.get(commission_ccy, 0) + fill.commission.raw
        if commission_ccy == self.settlement_currency:
            self.realized_pnl_raw -= fill.commission.raw
        if self.signed_raw == 0:
            # Opening (first fill, or re-opening a closed NETTING position).
            self.entry = fill.order_side
            self.opening_order_id = fill.client_order_id
            self.closing_order_id = None
            self.ts_opened = fill.ts_event
            self.ts_closed = 0
            self.duration_ns = 0
            self._avg_open_num = <object>px
            self._avg_open_den = 1
            self.peak_raw = 0
        elif not reducing:
            # (A×open + P×q) / (open + q), with A = num/den, kept exact
            num = self._avg_open_num * open_qty + <object>px * qty * self._avg_open_den
            den = self._avg_open_den * (<object>open_qty + qty)
            divisor = gcd(num, den)
            self._avg_open_num = num // divisor
            self._avg_open_den = den // divisor
        else:
            pnl = self._pnl_raw(px, qty, self.signed_raw > 0)
            self.realized_pnl_raw += pnl
            if _avg_close_c(self._avg_close, self._closed_raw, px, qty, &avg_close_c):
                avg_close = avg_close_c
            else:
                avg_close = div_round_half_even(
                    self._avg_close * self._closed_raw + px * _E9 * qty, self._closed_raw + qty
                )
            self._avg_close = avg_close
            self._closed_raw += qty
            if self._avg_open_num != 0:
                ratio = (float(self._avg_close) / 1e18) / self._avg_px_open_c() - 1.0
                self.realized_return = ratio if self.entry == OrderSide.BUY else -ratio
        if fill.order_side == OrderSide.BUY:
            self.buy_raw += qty
        else:
            self.sell_raw += qty
        self.signed_raw += signed_delta
        if abs(self.signed_raw) > self.peak_raw:
            self.peak_raw = abs(self.signed_raw)
        if self.signed_raw > 0:
            self.side = PositionSide.LONG
        elif self.signed_raw < 0:
            self.side = PositionSide.SHORT
        else:
            self.side = PositionSide.FLAT
            self.closing_order_id = fill.client_order_id
            self.ts_closed = fill.ts_event
            self.duration_ns = fill.ts_event - self.ts_opened
        if self.account_id is None:
            self.account_id = fill.account_id
        self.last_qty_raw = qty
        self.last_px_raw = px
        self.last_trade_id = fill.trade_id
        self.ts_last = fill.ts_event
        self._events.append(fill)

    cpdef PositionEvent to_event(self, type event_type, UUID4 event_id, int64_t ts_init):
        """Return a `PositionOpened`/`Changed`/`Closed` snapshot of this position."""
        cdef PositionEvent event
        # Allocate through C for the three kernel types (no Python call of __new__).
        if event_type is PositionOpened:
            event = PositionOpened.__new__(PositionOpened)
        elif event_type is PositionChanged:
            event = PositionChanged.__new__(PositionChanged)
        elif event_type is PositionClosed:
            event = PositionClosed.__new__(PositionClosed)
        else:
            event = event_type.__new__(event_type)
        event.trader_id = self.trader_id
        event.strategy_id = self.strategy_id
        event.instrument_id = self.instrument_id
        event.position_id = self.id
        event.account_id = self.account_id
        event.opening_order_id = self.opening_order_id
        event.closing_order_id = self.closing_order_id
        event.entry = self.entry
        event.side = self.side
        event.signed_qty = <double>self.signed_raw / 1e9
        event._quantity_raw = abs(self.signed_raw)
        event._peak_qty_raw = self.peak_raw
        event._last_qty_raw = self.last_qty_raw
        event._last_px_raw = self.last_px_raw
        event._size_precision = self.size_precision
        event._price_precision = self.price_precision
        event.currency = self.quote_currency
        event.avg_px_open = self._avg_px_open_c()
        event.avg_px_close = self._avg_px_close_c()
        event.realized_return = self.realized_return
        event._realized_pnl_raw = self.realized_pnl_raw
        event._unrealized_pnl_raw = self.unrealized_pnl_raw(self.last_px_raw)
        event._pnl_currency = self.settlement_currency
        event.ts_opened = self.ts_opened
        event.ts_closed = self.ts_closed
        event.duration_ns = self.duration_ns
        set_event_id(event, event_id)
        event.ts_event = self.ts_last
        event.ts_init = ts_init
        return event

    def __repr__(self):
        return (
            f"Position({PyPositionSide(self.side).name} {self.quantity} {self.instrument_id}, "
            f"id={self.id}, avg_px_open={self.avg_px_open}, realized_pnl={self.realized_pnl})"
        )
