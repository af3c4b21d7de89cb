"""Order book data: `BookOrder` and `OrderBookDelta` (one change to an L2/L3 book).

A delta applies ``action`` (ADD, UPDATE, DELETE, CLEAR) to ``order`` in the book of
``instrument_id``. Prices and sizes are raw int64 (value x 10**9) with a precision, as in
`QuoteTick`. A CLEAR carries the empty order (``NO_ORDER_SIDE``, price 0, size 0, id 0).

| action | order side | size            |
| ------ | ---------- | --------------- |
| ADD    | BUY/SELL   | > 0             |
| UPDATE | BUY/SELL   | >= 0            |
| DELETE | BUY/SELL   | >= 0 (ignored)  |
| CLEAR  | NO_ORDER_SIDE (empty order)  |
"""

import cython

from libc.stdint cimport int64_t, uint8_t, uint64_t

from core.model.data cimport Data
from core.model.enums cimport BookAction, OrderSide, enum_value
from core.model.identifiers cimport InstrumentId
from core.model.objects cimport POW10, RAW_MAX, Price, Quantity, format_raw

from core.errors import ValidationError
from core.model.enums import BookAction as PyBookAction
from core.model.enums import OrderSide as PyOrderSide


cdef int _check_raw(str owner, str field, int64_t raw, int precision, bint non_negative) except -1:
    if not 0 <= precision <= 9:
        raise ValidationError(f"{owner}: {field} precision invalid value {precision!r}, expected 0..9")
    if raw > RAW_MAX or raw < -RAW_MAX:
        raise ValidationError(
            f"{owner}: {field} raw invalid value {raw!r}, expected -{RAW_MAX}..{RAW_MAX}"
        )
    if non_negative and raw < 0:
        raise ValidationError(
            f"{owner}: {field} invalid value {format_raw(raw, precision)!r}, expected >= 0"
        )
    if raw % POW10[9 - precision] != 0:
        raise ValidationError(
            f"{owner}: {field} raw invalid value {raw!r}, expected a multiple of "
            f"{POW10[9 - precision]} (precision {precision})"
        )
    return 0


def _order_from_raw(side, price_raw, price_precision, size_raw, size_precision, order_id):
    return BookOrder.from_raw_c(side, price_raw, price_precision, size_raw, size_precision,
                                order_id)


@cython.final
cdef class BookOrder:
    """An order in a book: side, price, size and the venue's order id.

    Parameters
    ----------
    side : OrderSide
    price : Price
    size : Quantity
    order_id : int
        0 .. 2**64 - 1.

    Raises
    ------
    ValidationError
        If `side` is not an OrderSide.
    """

    def __init__(self, side, Price price not None, Quantity size not None, uint64_t order_id):
        self.side = <OrderSide>enum_value(PyOrderSide, side, "BookOrder", "side")
        self.price_raw = price.raw
        self.price_precision = price.precision
        self.size_raw = size.raw
        self.size_precision = size.precision
        self.order_id = order_id

    @staticmethod
    cdef BookOrder from_raw_c(
        OrderSide side,
        int64_t price_raw,
        uint8_t price_precision,
        int64_t size_raw,
        uint8_t size_precision,
        uint64_t order_id,
    ):
        """Return an order without checks (precondition: values valid for their precisions)."""
        cdef BookOrder order = BookOrder.__new__(BookOrder)
        order.side = side
        order.price_raw = price_raw
        order.price_precision = price_precision
        order.size_raw = size_raw
        order.size_precision = size_precision
        order.order_id = order_id
        return order

    @staticmethod
    def from_raw(side, int64_t price_raw, int price_prec, int64_t size_raw, int size_prec,
                 uint64_t order_id):
        """Return an order from raw values, checked.

        Raises
        ------
        ValidationError
            If the side is invalid, a precision is not 0..9, a raw value is out of range or
            not a multiple of its precision's step, or the size is negative.
        """
        cdef int side_value = enum_value(PyOrderSide, side, "BookOrder", "side")
        _check_raw("BookOrder", "price", price_raw, price_prec, False)
        _check_raw("BookOrder", "size", size_raw, size_prec, True)
        return BookOrder.from_raw_c(<OrderSide>side_value, price_raw, <uint8_t>price_prec,
                                    size_raw, <uint8_t>size_prec, order_id)

    def __reduce__(self):
        return (_order_from_raw, (self.side, self.price_raw, self.price_precision,
                                  self.size_raw, self.size_precision, self.order_id))

    @property
    def price(self):
        return Price.from_raw_c(self.price_raw, self.price_precision)

    @property
    def size(self):
        return Quantity.from_raw_c(self.size_raw, self.size_precision)

    def __eq__(self, other):
        if not isinstance(other, BookOrder):
            return NotImplemented
        cdef BookOrder o = other
        return (
            self.side == o.side
            and self.price_raw == o.price_raw
            and self.price_precision == o.price_precision
            and self.size_raw == o.size_raw
            and self.size_precision == o.size_precision
            and self.order_id == o.order_id
        )

    def __hash__(self):
        return hash((<int>self.side, self.price_raw, self.size_raw, self.order_id))

    def __repr__(self):
        return (
            f"BookOrder({PyOrderSide(self.side).name},{self.price},{self.size},"
            f"{self.order_id})"
        )


def _delta_from_raw(instrument_id, action, side, price_raw, price_precision, size_raw,
                    size_precision, order_id, flags, sequence, ts_event, ts_init):
    return OrderBookDelta.from_raw_c(instrument_id, action, side, price_raw, price_precision,
                                     size_raw, size_precision, order_id, flags, sequence,
                                     ts_event, ts_init)


cdef int _check_delta(InstrumentId instrument_id, int action, BookOrder order,
                      int64_t ts_event, int64_t ts_init) except -1:
    cdef str owner = f"OrderBookDelta {instrument_id.value}"
    if action == BookAction.CLEAR:
        if order.side != OrderSide.NO_ORDER_SIDE or order.size_raw != 0 \
                or order.price_raw != 0 or order.order_id != 0:
            raise ValidationError(
                f"{owner}: order {order!r} invalid for CLEAR, expected the empty order "
                f"(NO_ORDER_SIDE, price 0, size 0, id 0)"
            )
    else:
        if order.side == OrderSide.NO_ORDER_SIDE:
            raise ValidationError(
                f"{owner}: order side NO_ORDER_SIDE invalid for "
                f"{PyBookAction(action).name}, expected BUY or SELL"
            )
        if order.size_raw < 0 or (action == BookAction.ADD and order.size_raw == 0):
            raise ValidationError(
                f"{owner}: order size {order.size} invalid for {PyBookAction(action).name}, "
                f"expected > 0" if action == BookAction.ADD else
                f"{owner}: order size {order.size} invalid, expected >= 0"
            )
    if ts_event < 0:
        raise ValidationError(f"{owner}: ts_event invalid value {ts_event}, expected >= 0")
    if ts_init < 0:
        raise ValidationError(f"{owner}: ts_init invalid value {ts_init}, expected >= 0")
    return 0


cdef class OrderBookDelta(Data):
    """One change to an order book.

    Parameters
    ----------
    instrument_id : InstrumentId
    action : BookAction
    order : BookOrder or None
        None (or the empty order) for CLEAR.
    flags : int
        0..255.
    sequence : int
        0 .. 2**64 - 1.
    ts_event, ts_init : int
        UNIX nanoseconds.

    Raises
    ------
    ValidationError
        If the action is invalid, a CLEAR carries an order, another action has no side or a
        negative size (zero for ADD), or a timestamp is negative.
    """

    def __init__(
        self,
        InstrumentId instrument_id not None,
        action,
        BookOrder order or None,
        uint8_t flags,
        uint64_t sequence,
        int64_t ts_event,
        int64_t ts_init,
    ):
        cdef str owner = f"OrderBookDelta {instrument_id.value}"
        cdef int action_value = enum_value(PyBookAction, action, owner, "action")
        if order is None:
            if action_value != BookAction.CLEAR:
                raise ValidationError(
                    f"{owner}: order None invalid for {PyBookAction(action_value).name}, "
                    f"expected a BookOrder"
                )
            order = BookOrder.from_raw_c(OrderSide.NO_ORDER_SIDE, 0, 0, 0, 0, 0)
        _check_delta(instrument_id, action_value, order, ts_event, ts_init)
        self.instrument_id = instrument_id
        self.action = <BookAction>action_value
        self.order = order
        self.flags = flags
        self.sequence = sequence
        self.ts_event = ts_event
        self.ts_init = ts_init

    @staticmethod
    cdef OrderBookDelta from_raw_c(
        InstrumentId instrument_id,
        BookAction action,
        OrderSide side,
        int64_t price_raw,
        uint8_t price_precision,
        int64_t size_raw,
        uint8_t size_precision,
        uint64_t order_id,
        uint8_t flags,
        uint64_t sequence,
        int64_t ts_event,
        int64_t ts_init,
    ):
        """Return a delta without checks (precondition: values valid as in ``__init__``)."""
        cdef OrderBookDelta delta = OrderBookDelta.__new__(OrderBookDelta)
        delta.instrument_id = instrument_id
        delta.action = action
        delta.order = BookOrder.from_raw_c(side, price_raw, price_precision, size_raw,
                                           size_precision, order_id)
        delta.flags = flags
        delta.sequence = sequence
        delta.ts_event = ts_event
        delta.ts_init = ts_init
        return delta

    @staticmethod
    def from_raw(
        InstrumentId instrument_id not None,
        action,
        side,
        int64_t price_raw,
        int price_prec,
        int64_t size_raw,
        int size_prec,
        uint64_t order_id,
        uint8_t flags,
        uint64_t sequence,
        int64_t ts_event,
        int64_t ts_init,
    ):
        """Return a delta from raw values, checked (see the class's Raises)."""
        cdef str owner = f"OrderBookDelta {instrument_id.value}"
        cdef int action_value = enum_value(PyBookAction, action, owner, "action")
        cdef BookOrder order = BookOrder.from_raw(side, price_raw, price_prec, size_raw,
                                                  size_prec, order_id)
        _check_delta(instrument_id, action_value, order, ts_event, ts_init)
        return OrderBookDelta.from_raw_c(
            instrument_id, <BookAction>action_value, order.side, price_raw,
            <uint8_t>price_prec, size_raw, <uint8_t>size_prec, order_id, flags, sequence,
            ts_event, ts_init,
        )

    @staticmethod
    def clear(InstrumentId instrument_id not None, uint64_t sequence, int64_t ts_event,
              int64_t ts_init):
        """Return a CLEAR delta (empties the book)."""
        return OrderBookDelta(instrument_id, PyBookAction.CLEAR, None, 0, sequence, ts_event,
                              ts_init)

    def __reduce__(self):
        return (_delta_from_raw, (
            self.instrument_id, self.action, self.order.side, self.order.price_raw,
            self.order.price_precision, self.order.size_raw, self.order.size_precision,
            self.order.order_id, self.flags, self.sequence, self.ts_event, self.ts_init,
        ))

    def __eq__(self, other):
        if not isinstance(other, OrderBookDelta):
            return NotImplemented
        cdef OrderBookDelta o = other
        return (
            self.instrument_id == o.instrument_id
            and self.action == o.action
            and self.order == o.order
            and self.flags == o.flags
            and self.sequence == o.sequence
            and self.ts_event == o.ts_event
            and self.ts_init == o.ts_init
        )

    def __hash__(self):
        return hash((self.instrument_id, <int>self.action, self.order.order_id, self.sequence,
                     self.ts_event))

    def __repr__(self):
        return (
            f"OrderBookDelta({self.instrument_id},{PyBookAction(self.action).name},"
            f"{self.order!r},flags={self.flags},sequence={self.sequence},"
            f"{self.ts_event},{self.ts_init})"
        )
