"""`BookOrder` and `OrderBookDelta`: construction checks, equality, repr, pickling."""

import pickle

import pytest

from core.errors import ValidationError
from core.model import (
    BookAction,
    BookOrder,
    InstrumentId,
    OrderBookDelta,
    OrderSide,
    Price,
    Quantity,
)

IID = InstrumentId.from_str("EUR/USD.SIM")


def _order(side=OrderSide.BUY, price="1.00001", size=5, order_id=7):
    return BookOrder(side, Price.from_str(price), Quantity.from_int(size), order_id)


def test_order_book_delta_fields_equality_and_repr():
    delta = OrderBookDelta(IID, BookAction.ADD, _order(), 1, 42, 10, 11)
    assert delta.order.price == Price.from_str("1.00001")
    assert delta.order.size == Quantity.from_int(5)
    assert (delta.action, delta.flags, delta.sequence) == (BookAction.ADD, 1, 42)
    assert delta == OrderBookDelta(IID, BookAction.ADD, _order(), 1, 42, 10, 11)
    assert delta != OrderBookDelta(IID, BookAction.ADD, _order(order_id=8), 1, 42, 10, 11)
    assert repr(delta) == (
        "OrderBookDelta(EUR/USD.SIM,ADD,BookOrder(BUY,1.00001,5,7),flags=1,sequence=42,10,11)"
    )


def test_order_book_delta_pickle_round_trip():
    delta = OrderBookDelta(IID, BookAction.UPDATE, _order(OrderSide.SELL), 0, 2**64 - 1, 1, 2)
    assert pickle.loads(pickle.dumps(delta)) == delta


def test_order_book_delta_from_raw_equals_init():
    delta = OrderBookDelta.from_raw(
        IID, BookAction.DELETE, OrderSide.SELL, 1_000_010_000, 5, 5_000_000_000, 0, 7, 0, 3, 4, 5
    )
    assert delta == OrderBookDelta(IID, BookAction.DELETE, _order(OrderSide.SELL), 0, 3, 4, 5)


def test_order_book_delta_clear_carries_empty_order():
    delta = OrderBookDelta.clear(IID, 9, 1, 2)
    assert delta.action == BookAction.CLEAR
    assert delta.order.side == OrderSide.NO_ORDER_SIDE
    assert (delta.order.price_raw, delta.order.size_raw, delta.order.order_id) == (0, 0, 0)


@pytest.mark.parametrize(
    ("action", "order", "match"),
    [
        (BookAction.ADD, None, "order None invalid for ADD, expected a BookOrder"),
        (BookAction.ADD, _order(size=0), "order size 0 invalid for ADD, expected > 0"),
        (
            BookAction.UPDATE,
            _order(side=OrderSide.NO_ORDER_SIDE),
            "order side NO_ORDER_SIDE invalid for UPDATE, expected BUY or SELL",
        ),
        (BookAction.CLEAR, _order(), "invalid for CLEAR, expected the empty order"),
        (9, _order(), "action"),
    ],
)
def test_order_book_delta_invalid_raises(action, order, match):
    with pytest.raises(ValidationError, match=match):
        OrderBookDelta(IID, action, order, 0, 0, 0, 0)


def test_book_order_from_raw_bad_precision_step_raises():
    with pytest.raises(ValidationError, match="price raw invalid value 1000000001"):
        BookOrder.from_raw(OrderSide.BUY, 1_000_000_001, 5, 1_000_000_000, 0, 1)


def test_order_book_delta_negative_ts_raises():
    with pytest.raises(ValidationError, match="ts_event invalid value -1"):
        OrderBookDelta(IID, BookAction.ADD, _order(), 0, 0, -1, 0)
