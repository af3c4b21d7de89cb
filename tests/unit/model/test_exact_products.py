"""Exact fixed-point products on the order path agree with rational arithmetic.

Commission, margin, realized PnL and the average close price are computed in 128-bit C
integers when every factor fits, else with Python ints (core/model/int128.pxd). These
properties draw raw values on both sides of the 128-bit limit (and negative fee rates, so the
floor-division rounding of negative amounts is exercised) and compare each result with
`fractions.Fraction` rounded half to even.
"""

from decimal import Decimal
from fractions import Fraction

import pytest
from core.backtest.models import MakerTakerFeeModel
from core.model.accounts import MarginAccount
from core.model.position import Position
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.model.currency import Currency
from core.model.enums import LiquiditySide, OrderSide
from core.model.identifiers import AccountId, InstrumentId, Symbol, Venue
from core.model.instruments import CurrencyPair
from core.model.objects import Money, Price, Quantity
from tests.kit.order_events import EventBuilder, fill_event

USD = Currency.from_str("USD")
EUR = Currency.from_str("EUR")
INT64_MAX = 2**63 - 1
E18 = 10**18


class Raw:
    """A fill quantity or price as `FeeModel.get_commission` reads it (only ``raw``)."""

    def __init__(self, raw):
        self.raw = raw


def pair(maker_fee="0", taker_fee="0", multiplier=1, margin_init="0.03"):
    return CurrencyPair(
        instrument_id=InstrumentId(Symbol("EUR/USD"), Venue("SIM")),
        raw_symbol=Symbol("EUR/USD"),
        base_currency=EUR,
        quote_currency=USD,
        price_precision=5,
        size_precision=0,
        price_increment=Price.from_str("0.00001"),
        size_increment=Quantity.from_int(1),
        multiplier=Quantity.from_int(multiplier),
        margin_init=Decimal(margin_init),
        margin_maint=Decimal(margin_init),
        maker_fee=Decimal(maker_fee),
        taker_fee=Decimal(taker_fee),
        ts_event=0,
        ts_init=0,
    )


def scaled_reference(product: Fraction, step: int) -> int:
    """round_half_even(product / 10**18 / 10**step) × 10**step (Fraction rounds half even)."""
    return round(product / E18 / 10**step) * 10**step


# Raw quantities/prices from tiny to ~10**20: products cross 2**127 for the largest draws.
raw_values = st.one_of(
    st.integers(min_value=1, max_value=10**12),
    st.integers(min_value=10**12, max_value=10**20).filter(lambda v: v <= INT64_MAX),
)
rates = st.builds(
    lambda n, places: Decimal(n).scaleb(-places),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=18),
)


@settings(max_examples=400, deadline=None)
@given(qty=raw_values, px=raw_values, rate=rates, multiplier=st.sampled_from([1, 7, 1000]))
def test_maker_taker_commission_equals_exact_rounding_on_both_paths(qty, px, rate, multiplier):
    instrument = pair(maker_fee=rate, taker_fee=rate, multiplier=multiplier)
    step = 9 - USD.precision
    expected = scaled_reference(
        Fraction(qty) * px * multiplier * 10**9 * Fraction(instrument.maker_fee), step
    )
    model = MakerTakerFeeModel()
    if not -(2**63) <= expected <= INT64_MAX:
        with pytest.raises(OverflowError):
            model.get_commission(None, Raw(qty), Raw(px), instrument, LiquiditySide.MAKER)
        return
    commission = model.get_commission(None, Raw(qty), Raw(px), instrument, LiquiditySide.MAKER)
    assert commission.raw == expected


@pytest.mark.parametrize(
    ("qty", "px", "rate", "expected"),
    [
        # 1 × 0.5 × 1e-9... exact halves round to even: 0.5 cent → 0, 1.5 cent → 2, -0.5 → 0,
        # -1.5 → -2 (raw units of the USD cent are 10**7).
        (10**9, 5 * 10**6, "1", 0),
        (10**9, 15 * 10**6, "1", 2 * 10**7),
        (10**9, 5 * 10**6, "-1", 0),
        (10**9, 15 * 10**6, "-1", -2 * 10**7),
        (10**9, 25 * 10**6, "-1", -2 * 10**7),
    ],
)
def test_maker_taker_commission_halves_round_to_even(qty, px, rate, expected):
    instrument = pair(maker_fee=rate, taker_fee=rate)
    model = MakerTakerFeeModel()

    commission = model.get_commission(None, Raw(qty), Raw(px), instrument, LiquiditySide.TAKER)

    assert commission.raw == expected


leverages = st.one_of(
    st.integers(min_value=1, max_value=500).map(Decimal),
    # many digits: the leverage's integer ratio no longer fits an int64
    st.integers(min_value=10**19, max_value=10**30).map(lambda n: Decimal(n).scaleb(-19)),
)


@settings(max_examples=300, deadline=None)
@given(qty=raw_values, px=raw_values, leverage=leverages, margin=st.sampled_from(["0.03", "1"]))
def test_margin_init_equals_exact_rounding_on_both_paths(qty, px, leverage, margin):
    instrument = pair(margin_init=margin)
    assume(leverage >= 1)
    account = MarginAccount(AccountId("SIM-001"), USD, [Money(1_000_000, USD)], leverage)
    step = 9 - USD.precision
    expected = scaled_reference(
        Fraction(qty) * px * 10**9 * Fraction(Decimal(margin)) / Fraction(leverage), step
    )
    if not -(2**63) <= expected <= INT64_MAX:
        with pytest.raises(OverflowError):
            account.margin_init_raw(instrument, qty, px)
        return
    assert account.margin_init_raw(instrument, qty, px) == expected


def reference_close(open_px_raw, closes):
    """Return (realized PnL raw, average close ×10**18) of a long closed by `closes`
    ((qty_raw, px_raw) pairs; multiplier 1, USD cents) by exact arithmetic."""
    realized = 0
    avg_close = 0
    closed = 0
    for qty, px in closes:
        realized += round(Fraction((px - open_px_raw) * qty * 10**9, E18 * 10**7)) * 10**7
        avg_close = round(Fraction(avg_close * closed + px * 10**9 * qty, closed + qty))
        closed += qty
    return realized, avg_close


@settings(max_examples=200, deadline=None)
@given(
    open_qty=st.integers(min_value=2, max_value=10**8),
    open_px=st.integers(min_value=1, max_value=10**6),
    closes=st.lists(
        st.tuples(st.integers(min_value=1, max_value=10**8), st.integers(1, 10**6)),
        min_size=1,
        max_size=6,
    ),
)
def test_position_long_closes_realize_exact_pnl_and_average_close(open_qty, open_px, closes):
    instrument = pair()
    builder = EventBuilder()
    left = open_qty
    kept = []
    for qty, px in closes:
        qty = min(qty, left)
        if qty == 0:
            break
        kept.append((qty, px))
        left -= qty

    def price(units):  # units of 0.00001
        return str(Decimal(units).scaleb(-5))

    position = Position(
        instrument,
        fill_event(builder, instrument.id, "O-0", OrderSide.BUY, str(open_qty), price(open_px)),
    )
    for n, (qty, px) in enumerate(kept, start=1):
        position.apply(
            fill_event(builder, instrument.id, f"O-{n}", OrderSide.SELL, str(qty), price(px))
        )
    realized, avg_close = reference_close(
        open_px * 10**4, [(qty * 10**9, px * 10**4) for qty, px in kept]
    )

    assert position.realized_pnl_raw == realized
    assert position.avg_px_close == float(avg_close) / 1e18
