import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidTypeError, ValidationError
from core.model.data import Bar, BarSpecification, BarType, Data, DataType, QuoteTick, TradeTick
from core.model.enums import (
    AggregationSource,
    AggressorSide,
    BarAggregation,
    PriceType,
)
from core.model.identifiers import InstrumentId, TradeId
from core.model.objects import Price, Quantity

EURUSD = InstrumentId.from_str("EUR/USD.SIM")
BAR_TYPE = BarType.from_str("EUR/USD.SIM-1-MINUTE-MID-EXTERNAL")


def _quote(bid="1.00001", ask="1.00003", bid_size=1_000, ask_size=2_000, ts=1):
    return QuoteTick(
        EURUSD,
        Price.from_str(bid),
        Price.from_str(ask),
        Quantity.from_int(bid_size),
        Quantity.from_int(ask_size),
        ts,
        ts,
    )


def test_quote_tick_from_raw_equals_constructor():
    quote = QuoteTick.from_raw(
        EURUSD, 1_000_010_000, 1_000_030_000, 5, 5, 1_000 * 10**9, 2_000 * 10**9, 0, 0, 1, 1
    )
    assert quote == _quote()
    assert quote.bid_price == Price.from_str("1.00001")
    assert quote.ask_size == Quantity.from_int(2_000)
    assert quote.bid_price.precision == 5
    assert (quote.ts_event, quote.ts_init) == (1, 1)


@pytest.mark.parametrize(
    ("price_type", "price", "size"),
    [
        (PriceType.BID, "1.00001", "1000"),
        (PriceType.ASK, "1.00003", "2000"),
        (PriceType.MID, "1.000020", "1500.0"),
    ],
)
def test_quote_tick_extract_returns_side_values(price_type, price, size):
    quote = _quote()
    assert str(quote.extract_price(price_type)) == price
    assert str(quote.extract_size(price_type)) == size


def test_quote_tick_extract_last_raises():
    with pytest.raises(
        ValidationError, match=r"QuoteTick EUR/USD.SIM: price_type .* expected BID, ASK or MID"
    ):
        _quote().extract_price(PriceType.LAST)


def test_quote_tick_mid_at_precision_nine_rounds_half_even():
    quote = QuoteTick.from_raw(EURUSD, 1, 2, 9, 9, 0, 0, 0, 0, 0, 0)
    assert quote.extract_price(PriceType.MID).raw == 2  # 1.5 → 2 (even)
    quote = QuoteTick.from_raw(EURUSD, 2, 3, 9, 9, 0, 0, 0, 0, 0, 0)
    assert quote.extract_price(PriceType.MID).raw == 2  # 2.5 → 2 (even)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (
            (1_000_010_000, 1_000_030_000, 5, 4, 0, 0, 0, 0, 1, 1),
            r"QuoteTick EUR/USD.SIM: bid_price precision 5 != ask_price precision 4, expected equal",
        ),
        (
            (1_000_010_000, 1_000_030_000, 5, 5, 0, 0, 0, 1, 1, 1),
            r"bid_size precision 0 != ask_size precision 1, expected equal",
        ),
        (
            (1_000_010_000, 1_000_030_000, 10, 10, 0, 0, 0, 0, 1, 1),
            r"bid_price precision invalid value 10, expected 0..9",
        ),
        (
            (1_000_010_001, 1_000_030_000, 5, 5, 0, 0, 0, 0, 1, 1),
            r"bid_price raw invalid value 1000010001, expected a multiple of 10000 \(precision 5\)",
        ),
        (
            (1_000_010_000, 1_000_030_000, 5, 5, -(10**9), 0, 0, 0, 1, 1),
            r"bid_size invalid value '-1', expected a value >= 0",
        ),
        (
            (1_000_010_000, 1_000_030_000, 5, 5, 0, 0, 0, 0, -1, 1),
            r"ts_event invalid value -1, expected UNIX nanoseconds >= 0",
        ),
        (
            (1_000_010_000, 1_000_030_000, 5, 5, 0, 0, 0, 0, 1, -5),
            r"ts_init invalid value -5, expected UNIX nanoseconds >= 0",
        ),
    ],
)
def test_quote_tick_from_raw_bad_input_raises(args, match):
    with pytest.raises(ValidationError, match=match):
        QuoteTick.from_raw(EURUSD, *args)


def test_quote_tick_constructor_mismatched_precision_raises():
    with pytest.raises(ValidationError, match=r"bid_price precision 5 != ask_price precision 4"):
        QuoteTick(
            EURUSD,
            Price.from_str("1.00001"),
            Price.from_str("1.0001"),
            Quantity.from_int(1),
            Quantity.from_int(1),
            0,
            0,
        )


@pytest.mark.parametrize(
    "obj",
    [
        _quote(),
        TradeTick(
            EURUSD,
            Price.from_str("1.1"),
            Quantity.from_int(5),
            AggressorSide.SELLER,
            TradeId("T-1"),
            3,
            4,
        ),
        Bar(
            BAR_TYPE,
            Price.from_str("1.1"),
            Price.from_str("1.3"),
            Price.from_str("1.0"),
            Price.from_str("1.2"),
            Quantity.from_int(10),
            60,
            61,
            is_revision=True,
        ),
    ],
)
def test_data_pickle_round_trip_equal(obj):
    clone = pickle.loads(pickle.dumps(obj))
    assert clone == obj
    assert repr(clone) == repr(obj)
    if isinstance(obj, Bar):
        assert clone.is_revision


def test_trade_tick_fields_and_repr():
    trade = TradeTick.from_raw(
        EURUSD, 1_100_000_000, 1, 5 * 10**9, 0, AggressorSide.BUYER, TradeId("T-1"), 3, 4
    )
    assert trade.price == Price.from_str("1.1")
    assert trade.size == Quantity.from_int(5)
    assert trade.aggressor_side == AggressorSide.BUYER
    assert repr(trade) == "TradeTick(EUR/USD.SIM,1.1,5,BUYER,T-1,3,4)"


@pytest.mark.parametrize(
    ("size_raw", "side", "match"),
    [
        (
            0,
            AggressorSide.BUYER,
            r"TradeTick EUR/USD.SIM: size invalid value '0', expected a size > 0",
        ),
        (
            10**9,
            7,
            r"TradeTick EUR/USD.SIM.aggressor_side: invalid value 7, expected a AggressorSide",
        ),
    ],
)
def test_trade_tick_bad_input_raises(size_raw, side, match):
    with pytest.raises(ValidationError, match=match):
        TradeTick.from_raw(EURUSD, 10**9, 0, size_raw, 0, side, TradeId("T"), 0, 0)


@pytest.mark.parametrize(
    ("o", "h", "low", "c", "match"),
    [
        ("1.10", "1.00", "1.05", "1.05", r"high 1.00 < low 1.05, expected high >= low"),
        ("1.10", "1.05", "1.00", "1.00", r"high 1.05 below open 1.10 or close 1.00"),
        ("1.00", "1.20", "1.10", "1.20", r"low 1.10 above open 1.00 or close 1.20"),
    ],
)
def test_bar_inconsistent_prices_raise(o, h, low, c, match):
    with pytest.raises(ValidationError, match=rf"Bar EUR/USD.SIM-1-MINUTE-MID-EXTERNAL: {match}"):
        Bar(
            BAR_TYPE,
            Price.from_str(o),
            Price.from_str(h),
            Price.from_str(low),
            Price.from_str(c),
            Quantity.from_int(1),
            0,
            0,
        )


def test_bar_from_raw_matches_constructor():
    bar = Bar.from_raw(BAR_TYPE, 11, 13, 10, 12, 9, 10**9, 0, 60, 60)
    assert bar.open.raw == 11 and bar.high.raw == 13 and bar.low.raw == 10 and bar.close.raw == 12
    assert bar.volume == Quantity.from_int(1)
    assert not bar.is_single_price()


def test_bar_mixed_precisions_raise():
    with pytest.raises(ValidationError, match=r"high precision 2 != open precision 1"):
        Bar(
            BAR_TYPE,
            Price.from_str("1.1"),
            Price.from_str("1.20"),
            Price.from_str("1.0"),
            Price.from_str("1.1"),
            Quantity.from_int(1),
            0,
            0,
        )


@pytest.mark.parametrize(
    ("text", "step", "aggregation", "price_type", "source"),
    [
        (
            "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL",
            1,
            BarAggregation.MINUTE,
            PriceType.MID,
            AggregationSource.EXTERNAL,
        ),
        (
            "BTC-PERP.BINANCE-100-TICK-LAST-INTERNAL",
            100,
            BarAggregation.TICK,
            PriceType.LAST,
            AggregationSource.INTERNAL,
        ),
        (
            "ES.Z4.CME-1-DAY-BID-EXTERNAL",
            1,
            BarAggregation.DAY,
            PriceType.BID,
            AggregationSource.EXTERNAL,
        ),
    ],
)
def test_bar_type_from_str_parses_and_round_trips(text, step, aggregation, price_type, source):
    bar_type = BarType.from_str(text)
    assert bar_type.spec.step == step
    assert bar_type.spec.aggregation == aggregation
    assert bar_type.spec.price_type == price_type
    assert bar_type.aggregation_source == source
    assert str(bar_type) == text
    assert BarType.from_str(str(bar_type)) == bar_type
    assert hash(BarType.from_str(text)) == hash(bar_type)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "EUR/USD.SIM-1-MINUTE-MID",
            r"BarType.value: invalid value 'EUR/USD.SIM-1-MINUTE-MID', expected '<instrument>-<step>",
        ),
        (
            "EUR/USD.SIM-0-MINUTE-MID-EXTERNAL",
            r"BarType.value: invalid step '0' in .*expected an integer >= 1",
        ),
        (
            "EUR/USD.SIM-x-MINUTE-MID-EXTERNAL",
            r"BarType.value: invalid value .*expected '<instrument>",
        ),
        (
            "EUR/USD.SIM-1-MINUTES-MID-EXTERNAL",
            r"BarType.value: invalid aggregation 'MINUTES' .*expected one of TICK",
        ),
        (
            "EUR/USD.SIM-1-MINUTE-MIDDLE-EXTERNAL",
            r"BarType.value: invalid price type 'MIDDLE' .*expected one of BID",
        ),
        (
            "EUR/USD.SIM-1-MINUTE-MID-OUTSIDE",
            r"BarType.value: invalid aggregation source 'OUTSIDE' .*expected EXTERNAL or INTERNAL",
        ),
        (
            "EURUSD-1-MINUTE-MID-EXTERNAL",
            r"BarType.value: invalid instrument id 'EURUSD' .*expected '<symbol>.<venue>'",
        ),
        ("", r"BarType.value: invalid value ''"),
    ],
)
def test_bar_type_from_str_malformed_raises(text, match):
    with pytest.raises(ValidationError, match=match):
        BarType.from_str(text)


def test_bar_type_from_str_non_string_raises():
    with pytest.raises(InvalidTypeError, match=r"BarType.value: invalid type int, expected str"):
        BarType.from_str(5)


_symbol = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="/-._"),
    min_size=1,
    max_size=12,
).filter(lambda s: s == s.strip() and not s.startswith(".") and not s.endswith("."))
_venue = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Nd")), min_size=1, max_size=8)


@given(
    symbol=_symbol,
    venue=_venue,
    step=st.integers(min_value=1, max_value=10**6),
    aggregation=st.sampled_from(list(BarAggregation)),
    price_type=st.sampled_from(list(PriceType)),
    source=st.sampled_from(list(AggregationSource)),
)
def test_bar_type_string_round_trip_property(symbol, venue, step, aggregation, price_type, source):
    instrument_id = InstrumentId.from_str(f"{symbol}.{venue}")
    bar_type = BarType(instrument_id, BarSpecification(step, aggregation, price_type), source)
    parsed = BarType.from_str(str(bar_type))
    assert parsed == bar_type
    assert parsed.instrument_id == instrument_id
    assert parsed.spec == bar_type.spec


@pytest.mark.parametrize(
    ("spec", "ns"),
    [
        ("1-MILLISECOND-LAST", 1_000_000),
        ("5-SECOND-BID", 5_000_000_000),
        ("1-MINUTE-MID", 60_000_000_000),
        ("4-HOUR-ASK", 14_400_000_000_000),
        ("1-DAY-LAST", 86_400_000_000_000),
        ("1-WEEK-LAST", 604_800_000_000_000),
    ],
)
def test_bar_specification_interval_ns(spec, ns):
    parsed = BarSpecification.from_str(spec)
    assert parsed.is_time_aggregated()
    assert parsed.interval_ns() == ns
    assert parsed.timedelta.total_seconds() * 1e9 == pytest.approx(ns)


@pytest.mark.parametrize("spec", ["1-MONTH-LAST", "100-TICK-LAST", "10-VOLUME-LAST"])
def test_bar_specification_without_fixed_duration_raises(spec):
    with pytest.raises(ValidationError, match=r"aggregation has no fixed duration"):
        BarSpecification.from_str(spec).interval_ns()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (
            (0, BarAggregation.MINUTE, PriceType.BID),
            r"step invalid value 0, expected an integer >= 1",
        ),
        (
            (1, 99, PriceType.BID),
            r"BarSpecification.aggregation: invalid value 99, expected a BarAggregation",
        ),
        (
            (1, BarAggregation.MINUTE, 0),
            r"BarSpecification.price_type: invalid value 0, expected a PriceType",
        ),
    ],
)
def test_bar_specification_bad_input_raises(args, match):
    with pytest.raises(ValidationError, match=match):
        BarSpecification(*args)


class _Signal(Data):
    def __init__(self, value, ts_event, ts_init):
        super().__init__(ts_event, ts_init)
        self.value = value


def test_custom_data_subclass_carries_timestamps():
    signal = _Signal(1.5, 10, 11)
    assert (signal.ts_event, signal.ts_init, signal.value) == (10, 11, 1.5)


def test_custom_data_negative_timestamp_raises():
    with pytest.raises(ValidationError, match=r"_Signal: ts_init invalid value -1"):
        _Signal(1.5, 10, -1)


def test_data_type_topic_sorted_metadata_and_equality():
    a = DataType(_Signal, {"b": 2, "a": "x"})
    b = DataType(_Signal, {"a": "x", "b": 2})
    assert a == b and hash(a) == hash(b)
    assert a.topic == "_Signal.a=x.b=2"
    assert DataType(_Signal).topic == "_Signal"


def test_data_type_non_data_type_raises():
    with pytest.raises(
        InvalidTypeError, match=r"DataType.type: invalid type int, expected a subclass of Data"
    ):
        DataType(int)
