"""Unit tests of `RiskEngine` (core/risk/engine.pyx): each pre-trade check denies with its reason.

The engine is wired by hand (Cache, MessageBus, TestClock, Portfolio, ExecutionEngine) with no
execution client, so an order that passes every check reaches the ExecutionEngine (its
``command_count`` goes up) and stays INITIALIZED; a denied one becomes DENIED and its
`OrderDenied` is published on ``events.order.<strategy>``.
"""

from decimal import Decimal

import pytest
from core.cache.cache import Cache
from core.execution.engine import ExecutionEngine
from core.model.accounts import CashAccount, MarginAccount
from core.model.commands import ModifyOrder, SubmitOrder
from core.model.position import Position
from core.portfolio.portfolio import Portfolio
from core.risk.engine import RiskEngine

from core.common.clock import TestClock
from core.common.msgbus import MessageBus
from core.errors import ConfigError
from core.model.currency import Currency
from core.model.data import QuoteTick
from core.model.enums import OrderSide, OrderStatus, TradingState
from core.model.identifiers import AccountId, InstrumentId, Symbol, Venue
from core.model.instruments import CurrencyPair
from core.model.objects import Money, Price, Quantity
from core.model.uuid import UUIDFactory
from core.risk.config import RiskEngineConfig
from core.testkit import TestInstrumentProvider
from tests.kit.order_events import EURUSD as EURUSD_ID
from tests.kit.order_events import STRATEGY, TRADER, EventBuilder, fill_event

USD = Currency.from_str("USD")
EUR = Currency.from_str("EUR")
EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")
SECOND = 1_000_000_000
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def lots_pair():
    """GBP/USD traded in lots of 1,000 (size_increment 1000)."""
    return CurrencyPair(
        instrument_id=InstrumentId(Symbol("GBP/USD"), Venue("SIM")),
        raw_symbol=Symbol("GBP/USD"),
        base_currency=Currency.from_str("GBP"),
        quote_currency=USD,
        price_precision=5,
        size_precision=0,
        price_increment=Price.from_str("0.00001"),
        size_increment=Quantity.from_int(1_000),
        ts_event=0,
        ts_init=0,
    )


class Node:
    """A risk engine wired to its neighbours, recording the order events it publishes."""

    def __init__(self, config=None, account=None):
        self.uuids = UUIDFactory(3)
        self.clock = TestClock(SECOND, UUIDFactory(4))
        self.msgbus = MessageBus(TRADER, self.clock)
        self.cache = Cache()
        self.cache.add_instrument(EURUSD)
        self.cache.add_instrument(lots_pair())
        self.portfolio = Portfolio(self.cache, self.msgbus, self.clock, self.uuids)
        self.exec_engine = ExecutionEngine(
            self.cache, self.msgbus, self.clock, self.portfolio, self.uuids
        )
        self.risk = RiskEngine(
            self.cache, self.msgbus, self.clock, self.exec_engine, self.uuids, config
        )
        if account is not None:
            self.cache.add_account(account)
        self.events = []
        self.msgbus.subscribe(f"events.order.{STRATEGY.value}", self.events.append)
        self.b = EventBuilder()
        self.seq = 0

    def submit(self, order, position_id=None):
        self.risk.execute(
            SubmitOrder(
                TRADER,
                STRATEGY,
                order,
                self.uuids.generate(),
                self.clock.timestamp_ns(),
                position_id,
            )
        )
        return order

    def coid(self):
        self.seq += 1
        return f"O-{self.seq}"

    def market(self, side=BUY, qty="100000", **kw):
        return self.submit(self.b.market(side=side, qty=qty, coid=self.coid(), **kw))

    def limit(self, side=BUY, qty="100000", price="1.10000", **kw):
        return self.submit(self.b.limit(side=side, qty=qty, price=price, coid=self.coid(), **kw))

    def modify(self, order, qty=None, price=None):
        self.risk.execute(
            ModifyOrder(
                TRADER,
                STRATEGY,
                order.instrument_id,
                order.client_order_id,
                None,
                Quantity.from_str(qty) if qty else None,
                Price.from_str(price) if price else None,
                None,
                self.uuids.generate(),
                self.clock.timestamp_ns(),
            )
        )

    def open_position(self, side, qty):
        fill = fill_event(self.b, EURUSD.id, "O-0", side, qty, "1.10000", position_id="P-1")
        self.cache.add_position(Position(EURUSD, fill))

    def accepted(self, order):
        self.cache.add_order(order)
        for event in (self.b.submitted(order), self.b.accepted(order)):
            order.apply(event)
            self.cache.update_order(order)
        return order


def assert_denied(node, order, reason):
    assert order.status == OrderStatus.DENIED
    denied = [e for e in node.events if type(e).__name__ == "OrderDenied"]
    assert [(e.client_order_id, e.reason) for e in denied][-1] == (order.client_order_id, reason)
    assert node.cache.order(order.client_order_id) is order


def assert_passed(node, order):
    assert order.status == OrderStatus.INITIALIZED
    assert not [e for e in node.events if e.client_order_id == order.client_order_id]


# -- 1. trading state -----------------------------------------------------------------------


@pytest.mark.parametrize("make", ["market", "limit"])
def test_risk_engine_halted_denies_every_order(make):
    node = Node()
    node.open_position(BUY, "100000")
    node.risk.set_trading_state(TradingState.HALTED)
    order = getattr(node, make)(side=SELL)  # even a reducing order
    assert_denied(node, order, "trading state is HALTED")
    assert node.risk.denied_count == 1
    assert node.exec_engine.command_count == 0


def test_risk_engine_set_trading_state_publishes_on_events_risk():
    node = Node()
    seen = []
    node.msgbus.subscribe("events.risk", seen.append)
    node.risk.set_trading_state(TradingState.REDUCING)
    assert seen == [TradingState.REDUCING]
    assert node.risk.trading_state == TradingState.REDUCING


@pytest.mark.parametrize(
    ("position", "side", "qty", "denied"),
    [
        (None, BUY, "1000", True),  # flat: anything increases
        (None, SELL, "1000", True),
        ((BUY, "100000"), BUY, "1000", True),  # same side
        ((BUY, "100000"), SELL, "50000", False),  # reduces
        ((BUY, "100000"), SELL, "200000", False),  # flips to the same size: not an increase
        ((BUY, "100000"), SELL, "200001", True),  # flips to a larger position
        ((SELL, "100000"), BUY, "100000", False),  # closes
        ((SELL, "100000"), SELL, "1000", True),
    ],
)
def test_risk_engine_reducing_denies_orders_that_increase_the_position(position, side, qty, denied):
    node = Node()
    if position is not None:
        node.open_position(*position)
    node.risk.set_trading_state(TradingState.REDUCING)
    order = node.market(side=side, qty=qty)
    if denied:
        assert_denied(
            node, order, "trading state is REDUCING and the order would increase the position"
        )
    else:
        assert_passed(node, order)
        assert node.exec_engine.command_count == 1


# -- 2. submit rate -------------------------------------------------------------------------


def test_risk_engine_submit_rate_denies_the_third_order_in_one_interval():
    node = Node(RiskEngineConfig(max_order_submit_rate="2/00:00:01"))
    first, second, third = node.limit(), node.limit(), node.limit()
    assert first.status == second.status == OrderStatus.INITIALIZED
    assert_denied(node, third, "max order submit rate exceeded (2 per interval)")
    node.clock.set_time(2 * SECOND - 1)  # the window has not passed yet
    assert_denied(node, node.limit(), "max order submit rate exceeded (2 per interval)")
    node.clock.set_time(2 * SECOND)
    assert node.limit().status == OrderStatus.INITIALIZED
    assert node.exec_engine.command_count == 3


# -- 3. instrument --------------------------------------------------------------------------


def test_risk_engine_unknown_instrument_denies():
    node = Node()
    order = node.market(instrument=InstrumentId.from_str("USD/JPY.SIM"))
    assert_denied(node, order, "instrument USD/JPY.SIM not found")


# -- 4. quantity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "qty", "reason"),
    [
        (
            EURUSD.id,
            "1000.5",
            "quantity precision 1 exceeds instrument EUR/USD.SIM size_precision 0",
        ),
        (EURUSD.id, "999", "quantity 999 is below min_quantity 1000"),
        (EURUSD.id, "10000001", "quantity 10000001 exceeds max_quantity 10000000"),
        ("GBP/USD.SIM", "1500", "quantity 1500 is not a multiple of size_increment 1000"),
    ],
)
def test_risk_engine_quantity_checks_deny(instrument, qty, reason):
    node = Node()
    if isinstance(instrument, str):
        instrument = InstrumentId.from_str(instrument)
    order = node.limit(qty=qty, instrument=instrument)
    assert_denied(node, order, reason)


@pytest.mark.parametrize(
    ("instrument", "qty"),
    [(EURUSD.id, "1000"), (EURUSD.id, "10000000"), ("GBP/USD.SIM", "3000")],
)
def test_risk_engine_quantity_at_limits_passes(instrument, qty):
    node = Node()
    if isinstance(instrument, str):
        instrument = InstrumentId.from_str(instrument)
    order = node.limit(qty=qty, price="1.50000", instrument=instrument)
    assert_passed(node, order)


# -- 5. price -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        ("0.00000", "price 0.00000 invalid, expected > 0"),
        ("-1.10000", "price -1.10000 invalid, expected > 0"),
        ("1.100001", "price precision 6 exceeds instrument EUR/USD.SIM price_precision 5"),
        ("1000.00001", "price 1000.00001 exceeds max_price 1000.00000"),
    ],
)
def test_risk_engine_price_checks_deny(price, reason):
    node = Node()
    order = node.limit(qty="1000", price=price)
    assert_denied(node, order, reason)


@pytest.mark.parametrize(
    ("trigger", "reason"),
    [
        ("0.00000", "trigger_price 0.00000 invalid, expected > 0"),
        ("1.100001", "trigger_price precision 6 exceeds instrument EUR/USD.SIM price_precision 5"),
    ],
)
def test_risk_engine_trigger_price_checks_deny(trigger, reason):
    node = Node()
    order = node.submit(node.b.stop_market(qty="1000", trigger=trigger, coid="O-1"))
    assert_denied(node, order, reason)


# -- 6. notional ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qty", "price", "reason"),
    [
        (
            "10000000",
            "10.00000",
            "notional 100000000.00 USD exceeds max_notional 50000000.00 USD",
        ),
        ("1000", "0.50000", "notional 500.00 USD is below min_notional 1000.00 USD"),
    ],
)
def test_risk_engine_instrument_notional_limits_deny(qty, price, reason):
    node = Node()
    assert_denied(node, node.limit(qty=qty, price=price), reason)


def test_risk_engine_max_notional_per_order_denies_above_and_passes_at_the_limit():
    node = Node(RiskEngineConfig(max_notional_per_order={"EUR/USD.SIM": 110_000}))
    assert_passed(node, node.limit(qty="100000", price="1.10000"))  # 110,000.00 exactly
    assert_denied(
        node,
        node.limit(qty="100000", price="1.10001"),
        "notional 110001.00 USD exceeds max_notional_per_order 110000",
    )


@pytest.mark.parametrize(
    ("side", "reason"),
    [
        (BUY, "notional 60000000.00 USD exceeds max_notional 50000000.00 USD"),  # at the ask
        (SELL, "notional 50000001.00 USD exceeds max_notional 50000000.00 USD"),  # at the bid
    ],
)
def test_risk_engine_market_order_notional_uses_the_last_quote_side(side, reason):
    node = Node()
    node.cache.add_quote_tick(
        QuoteTick(
            EURUSD.id,
            Price.from_str("500.00001"),
            Price.from_str("600.00000"),
            Quantity.from_int(1_000_000),
            Quantity.from_int(1_000_000),
            0,
            0,
        )
    )
    assert_denied(node, node.market(side=side, qty="100000"), reason)


def test_risk_engine_market_order_without_any_price_skips_the_notional_check():
    node = Node()
    assert_passed(node, node.market(qty="10000000"))


# -- 7. reduce-only -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "side", "qty", "reason"),
    [
        (None, SELL, "1000", "reduce_only order O-1 would increase the position (position 0)"),
        (
            (BUY, "100000"),
            BUY,
            "1000",
            "reduce_only order O-1 would increase the position (position 100000)",
        ),
        (
            (BUY, "100000"),
            SELL,
            "100001",
            "reduce_only order O-1 would increase the position (position 100000)",
        ),
        (
            (SELL, "100000"),
            SELL,
            "1000",
            "reduce_only order O-1 would increase the position (position -100000)",
        ),
    ],
)
def test_risk_engine_reduce_only_that_would_increase_denies(position, side, qty, reason):
    node = Node()
    if position is not None:
        node.open_position(*position)
    assert_denied(node, node.limit(side=side, qty=qty, reduce_only=True), reason)


@pytest.mark.parametrize(("side", "qty"), [(SELL, "100000"), (SELL, "1000")])
def test_risk_engine_reduce_only_that_reduces_passes(side, qty):
    node = Node()
    node.open_position(BUY, "100000")
    assert_passed(node, node.limit(side=side, qty=qty, reduce_only=True))


# -- 8. CASH account ------------------------------------------------------------------------


def cash_account(*balances):
    return CashAccount(AccountId("SIM-001"), None, [Money.from_str(b) for b in balances])


def test_risk_engine_cash_account_buy_above_free_quote_balance_denies():
    node = Node(account=cash_account("10000.00 USD"))
    assert_denied(
        node,
        node.limit(qty="100000", price="1.10000"),
        "notional 110000.00 USD exceeds free balance 10000.00 USD",
    )


def test_risk_engine_cash_account_buy_within_free_quote_balance_passes():
    node = Node(account=cash_account("110000.00 USD"))
    assert_passed(node, node.limit(qty="100000", price="1.10000"))


def test_risk_engine_cash_account_spot_sell_above_free_base_balance_denies():
    node = Node(account=cash_account("1000000.00 USD", "50000.00 EUR"))
    assert_denied(
        node,
        node.limit(side=SELL, qty="100000", price="1.10000"),
        "quantity 100000 exceeds free balance 50000.00 EUR",
    )
    assert_passed(node, node.limit(side=SELL, qty="50000", price="1.10000"))


def test_risk_engine_margin_account_skips_the_free_balance_check():
    node = Node(account=MarginAccount(AccountId("SIM-001"), USD, [Money(10, USD)], Decimal(1)))
    assert_passed(node, node.limit(qty="100000", price="1.10000"))


def test_risk_engine_bypass_forwards_an_invalid_order():
    node = Node(RiskEngineConfig(bypass=True))
    order = node.limit(qty="1000.5", price="0.00000")
    assert_passed(node, order)
    assert node.exec_engine.command_count == 1


# -- modify ---------------------------------------------------------------------------------


def modify_rejections(node):
    return [
        (e.client_order_id.value, e.reason)
        for e in node.events
        if type(e).__name__ == "OrderModifyRejected"
    ]


def test_risk_engine_modify_rate_exceeded_publishes_order_modify_rejected():
    node = Node(RiskEngineConfig(max_order_modify_rate="1/00:00:01"))
    order = node.accepted(node.b.limit(coid="O-1"))
    node.modify(order, price="1.10010")
    assert modify_rejections(node) == []
    assert node.exec_engine.command_count == 1
    node.modify(order, price="1.10020")
    assert modify_rejections(node) == [("O-1", "max order modify rate exceeded (1 per interval)")]
    assert order.status == OrderStatus.ACCEPTED
    assert node.exec_engine.command_count == 1


@pytest.mark.parametrize(
    ("qty", "price", "reason"),
    [
        (None, "1.100001", "price precision 6 exceeds instrument EUR/USD.SIM price_precision 5"),
        (None, "0.00000", "price 0.00000 invalid, expected > 0"),
        ("999", None, "quantity 999 is below min_quantity 1000"),
    ],
)
def test_risk_engine_invalid_modify_publishes_order_modify_rejected(qty, price, reason):
    node = Node()
    order = node.accepted(node.b.limit(coid="O-1"))
    node.modify(order, qty=qty, price=price)
    assert modify_rejections(node) == [("O-1", reason)]


def test_risk_engine_modify_of_a_closed_order_publishes_order_modify_rejected():
    node = Node()
    order = node.accepted(node.b.limit(coid="O-1"))
    order.apply(node.b.canceled(order))
    node.cache.update_order(order)
    node.modify(order, price="1.10010")
    assert modify_rejections(node) == [("O-1", "order O-1 is closed")]
    assert order.status == OrderStatus.CANCELED
    assert node.exec_engine.command_count == 0


def test_risk_engine_modify_of_an_unknown_order_is_rejected_and_not_forwarded():
    node = Node()
    order = node.b.limit(coid="O-9")
    node.modify(order, price="1.10010")
    assert node.exec_engine.command_count == 0
    assert node.exec_engine.rejected_event_count == 1  # no order to apply the rejection to


# -- config ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["max_order_submit_rate", "max_order_modify_rate"])
@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("100", r"invalid value '100', expected '<count>/<HH:MM:SS>'"),
        ("x/00:00:01", r"invalid value 'x/00:00:01', expected '<count>/<HH:MM:SS>'"),
        ("10/00:01", r"invalid value '10/00:01', expected '<count>/<HH:MM:SS>'"),
        ("0/00:00:01", r"invalid value '0/00:00:01', expected a count > 0 and an interval > 0"),
        ("10/00:00:00", r"invalid value '10/00:00:00', expected a count > 0 and an interval > 0"),
    ],
)
def test_risk_engine_config_bad_rate_raises_config_error_naming_the_field(field, value, pattern):
    with pytest.raises(ConfigError, match=rf"RiskEngineConfig\.{field}: {pattern}"):
        RiskEngineConfig(**{field: value})


def test_risk_engine_config_non_positive_max_notional_raises():
    with pytest.raises(
        ConfigError,
        match=r"RiskEngineConfig\.max_notional_per_order\['EUR/USD.SIM'\]: invalid value 0",
    ):
        RiskEngineConfig(max_notional_per_order={"EUR/USD.SIM": 0})


def test_risk_engine_config_wrong_type_raises():
    node = Node()
    with pytest.raises(ValueError, match=r"RiskEngine.config: invalid type dict"):
        RiskEngine(node.cache, node.msgbus, node.clock, node.exec_engine, node.uuids, {})


def test_risk_engine_reset_clears_the_submit_window_and_the_denied_count():
    node = Node(RiskEngineConfig(max_order_submit_rate="1/00:00:01"))
    node.limit()
    node.limit()
    assert node.risk.denied_count == 1
    node.risk.reset()
    assert node.risk.denied_count == 0
    assert node.limit().status == OrderStatus.INITIALIZED
    assert EURUSD_ID == EURUSD.id
