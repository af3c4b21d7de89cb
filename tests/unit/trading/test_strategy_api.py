"""Unit tests of `Actor`, `Strategy` and `Trader` (core/trading): dispatch, commands, errors.

Components are registered with a `Trader` over a hand-wired node without execution clients, so
submitted orders stop in the cache (INITIALIZED) where the tests read them.
"""

import pytest
from core.cache.cache import Cache
from core.execution.engine import ExecutionEngine
from core.model.position import Position
from core.portfolio.portfolio import Portfolio
from core.risk.engine import RiskEngine
from core.trading.actor import Actor
from core.trading.strategy import Strategy

from core.common.clock import TestClock
from core.common.logging import (
    LogLevel,
    MemorySink,
    get_default_level,
    set_default_level,
    set_sink,
)
from core.common.msgbus import MessageBus
from core.errors import ValidationError
from core.indicators.averages import SimpleMovingAverage
from core.model.data import Bar, BarType, DataType, QuoteTick, TradeTick
from core.model.enums import (
    AggressorSide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    PriceType,
)
from core.model.identifiers import ClientOrderId, InstrumentId, PositionId, TradeId
from core.model.objects import Price, Quantity
from core.model.uuid import UUIDFactory
from core.testkit import TestInstrumentProvider
from core.trading.config import ActorConfig, StrategyConfig
from core.trading.trader import Trader
from tests.kit.order_events import STRATEGY, TRADER, EventBuilder, fill_event

EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")
GBPUSD = TestInstrumentProvider.default_fx_ccy("GBP/USD")
BAR_TYPE = BarType.from_str("EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL")
QUOTES = "data.quotes.SIM.EUR/USD"
ORDER_EVENTS = f"events.order.{STRATEGY.value}"
POSITION_EVENTS = f"events.position.{STRATEGY.value}"


class Node:
    def __init__(self):
        self.clock = TestClock(0, UUIDFactory(1))
        self.uuids = UUIDFactory(2)
        self.msgbus = MessageBus(TRADER, self.clock)
        self.cache = Cache()
        self.cache.add_instrument(EURUSD)
        self.cache.add_instrument(GBPUSD)
        self.portfolio = Portfolio(self.cache, self.msgbus, self.clock, self.uuids)
        self.exec_engine = ExecutionEngine(
            self.cache, self.msgbus, self.clock, self.portfolio, self.uuids
        )
        self.risk = RiskEngine(self.cache, self.msgbus, self.clock, self.exec_engine, self.uuids)
        self.trader = Trader(
            TRADER,
            self.cache,
            self.portfolio,
            self.msgbus,
            clock_factory=lambda: self.clock,
            uuid_factory_factory=lambda: UUIDFactory(3),
        )
        self.b = EventBuilder()

    def add(self, component):
        if isinstance(component, Strategy):
            self.trader.add_strategy(component)
        else:
            self.trader.add_actor(component)
        component.start()
        return component

    def position(self, side, qty, position_id, instrument=EURUSD):
        fill = fill_event(
            self.b, instrument.id, "O-0", side, qty, "1.10000", position_id=position_id
        )
        position = Position(instrument, fill)
        self.cache.add_position(position)
        return position


def strategy_config():
    return StrategyConfig(strategy_id=STRATEGY.value)


def quote(bid="1.10000", ask="1.10020", ts=1):
    return QuoteTick(
        EURUSD.id,
        Price.from_str(bid),
        Price.from_str(ask),
        Quantity.from_int(1_000_000),
        Quantity.from_int(1_000_000),
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


# -- dispatch -------------------------------------------------------------------------------


class Recorder(Strategy):
    def __init__(self):
        super().__init__(strategy_config())
        self.calls = []

    def on_order_accepted(self, event):
        self.calls.append(("on_order_accepted", type(event).__name__))

    def on_order_event(self, event):
        self.calls.append(("on_order_event", type(event).__name__))

    def on_position_opened(self, event):
        self.calls.append(("on_position_opened", type(event).__name__))

    def on_position_event(self, event):
        self.calls.append(("on_position_event", type(event).__name__))

    def on_event(self, event):
        self.calls.append(("on_event", type(event).__name__))


def test_strategy_order_event_reaches_specific_handler_then_on_order_event_then_on_event():
    node = Node()
    s = node.add(Recorder())
    order = node.b.limit()
    node.msgbus.publish(ORDER_EVENTS, node.b.accepted(order))
    node.msgbus.publish(ORDER_EVENTS, node.b.canceled(order))
    assert s.calls == [
        ("on_order_accepted", "OrderAccepted"),
        ("on_order_event", "OrderAccepted"),
        ("on_event", "OrderAccepted"),
        ("on_order_event", "OrderCanceled"),
        ("on_event", "OrderCanceled"),
    ]


def test_strategy_position_event_reaches_specific_handler_then_on_position_event_then_on_event():
    node = Node()
    s = node.add(Recorder())
    position = node.position(OrderSide.BUY, "100000", "P-1")
    from core.model.events import PositionChanged, PositionOpened

    node.msgbus.publish(
        POSITION_EVENTS, position.to_event(PositionOpened, node.uuids.generate(), 1)
    )
    node.msgbus.publish(
        POSITION_EVENTS, position.to_event(PositionChanged, node.uuids.generate(), 2)
    )
    assert s.calls == [
        ("on_position_opened", "PositionOpened"),
        ("on_position_event", "PositionOpened"),
        ("on_event", "PositionOpened"),
        ("on_position_event", "PositionChanged"),
        ("on_event", "PositionChanged"),
    ]


def test_strategy_handlers_not_overridden_at_registration_are_skipped():
    class Late(Strategy):
        def on_order_event(self, event):
            self.seen.append("on_order_event")

    node = Node()
    s = Late(strategy_config())
    s.seen = []
    node.add(s)
    # Patched in after registration: dispatch was resolved then, so this is never called.
    Late.on_order_accepted = lambda self, event: self.seen.append("on_order_accepted")
    try:
        node.msgbus.publish(ORDER_EVENTS, node.b.accepted(node.b.limit()))
    finally:
        del Late.on_order_accepted
    assert s.seen == ["on_order_event"]


def test_actor_data_handler_not_overridden_is_skipped_and_overridden_one_runs():
    class TradesOnly(Actor):
        def on_trade_tick(self, tick):
            self.seen.append(tick)

    node = Node()
    a = TradesOnly()
    a.seen = []
    node.add(a)
    a.subscribe_quote_ticks(EURUSD.id)
    a.subscribe_trade_ticks(EURUSD.id)
    TradesOnly.on_quote_tick = lambda self, tick: self.seen.append(tick)
    try:
        node.msgbus.publish(QUOTES, quote())
    finally:
        del TradesOnly.on_quote_tick
    t = TradeTick(
        EURUSD.id,
        Price.from_str("1.10000"),
        Quantity.from_int(1_000),
        AggressorSide.SELLER,
        TradeId("T-1"),
        1,
        1,
    )
    node.msgbus.publish("data.trades.SIM.EUR/USD", t)
    assert a.seen == [t]


def test_strategy_handler_that_raises_faults_the_component_which_then_receives_nothing(sink):
    class Failing(Strategy):
        def on_order_accepted(self, event):
            self.seen.append(event)
            raise RuntimeError("boom")

    node = Node()
    s = Failing(strategy_config())
    s.seen = []
    node.add(s)
    order = node.b.limit()
    node.msgbus.publish(ORDER_EVENTS, node.b.accepted(order))
    node.msgbus.publish(ORDER_EVENTS, node.b.accepted(order))
    assert len(s.seen) == 1
    assert s.is_faulted
    assert s.handler_error_count == 1
    assert any(
        "on_order_accepted raised on" in line and "RuntimeError: boom" in line
        for line in sink.lines
    )


# -- registration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "arg"),
    [
        ("subscribe_quote_ticks", EURUSD.id),
        ("subscribe_trade_ticks", EURUSD.id),
        ("subscribe_bars", BAR_TYPE),
        ("subscribe_data", DataType(Bar)),
        ("subscribe_instrument", EURUSD.id),
        ("unsubscribe_quote_ticks", EURUSD.id),
    ],
)
def test_actor_subscribe_before_registration_raises(method, arg):
    actor = Actor(ActorConfig(component_id="Watcher"))
    with pytest.raises(
        ValidationError,
        match=rf"Actor Watcher: {method} before registration, expected the actor added to an "
        r"engine or node first",
    ):
        getattr(actor, method)(arg)


def test_strategy_submit_order_before_registration_raises():
    s = Strategy(strategy_config())
    with pytest.raises(
        ValidationError,
        match=r"Strategy S-001: submit_order before registration, expected the strategy added",
    ):
        s.submit_order(EventBuilder().market())


def test_trader_duplicate_component_id_raises():
    node = Node()
    node.trader.add_strategy(Strategy(strategy_config()))
    with pytest.raises(
        ValidationError,
        match=r"Trader TRADER-001: component id S-001 already registered, expected unique ids",
    ):
        node.trader.add_strategy(Strategy(strategy_config()))
    assert node.trader.strategy_ids() == [STRATEGY]


def test_trader_registering_one_instance_twice_raises():
    node = Node()
    s = Strategy(strategy_config())
    node.trader.add_strategy(s)
    other = Node()
    with pytest.raises(ValidationError, match=r"S-001 is already registered with a node"):
        other.trader.add_strategy(s)


@pytest.mark.parametrize(
    ("method", "value", "pattern"),
    [
        ("add_actor", Strategy(), r"Trader.add_actor: invalid value .* expected an Actor"),
        ("add_actor", "actor", r"Trader.add_actor: invalid value 'actor', expected an Actor"),
        ("add_strategy", Actor(), r"Trader.add_strategy: invalid value .* expected a Strategy"),
    ],
)
def test_trader_add_of_wrong_kind_raises(method, value, pattern):
    with pytest.raises(ValidationError, match=pattern):
        getattr(Node().trader, method)(value)


# -- commands -------------------------------------------------------------------------------


def test_strategy_cancel_order_on_closed_order_logs_and_does_nothing(sink):
    node = Node()
    s = node.add(Strategy(strategy_config()))
    order = node.b.limit(coid="O-1")
    node.cache.add_order(order)
    for event in (node.b.submitted(order), node.b.accepted(order), node.b.canceled(order)):
        order.apply(event)
    node.cache.update_order(order)
    events_before = order.event_count
    s.cancel_order(order)
    assert order.event_count == events_before
    assert order.status == OrderStatus.CANCELED
    assert node.exec_engine.command_count == 0
    assert node.exec_engine.event_count == 0
    assert any("cancel_order: O-1 is already closed" in line for line in sink.lines)


def test_strategy_cancel_order_on_open_order_marks_it_pending_cancel():
    node = Node()
    s = node.add(Strategy(strategy_config()))
    order = node.b.limit(coid="O-1")
    node.cache.add_order(order)
    for event in (node.b.submitted(order), node.b.accepted(order)):
        order.apply(event)
    node.cache.update_order(order)
    s.cancel_order(order)
    assert order.status == OrderStatus.PENDING_CANCEL
    assert node.exec_engine.command_count == 1


def close_orders(node):
    return [o for o in node.cache.orders() if o.client_order_id.value.startswith("O-1970")]


def test_strategy_close_position_submits_a_reduce_only_market_order_for_its_quantity():
    node = Node()
    s = node.add(Strategy(strategy_config()))
    position = node.position(OrderSide.BUY, "123000", "P-1")
    s.close_position(position, tags=["exit"])
    [order] = close_orders(node)
    assert order.order_type == OrderType.MARKET
    assert order.side == OrderSide.SELL
    assert order.quantity == Quantity.from_int(123_000)
    assert order.is_reduce_only
    assert order.tags == ["exit"]
    assert order.client_order_id == ClientOrderId("O-19700101-000000-001-001-1")
    assert node.cache.position_id_for_order(order.client_order_id) == PositionId("P-1")
    assert node.risk.denied_count == 0


def test_strategy_close_position_of_closed_position_logs_and_submits_nothing(sink):
    node = Node()
    s = node.add(Strategy(strategy_config()))
    position = node.position(OrderSide.BUY, "1000", "P-1")
    position.apply(fill_event(node.b, EURUSD.id, "O-9", OrderSide.SELL, "1000", "1.10000"))
    s.close_position(position)
    assert close_orders(node) == []
    assert any("close_position: P-1 is already closed" in line for line in sink.lines)


@pytest.mark.parametrize(
    ("position_side", "expected"),
    [
        (None, [("P-1", OrderSide.SELL, 10_000), ("P-2", OrderSide.BUY, 4_000)]),
        (PositionSide.LONG, [("P-1", OrderSide.SELL, 10_000)]),
        (PositionSide.SHORT, [("P-2", OrderSide.BUY, 4_000)]),
    ],
)
def test_strategy_close_all_positions_closes_each_open_position_of_the_instrument(
    position_side, expected
):
    node = Node()
    s = node.add(Strategy(strategy_config()))
    node.position(OrderSide.BUY, "10000", "P-1")
    node.position(OrderSide.SELL, "4000", "P-2")
    node.position(OrderSide.BUY, "7000", "P-3", instrument=GBPUSD)
    s.close_all_positions(EURUSD.id, position_side)
    orders = close_orders(node)
    assert [
        (
            node.cache.position_id_for_order(o.client_order_id).value,
            o.side,
            int(o.quantity.as_decimal()),
        )
        for o in orders
    ] == expected
    assert all(o.is_reduce_only and o.order_type == OrderType.MARKET for o in orders)


def trade_tick(ts):
    return TradeTick(
        EURUSD.id,
        Price.from_str("1.10000"),
        Quantity.from_int(1_000),
        AggressorSide.SELLER,
        TradeId(f"T-{ts}"),
        ts,
        ts,
    )


# -- indicators -----------------------------------------------------------------------------


def test_actor_registered_quote_indicator_updates_before_the_handler():
    class Watch(Actor):
        def on_quote_tick(self, tick):
            self.seen.append((self.sma.count, self.sma.value))

    node = Node()
    a = Watch()
    a.seen = []
    a.sma = SimpleMovingAverage(2, PriceType.MID)
    a.register_indicator_for_quote_ticks(EURUSD.id, a.sma)
    a.register_indicator_for_quote_ticks(EURUSD.id, a.sma)  # once only
    node.add(a)
    a.subscribe_quote_ticks(EURUSD.id)
    node.msgbus.publish(QUOTES, quote("1.10000", "1.10020", 1))  # mid 1.10010
    node.msgbus.publish(QUOTES, quote("1.10020", "1.10040", 2))  # mid 1.10030
    assert [c for c, _ in a.seen] == [1, 2]
    assert a.seen[0][1] == pytest.approx(1.10010)
    assert a.seen[1][1] == pytest.approx(1.10020)
    assert a.registered_indicators == [a.sma]
    assert a.indicators_initialized()


def test_actor_indicator_registered_after_data_arrived_is_updated_by_the_next_data():
    # The actor remembers the indicator list of the last key it saw (by identity); a
    # registration after that must still reach the next quote, trade and bar.
    class Watch(Actor):
        pass

    node = Node()
    a = Watch()
    node.add(a)
    a.subscribe_quote_ticks(EURUSD.id)
    a.subscribe_trade_ticks(EURUSD.id)
    a.subscribe_bars(BAR_TYPE)
    px = Price.from_str("1.10000")
    size = Quantity.from_int(1_000)
    first_quote, first_trade = quote(ts=1), trade_tick(1)
    first_bar = Bar(BAR_TYPE, px, px, px, px, size, 60, 60)
    node.msgbus.publish(QUOTES, first_quote)  # no indicators yet for this key
    node.msgbus.publish("data.trades.SIM.EUR/USD", first_trade)
    node.msgbus.publish(f"data.bars.{BAR_TYPE}", first_bar)
    q_sma, t_sma, b_sma = (
        SimpleMovingAverage(3, PriceType.MID),
        SimpleMovingAverage(3),
        SimpleMovingAverage(3),
    )
    # Equal keys that are other objects than the ones the data carry.
    a.register_indicator_for_quote_ticks(InstrumentId.from_str("EUR/USD.SIM"), q_sma)
    a.register_indicator_for_trade_ticks(InstrumentId.from_str("EUR/USD.SIM"), t_sma)
    a.register_indicator_for_bars(BarType.from_str(str(BAR_TYPE)), b_sma)
    for ts in (2, 3):
        node.msgbus.publish(QUOTES, quote(ts=ts))
        node.msgbus.publish("data.trades.SIM.EUR/USD", trade_tick(ts))
        node.msgbus.publish(
            f"data.bars.{BAR_TYPE}", Bar(BAR_TYPE, px, px, px, px, size, 60 * ts, 60 * ts)
        )
    assert (q_sma.count, t_sma.count, b_sma.count) == (2, 2, 2)
    # A second indicator for a key already cached joins the same list.
    q_sma2 = SimpleMovingAverage(2, PriceType.MID)
    a.register_indicator_for_quote_ticks(EURUSD.id, q_sma2)
    node.msgbus.publish(QUOTES, quote(ts=4))
    assert (q_sma.count, q_sma2.count) == (3, 1)


def test_actor_registered_bar_indicator_updates_before_on_bar_and_resets_with_the_actor():
    class Watch(Actor):
        def on_bar(self, bar):
            self.seen.append(self.sma.count)

    node = Node()
    a = Watch()
    a.seen = []
    a.sma = SimpleMovingAverage(3)
    a.register_indicator_for_bars(BAR_TYPE, a.sma)
    node.add(a)
    a.subscribe_bars(BAR_TYPE)
    px = Price.from_str("1.10000")
    bar = Bar(BAR_TYPE, px, px, px, px, Quantity.from_int(1_000), 60, 60)
    node.msgbus.publish(f"data.bars.{BAR_TYPE}", bar)
    assert a.seen == [1]
    assert not a.indicators_initialized()
    a.stop()
    a.reset()
    assert a.sma.count == 0
