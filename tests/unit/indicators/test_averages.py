import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidTypeError, ValidationError
from core.indicators import (
    ExponentialMovingAverage,
    Indicator,
    MovingAverage,
    SimpleMovingAverage,
)
from core.model.data import Bar, BarType, QuoteTick, TradeTick
from core.model.enums import AggressorSide, PriceType
from core.model.identifiers import InstrumentId, TradeId

EURUSD = InstrumentId.from_str("EUR/USD.SIM")
BAR_TYPE = BarType.from_str("EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL")
AVERAGES = [ExponentialMovingAverage, SimpleMovingAverage]


def _quote(bid_raw, ask_raw):
    return QuoteTick.from_raw(EURUSD, bid_raw, ask_raw, 5, 5, 10**9, 10**9, 0, 0, 0, 0)


def _trade(price_raw):
    return TradeTick.from_raw(
        EURUSD, price_raw, 5, 10**9, 0, AggressorSide.BUYER, TradeId("T1"), 0, 0
    )


def _bar(open_raw, high_raw, low_raw, close_raw):
    return Bar.from_raw(BAR_TYPE, open_raw, high_raw, low_raw, close_raw, 5, 10**9, 0, 0, 0)


def ref_ema(values, period):
    """Pure-Python EMA: the first input seeds, then alpha * x + (1 - alpha) * previous."""
    alpha = 2.0 / (period + 1.0)
    out, value = [], None
    for x in values:
        value = x if value is None else alpha * x + (1.0 - alpha) * value
        out.append(value)
    return out


def ref_sma(values, period):
    """Pure-Python SMA: mean of the last min(n, period) inputs."""
    return [
        math.fsum(values[max(0, i + 1 - period) : i + 1]) / min(i + 1, period)
        for i in range(len(values))
    ]


def _feed(indicator, values):
    out = []
    for x in values:
        indicator.update_raw(x)
        out.append(indicator.value)
    return out


# --- construction -------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", AVERAGES)
@pytest.mark.parametrize("period", [0, -1, 2**30 + 1])
def test_average_bad_period_raises(cls, period):
    with pytest.raises(
        ValidationError,
        match=rf"^{cls.__name__}: period invalid value {period}, expected an int in 1\.\.1073741824$",
    ):
        cls(period)


@pytest.mark.parametrize("cls", AVERAGES)
@pytest.mark.parametrize("period", ["3", 3.0, True, None])
def test_average_non_int_period_raises(cls, period):
    with pytest.raises(InvalidTypeError, match=rf"^{cls.__name__}: period must be an int, got "):
        cls(period)


@pytest.mark.parametrize("cls", AVERAGES)
def test_average_bad_price_type_raises(cls):
    with pytest.raises(
        ValidationError,
        match=rf"{cls.__name__}\.price_type: invalid value 99, expected a PriceType",
    ):
        cls(3, 99)


@pytest.mark.parametrize("cls", AVERAGES)
def test_average_new_has_clean_state_and_name(cls):
    average = cls(10, PriceType.MID)
    assert average.name == repr(average) == f"{cls.__name__}(10, MID)"
    assert (average.period, average.price_type) == (10, PriceType.MID)
    assert (average.value, average.count, average.has_inputs, average.initialized) == (
        0.0,
        0,
        False,
        False,
    )
    assert isinstance(average, MovingAverage) and isinstance(average, Indicator)


def test_average_default_price_type_is_last():
    assert SimpleMovingAverage(2).price_type == PriceType.LAST
    assert ExponentialMovingAverage(2).price_type == PriceType.LAST


def test_average_period_max_is_accepted():
    assert ExponentialMovingAverage(2**30).period == 2**30


# --- EMA ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "alpha"), [(1, 1.0), (3, 0.5), (4, 0.4), (19, 0.1)])
def test_ema_alpha_is_two_over_period_plus_one(period, alpha):
    assert ExponentialMovingAverage(period).alpha == pytest.approx(alpha, abs=1e-15)


def test_ema_first_input_seeds_value():
    ema = ExponentialMovingAverage(10)
    ema.update_raw(1.2345)
    assert ema.value == 1.2345
    assert ema.has_inputs and ema.count == 1 and not ema.initialized


def test_ema_sequence_matches_hand_computed_values():
    # alpha = 0.5: every step is exact in binary floating point.
    assert _feed(ExponentialMovingAverage(3), [1.0, 2.0, 3.0, 4.0, 0.0]) == [
        1.0,
        1.5,
        2.25,
        3.125,
        1.5625,
    ]


def test_ema_period_one_tracks_the_input():
    assert _feed(ExponentialMovingAverage(1), [5.0, -2.0, 7.5]) == [5.0, -2.0, 7.5]


@pytest.mark.parametrize("cls", AVERAGES)
@pytest.mark.parametrize("period", [1, 2, 5])
def test_average_initialized_after_period_inputs(cls, period):
    average = cls(period)
    for i in range(1, period):
        average.update_raw(float(i))
        assert not average.initialized
        assert average.count == i
    average.update_raw(1.0)
    assert average.initialized and average.count == period
    average.update_raw(1.0)
    assert average.initialized and average.count == period + 1


@pytest.mark.parametrize("cls", AVERAGES)
def test_average_reset_clears_everything(cls):
    average = cls(3)
    _feed(average, [7.0, 8.0, 9.0, 10.0])
    assert average.initialized
    average.reset()
    assert (average.value, average.count, average.has_inputs, average.initialized) == (
        0.0,
        0,
        False,
        False,
    )
    # After a reset the average behaves as a new one: no earlier input leaks into the result.
    assert _feed(average, [1.0, 2.0, 3.0, 4.0]) == _feed(cls(3), [1.0, 2.0, 3.0, 4.0])


# --- SMA ----------------------------------------------------------------------------------------


def test_sma_sequence_matches_hand_computed_values():
    assert _feed(SimpleMovingAverage(3), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) == [
        1.0,
        1.5,
        2.0,
        3.0,
        4.0,
        5.0,
    ]


def test_sma_ring_wraps_many_times_keeping_the_last_window():
    values = [float((i * 7) % 11) for i in range(40)]  # integers: every sum is exact
    assert _feed(SimpleMovingAverage(4), values) == [
        sum(values[max(0, i - 3) : i + 1]) / min(i + 1, 4) for i in range(40)
    ]


def test_sma_period_one_tracks_the_input():
    assert _feed(SimpleMovingAverage(1), [5.0, -2.0, 7.5]) == [5.0, -2.0, 7.5]


def test_sma_resum_on_wrap_removes_rounding_left_by_a_large_input():
    # 1e16 + 1.0 rounds to 1e16, so subtracting 1e16 later loses the 1.0; a pure running sum would
    # stay 0.5 too low forever. The sum is rebuilt from the window when the ring wraps.
    sma = SimpleMovingAverage(2)
    _feed(sma, [1e16, 1.0, 1.0, 1.0])
    assert sma.value == 1.0
    _feed(sma, [1.0, 1.0, 1.0])
    assert sma.value == 1.0


# --- market data --------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", AVERAGES)
@pytest.mark.parametrize(
    ("price_type", "expected"),
    [
        (PriceType.BID, 1_000_010_000 * 1e-9),
        (PriceType.ASK, 1_000_030_000 * 1e-9),
        (PriceType.MID, (1_000_010_000 + 1_000_030_000) * 0.5e-9),
    ],
)
def test_average_handle_quote_tick_uses_price_type(cls, price_type, expected):
    average = cls(2, price_type)
    average.handle_quote_tick(_quote(1_000_010_000, 1_000_030_000))
    assert average.value == expected
    assert math.isclose(
        average.value, {PriceType.BID: 1.00001, PriceType.ASK: 1.00003}.get(price_type, 1.00002)
    )
    assert average.count == 1


def test_ema_handle_quote_tick_sequence_matches_reference():
    ema = ExponentialMovingAverage(3, PriceType.MID)
    quotes = [
        (1_000_010_000, 1_000_030_000),
        (1_000_020_000, 1_000_020_000),
        (999_990_000, 1_000_050_000),
    ]
    for bid, ask in quotes:
        ema.handle_quote_tick(_quote(bid, ask))
    assert math.isclose(
        ema.value, ref_ema([(b + a) / 2 * 1e-9 for b, a in quotes], 3)[-1], rel_tol=1e-15
    )


@pytest.mark.parametrize("cls", AVERAGES)
def test_average_handle_quote_tick_with_last_raises(cls):
    average = cls(3)
    with pytest.raises(
        ValidationError,
        match=rf"^{cls.__name__}\(3, LAST\): price_type invalid value LAST for quote ticks, expected BID, ASK or MID; construct it with price_type=PriceType.MID",
    ):
        average.handle_quote_tick(_quote(1_000_010_000, 1_000_030_000))
    assert average.count == 0 and not average.has_inputs


def test_average_handle_quote_tick_mid_near_raw_limit_does_not_overflow():
    raw = 9_223_372_036_000_000_000
    sma = SimpleMovingAverage(1, PriceType.MID)
    sma.handle_quote_tick(QuoteTick.from_raw(EURUSD, raw, raw, 9, 9, 1, 1, 9, 9, 0, 0))
    assert math.isclose(sma.value, raw * 1e-9, rel_tol=1e-15)


@pytest.mark.parametrize("cls", AVERAGES)
@pytest.mark.parametrize("price_type", [PriceType.LAST, PriceType.BID])
def test_average_handle_trade_tick_uses_trade_price(cls, price_type):
    average = cls(2, price_type)
    average.handle_trade_tick(_trade(123_450_000_000))
    average.handle_trade_tick(_trade(123_470_000_000))
    expected = ref_ema if cls is ExponentialMovingAverage else ref_sma
    assert average.value == expected([123_450_000_000 * 1e-9, 123_470_000_000 * 1e-9], 2)[-1]
    assert average.count == 2 and average.initialized


@pytest.mark.parametrize("cls", AVERAGES)
def test_average_handle_bar_uses_close(cls):
    average = cls(2)
    average.handle_bar(_bar(1_000_000_000, 4_000_000_000, 500_000_000, 2_000_000_000))
    average.handle_bar(_bar(2_000_000_000, 9_000_000_000, 1_000_000_000, 3_000_000_000))
    expected = ref_ema if cls is ExponentialMovingAverage else ref_sma
    assert average.value == expected([2.0, 3.0], 2)[-1]
    assert average.count == 2


@pytest.mark.parametrize("cls", AVERAGES)
@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("handle_quote_tick", "tick is None, expected a QuoteTick"),
        ("handle_trade_tick", "tick is None, expected a TradeTick"),
        ("handle_bar", "bar is None, expected a Bar"),
    ],
)
def test_average_handler_given_none_raises(cls, method, message):
    average = cls(2, PriceType.BID)
    with pytest.raises(InvalidTypeError, match=rf"^{cls.__name__}\(2, BID\)\.{method}: {message}$"):
        getattr(average, method)(None)
    assert average.count == 0


# --- base ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "arg"),
    [
        ("handle_quote_tick", _quote(10_000, 10_000)),
        ("handle_trade_tick", _trade(100_000)),
        ("handle_bar", _bar(10_000, 10_000, 10_000, 10_000)),
        ("update_raw", 1.0),
    ],
)
def test_indicator_base_handlers_raise_not_implemented(method, arg):
    with pytest.raises(
        NotImplementedError,
        match=rf"^Indicator\(\): {method} is not supported; Indicator must override it",
    ):
        getattr(Indicator([]), method)(arg)


def test_indicator_python_subclass_overrides_are_called_from_c_handlers():
    class Last(ExponentialMovingAverage):
        def __init__(self):
            super().__init__(1)
            self.seen = []
            self.resets = 0

        def update_raw(self, value):
            self.seen.append(value)

        def _reset(self):
            self.resets += 1

    last = Last()
    last.handle_bar(_bar(1_000_000_000, 4_000_000_000, 500_000_000, 2_000_000_000))
    last.handle_trade_tick(_trade(3_000_000_000))
    assert last.seen == [2.0, 3.0]
    last.reset()
    assert last.resets == 1


# --- properties ---------------------------------------------------------------------------------

_values = st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=120)
_periods = st.integers(min_value=1, max_value=25)


@given(values=_values, period=_periods)
def test_ema_matches_reference_on_random_sequences(values, period):
    ema = ExponentialMovingAverage(period)
    got = _feed(ema, values)
    tol = 1e-12 * max([1.0, *map(abs, values)])
    assert all(
        math.isclose(g, e, rel_tol=1e-12, abs_tol=tol)
        for g, e in zip(got, ref_ema(values, period), strict=True)
    )
    assert ema.count == len(values)
    assert ema.initialized == (len(values) >= period)


@given(values=_values, period=_periods)
def test_sma_matches_reference_on_random_sequences(values, period):
    sma = SimpleMovingAverage(period)
    got = _feed(sma, values)
    # The running sum's rounding is bounded by the magnitude seen within one or two windows.
    tol = 1e-12 * max([1.0, *map(abs, values)])
    assert all(
        math.isclose(g, e, rel_tol=1e-9, abs_tol=tol)
        for g, e in zip(got, ref_sma(values, period), strict=True)
    )
    assert sma.count == len(values)
    assert sma.initialized == (len(values) >= period)
