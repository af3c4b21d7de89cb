"""Unit tests of the six order types and their state machine (core/model/orders.pyx)."""

import pytest
from core.model.events import OrderInitialized
from core.model.orders import (
    LimitIfTouchedOrder,
    LimitOrder,
    MarketIfTouchedOrder,
    MarketOrder,
    Order,
    StopLimitOrder,
    StopMarketOrder,
    order_from_init,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidStateTrigger, ValidationError
from core.model.enums import (
    ContingencyType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TriggerType,
)
from core.model.identifiers import ClientOrderId
from core.model.objects import Price, Quantity
from tests.kit.order_events import ACCOUNT, EURUSD, STRATEGY, TRADER, VENUE_ORDER, EventBuilder

S = OrderStatus
Q = Quantity.from_str
P = Price.from_str


@pytest.fixture
def b():
    return EventBuilder()


# --------------------------------------------------------------------------------------------
# Constructors
# --------------------------------------------------------------------------------------------

VALID_ORDERS = [
    # (builder method, kwargs, class, type, price, trigger)
    ("market", {}, MarketOrder, OrderType.MARKET, None, None),
    ("limit", {}, LimitOrder, OrderType.LIMIT, "1.10000", None),
    ("stop_market", {}, StopMarketOrder, OrderType.STOP_MARKET, None, "1.10000"),
    ("stop_limit", {}, StopLimitOrder, OrderType.STOP_LIMIT, "1.10010", "1.10000"),
    ("mit", {}, MarketIfTouchedOrder, OrderType.MARKET_IF_TOUCHED, None, "1.10000"),
    ("lit", {}, LimitIfTouchedOrder, OrderType.LIMIT_IF_TOUCHED, "1.09990", "1.10000"),
]


@pytest.mark.parametrize(
    ("method", "kwargs", "cls", "order_type", "price", "trigger"),
    VALID_ORDERS,
    ids=[row[0] for row in VALID_ORDERS],
)
def test_order_constructor_valid_args_initialized_with_fields(
    b, method, kwargs, cls, order_type, price, trigger
):
    order = getattr(b, method)(side=OrderSide.SELL, qty="250000", **kwargs)

    assert type(order) is cls
    assert order.order_type == order_type
    assert order.side == OrderSide.SELL and order.is_sell and not order.is_buy
    assert order.status == S.INITIALIZED
    assert order.quantity == Q("250000")
    assert order.filled_qty == Q("0")
    assert order.leaves_qty == Q("250000")
    assert order.price == (P(price) if price else None)
    assert order.trigger_price == (P(trigger) if trigger else None)
    assert order.trigger_type == (TriggerType.DEFAULT if trigger else TriggerType.NO_TRIGGER)
    assert order.time_in_force == TimeInForce.GTC
    assert order.expire_time_ns == 0
    assert order.instrument_id == EURUSD
    assert order.trader_id == TRADER and order.strategy_id == STRATEGY
    assert order.venue_order_id is None and order.account_id is None
    assert order.event_count == 1
    assert isinstance(order.init_event, OrderInitialized)
    assert order.last_event is order.init_event
    assert order.is_passive == (order_type != OrderType.MARKET)
    assert order.is_aggressive == (order_type == OrderType.MARKET)
    assert order.avg_px == 0.0


@pytest.mark.parametrize("method", ["limit", "stop_market", "stop_limit", "mit", "lit"])
def test_order_constructor_gtd_with_expire_time_keeps_expire_time(b, method):
    order = getattr(b, method)(time_in_force=TimeInForce.GTD, expire_time_ns=5_000)

    assert order.time_in_force == TimeInForce.GTD
    assert order.expire_time_ns == 5_000
    assert order.init_event.expire_time_ns == 5_000


def test_order_constructor_contingency_fields_kept(b):
    order = b.limit(
        contingency_type=ContingencyType.OCO,
        linked_order_ids=[ClientOrderId("O-2")],
        tags=["entry"],
        post_only=True,
        reduce_only=True,
    )

    assert order.contingency_type == ContingencyType.OCO
    assert order.is_contingency
    assert order.linked_order_ids == [ClientOrderId("O-2")]
    assert order.tags == ["entry"]
    assert order.is_post_only and order.is_reduce_only


def test_order_base_class_direct_construction_raises():
    with pytest.raises(TypeError, match="Order is abstract: construct a MarketOrder"):
        Order()


INVALID_ARGS = [
    (
        "market-qty-zero",
        "market",
        {"qty": "0"},
        r"MarketOrder: quantity invalid value '0', expected a quantity > 0",
    ),
    (
        "limit-qty-zero",
        "limit",
        {"qty": "0"},
        r"LimitOrder: quantity invalid value '0', expected a quantity > 0",
    ),
    (
        "stop-limit-qty-zero",
        "stop_limit",
        {"qty": "0.0"},
        r"StopLimitOrder: quantity invalid value '0.0', expected a quantity > 0",
    ),
    (
        "market-no-side",
        "market",
        {"side": OrderSide.NO_ORDER_SIDE},
        r"MarketOrder: order_side invalid value .*NO_ORDER_SIDE.*expected BUY or SELL",
    ),
    (
        "lit-no-side",
        "lit",
        {"side": OrderSide.NO_ORDER_SIDE},
        r"LimitIfTouchedOrder: order_side invalid value .*expected BUY or SELL",
    ),
    (
        "market-gtd",
        "market",
        {"time_in_force": TimeInForce.GTD},
        r"MarketOrder: time_in_force invalid value .*GTD.*expected GTC or IOC or FOK or DAY",
    ),
    (
        "limit-at-the-open",
        "limit",
        {"time_in_force": TimeInForce.AT_THE_OPEN},
        r"LimitOrder: time_in_force invalid value .*expected GTC or IOC or FOK or GTD or DAY",
    ),
    (
        "limit-gtd-no-expire",
        "limit",
        {"time_in_force": TimeInForce.GTD},
        r"LimitOrder: expire_time_ns invalid value 0, expected a UNIX ns time > 0 for GTD",
    ),
    (
        "stop-market-gtd-no-expire",
        "stop_market",
        {"time_in_force": TimeInForce.GTD},
        r"StopMarketOrder: expire_time_ns invalid value 0, expected a UNIX ns time > 0 for GTD",
    ),
    (
        "limit-expire-without-gtd",
        "limit",
        {"expire_time_ns": 5},
        r"LimitOrder: expire_time_ns invalid value 5, expected 0 unless time_in_force is GTD",
    ),
    (
        "mit-expire-without-gtd",
        "mit",
        {"expire_time_ns": 9, "time_in_force": TimeInForce.DAY},
        r"MarketIfTouchedOrder: expire_time_ns invalid value 9, expected 0 unless",
    ),
    (
        "stop-limit-precision",
        "stop_limit",
        {"price": "1.1001", "trigger": "1.10000"},
        r"StopLimitOrder: price precision 4 != trigger_price precision 5, expected equal",
    ),
    (
        "lit-precision",
        "lit",
        {"price": "1.09990", "trigger": "1.100"},
        r"LimitIfTouchedOrder: price precision 5 != trigger_price precision 3, expected equal",
    ),
    (
        "stop-market-no-trigger-type",
        "stop_market",
        {"trigger_type": TriggerType.NO_TRIGGER},
        r"StopMarketOrder: trigger_type invalid value .*expected a TriggerType other than "
        r"NO_TRIGGER",
    ),
    (
        "stop-limit-no-trigger-type",
        "stop_limit",
        {"trigger_type": TriggerType.NO_TRIGGER},
        r"StopLimitOrder: trigger_type invalid value .*other than NO_TRIGGER",
    ),
    (
        "mit-no-trigger-type",
        "mit",
        {"trigger_type": TriggerType.NO_TRIGGER},
        r"MarketIfTouchedOrder: trigger_type invalid value .*other than NO_TRIGGER",
    ),
    (
        "lit-no-trigger-type",
        "lit",
        {"trigger_type": TriggerType.NO_TRIGGER},
        r"LimitIfTouchedOrder: trigger_type invalid value .*other than NO_TRIGGER",
    ),
    (
        "market-contingency",
        "market",
        {"contingency_type": 9},
        r"MarketOrder: contingency_type invalid value 9, expected a ContingencyType",
    ),
]


@pytest.mark.parametrize(
    ("method", "kwargs", "match"),
    [row[1:] for row in INVALID_ARGS],
    ids=[row[0] for row in INVALID_ARGS],
)
def test_order_constructor_invalid_arg_raises_naming_field(b, method, kwargs, match):
    with pytest.raises(ValidationError, match=match):
        getattr(b, method)(**kwargs)


def _uuid(b):
    return b.uuids.generate()


MISSING_PRICES = [
    (
        "limit-no-price",
        lambda b: LimitOrder(
            TRADER, STRATEGY, EURUSD, ClientOrderId("O-1"), OrderSide.BUY, Q("1"), None, _uuid(b), 0
        ),
        r"Argument 'price' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "stop-market-no-trigger",
        lambda b: StopMarketOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId("O-1"),
            OrderSide.BUY,
            Q("1"),
            None,
            TriggerType.DEFAULT,
            _uuid(b),
            0,
        ),
        r"Argument 'trigger_price' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "stop-limit-no-price",
        lambda b: StopLimitOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId("O-1"),
            OrderSide.BUY,
            Q("1"),
            None,
            P("1.1"),
            TriggerType.DEFAULT,
            _uuid(b),
            0,
        ),
        r"Argument 'price' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "stop-limit-no-trigger",
        lambda b: StopLimitOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId("O-1"),
            OrderSide.BUY,
            Q("1"),
            P("1.1"),
            None,
            TriggerType.DEFAULT,
            _uuid(b),
            0,
        ),
        r"Argument 'trigger_price' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "mit-no-trigger",
        lambda b: MarketIfTouchedOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId("O-1"),
            OrderSide.BUY,
            Q("1"),
            None,
            TriggerType.DEFAULT,
            _uuid(b),
            0,
        ),
        r"Argument 'trigger_price' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "lit-no-price",
        lambda b: LimitIfTouchedOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId("O-1"),
            OrderSide.BUY,
            Q("1"),
            None,
            P("1.1"),
            TriggerType.DEFAULT,
            _uuid(b),
            0,
        ),
        r"Argument 'price' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "lit-no-trigger",
        lambda b: LimitIfTouchedOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId("O-1"),
            OrderSide.BUY,
            Q("1"),
            P("1.1"),
            None,
            TriggerType.DEFAULT,
            _uuid(b),
            0,
        ),
        r"Argument 'trigger_price' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "market-no-trader",
        lambda b: MarketOrder(
            None, STRATEGY, EURUSD, ClientOrderId("O-1"), OrderSide.BUY, Q("1"), _uuid(b), 0
        ),
        r"Argument 'trader_id' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "market-no-quantity",
        lambda b: MarketOrder(
            TRADER, STRATEGY, EURUSD, ClientOrderId("O-1"), OrderSide.BUY, None, _uuid(b), 0
        ),
        r"Argument 'quantity' has incorrect type \(expected core\.model\.\w+\.\w+, got NoneType\)",
    ),
    (
        "market-negative-ts",
        lambda b: MarketOrder(
            TRADER, STRATEGY, EURUSD, ClientOrderId("O-1"), OrderSide.BUY, Q("1"), _uuid(b), -1
        ),
        r"MarketOrder: ts_init invalid value -1, expected UNIX nanoseconds >= 0",
    ),
]


@pytest.mark.parametrize(
    ("make", "match"), [row[1:] for row in MISSING_PRICES], ids=[row[0] for row in MISSING_PRICES]
)
def test_order_constructor_missing_value_raises_naming_field(b, make, match):
    # None where an object is expected is a TypeError from the kernel's argument check
    # (setup.py's allow_none_for_extension_args=False); a bad value is a ValidationError.
    expected = TypeError if match.startswith("Argument") else ValidationError
    with pytest.raises(expected, match=match):
        make(b)


# --------------------------------------------------------------------------------------------
# Building orders into each status
# --------------------------------------------------------------------------------------------

# Paths from INITIALIZED into each reachable status ("fill:N" fills N units).
PATHS = {
    S.INITIALIZED: [],
    S.DENIED: ["denied"],
    S.SUBMITTED: ["submitted"],
    S.REJECTED: ["submitted", "rejected"],
    S.ACCEPTED: ["submitted", "accepted"],
    S.TRIGGERED: ["submitted", "accepted", "triggered"],
    S.PENDING_UPDATE: ["submitted", "accepted", "pending_update"],
    S.PENDING_CANCEL: ["submitted", "accepted", "pending_cancel"],
    S.PARTIALLY_FILLED: ["submitted", "accepted", "fill:40000"],
    S.CANCELED: ["submitted", "accepted", "canceled"],
    S.EXPIRED: ["submitted", "accepted", "expired"],
    S.FILLED: ["submitted", "accepted", "fill:100000"],
}


def make_event(b, order, name):
    if name.startswith("fill:"):
        return b.filled(order, name[5:])
    if name == "fill_partial":
        return b.filled(order, "10000")
    if name == "fill_rest":
        return b.filled(order, str(order.leaves_qty) if order.leaves_qty.raw else "10000")
    if name == "initialized":
        return order.init_event
    return getattr(b, name)(order)


def build(b, status, order=None):
    order = order if order is not None else b.stop_limit(qty="100000")
    for name in PATHS[status]:
        order.apply(make_event(b, order, name))
    assert order.status == status
    return order


@pytest.mark.parametrize("status", list(PATHS), ids=[s.name for s in PATHS])
def test_order_build_path_reaches_status(b, status):
    order = build(b, status)

    assert order.status == status
    assert order.event_count == 1 + len(PATHS[status])
    assert [type(e).__name__ for e in order.events][0] == "OrderInitialized"


# --------------------------------------------------------------------------------------------
# The full transition table
# --------------------------------------------------------------------------------------------

EVENTS = [
    "initialized",
    "denied",
    "submitted",
    "accepted",
    "rejected",
    "pending_update",
    "pending_cancel",
    "modify_rejected",
    "cancel_rejected",
    "updated",
    "canceled",
    "expired",
    "triggered",
    "fill_partial",
    "fill_rest",
]

X = None  # invalid: raises InvalidStateTrigger
_ALL_INVALID = dict.fromkeys(EVENTS, X)

# Hand-written from the module docstring (expected status after each event; X = raises).
# The PENDING_* orders were ACCEPTED before the request, so a return goes to ACCEPTED.
EXPECTED = {
    S.INITIALIZED: {
        "initialized": X,
        "denied": S.DENIED,
        "submitted": S.SUBMITTED,
        "accepted": S.ACCEPTED,
        "rejected": S.REJECTED,
        "pending_update": X,
        "pending_cancel": X,
        "modify_rejected": S.INITIALIZED,
        "cancel_rejected": S.INITIALIZED,
        "updated": S.INITIALIZED,
        "canceled": S.CANCELED,
        "expired": S.EXPIRED,
        "triggered": S.TRIGGERED,
        "fill_partial": X,
        "fill_rest": X,
    },
    S.SUBMITTED: {
        "initialized": X,
        "denied": X,
        "submitted": X,
        "accepted": S.ACCEPTED,
        "rejected": S.REJECTED,
        "pending_update": S.PENDING_UPDATE,
        "pending_cancel": S.PENDING_CANCEL,
        "modify_rejected": S.SUBMITTED,
        "cancel_rejected": S.SUBMITTED,
        "updated": S.SUBMITTED,
        "canceled": S.CANCELED,
        "expired": S.EXPIRED,
        "triggered": S.TRIGGERED,
        "fill_partial": S.PARTIALLY_FILLED,
        "fill_rest": S.FILLED,
    },
    S.ACCEPTED: {
        "initialized": X,
        "denied": X,
        "submitted": X,
        "accepted": X,
        "rejected": S.REJECTED,
        "pending_update": S.PENDING_UPDATE,
        "pending_cancel": S.PENDING_CANCEL,
        "modify_rejected": S.ACCEPTED,
        "cancel_rejected": S.ACCEPTED,
        "updated": S.ACCEPTED,
        "canceled": S.CANCELED,
        "expired": S.EXPIRED,
        "triggered": S.TRIGGERED,
        "fill_partial": S.PARTIALLY_FILLED,
        "fill_rest": S.FILLED,
    },
    S.TRIGGERED: {
        "initialized": X,
        "denied": X,
        "submitted": X,
        "accepted": X,
        "rejected": S.REJECTED,
        "pending_update": S.PENDING_UPDATE,
        "pending_cancel": S.PENDING_CANCEL,
        "modify_rejected": S.TRIGGERED,
        "cancel_rejected": S.TRIGGERED,
        "updated": S.TRIGGERED,
        "canceled": S.CANCELED,
        "expired": S.EXPIRED,
        "triggered": X,
        "fill_partial": S.PARTIALLY_FILLED,
        "fill_rest": S.FILLED,
    },
    S.PENDING_UPDATE: {
        "initialized": X,
        "denied": X,
        "submitted": X,
        "accepted": S.ACCEPTED,
        "rejected": S.REJECTED,
        "pending_update": S.PENDING_UPDATE,
        "pending_cancel": S.PENDING_CANCEL,
        "modify_rejected": S.ACCEPTED,
        "cancel_rejected": S.ACCEPTED,
        "updated": S.ACCEPTED,
        "canceled": S.CANCELED,
        "expired": S.EXPIRED,
        "triggered": S.TRIGGERED,
        "fill_partial": S.PARTIALLY_FILLED,
        "fill_rest": S.FILLED,
    },
    S.PENDING_CANCEL: {
        "initialized": X,
        "denied": X,
        "submitted": X,
        "accepted": S.ACCEPTED,
        "rejected": X,
        "pending_update": X,
        "pending_cancel": S.PENDING_CANCEL,
        "modify_rejected": S.ACCEPTED,
        "cancel_rejected": S.ACCEPTED,
        "updated": S.PENDING_CANCEL,
        "canceled": S.CANCELED,
        "expired": S.EXPIRED,
        "triggered": X,
        "fill_partial": S.PARTIALLY_FILLED,
        "fill_rest": S.FILLED,
    },
    S.PARTIALLY_FILLED: {
        "initialized": X,
        "denied": X,
        "submitted": X,
        "accepted": X,
        "rejected": X,
        "pending_update": S.PENDING_UPDATE,
        "pending_cancel": S.PENDING_CANCEL,
        "modify_rejected": S.PARTIALLY_FILLED,
        "cancel_rejected": S.PARTIALLY_FILLED,
        "updated": S.PARTIALLY_FILLED,
        "canceled": S.CANCELED,
        "expired": S.EXPIRED,
        "triggered": S.TRIGGERED,
        "fill_partial": S.PARTIALLY_FILLED,
        "fill_rest": S.FILLED,
    },
    S.DENIED: _ALL_INVALID,
    S.REJECTED: _ALL_INVALID,
    S.CANCELED: _ALL_INVALID,
    S.EXPIRED: _ALL_INVALID,
    S.FILLED: _ALL_INVALID,
}

VALID_CASES = [(s, e, t) for s, row in EXPECTED.items() for e, t in row.items() if t is not X]
INVALID_CASES = [(s, e) for s, row in EXPECTED.items() for e, t in row.items() if t is X]


def test_order_transition_table_expected_covers_every_status_and_event():
    assert set(EXPECTED) == set(PATHS)
    assert all(set(row) == set(EVENTS) for row in EXPECTED.values())
    assert len(VALID_CASES) + len(INVALID_CASES) == len(PATHS) * len(EVENTS)


@pytest.mark.parametrize(
    ("status", "event", "target"), VALID_CASES, ids=[f"{s.name}-{e}" for s, e, _ in VALID_CASES]
)
def test_order_apply_valid_event_moves_to_documented_status(b, status, event, target):
    order = build(b, status)
    before = order.event_count
    ev = make_event(b, order, event)

    order.apply(ev)

    assert order.status == target
    assert order.event_count == before + 1
    assert order.last_event is ev
    assert order.ts_last == ev.ts_event
    assert order.filled_qty.raw + order.leaves_qty.raw == order.quantity.raw


@pytest.mark.parametrize(
    ("status", "event"), INVALID_CASES, ids=[f"{s.name}-{e}" for s, e in INVALID_CASES]
)
def test_order_apply_invalid_event_raises_and_leaves_order_unchanged(b, status, event):
    order = build(b, status)
    events = order.events
    snapshot = (
        order.status,
        order.quantity,
        order.filled_qty,
        order.leaves_qty,
        order.price,
        order.trigger_price,
        order.avg_px,
        order.ts_last,
        order.is_triggered,
        order.trade_ids,
    )
    ev = make_event(b, order, event)

    with pytest.raises(
        InvalidStateTrigger,
        match=rf"Order O-1: {type(ev).__name__} invalid in (terminal )?status "
        rf"{status.name}.*the order is unchanged",
    ):
        order.apply(ev)

    assert order.events == events
    assert (
        order.status,
        order.quantity,
        order.filled_qty,
        order.leaves_qty,
        order.price,
        order.trigger_price,
        order.avg_px,
        order.ts_last,
        order.is_triggered,
        order.trade_ids,
    ) == snapshot


# --------------------------------------------------------------------------------------------
# Properties by status
# --------------------------------------------------------------------------------------------

# status: (is_open, is_closed, is_inflight)
FLAGS = {
    S.INITIALIZED: (False, False, False),
    S.SUBMITTED: (False, False, True),
    S.ACCEPTED: (True, False, False),
    S.TRIGGERED: (True, False, False),
    S.PENDING_UPDATE: (True, False, True),
    S.PENDING_CANCEL: (True, False, True),
    S.PARTIALLY_FILLED: (True, False, False),
    S.DENIED: (False, True, False),
    S.REJECTED: (False, True, False),
    S.CANCELED: (False, True, False),
    S.EXPIRED: (False, True, False),
    S.FILLED: (False, True, False),
}


@pytest.mark.parametrize(("status", "flags"), FLAGS.items(), ids=[s.name for s in FLAGS])
def test_order_status_flags_match_status(b, status, flags):
    order = build(b, status)

    assert (order.is_open, order.is_closed, order.is_inflight) == flags
    assert order.status_string() == status.name


def test_order_accepted_sets_venue_ids_and_triggered_sets_flag(b):
    order = build(b, S.TRIGGERED)

    assert order.venue_order_id == VENUE_ORDER
    assert order.account_id == ACCOUNT
    assert order.is_triggered


# (order side, order qty, filled, position side, position qty, expected)
REDUCE_ONLY = [
    (OrderSide.SELL, "100", None, PositionSide.LONG, 100, True),
    (OrderSide.SELL, "100", None, PositionSide.LONG, 99, False),
    (OrderSide.SELL, "100", "60", PositionSide.LONG, 40, True),
    (OrderSide.SELL, "100", "60", PositionSide.LONG, 39, False),
    (OrderSide.BUY, "100", None, PositionSide.LONG, 1000, False),
    (OrderSide.BUY, "100", None, PositionSide.SHORT, 100, True),
    (OrderSide.BUY, "100", None, PositionSide.SHORT, 50, False),
    (OrderSide.SELL, "100", None, PositionSide.SHORT, 1000, False),
    (OrderSide.BUY, "100", None, PositionSide.FLAT, 0, False),
    (OrderSide.SELL, "100", None, PositionSide.FLAT, 0, False),
]


@pytest.mark.parametrize(("side", "qty", "filled", "pos_side", "pos_qty", "expected"), REDUCE_ONLY)
def test_order_would_reduce_only_compares_leaves_with_position(
    b, side, qty, filled, pos_side, pos_qty, expected
):
    order = b.limit(side=side, qty=qty)
    order.apply(b.submitted(order))
    if filled:
        order.apply(b.filled(order, filled))

    assert order.would_reduce_only(pos_side, pos_qty * 10**9) is expected


# --------------------------------------------------------------------------------------------
# Fills
# --------------------------------------------------------------------------------------------


def test_order_partial_fills_keep_filled_plus_leaves_and_weighted_avg_px(b):
    order = build(b, S.ACCEPTED, b.limit(qty="100000"))

    order.apply(b.filled(order, "25000", px="1.10000"))
    assert (order.filled_qty, order.leaves_qty) == (Q("25000"), Q("75000"))
    assert order.status == S.PARTIALLY_FILLED
    assert order.avg_px == pytest.approx(1.10000, abs=1e-12)

    order.apply(b.filled(order, "75000", px="1.10004"))
    assert (order.filled_qty, order.leaves_qty) == (Q("100000"), Q("0"))
    assert order.status == S.FILLED
    # (25000 × 1.10000 + 75000 × 1.10004) / 100000 = 1.10003
    assert order.avg_px == pytest.approx(1.10003, abs=1e-12)
    assert order.trade_ids == sorted([order.events[-2].trade_id, order.events[-1].trade_id])
    assert order.last_trade_id == order.events[-1].trade_id
    assert order.position_id is not None


def test_order_fill_over_leaves_raises_overfill_and_leaves_order_unchanged(b):
    order = build(b, S.PARTIALLY_FILLED)  # 40000 of 100000
    events = order.events

    with pytest.raises(
        ValidationError,
        match=r"Order O-1: fill of 60001 overfills \(filled 40000 of 100000\), "
        r"expected at most 60000",
    ):
        order.apply(b.filled(order, "60001"))

    assert order.events == events
    assert (order.status, order.filled_qty) == (S.PARTIALLY_FILLED, Q("40000"))


def test_order_fill_duplicate_trade_id_raises_and_leaves_order_unchanged(b):
    order = build(b, S.ACCEPTED)
    order.apply(b.filled(order, "10000", trade_id="T-77"))

    with pytest.raises(
        ValidationError, match=r"Order O-1: trade_id T-77 already applied, expected a new fill"
    ):
        order.apply(b.filled(order, "10000", trade_id="T-77"))

    assert (order.filled_qty, order.event_count) == (Q("10000"), 4)


def test_order_event_for_other_order_raises(b):
    order = build(b, S.SUBMITTED)
    other = b.limit(coid="O-2")

    with pytest.raises(
        ValidationError, match=r"Order O-1: event for O-2 invalid, expected an event of this"
    ):
        order.apply(b.accepted(other))

    assert order.status == S.SUBMITTED


# --------------------------------------------------------------------------------------------
# Updates and rejected requests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "previous", [S.SUBMITTED, S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED], ids=lambda s: s.name
)
def test_order_updated_changes_values_and_returns_to_previous_status(b, previous):
    order = build(b, previous)
    order.apply(b.pending_update(order))
    assert order.status == S.PENDING_UPDATE

    order.apply(b.updated(order, qty="150000", price="1.10020", trigger="1.10015"))

    assert order.status == previous
    assert order.quantity == Q("150000")
    assert order.price == P("1.10020")
    assert order.trigger_price == P("1.10015")
    assert order.filled_qty.raw + order.leaves_qty.raw == Q("150000").raw


def test_order_updated_without_prices_keeps_prices(b):
    order = build(b, S.ACCEPTED)
    order.apply(b.updated(order, qty="90000"))

    assert order.status == S.ACCEPTED
    assert (order.quantity, order.price, order.trigger_price) == (
        Q("90000"),
        P("1.10010"),
        P("1.10000"),
    )


@pytest.mark.parametrize(
    "previous", [S.SUBMITTED, S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED], ids=lambda s: s.name
)
@pytest.mark.parametrize(
    ("pending", "reject"),
    [
        ("pending_update", "modify_rejected"),
        ("pending_cancel", "cancel_rejected"),
        ("pending_update", "cancel_rejected"),
        ("pending_cancel", "modify_rejected"),
    ],
)
def test_order_request_rejected_returns_to_previous_status(b, previous, pending, reject):
    order = build(b, previous)
    quantity, price = order.quantity, order.price
    order.apply(make_event(b, order, pending))

    order.apply(make_event(b, order, reject))

    assert order.status == previous
    assert (order.quantity, order.price) == (quantity, price)


def test_order_pending_update_then_pending_cancel_rejected_returns_to_first_status(b):
    order = build(b, S.TRIGGERED)
    order.apply(b.pending_update(order))
    order.apply(b.pending_cancel(order))

    order.apply(b.cancel_rejected(order))

    assert order.status == S.TRIGGERED


def test_order_updated_quantity_equal_to_filled_fills_order(b):
    order = build(b, S.PARTIALLY_FILLED)  # 40000 of 100000
    order.apply(b.pending_update(order))

    order.apply(b.updated(order, qty="40000"))

    assert order.status == S.FILLED
    assert (order.quantity, order.leaves_qty) == (Q("40000"), Q("0"))
    assert order.is_closed


def test_order_updated_quantity_equal_to_filled_without_pending_fills_order(b):
    order = build(b, S.PARTIALLY_FILLED)

    order.apply(b.updated(order, qty="40000"))

    assert order.status == S.FILLED


BAD_UPDATES = [
    (
        "below-filled",
        "stop_limit",
        S.PARTIALLY_FILLED,
        {"qty": "39999"},
        r"Order O-1: updated quantity 39999 is below the filled 40000, expected at least",
    ),
    (
        "zero",
        "stop_limit",
        S.ACCEPTED,
        {"qty": "0"},
        r"Order O-1: updated quantity 0 invalid, expected a quantity > 0",
    ),
    (
        "qty-precision",
        "stop_limit",
        S.ACCEPTED,
        {"qty": "100.5"},
        r"Order O-1: updated quantity 100.5 precision 1 invalid, expected 0",
    ),
    (
        "price-on-market",
        "market",
        S.ACCEPTED,
        {"price": "1.10000"},
        r"Order O-1: updated price 1.10000 invalid for a MARKET order, expected None",
    ),
    (
        "trigger-on-limit",
        "limit",
        S.ACCEPTED,
        {"trigger": "1.10000"},
        r"Order O-1: updated trigger_price 1.10000 invalid for a LIMIT order, expected None",
    ),
    (
        "price-precision",
        "stop_limit",
        S.ACCEPTED,
        {"price": "1.100"},
        r"Order O-1: updated price 1.100 precision 3 invalid, expected 5",
    ),
]


@pytest.mark.parametrize(
    ("method", "status", "kwargs", "match"),
    [row[1:] for row in BAD_UPDATES],
    ids=[row[0] for row in BAD_UPDATES],
)
def test_order_updated_bad_values_raise_and_leave_order_unchanged(b, method, status, kwargs, match):
    order = build(b, status, getattr(b, method)(qty="100000"))
    before = (order.status, order.quantity, order.price, order.trigger_price, order.event_count)

    with pytest.raises(ValidationError, match=match):
        order.apply(b.updated(order, **kwargs))

    assert (
        order.status,
        order.quantity,
        order.price,
        order.trigger_price,
        order.event_count,
    ) == before


# --------------------------------------------------------------------------------------------
# order_from_init
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [row[0] for row in VALID_ORDERS])
def test_order_from_init_rebuilds_equal_fresh_order(b, method):
    order = getattr(b, method)(side=OrderSide.SELL, qty="30000", reduce_only=True, tags=["x"])
    order.apply(b.submitted(order))
    order.apply(b.accepted(order))

    rebuilt = order_from_init(order.init_event)

    assert type(rebuilt) is type(order)
    assert rebuilt == order and hash(rebuilt) == hash(order)
    assert rebuilt.status == S.INITIALIZED
    assert rebuilt.events == [order.init_event]
    fields = (
        "trader_id",
        "strategy_id",
        "instrument_id",
        "client_order_id",
        "side",
        "order_type",
        "time_in_force",
        "quantity",
        "price",
        "trigger_price",
        "trigger_type",
        "expire_time_ns",
        "is_post_only",
        "is_reduce_only",
        "is_quote_quantity",
        "contingency_type",
        "tags",
        "init_id",
        "ts_init",
    )
    assert {f: getattr(rebuilt, f) for f in fields} == {f: getattr(order, f) for f in fields}
    assert rebuilt.filled_qty == Q("0") and rebuilt.venue_order_id is None


def test_order_from_init_unsupported_type_raises(b):
    init = OrderInitialized(
        TRADER,
        STRATEGY,
        EURUSD,
        ClientOrderId("O-9"),
        OrderSide.BUY,
        OrderType.MARKET_TO_LIMIT,
        Q("1"),
        TimeInForce.GTC,
        False,
        False,
        False,
        None,
        None,
        TriggerType.NO_TRIGGER,
        0,
        ContingencyType.NO_CONTINGENCY,
        None,
        None,
        None,
        None,
        b.uuids.generate(),
        0,
    )

    with pytest.raises(
        ValidationError,
        match=r"order_from_init: order_type invalid value .*5.*expected a "
        r"supported OrderType",
    ):
        order_from_init(init)


# --------------------------------------------------------------------------------------------
# Property: partial fills
# --------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    quantity=st.integers(min_value=1, max_value=1_000_000),
    fractions=st.lists(st.integers(min_value=1, max_value=1_000), min_size=1, max_size=20),
)
def test_order_random_partial_fills_keep_invariants(quantity, fractions):
    b = EventBuilder()
    order = build(b, S.ACCEPTED, b.limit(qty=str(quantity)))
    for i, fraction in enumerate(fractions):
        leaves = order.leaves_qty.raw // 10**9
        if leaves == 0:
            break
        # the last drawn fill takes the rest, others a share of it (at least one unit)
        size = leaves if i == len(fractions) - 1 else max(1, leaves * fraction // 1_000)
        order.apply(b.filled(order, str(size)))

        assert order.filled_qty.raw + order.leaves_qty.raw == order.quantity.raw
        assert (order.status == S.FILLED) == (order.leaves_qty.raw == 0)
        assert order.status in (S.FILLED, S.PARTIALLY_FILLED)
    assert order.status == S.FILLED
    assert order.filled_qty == Q(str(quantity))


# --------------------------------------------------------------------------------------------
# The OrderInitialized of a constructed order is rebuilt on demand from the order's fields
# --------------------------------------------------------------------------------------------


INIT_FIELDS = (
    "trader_id", "strategy_id", "instrument_id", "client_order_id", "id", "ts_event", "ts_init",
    "side", "order_type", "quantity", "time_in_force", "post_only", "reduce_only",
    "quote_quantity", "price", "trigger_price", "trigger_type", "expire_time_ns",
    "contingency_type", "order_list_id", "linked_order_ids", "parent_order_id", "tags",
    "reconciliation",
)  # fmt: skip


def init_fields(init):
    return {name: getattr(init, name) for name in INIT_FIELDS}


def test_order_init_event_rebuilt_equals_the_event_the_order_was_built_from(b):
    order = StopLimitOrder(
        TRADER, STRATEGY, EURUSD, ClientOrderId("O-9"), OrderSide.SELL, Q("250000"),
        P("1.09990"), P("1.10000"), TriggerType.LAST_PRICE, b.uuids.generate(), 1_000,
        time_in_force=TimeInForce.GTD, expire_time_ns=5_000, post_only=True, reduce_only=True,
        contingency_type=ContingencyType.OTO, linked_order_ids=[ClientOrderId("O-10")],
        parent_order_id=ClientOrderId("O-8"), tags=["entry", "tp"],
    )  # fmt: skip

    init = order.init_event

    assert init_fields(init) == init_fields(order_from_init(init).init_event)
    assert init.quantity == Q("250000") and init.price == P("1.09990")
    assert init.trigger_price == P("1.10000") and init.trigger_type == TriggerType.LAST_PRICE
    assert init.id == order.init_id and init.ts_init == 1_000
    assert init.linked_order_ids == [ClientOrderId("O-10")] and init.tags == ["entry", "tp"]
    assert order.init_event is init  # built once, then kept
    assert order.events == [init] and order.event_count == 1 and order.last_event is init


def test_order_init_event_keeps_original_values_after_an_update(b):
    order = build(b, S.ACCEPTED)
    original_quantity, original_price = order.quantity, order.price

    order.apply(b.updated(order, qty="150000", price="1.10020"))

    init = order.init_event
    assert (init.quantity, init.price) == (original_quantity, original_price)
    assert (order.quantity, order.price) == (Q("150000"), P("1.10020"))
    assert order.events[0] is init and order.event_count == len(order.events)


def test_order_rebuilt_from_init_keeps_that_event(b):
    init = b.limit(coid="O-3").init_event

    order = order_from_init(init)

    assert order.init_event is init


def test_order_init_id_is_stored_as_two_halves_and_built_on_read(b):
    init_id = b.uuids.generate()
    order = MarketOrder(
        TRADER, STRATEGY, EURUSD, ClientOrderId("O-11"), OrderSide.BUY, Q("1000"), init_id, 7
    )  # fmt: skip

    # Equal to the id it was built with, but a new UUID4 per read: no object kept per order.
    assert order.init_id == init_id and str(order.init_id) == str(init_id)
    assert order.init_id is not order.init_id
    assert order.init_event.id == init_id
