"""Unit tests of the trading commands (core/model/commands.pyx)."""

import pytest
from core.model.commands import (
    CancelAllOrders,
    CancelOrder,
    CommandKind,
    ModifyOrder,
    SubmitOrder,
)

from core.errors import ValidationError
from core.model.enums import OrderSide
from core.model.identifiers import ClientId, ClientOrderId, PositionId, VenueOrderId
from core.model.objects import Price, Quantity
from core.model.uuid import UUIDFactory
from tests.kit.order_events import EURUSD, STRATEGY, TRADER, EventBuilder


@pytest.fixture
def uuids():
    return UUIDFactory(11)


def test_submit_order_fields_from_arguments_and_order(uuids):
    order = EventBuilder().limit(coid="O-7")
    command_id = uuids.generate()

    command = SubmitOrder(
        TRADER,
        STRATEGY,
        order,
        command_id,
        5_000,
        position_id=PositionId("P-3"),
        client_id=ClientId("SIM"),
    )

    assert command.kind == CommandKind.SUBMIT_ORDER
    assert (command.trader_id, command.strategy_id) == (TRADER, STRATEGY)
    assert command.instrument_id == EURUSD
    assert command.order is order
    assert command.position_id == PositionId("P-3")
    assert command.client_id == ClientId("SIM")
    assert (command.id, command.ts_init) == (command_id, 5_000)
    assert repr(command).startswith("SubmitOrder(order=LimitOrder(BUY 100000 EUR/USD.SIM")
    assert repr(command).endswith("position_id=P-3)")


def test_submit_order_defaults_no_position_no_client(uuids):
    command = SubmitOrder(TRADER, STRATEGY, EventBuilder().market(), uuids.generate(), 0)

    assert (command.position_id, command.client_id) == (None, None)


def test_modify_order_fields_kept(uuids):
    command_id = uuids.generate()

    command = ModifyOrder(
        TRADER,
        STRATEGY,
        EURUSD,
        ClientOrderId("O-1"),
        VenueOrderId("V-1"),
        Quantity.from_int(5),
        Price.from_str("1.10010"),
        Price.from_str("1.10000"),
        command_id,
        7,
        client_id=ClientId("SIM"),
    )

    assert command.kind == CommandKind.MODIFY_ORDER
    assert (command.trader_id, command.strategy_id, command.instrument_id) == (
        TRADER,
        STRATEGY,
        EURUSD,
    )
    assert (command.client_order_id, command.venue_order_id) == (
        ClientOrderId("O-1"),
        VenueOrderId("V-1"),
    )
    assert command.quantity == Quantity.from_int(5)
    assert command.price == Price.from_str("1.10010")
    assert command.trigger_price == Price.from_str("1.10000")
    assert (command.id, command.ts_init, command.client_id) == (command_id, 7, ClientId("SIM"))
    assert repr(command) == (
        "ModifyOrder(client_order_id=O-1, quantity=5, price=1.10010, trigger_price=1.10000)"
    )


def test_modify_order_none_values_keep_order_values(uuids):
    command = ModifyOrder(
        TRADER,
        STRATEGY,
        EURUSD,
        ClientOrderId("O-1"),
        None,
        None,
        Price.from_str("1.2"),
        None,
        uuids.generate(),
        0,
    )

    assert (command.venue_order_id, command.quantity, command.trigger_price) == (None, None, None)
    assert command.price == Price.from_str("1.2")


def test_modify_order_zero_quantity_raises(uuids):
    with pytest.raises(
        ValidationError,
        match=r"ModifyOrder O-1: quantity invalid value 0, expected a quantity "
        r"> 0 \(or None",
    ):
        ModifyOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId("O-1"),
            None,
            Quantity.from_int(0),
            None,
            None,
            uuids.generate(),
            0,
        )


def test_cancel_order_fields_kept(uuids):
    command_id = uuids.generate()

    command = CancelOrder(
        TRADER, STRATEGY, EURUSD, ClientOrderId("O-1"), VenueOrderId("V-9"), command_id, 3
    )

    assert command.kind == CommandKind.CANCEL_ORDER
    assert (command.trader_id, command.strategy_id, command.instrument_id) == (
        TRADER,
        STRATEGY,
        EURUSD,
    )
    assert (command.client_order_id, command.venue_order_id) == (
        ClientOrderId("O-1"),
        VenueOrderId("V-9"),
    )
    assert (command.id, command.ts_init, command.client_id) == (command_id, 3, None)
    assert repr(command) == "CancelOrder(client_order_id=O-1)"


@pytest.mark.parametrize("side", [OrderSide.NO_ORDER_SIDE, OrderSide.BUY, OrderSide.SELL])
def test_cancel_all_orders_side_kept(uuids, side):
    command_id = uuids.generate()

    command = CancelAllOrders(TRADER, STRATEGY, EURUSD, side, command_id, 9)

    assert command.kind == CommandKind.CANCEL_ALL_ORDERS
    assert command.order_side == side
    assert (command.trader_id, command.strategy_id, command.instrument_id) == (
        TRADER,
        STRATEGY,
        EURUSD,
    )
    assert (command.id, command.ts_init, command.client_id) == (command_id, 9, None)
    assert repr(command) == (f"CancelAllOrders(instrument_id=EUR/USD.SIM, order_side={side.name})")


@pytest.mark.parametrize("side", [7, -1, None, "BUY"])
def test_cancel_all_orders_bad_side_raises(uuids, side):
    with pytest.raises(
        ValidationError,
        match=r"CancelAllOrders EUR/USD.SIM: order_side invalid value .*, "
        r"expected BUY, SELL or NO_ORDER_SIDE",
    ):
        CancelAllOrders(TRADER, STRATEGY, EURUSD, side, uuids.generate(), 0)


NONE_ARGS = [
    ("submit-order", lambda u: SubmitOrder(TRADER, STRATEGY, None, u.generate(), 0), "order"),
    (
        "submit-trader",
        lambda u: SubmitOrder(None, STRATEGY, EventBuilder().market(), u.generate(), 0),
        "trader_id",
    ),
    (
        "modify-instrument",
        lambda u: ModifyOrder(
            TRADER, STRATEGY, None, ClientOrderId("O-1"), None, None, None, None, u.generate(), 0
        ),
        "instrument_id",
    ),
    (
        "cancel-client-order-id",
        lambda u: CancelOrder(TRADER, STRATEGY, EURUSD, None, None, u.generate(), 0),
        "client_order_id",
    ),
    (
        "cancel-all-command-id",
        lambda u: CancelAllOrders(TRADER, STRATEGY, EURUSD, OrderSide.BUY, None, 0),
        "command_id",
    ),
    (
        "cancel-all-strategy",
        lambda u: CancelAllOrders(TRADER, None, EURUSD, OrderSide.BUY, u.generate(), 0),
        "strategy_id",
    ),
]


@pytest.mark.parametrize(
    ("make", "field"), [row[1:] for row in NONE_ARGS], ids=[row[0] for row in NONE_ARGS]
)
def test_command_required_none_argument_raises_naming_it(uuids, make, field):
    with pytest.raises(TypeError, match=rf"Argument '{field}' (must not be None|has incorrect)"):
        make(uuids)
