"""Unit tests of `DataEngine` (core/data/engine.pyx): validation, drop counts, cache, topics."""

import pytest
from core.cache.cache import Cache
from core.data.engine import DataEngine

from core.common.clock import TestClock
from core.common.logging import (
    LogLevel,
    MemorySink,
    get_default_level,
    set_default_level,
    set_sink,
)
from core.common.msgbus import MessageBus
from core.data.config import DataEngineConfig
from core.errors import ValidationError
from core.model.data import Bar, BarType, Data, DataType, QuoteTick, TradeTick
from core.model.enums import AggressorSide
from core.model.identifiers import InstrumentId, TradeId, TraderId
from core.model.objects import Price, Quantity
from core.model.uuid import UUIDFactory
from core.testkit import TestInstrumentProvider

EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")
USDJPY = TestInstrumentProvider.default_fx_ccy("USD/JPY")
BAR_TYPE = BarType.from_str("EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL")
UNKNOWN = "GBP/USD.SIM"


class Weather(Data):
    """Custom data for the topic tests."""

    def __init__(self, celsius, ts):
        super().__init__(ts, ts)
        self.celsius = celsius


def quote(bid="1.10000", ask="1.10010", size="1000000", instrument=EURUSD.id, ts=1):
    if isinstance(instrument, str):
        instrument = InstrumentId.from_str(instrument)
    return QuoteTick(
        instrument,
        Price.from_str(bid),
        Price.from_str(ask),
        Quantity.from_str(size),
        Quantity.from_str(size),
        ts,
        ts,
    )


def trade(px="1.10000", size="1000", instrument=EURUSD.id, ts=1):
    if isinstance(instrument, str):
        instrument = InstrumentId.from_str(instrument)
    return TradeTick(
        instrument,
        Price.from_str(px),
        Quantity.from_str(size),
        AggressorSide.BUYER,
        TradeId(f"T-{ts}"),
        ts,
        ts,
    )


def bar(low="1.09000", close="1.10000", volume="1000", bar_type=BAR_TYPE, ts=60):
    if isinstance(bar_type, str):
        bar_type = BarType.from_str(bar_type)
    high = Price.from_str(close)
    return Bar(
        bar_type,
        Price.from_str(close),
        high,
        Price.from_str(low),
        Price.from_str(close),
        Quantity.from_str(volume),
        ts,
        ts,
    )


@pytest.fixture
def sink():
    memory = MemorySink()
    previous = set_sink(memory)
    previous_level = get_default_level()
    set_default_level(LogLevel.INFO)  # a BacktestEngine in an earlier test may have raised it
    yield memory
    set_sink(previous)
    set_default_level(previous_level)


@pytest.fixture
def node():
    clock = TestClock(0, UUIDFactory(1))
    msgbus = MessageBus(TraderId("TRADER-001"), clock)
    cache = Cache()
    cache.add_instrument(EURUSD)
    cache.add_instrument(USDJPY)
    engine = DataEngine(cache, msgbus, clock)
    return engine, cache, msgbus


def record(msgbus, topic):
    seen = []
    msgbus.subscribe(topic, seen.append)
    return seen


# -- accept ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (quote(instrument=UNKNOWN), "unknown instrument GBP/USD.SIM"),
        (
            quote(bid="1.1000", ask="1.1001"),
            "price precision 4 != instrument EUR/USD.SIM price_precision 5",
        ),
        (quote(size="1000.5"), "size precision 1 != instrument EUR/USD.SIM size_precision 0"),
        (quote(bid="0.00000"), "price <= 0 (bid 0.00000, ask 1.10010)"),
        (quote(ask="-0.00001"), "price <= 0 (bid 1.10000, ask -0.00001)"),
        (trade(instrument=UNKNOWN), "unknown instrument GBP/USD.SIM"),
        (trade(px="1.100001"), "price precision 6 != instrument EUR/USD.SIM price_precision 5"),
        (trade(size="10.50"), "size precision 2 != instrument EUR/USD.SIM size_precision 0"),
        (trade(px="0.00000"), "price 0.00000 <= 0"),
        (bar(bar_type="GBP/USD.SIM-1-MINUTE-LAST-EXTERNAL"), "unknown instrument GBP/USD.SIM"),
        (
            bar(low="1.0900", close="1.1000"),
            "price precision 4 != instrument EUR/USD.SIM price_precision 5",
        ),
        (bar(low="0.00000"), "low 0.00000 <= 0"),
        (bar(volume="1000.5"), "volume precision 1 != instrument EUR/USD.SIM size_precision 0"),
    ],
)
def test_data_engine_process_invalid_data_drops_counts_and_logs_the_reason(
    node, sink, data, reason
):
    engine, cache, msgbus = node
    seen = record(msgbus, "data.*")
    assert engine.accept(data) is False
    engine.process(data)
    assert seen == []
    assert engine.dropped_count == 2
    assert engine.processed_count == 0
    assert engine.drop_reasons == {reason: 2}
    assert cache.quote_tick(EURUSD.id) is None
    assert cache.trade_tick(EURUSD.id) is None
    assert cache.bar(BAR_TYPE) is None
    assert sum(f"dropped {data!r}: {reason}" in line for line in sink.lines) == 2


def test_data_engine_drop_reasons_count_each_reason_in_first_seen_order(node):
    engine, _, _ = node
    for data in (trade(px="0.00000"), quote(instrument=UNKNOWN), trade(px="0.00000")):
        engine.process(data)
    assert list(engine.drop_reasons.items()) == [
        ("price 0.00000 <= 0", 2),
        ("unknown instrument GBP/USD.SIM", 1),
    ]
    engine.drop_reasons.clear()  # a copy
    assert engine.dropped_count == 3
    engine.reset()
    assert (engine.dropped_count, engine.processed_count, engine.drop_reasons) == (0, 0, {})


@pytest.mark.parametrize(
    "data",
    [quote(), quote(bid="100.000", ask="100.010", instrument=USDJPY.id), trade(), bar()],
    ids=["quote", "jpy-quote", "trade", "bar"],
)
def test_data_engine_accept_valid_data_is_true_and_counts_nothing(node, data):
    engine, _, _ = node
    assert engine.accept(data) is True
    assert engine.dropped_count == 0


def test_data_engine_without_validation_accepts_bad_data():
    clock = TestClock(0, UUIDFactory(1))
    msgbus = MessageBus(TraderId("TRADER-001"), clock)
    engine = DataEngine(Cache(), msgbus, clock, DataEngineConfig(validate_data=False))
    seen = record(msgbus, "data.quotes.SIM.GBP/USD")
    data = quote(bid="0.00000", instrument=UNKNOWN)
    engine.process(data)
    assert seen == [data]
    assert (engine.processed_count, engine.dropped_count) == (1, 0)


# -- publish --------------------------------------------------------------------------------


def test_data_engine_process_quote_caches_and_publishes_on_the_quote_topic(node):
    engine, cache, msgbus = node
    seen = record(msgbus, "data.quotes.SIM.EUR/USD")
    other = record(msgbus, "data.quotes.SIM.USD/JPY")
    q1, q2 = quote(ts=1), quote(bid="1.10005", ts=2)
    engine.process(q1)
    engine.process(q2)
    assert seen == [q1, q2]
    assert other == []
    assert cache.quote_tick(EURUSD.id) is q2
    assert engine.processed_count == 2


def test_data_engine_process_trade_caches_and_publishes_on_the_trade_topic(node):
    engine, cache, msgbus = node
    seen = record(msgbus, "data.trades.SIM.EUR/USD")
    quotes = record(msgbus, "data.quotes.SIM.EUR/USD")
    t = trade()
    engine.process(t)
    assert seen == [t]
    assert quotes == []
    assert cache.trade_tick(EURUSD.id) is t


def test_data_engine_process_bar_caches_and_publishes_on_the_bar_type_topic(node):
    engine, cache, msgbus = node
    seen = record(msgbus, "data.bars.EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL")
    b = bar()
    engine.process(b)
    assert seen == [b]
    assert cache.bar(BAR_TYPE) is b


def test_data_engine_process_instrument_caches_and_publishes_it(node):
    engine, cache, msgbus = node
    gbpusd = TestInstrumentProvider.default_fx_ccy("GBP/USD")
    seen = record(msgbus, "data.instrument.GBP/USD.SIM")
    engine.process(gbpusd)
    assert seen == [gbpusd]
    assert cache.instrument(gbpusd.id) is gbpusd
    # The instrument is now known: its quotes pass.
    assert engine.accept(quote(bid="1.30000", ask="1.30010", instrument=gbpusd.id))


def test_data_engine_process_custom_data_publishes_on_its_data_type_topic(node):
    engine, _, msgbus = node
    seen = record(msgbus, "data.Weather")
    w1, w2 = Weather(21.5, 1), Weather(22.0, 2)
    engine.process(w1)
    engine.process(w2)
    assert seen == [w1, w2]
    assert engine.processed_count == 2


@pytest.mark.parametrize(
    ("subject", "topic"),
    [
        (EURUSD.id, "data.quotes.SIM.EUR/USD"),
        (BAR_TYPE, "data.bars.EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL"),
        (DataType(Weather), "data.Weather"),
        (DataType(Weather, {"city": "Oslo", "at": 1}), "data.Weather.at=1.city=Oslo"),
    ],
)
def test_data_engine_topic_for_each_subject(node, subject, topic):
    engine, _, _ = node
    assert engine.topic_for(subject) == topic


def test_data_engine_trade_topic_for_instrument(node):
    engine, _, _ = node
    assert engine.trade_topic_for(USDJPY.id) == "data.trades.SIM.USD/JPY"


def test_data_engine_process_endpoint_on_the_bus(node):
    engine, cache, msgbus = node
    q = quote()
    msgbus.send("DataEngine.process", q)
    assert cache.quote_tick(EURUSD.id) is q
    assert engine.processed_count == 1


@pytest.mark.parametrize("config", [{}, {"validate_data": True}, "DataEngineConfig()"])
def test_data_engine_config_of_wrong_type_raises(config):
    clock = TestClock(0, UUIDFactory(1))
    msgbus = MessageBus(TraderId("TRADER-001"), clock)
    with pytest.raises(
        ValidationError,
        match=rf"DataEngine\.config: invalid type {type(config).__name__}, "
        r"expected DataEngineConfig",
    ):
        DataEngine(Cache(), msgbus, clock, config)
