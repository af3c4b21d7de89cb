"""Unit tests of `Position` and its exact PnL (core/model/position.pyx).

Every PnL literal below is hand-computed; the comment above it shows the arithmetic.
"""

from decimal import Decimal
from fractions import Fraction

import pytest
from core.model.events import PositionChanged, PositionClosed, PositionOpened
from core.model.position import Position
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationError
from core.model.currency import Currency
from core.model.enums import AssetClass, OrderSide, PositionSide
from core.model.identifiers import ClientOrderId, InstrumentId, PositionId, Symbol
from core.model.instruments import CryptoPerpetual, FuturesContract
from core.model.objects import Money, Price, Quantity
from core.testkit import TestInstrumentProvider
from tests.kit.order_events import ACCOUNT, STRATEGY, TRADER, EventBuilder, fill_event

USD = Currency.from_str("USD")
BTC = Currency.from_str("BTC")
BUY, SELL = OrderSide.BUY, OrderSide.SELL
AAPL = TestInstrumentProvider.equity()
MSFT = TestInstrumentProvider.equity("MSFT")


def es_future():
    return FuturesContract(
        instrument_id=InstrumentId.from_str("ESZ5.XCME"),
        raw_symbol=Symbol("ESZ5"),
        asset_class=AssetClass.INDEX,
        currency=USD,
        price_precision=2,
        price_increment=Price.from_str("0.25"),
        multiplier=Quantity.from_int(50),
        lot_size=Quantity.from_int(1),
        underlying="ES",
        activation_ns=0,
        expiration_ns=2_000_000_000_000_000_000,
        ts_event=0,
        ts_init=0,
    )


def xbtusd_inverse():
    return CryptoPerpetual(
        instrument_id=InstrumentId.from_str("XBTUSD-PERP.BITMEX"),
        raw_symbol=Symbol("XBTUSD"),
        base_currency=BTC,
        quote_currency=USD,
        settlement_currency=BTC,
        is_inverse=True,
        price_precision=1,
        size_precision=0,
        price_increment=Price.from_str("0.5"),
        size_increment=Quantity.from_int(1),
        ts_event=0,
        ts_init=0,
    )


ES = es_future()
XBT = xbtusd_inverse()


class Trades:
    """Fills for one instrument with numbered orders (O-1, O-2, ...) and trades."""

    def __init__(self, instrument, currency="USD"):
        self.instrument = instrument
        self.currency = currency
        self.b = EventBuilder()
        self.order_seq = 0

    def fill(self, side, qty, px, commission=None, **kw):
        self.order_seq += 1
        return fill_event(
            self.b,
            self.instrument.id,
            f"O-{self.order_seq}",
            side,
            qty,
            px,
            commission=commission,
            currency=self.currency,
            **kw,
        )

    def open(self, side, qty, px, commission=None):
        return Position(self.instrument, self.fill(side, qty, px, commission))


def usd(text):
    return Money.from_str(f"{text} USD")


def btc(text):
    return Money.from_str(f"{text} BTC")


# --------------------------------------------------------------------------------------------
# Linear round trips
# --------------------------------------------------------------------------------------------


def test_position_long_round_trip_realizes_exact_pnl_net_of_commissions():
    t = Trades(AAPL)
    pos = t.open(BUY, "100", "150.25", "1.00 USD")

    assert (pos.side, pos.quantity, pos.is_open) == (
        PositionSide.LONG,
        Quantity.from_int(100),
        True,
    )
    assert pos.realized_pnl == usd("-1.00")
    assert pos.settlement_currency == USD

    pos.apply(t.fill(SELL, "100", "152.75", "1.00 USD"))

    # (152.75 − 150.25) × 100 − 1.00 − 1.00 = 250.00 − 2.00
    assert pos.realized_pnl == usd("248.00")
    assert pos.realized_pnl.raw == 24_800 * 10**7
    assert (pos.side, pos.is_closed, pos.quantity) == (
        PositionSide.FLAT,
        True,
        Quantity.from_int(0),
    )
    assert pos.commissions() == [usd("2.00")]
    assert pos.closing_order_id == ClientOrderId("O-2")
    assert pos.avg_px_close == 152.75


def test_position_short_round_trip_realizes_exact_pnl_net_of_commissions():
    t = Trades(AAPL)
    pos = t.open(SELL, "50", "200.10", "0.50 USD")
    assert (pos.side, pos.signed_qty) == (PositionSide.SHORT, Decimal("-50"))

    pos.apply(t.fill(BUY, "50", "195.35", "0.50 USD"))

    # (200.10 − 195.35) × 50 − 0.50 − 0.50 = 237.50 − 1.00
    assert pos.realized_pnl == usd("236.50")
    assert pos.side == PositionSide.FLAT
    assert (pos.buy_raw, pos.sell_raw) == (50 * 10**9, 50 * 10**9)


def test_position_short_losing_round_trip_realizes_negative_pnl():
    t = Trades(AAPL)
    pos = t.open(SELL, "30", "99.99")
    pos.apply(t.fill(BUY, "30", "101.01"))

    # (99.99 − 101.01) × 30 = −30.60
    assert pos.realized_pnl == usd("-30.60")


def test_position_several_entries_average_open_price_exactly():
    t = Trades(AAPL)
    pos = t.open(BUY, "100", "10.00")
    pos.apply(t.fill(BUY, "200", "10.01"))
    pos.apply(t.fill(BUY, "300", "10.05"))

    # (100 × 10.00 + 200 × 10.01 + 300 × 10.05) / 600 = 6017 / 600 = 10.0283333…
    assert pos.avg_px_open == pytest.approx(10.028333333333333, abs=1e-14)
    assert pos.quantity == Quantity.from_int(600)
    assert pos.peak_qty == Quantity.from_int(600)

    pos.apply(t.fill(SELL, "600", "10.10"))

    # 600 × 10.10 − 6017 = 43.00 exactly (no residue from the repeating average)
    assert pos.realized_pnl == usd("43.00")


def test_position_partial_closes_realize_each_part_and_average_close():
    t = Trades(AAPL)
    pos = t.open(BUY, "300", "20.00")

    pos.apply(t.fill(SELL, "100", "21.00"))
    # (21.00 − 20.00) × 100
    assert pos.realized_pnl == usd("100.00")
    assert (pos.side, pos.quantity) == (PositionSide.LONG, Quantity.from_int(200))

    pos.apply(t.fill(SELL, "50", "19.50"))
    # + (19.50 − 20.00) × 50 = 100.00 − 25.00
    assert pos.realized_pnl == usd("75.00")
    assert pos.quantity == Quantity.from_int(150)
    # open 150 at 22.00: (22.00 − 20.00) × 150
    assert pos.unrealized_pnl(Price.from_str("22.00")) == usd("300.00")
    assert pos.total_pnl(Price.from_str("22.00")) == usd("375.00")

    pos.apply(t.fill(SELL, "150", "20.10"))
    # + (20.10 − 20.00) × 150 = 75.00 + 15.00
    assert pos.realized_pnl == usd("90.00")
    # (100 × 21.00 + 50 × 19.50 + 150 × 20.10) / 300 = 6090 / 300
    assert pos.avg_px_close == pytest.approx(20.30, abs=1e-12)
    assert pos.is_closed
    assert pos.event_count == 4


def test_position_realized_pnl_rounds_half_to_even_per_closing_fill():
    t = Trades(AAPL)
    pos = t.open(BUY, "1", "10.00")
    pos.apply(t.fill(BUY, "1", "10.01"))  # average 10.005

    pos.apply(t.fill(SELL, "1", "10.01"))
    # 10.01 − 10.005 = 0.005 → half to even → 0.00
    assert pos.realized_pnl == usd("0.00")

    pos.apply(t.fill(SELL, "1", "10.02"))
    # 10.02 − 10.005 = 0.015 → half to even → 0.02 (half-up per fill would make 0.03)
    assert pos.realized_pnl == usd("0.02")


def test_position_repeating_average_on_half_cent_boundary_rounds_like_exact_value():
    t = Trades(AAPL)
    pos = t.open(BUY, "5", "10.00")
    pos.apply(t.fill(BUY, "1", "10.01"))  # average 60.01 / 6 = 10.0016666…

    pos.apply(t.fill(SELL, "3", "10.00"))

    # 3 × 10.00 − 3 × 60.01 / 6 = −0.005 exactly → half to even → 0.00
    # (a rounded average, 10.001666666666666667, gives −0.005000…001 → −0.01)
    assert pos.realized_pnl_raw == 0


def test_position_unrealized_pnl_long_and_short_at_price():
    long_pos = Trades(AAPL).open(BUY, "100", "150.25")
    short_pos = Trades(AAPL).open(SELL, "50", "200.10")

    # (151.00 − 150.25) × 100 ; (200.10 − 201.00) × 50
    assert long_pos.unrealized_pnl(Price.from_str("151.00")) == usd("75.00")
    assert short_pos.unrealized_pnl(Price.from_str("201.00")) == usd("-45.00")
    assert long_pos.unrealized_pnl(Price.from_str("150.25")) == usd("0.00")


def test_position_reopen_after_close_starts_new_entry():
    t = Trades(AAPL)
    pos = t.open(BUY, "10", "100.00")
    pos.apply(t.fill(SELL, "10", "101.00"))
    pos.apply(t.fill(SELL, "5", "102.00"))

    # closed +10.00; reopened short at 102.00
    assert pos.side == PositionSide.SHORT
    assert pos.realized_pnl == usd("10.00")
    assert pos.avg_px_open == 102.0
    assert pos.entry == SELL
    assert pos.opening_order_id == ClientOrderId("O-3")
    assert pos.closing_order_id is None
    assert pos.ts_closed == 0


# --------------------------------------------------------------------------------------------
# Multiplier and inverse
# --------------------------------------------------------------------------------------------


def test_position_futures_long_pnl_uses_multiplier():
    t = Trades(ES)
    pos = t.open(BUY, "2", "4500.25", "2.50 USD")
    pos.apply(t.fill(SELL, "2", "4510.75", "2.50 USD"))

    # (4510.75 − 4500.25) × 2 × 50 − 5.00 = 1050.00 − 5.00
    assert pos.realized_pnl == usd("1045.00")
    assert pos.multiplier_raw == 50 * 10**9


def test_position_futures_short_loss_and_unrealized_use_multiplier():
    t = Trades(ES)
    pos = t.open(SELL, "3", "4600.00")

    # (4600.00 − 4601.25) × 3 × 50
    assert pos.unrealized_pnl(Price.from_str("4601.25")) == usd("-187.50")

    pos.apply(t.fill(BUY, "3", "4612.25"))
    # (4600.00 − 4612.25) × 3 × 50
    assert pos.realized_pnl == usd("-1837.50")


def test_position_inverse_long_pnl_in_base_currency():
    t = Trades(XBT, currency="BTC")
    pos = t.open(BUY, "1000", "30000.0", "0.00000050 BTC")
    assert pos.settlement_currency == BTC
    # 1000 × (1/30000 − 1/31000) = 0.0010752688… → 0.00107527
    assert pos.unrealized_pnl(Price.from_str("31000.0")) == btc("0.00107527")

    pos.apply(t.fill(SELL, "1000", "31000.0", "0.00000050 BTC"))

    # 0.00107527 − 0.00000100 commissions
    assert pos.realized_pnl == btc("0.00107427")
    assert pos.realized_pnl.currency == BTC


def test_position_inverse_long_loss_in_base_currency():
    t = Trades(XBT, currency="BTC")
    pos = t.open(BUY, "1000", "31000.0")
    pos.apply(t.fill(SELL, "1000", "30000.0"))

    # 1000 × (1/31000 − 1/30000) = −0.0010752688… → −0.00107527
    assert pos.realized_pnl == btc("-0.00107527")


def test_position_inverse_short_pnl_in_base_currency():
    t = Trades(XBT, currency="BTC")
    pos = t.open(SELL, "2500", "42000.5")
    pos.apply(t.fill(BUY, "2500", "41000.0"))

    # −2500 × (1/42000.5 − 1/41000) = 2500 × 1000.5 / (41000 × 42000.5) = 0.0014525088… → 0.00145251
    assert pos.realized_pnl == btc("0.00145251")


def test_position_inverse_commission_in_quote_not_deducted():
    t = Trades(XBT, currency="BTC")
    pos = Position(
        XBT,
        fill_event(
            t.b, XBT.id, "O-1", BUY, "10000", "40000.0", commission="1.00 USD", currency="USD"
        ),
    )
    pos.apply(fill_event(t.b, XBT.id, "O-2", SELL, "10000", "50000.0", currency="BTC"))

    # 10000 × (1/40000 − 1/50000) = 0.05 BTC; the USD commission is kept apart
    assert pos.realized_pnl == btc("0.05000000")
    assert pos.commissions() == [usd("1.00"), btc("0")]


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def test_position_fill_that_would_flip_raises_and_leaves_position_unchanged():
    t = Trades(AAPL)
    pos = t.open(BUY, "100", "150.00")

    with pytest.raises(
        ValidationError,
        match=r"Position P-1: fill of 150 would flip the position of 100 through "
        r"zero, expected the fill split at zero",
    ):
        pos.apply(t.fill(SELL, "150", "151.00"))

    assert (pos.side, pos.quantity, pos.event_count) == (
        PositionSide.LONG,
        Quantity.from_int(100),
        1,
    )
    assert pos.realized_pnl_raw == 0


def test_position_duplicate_fill_raises_and_leaves_position_unchanged():
    t = Trades(AAPL)
    fill = t.fill(BUY, "100", "150.00", "1.00 USD")
    pos = Position(AAPL, fill)

    with pytest.raises(
        ValidationError, match=r"Position P-1: trade T-1 already applied, expected a new fill"
    ):
        pos.apply(fill)

    assert (pos.quantity, pos.event_count, pos.commissions()) == (
        Quantity.from_int(100),
        1,
        [usd("1.00")],
    )


def test_position_fill_for_other_instrument_raises():
    t = Trades(AAPL)
    pos = t.open(BUY, "100", "150.00")
    other = fill_event(t.b, MSFT.id, "O-9", SELL, "100", "300.00")

    with pytest.raises(
        ValidationError, match=r"Position P-1: fill for MSFT.XNAS invalid, expected AAPL.XNAS"
    ):
        pos.apply(other)

    assert pos.quantity == Quantity.from_int(100)


def test_position_opening_fill_for_other_instrument_raises():
    fill = fill_event(EventBuilder(), MSFT.id, "O-1", BUY, "100", "300.00")

    with pytest.raises(
        ValidationError,
        match=r"Position P-1: fill T-1 for MSFT.XNAS invalid, expected a fill "
        r"for the instrument AAPL.XNAS",
    ):
        Position(AAPL, fill)


def test_position_opening_fill_without_position_id_raises():
    fill = fill_event(EventBuilder(), AAPL.id, "O-1", BUY, "100", "150.00", position_id=None)

    with pytest.raises(
        ValidationError,
        match=r"Position AAPL.XNAS: fill T-1 has no position_id, expected the "
        r"ExecutionEngine to assign one",
    ):
        Position(AAPL, fill)


# --------------------------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------------------------


def test_position_to_event_snapshots_opened_changed_closed():
    t = Trades(AAPL)
    uuids = t.b.uuids
    open_fill = t.fill(BUY, "100", "150.25", "1.00 USD")
    pos = Position(AAPL, open_fill)

    opened = pos.to_event(PositionOpened, uuids.generate(), 99)
    assert type(opened) is PositionOpened
    assert (
        opened.trader_id,
        opened.strategy_id,
        opened.instrument_id,
        opened.position_id,
        opened.account_id,
    ) == (TRADER, STRATEGY, AAPL.id, PositionId("P-1"), ACCOUNT)
    assert (opened.opening_order_id, opened.closing_order_id) == (ClientOrderId("O-1"), None)
    assert (opened.entry, opened.side) == (BUY, PositionSide.LONG)
    assert opened.signed_qty == Decimal("100")
    assert (opened.quantity, opened.peak_qty, opened.last_qty) == (
        Quantity.from_int(100),
        Quantity.from_int(100),
        Quantity.from_int(100),
    )
    assert opened.last_px == Price.from_str("150.25")
    assert opened.currency == USD
    assert opened.avg_px_open == 150.25
    assert opened.realized_pnl == usd("-1.00")
    assert opened.unrealized_pnl == usd("0.00")
    assert (opened.ts_opened, opened.ts_closed, opened.duration_ns) == (open_fill.ts_event, 0, 0)
    assert (opened.ts_event, opened.ts_init) == (open_fill.ts_event, 99)

    pos.apply(t.fill(SELL, "40", "151.25"))
    changed = pos.to_event(PositionChanged, uuids.generate(), 100)
    assert type(changed) is PositionChanged
    assert (changed.side, changed.quantity, changed.peak_qty, changed.last_qty) == (
        PositionSide.LONG,
        Quantity.from_int(60),
        Quantity.from_int(100),
        Quantity.from_int(40),
    )
    assert changed.last_px == Price.from_str("151.25")
    # (151.25 − 150.25) × 40 − 1.00 ; open 60 at the last price 151.25: 1.00 × 60
    assert changed.realized_pnl == usd("39.00")
    assert changed.unrealized_pnl == usd("60.00")
    assert changed.avg_px_close == 151.25

    close_fill = t.fill(SELL, "60", "149.25")
    pos.apply(close_fill)
    closed = pos.to_event(PositionClosed, uuids.generate(), 101)
    assert type(closed) is PositionClosed
    assert (closed.side, closed.quantity, closed.signed_qty) == (
        PositionSide.FLAT,
        Quantity.from_int(0),
        Decimal("0"),
    )
    assert closed.closing_order_id == ClientOrderId("O-3")
    # 39.00 + (149.25 − 150.25) × 60 = 39.00 − 60.00
    assert closed.realized_pnl == usd("-21.00")
    assert closed.unrealized_pnl == usd("0.00")
    # (40 × 151.25 + 60 × 149.25) / 100
    assert closed.avg_px_close == pytest.approx(150.05, abs=1e-12)
    assert closed.ts_closed == close_fill.ts_event
    assert closed.duration_ns == close_fill.ts_event - open_fill.ts_event
    assert closed.realized_return == pytest.approx(150.05 / 150.25 - 1.0, abs=1e-12)
    assert opened.quantity == Quantity.from_int(100)  # snapshots do not change afterwards


# --------------------------------------------------------------------------------------------
# Property: realized PnL equals the exact reference
# --------------------------------------------------------------------------------------------


def reference_realized(fills, multiplier, inverse, places):
    """Return realized PnL (Fraction) by exact arithmetic, rounded half-even per closing fill."""
    signed = 0
    avg = Fraction(0)
    realized = Fraction(0)
    for side, qty, px in fills:
        delta = qty if side == BUY else -qty
        if signed == 0:
            avg = px
        elif (signed > 0) == (delta > 0):
            avg = (avg * abs(signed) + px * qty) / (abs(signed) + qty)
        else:
            if inverse:
                pnl = qty * multiplier * (1 / avg - 1 / px)
            else:
                pnl = (px - avg) * qty * multiplier
            realized += round(pnl if signed > 0 else -pnl, places)
        signed += delta
    return realized


fill_steps = st.lists(
    st.tuples(
        st.booleans(),
        st.integers(min_value=1, max_value=500),
        st.integers(min_value=1, max_value=200_000),
    ),
    min_size=1,
    max_size=25,
)


@pytest.mark.parametrize(
    ("instrument", "currency", "px_step", "places"),
    [
        (AAPL, "USD", Fraction(1, 100), 2),
        (ES, "USD", Fraction(1, 4), 2),
        (XBT, "BTC", Fraction(1, 2), 8),
    ],
    ids=["equity", "future-x50", "inverse"],
)
@settings(max_examples=150, deadline=None)
@given(steps=fill_steps)
def test_position_random_non_flipping_fills_realize_exact_reference(
    instrument, currency, px_step, places, steps
):
    t = Trades(instrument, currency=currency)
    precision = instrument.price_precision
    fills = []
    signed = 0
    for is_buy, qty, ticks in steps:
        side = BUY if is_buy else SELL
        if signed != 0 and (signed > 0) != is_buy:
            qty = min(qty, abs(signed))  # never flip: reduce at most to flat
        px = ticks * px_step
        fills.append((side, qty, px))
        signed += qty if is_buy else -qty

    pos = None
    for side, qty, px in fills:
        fill = t.fill(side, str(qty), f"{float(px):.{precision}f}")
        if pos is None:
            pos = Position(instrument, fill)
        else:
            pos.apply(fill)

    expected = reference_realized(fills, int(instrument.multiplier), instrument.is_inverse, places)
    assert Fraction(pos.realized_pnl_raw, 10**9) == expected
    assert pos.signed_raw == signed * 10**9
