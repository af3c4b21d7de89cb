"""Orders and their state machine.

Every order is built from its `OrderInitialized` event (so an order can be rebuilt from its
events anywhere) and changes only by `apply(event)`. Quantities and prices are held raw (int64,
value × 10**9) with properties that return `Quantity`/`Price`; ``filled_qty + leaves_qty ==
quantity`` always holds.

Order status transitions (rows: from; an event leading anywhere else raises
`InvalidStateTrigger` and leaves the order unchanged):

==================  ==========================================================================
from                allowed to
==================  ==========================================================================
INITIALIZED         DENIED, SUBMITTED, ACCEPTED, REJECTED, CANCELED, EXPIRED, TRIGGERED,
                    EMULATED, RELEASED
EMULATED            RELEASED, CANCELED, EXPIRED
RELEASED            SUBMITTED, DENIED, CANCELED
SUBMITTED           ACCEPTED, REJECTED, CANCELED, TRIGGERED, PENDING_UPDATE, PENDING_CANCEL,
                    PARTIALLY_FILLED, FILLED, EXPIRED
ACCEPTED            REJECTED, CANCELED, EXPIRED, TRIGGERED, PENDING_UPDATE, PENDING_CANCEL,
                    PARTIALLY_FILLED, FILLED
TRIGGERED           REJECTED, CANCELED, EXPIRED, PENDING_UPDATE, PENDING_CANCEL,
                    PARTIALLY_FILLED, FILLED
PENDING_UPDATE      (its previous status, on OrderUpdated/OrderModifyRejected/
                    OrderCancelRejected), ACCEPTED, REJECTED, CANCELED, EXPIRED, TRIGGERED,
                    PENDING_UPDATE (another request), PENDING_CANCEL, PARTIALLY_FILLED, FILLED
PENDING_CANCEL      (its previous status, on OrderCancelRejected/OrderModifyRejected),
                    ACCEPTED, CANCELED, EXPIRED, PENDING_CANCEL (another request),
                    PARTIALLY_FILLED, FILLED
PARTIALLY_FILLED    CANCELED, EXPIRED, TRIGGERED, PENDING_UPDATE, PENDING_CANCEL,
                    PARTIALLY_FILLED, FILLED
DENIED, REJECTED,   (terminal: nothing)
CANCELED, EXPIRED,
FILLED
==================  ==========================================================================

Events map to statuses: Denied→DENIED, Submitted→SUBMITTED, Accepted→ACCEPTED,
Rejected→REJECTED, PendingUpdate→PENDING_UPDATE, PendingCancel→PENDING_CANCEL,
ModifyRejected/CancelRejected→the status before the pending one (unchanged if not pending),
Updated→the status before PENDING_UPDATE (unchanged if not PENDING_UPDATE; FILLED if the new
quantity equals the filled quantity), Canceled→CANCELED, Expired→EXPIRED,
Triggered→TRIGGERED, Filled→PARTIALLY_FILLED or FILLED. A status moves to itself only where
the table lists it; in a terminal status every event raises (even ModifyRejected,
CancelRejected and Updated, which elsewhere may leave the status unchanged).
"""

import cython

from libc.stdint cimport int64_t

from core.model.enums cimport ContingencyType, LiquiditySide, OrderSide, OrderStatus
from core.model.enums cimport OrderType, PositionSide, TimeInForce, TriggerType
from core.model.events cimport OrderEvent, OrderEventKind, OrderFilled
from core.model.events cimport set_event_id
from core.model.events cimport OrderInitialized, OrderUpdated
from core.model.identifiers cimport ClientOrderId, InstrumentId, OrderListId
from core.model.identifiers cimport StrategyId, TraderId
from core.model.objects cimport Price, Quantity
from core.model.uuid cimport UUID4

from core.errors import InvalidStateTrigger, ValidationError
from core.model.enums import ContingencyType as PyContingencyType
from core.model.enums import OrderSide as PyOrderSide
from core.model.enums import OrderStatus as PyOrderStatus
from core.model.enums import OrderType as PyOrderType
from core.model.enums import TimeInForce as PyTimeInForce
from core.model.enums import TriggerType as PyTriggerType

cdef bint _VALID[15][15]

_TRANSITIONS = {
    OrderStatus.INITIALIZED: (
        OrderStatus.DENIED, OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.REJECTED,
        OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.TRIGGERED, OrderStatus.EMULATED,
        OrderStatus.RELEASED,
    ),
    OrderStatus.EMULATED: (OrderStatus.RELEASED, OrderStatus.CANCELED, OrderStatus.EXPIRED),
    OrderStatus.RELEASED: (OrderStatus.SUBMITTED, OrderStatus.DENIED, OrderStatus.CANCELED),
    OrderStatus.SUBMITTED: (
        OrderStatus.ACCEPTED, OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.TRIGGERED,
        OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL, OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED, OrderStatus.EXPIRED,
    ),
    OrderStatus.ACCEPTED: (
        OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.TRIGGERED,
        OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL, OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ),
    OrderStatus.TRIGGERED: (
        OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED,
        OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL, OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ),
    OrderStatus.PENDING_UPDATE: (
        OrderStatus.ACCEPTED, OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED,
        OrderStatus.TRIGGERED, OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL,
        OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED,
    ),
    OrderStatus.PENDING_CANCEL: (
        OrderStatus.ACCEPTED, OrderStatus.CANCELED, OrderStatus.EXPIRED,
        OrderStatus.PENDING_CANCEL, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED,
    ),
    OrderStatus.PARTIALLY_FILLED: (
        OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.TRIGGERED,
        OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL, OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ),
}
"""The allowed status transitions (the table in the module docstring)."""

for _from, _tos in _TRANSITIONS.items():
    for _to in _tos:
        _VALID[<int>_from][<int>_to] = True


cdef inline object _err(str owner, str field, object value, str expected):
    return ValidationError(f"{owner}: {field} invalid value {value!r}, expected {expected}")


@cython.no_gc
cdef class Order:
    """Base of all orders; build one with an order factory or a subclass constructor.

    Raises
    ------
    InvalidStateTrigger
        From `apply` when an event is not valid in the current status.
    """

    def __init__(self):
        raise TypeError("Order is abstract: construct a MarketOrder, LimitOrder, ... instead")

    cdef void _init_common(self, OrderInitialized init, bint keep_init):
        self.trader_id = init.trader_id
        self.strategy_id = init.strategy_id
        self.instrument_id = init.instrument_id
        self.client_order_id = init.client_order_id
        self.side = init.side
        self.order_type = init.order_type
        self.time_in_force = init.time_in_force
        self.status = OrderStatus.INITIALIZED
        self._previous_status = OrderStatus.INITIALIZED
        self.liquidity_side = LiquiditySide.NO_LIQUIDITY_SIDE
        self.quantity_raw = init.quantity.raw
        self.size_precision = init.quantity.precision
        self.filled_raw = 0
        self.has_price = init.price is not None
        self.price_raw = init.price.raw if self.has_price else 0
        self.has_trigger_price = init.trigger_price is not None
        self.trigger_price_raw = init.trigger_price.raw if self.has_trigger_price else 0
        if self.has_price:
            self.price_precision = init.price.precision
        elif self.has_trigger_price:
            self.price_precision = init.trigger_price.precision
        self.trigger_type = init.trigger_type
        self.is_triggered = False
        self.expire_time_ns = init.expire_time_ns
        self.is_post_only = init.post_only
        self.is_reduce_only = init.reduce_only
        self.is_quote_quantity = init.quote_quantity
        self.contingency_type = init.contingency_type
        self.order_list_id = init.order_list_id
        self.linked_order_ids = init.linked_order_ids
        self.parent_order_id = init.parent_order_id
        self.tags = init.tags
        self._init_id_hi = init._id_hi
        self._init_id_lo = init._id_lo
        self.ts_init = init.ts_init
        self.ts_last = init.ts_init
        self.avg_px = 0.0
        self._fill_notional = 0.0
        # The OrderInitialized repeats the order's own fields: unless it carries something the
        # order does not (a rebuilt order's event), it is rebuilt on demand (`init_event`) and
        # kept only from then on, or from just before an OrderUpdated changes those fields.
        self._init = init if keep_init else None
        self._events = []

    cdef OrderInitialized _build_init(self):
        cdef OrderInitialized init = OrderInitialized.__new__(OrderInitialized)
        init.kind = OrderEventKind.ORDER_INITIALIZED
        init.trader_id = self.trader_id
        init.strategy_id = self.strategy_id
        init.instrument_id = self.instrument_id
        init.client_order_id = self.client_order_id
        init._id_hi = self._init_id_hi
        init._id_lo = self._init_id_lo
        init.ts_event = self.ts_init
        init.ts_init = self.ts_init
        init.side = self.side
        init.order_type = self.order_type
        init.quantity = Quantity.from_raw_c(self.quantity_raw, self.size_precision)
        init.time_in_force = self.time_in_force
        init.post_only = self.is_post_only
        init.reduce_only = self.is_reduce_only
        init.quote_quantity = self.is_quote_quantity
        init.price = Price.from_raw_c(self.price_raw, self.price_precision) \
            if self.has_price else None
        init.trigger_price = Price.from_raw_c(self.trigger_price_raw, self.price_precision) \
            if self.has_trigger_price else None
        init.trigger_type = self.trigger_type
        init.expire_time_ns = self.expire_time_ns
        init.contingency_type = self.contingency_type
        init.order_list_id = self.order_list_id
        init.linked_order_ids = self.linked_order_ids
        init.parent_order_id = self.parent_order_id
        init.tags = self.tags
        return init

    @property
    def init_id(self):
        """The id of the order's OrderInitialized (a UUID4, built on read; None if it had none)."""
        if self._init_id_hi == 0 and self._init_id_lo == 0:
            return None
        return UUID4.from_ints_c(self._init_id_hi, self._init_id_lo)

    @property
    def quantity(self):
        return Quantity.from_raw_c(self.quantity_raw, self.size_precision)

    @property
    def filled_qty(self):
        return Quantity.from_raw_c(self.filled_raw, self.size_precision)

    @property
    def leaves_qty(self):
        return Quantity.from_raw_c(self.quantity_raw - self.filled_raw, self.size_precision)

    @property
    def leaves_raw(self):
        return self.quantity_raw - self.filled_raw

    @property
    def price(self):
        """The limit price, or None for orders without one."""
        return Price.from_raw_c(self.price_raw, self.price_precision) if self.has_price else None

    @property
    def trigger_price(self):
        """The trigger price, or None for orders without one."""
        if not self.has_trigger_price:
            return None
        return Price.from_raw_c(self.trigger_price_raw, self.price_precision)

    @property
    def events(self):
        """A copy of the order's events, oldest first."""
        return [self.init_event_c()] + self._events

    @property
    def event_count(self):
        return len(self._events) + 1

    @property
    def last_event(self):
        return self._events[len(self._events) - 1] if self._events else self.init_event_c()

    @property
    def trade_ids(self):
        return sorted(
            (<OrderFilled>e).trade_id for e in self._events
            if (<OrderEvent>e).kind == OrderEventKind.ORDER_FILLED
        )

    cdef bint _has_trade_id(self, object trade_id) except -1:
        # An order has few fills: scanning its events costs less than a set per order.
        for e in self._events:
            if (<OrderEvent>e).kind == OrderEventKind.ORDER_FILLED and \
                    (<OrderFilled>e).trade_id == trade_id:
                return True
        return False

    cdef OrderInitialized init_event_c(self):
        if self._init is None:
            self._init = self._build_init()
        return self._init

    @property
    def init_event(self):
        """The order's ``OrderInitialized`` event (built once on first read, then kept)."""
        return self.init_event_c()

    cdef bint is_open_c(self):
        return self.status in (
            OrderStatus.ACCEPTED, OrderStatus.TRIGGERED, OrderStatus.PENDING_UPDATE,
            OrderStatus.PENDING_CANCEL, OrderStatus.PARTIALLY_FILLED, OrderStatus.EMULATED,
            OrderStatus.RELEASED,
        )

    cdef bint is_closed_c(self):
        return self.status in (
            OrderStatus.DENIED, OrderStatus.REJECTED, OrderStatus.CANCELED,
            OrderStatus.EXPIRED, OrderStatus.FILLED,
        )

    cdef bint is_inflight_c(self):
        return self.status in (
            OrderStatus.SUBMITTED, OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL
        )

    cdef bint is_buy_c(self):
        return self.side == OrderSide.BUY

    cdef bint is_sell_c(self):
        return self.side == OrderSide.SELL

    cdef bint is_passive_c(self):
        return self.order_type != OrderType.MARKET

    @property
    def is_open(self):
        """Whether the order works at (or is held for) a venue.

        ACCEPTED, TRIGGERED, PENDING_UPDATE, PENDING_CANCEL, PARTIALLY_FILLED, EMULATED or
        RELEASED.
        """
        return self.is_open_c()

    @property
    def is_closed(self):
        """Whether the order reached a terminal status (DENIED, REJECTED, CANCELED, EXPIRED, FILLED)."""
        return self.is_closed_c()

    @property
    def is_inflight(self):
        """Whether a request for the order awaits the venue's answer.

        SUBMITTED, PENDING_UPDATE or PENDING_CANCEL.
        """
        return self.is_inflight_c()

    @property
    def is_emulated(self):
        """Whether the order is held locally by the emulator (status EMULATED)."""
        return self.status == OrderStatus.EMULATED

    @property
    def is_active_local(self):
        """Whether the order is active and held locally (INITIALIZED, EMULATED or RELEASED)."""
        return self.status in (
            OrderStatus.INITIALIZED, OrderStatus.EMULATED, OrderStatus.RELEASED
        )

    @property
    def is_canceled(self):
        """Whether the order's status is CANCELED."""
        return self.status == OrderStatus.CANCELED

    @property
    def is_pending_update(self):
        """Whether the order's status is PENDING_UPDATE."""
        return self.status == OrderStatus.PENDING_UPDATE

    @property
    def is_pending_cancel(self):
        """Whether the order's status is PENDING_CANCEL."""
        return self.status == OrderStatus.PENDING_CANCEL

    @property
    def is_buy(self):
        """Whether the order side is BUY."""
        return self.is_buy_c()

    @property
    def is_sell(self):
        """Whether the order side is SELL."""
        return self.is_sell_c()

    @property
    def is_passive(self):
        """Whether the order is not a MARKET order."""
        return self.is_passive_c()

    @property
    def is_aggressive(self):
        """Whether the order is a MARKET order."""
        return self.order_type == OrderType.MARKET

    @property
    def is_contingency(self):
        """Whether the order has a contingency type (OCO, OTO or OUO)."""
        return self.contingency_type != ContingencyType.NO_CONTINGENCY

    @property
    def is_parent_order(self):
        """Whether the order is the parent of an OTO contingency (its children trigger on fill)."""
        return self.contingency_type == ContingencyType.OTO

    @property
    def is_child_order(self):
        """Whether the order has a parent order."""
        return self.parent_order_id is not None

    @property
    def is_primary(self):
        """Whether the order is the primary order of an execution-algorithm sequence.

        Flotilla has no execution algorithms, so no order carries an ``exec_algorithm_id`` and
        this is False for every order (as it is in NautilusTrader for an order without one).
        """
        return False

    @property
    def is_spawned(self):
        """Whether the order was spawned by an execution algorithm.

        False for every order: Flotilla has no execution algorithms (see ``is_primary``).
        """
        return False

    cpdef bint would_reduce_only(self, PositionSide position_side, int64_t position_qty_raw):
        """Return whether filling the rest of this order only reduces the given position."""
        cdef int64_t leaves = self.quantity_raw - self.filled_raw
        if position_side == PositionSide.LONG:
            return self.side == OrderSide.SELL and leaves <= position_qty_raw
        if position_side == PositionSide.SHORT:
            return self.side == OrderSide.BUY and leaves <= position_qty_raw
        return False

    def status_string(self):
        return PyOrderStatus(self.status).name

    def side_string(self):
        return PyOrderSide(self.side).name

    def type_string(self):
        return PyOrderType(self.order_type).name

    def tif_string(self):
        return PyTimeInForce(self.time_in_force).name

    cpdef void apply(self, OrderEvent event) except *:
        """Apply `event`, moving the order through the transition table.

        Raises
        ------
        ValidationError
            If the event is for another order, a fill is a duplicate or overfills, or an
            update's quantity or prices do not fit the order.
        InvalidStateTrigger
            If the event is not valid in the current status (the order is unchanged).
        """
        cdef OrderEventKind kind = event.kind
        cdef OrderStatus target
        cdef bint valid
        cdef int64_t new_filled = self.filled_raw
        cdef int64_t new_quantity = self.quantity_raw
        cdef OrderFilled fill = None
        cdef OrderUpdated updated = None
        if event.client_order_id is not self.client_order_id and \
                event.client_order_id != self.client_order_id:
            raise ValidationError(
                f"Order {self.client_order_id}: event for {event.client_order_id} invalid, "
                f"expected an event of this order"
            )
        if _is_terminal(self.status):
            # Checked first so that a late event on a closed order is a state error, never a
            # quantity error (e.g. a fill after FILLED is not reported as an overfill).
            raise InvalidStateTrigger(
                f"Order {self.client_order_id}: {type(event).__name__} invalid in terminal "
                f"status {PyOrderStatus(self.status).name}; the order is unchanged"
            )
        if kind == OrderEventKind.ORDER_FILLED:
            fill = <OrderFilled>event
            # A fill leads to PARTIALLY_FILLED or FILLED; every non-terminal status allows
            # both or neither, so check the state before the quantities.
            if not _VALID[<int>self.status][<int>OrderStatus.PARTIALLY_FILLED]:
                raise InvalidStateTrigger(
                    f"Order {self.client_order_id}: OrderFilled invalid in status "
                    f"{PyOrderStatus(self.status).name}; the order is unchanged"
                )
            if self._has_trade_id(fill.trade_id):
                raise ValidationError(
                    f"Order {self.client_order_id}: trade_id {fill.trade_id} already applied, "
                    f"expected a new fill"
                )
            new_filled = self.filled_raw + fill.last_qty.raw
            if new_filled > self.quantity_raw:
                raise ValidationError(
                    f"Order {self.client_order_id}: fill of {fill.last_qty} overfills "
                    f"(filled {self.filled_qty} of {self.quantity}), expected at most "
                    f"{self.leaves_qty}"
                )
            target = OrderStatus.FILLED if new_filled == self.quantity_raw \
                else OrderStatus.PARTIALLY_FILLED
            valid = True
        elif kind == OrderEventKind.ORDER_UPDATED:
            updated = <OrderUpdated>event
            self._check_update(updated)
            if self._init is None:
                self._init = self._build_init()  # before the update changes its fields
            new_quantity = updated.quantity.raw
            target = self._previous_status if self.status == OrderStatus.PENDING_UPDATE \
                else self.status
            valid = True
            if new_quantity == self.filled_raw:
                target = OrderStatus.FILLED
                valid = _VALID[<int>self.status][<int>target] or \
                    _VALID[<int>self._previous_status][<int>target]
        elif kind == OrderEventKind.ORDER_MODIFY_REJECTED or \
                kind == OrderEventKind.ORDER_CANCEL_REJECTED:
            target = self._previous_status if self.status in (
                OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL) else self.status
            valid = True
        else:
            target = _target_of(kind)
            valid = _VALID[<int>self.status][<int>target]
        if not valid:
            raise InvalidStateTrigger(
                f"Order {self.client_order_id}: {type(event).__name__} invalid in status "
                f"{PyOrderStatus(self.status).name} (would move to "
                f"{PyOrderStatus(target).name}); the order is unchanged"
            )
        # Valid: mutate.
        if target == OrderStatus.PENDING_UPDATE or target == OrderStatus.PENDING_CANCEL:
            if self.status != OrderStatus.PENDING_UPDATE and \
                    self.status != OrderStatus.PENDING_CANCEL:
                self._previous_status = self.status
        if event.account_id is not None:
            self.account_id = event.account_id
        if event.venue_order_id is not None:
            self.venue_order_id = event.venue_order_id
        if fill is not None:
            self.last_trade_id = fill.trade_id
            if fill.position_id is not None:
                self.position_id = fill.position_id
            self.liquidity_side = fill.liquidity_side
            self._fill_notional += fill.last_px.as_double() * fill.last_qty.as_double()
            self.filled_raw = new_filled
            self.avg_px = self._fill_notional / (<double>new_filled * 1e-9)
        elif updated is not None:
            self.quantity_raw = new_quantity
            if updated.price is not None:
                self.price_raw = updated.price.raw
            if updated.trigger_price is not None:
                self.trigger_price_raw = updated.trigger_price.raw
        elif kind == OrderEventKind.ORDER_TRIGGERED:
            self.is_triggered = True
        self.status = target
        self.ts_last = event.ts_event
        self._events.append(event)

    cdef void _check_update(self, OrderUpdated updated) except *:
        if updated.quantity.raw <= 0:
            raise ValidationError(
                f"Order {self.client_order_id}: updated quantity {updated.quantity} invalid, "
                f"expected a quantity > 0"
            )
        if updated.quantity.raw < self.filled_raw:
            raise ValidationError(
                f"Order {self.client_order_id}: updated quantity {updated.quantity} is below "
                f"the filled {self.filled_qty}, expected at least the filled quantity"
            )
        if updated.quantity.precision != self.size_precision:
            raise ValidationError(
                f"Order {self.client_order_id}: updated quantity {updated.quantity} precision "
                f"{updated.quantity.precision} invalid, expected {self.size_precision}"
            )
        for field, value, present in (("price", updated.price, self.has_price),
                                      ("trigger_price", updated.trigger_price,
                                       self.has_trigger_price)):
            if value is None:
                continue
            if not present:
                raise ValidationError(
                    f"Order {self.client_order_id}: updated {field} {value} invalid for a "
                    f"{PyOrderType(self.order_type).name} order, expected None (the order "
                    f"has no {field})"
                )
            if (<Price>value).precision != self.price_precision:
                raise ValidationError(
                    f"Order {self.client_order_id}: updated {field} {value} precision "
                    f"{(<Price>value).precision} invalid, expected {self.price_precision}"
                )

    def __eq__(self, other):
        if not isinstance(other, Order):
            return NotImplemented
        return self.client_order_id == (<Order>other).client_order_id

    def __hash__(self):
        return hash(self.client_order_id)

    def __repr__(self):
        parts = [
            f"{PyOrderSide(self.side).name} {self.quantity} {self.instrument_id}",
            PyOrderType(self.order_type).name,
        ]
        if self.has_price:
            parts.append(f"@ {self.price}")
        if self.has_trigger_price:
            parts.append(f"trigger {self.trigger_price}")
        parts.append(PyTimeInForce(self.time_in_force).name)
        return (
            f"{type(self).__name__}({' '.join(parts)}, status={self.status_string()}, "
            f"client_order_id={self.client_order_id}, venue_order_id={self.venue_order_id}, "
            f"filled={self.filled_qty})"
        )


cdef inline bint _is_terminal(OrderStatus status):
    return status in (
        OrderStatus.DENIED, OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED,
        OrderStatus.FILLED,
    )


cdef OrderStatus _target_of(OrderEventKind kind):
    if kind == OrderEventKind.ORDER_DENIED:
        return OrderStatus.DENIED
    if kind == OrderEventKind.ORDER_SUBMITTED:
        return OrderStatus.SUBMITTED
    if kind == OrderEventKind.ORDER_ACCEPTED:
        return OrderStatus.ACCEPTED
    if kind == OrderEventKind.ORDER_REJECTED:
        return OrderStatus.REJECTED
    if kind == OrderEventKind.ORDER_PENDING_UPDATE:
        return OrderStatus.PENDING_UPDATE
    if kind == OrderEventKind.ORDER_PENDING_CANCEL:
        return OrderStatus.PENDING_CANCEL
    if kind == OrderEventKind.ORDER_CANCELED:
        return OrderStatus.CANCELED
    if kind == OrderEventKind.ORDER_EXPIRED:
        return OrderStatus.EXPIRED
    if kind == OrderEventKind.ORDER_TRIGGERED:
        return OrderStatus.TRIGGERED
    return OrderStatus.INITIALIZED


cdef frozenset _TRIGGER_TYPES = frozenset(int(t) for t in PyTriggerType if t != 0)

# Python-level constants, so the checks below compare objects without converting a C enum to
# its Python IntEnum (an attribute lookup) on every order.
cdef tuple _SIDES = (PyOrderSide.BUY, PyOrderSide.SELL)
cdef tuple _MARKET_TIF = (
    PyTimeInForce.GTC, PyTimeInForce.IOC, PyTimeInForce.FOK, PyTimeInForce.DAY,
)
cdef tuple _ALL_TIF = (
    PyTimeInForce.GTC, PyTimeInForce.IOC, PyTimeInForce.FOK, PyTimeInForce.GTD,
    PyTimeInForce.DAY,
)
cdef object _GTD = PyTimeInForce.GTD
cdef tuple _CONTINGENCY_TYPES = (0, 1, 2, 3)
cdef object _NO_TRIGGER = PyTriggerType.NO_TRIGGER
cdef object _NO_CONTINGENCY = PyContingencyType.NO_CONTINGENCY


cdef OrderInitialized _make_init(
    str owner, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
    ClientOrderId client_order_id, object order_side, OrderType order_type,
    Quantity quantity, object time_in_force, int64_t expire_time_ns, bint post_only,
    bint reduce_only, bint quote_quantity, Price price, Price trigger_price,
    object trigger_type, object contingency_type, OrderListId order_list_id,
    list linked_order_ids, ClientOrderId parent_order_id, list tags, UUID4 init_id,
    int64_t ts_init,
):
    if trader_id is None:
        raise _err(owner, "trader_id", None, "a value (not None)")
    if strategy_id is None:
        raise _err(owner, "strategy_id", None, "a value (not None)")
    if instrument_id is None:
        raise _err(owner, "instrument_id", None, "a value (not None)")
    if client_order_id is None:
        raise _err(owner, "client_order_id", None, "a value (not None)")
    if quantity is None:
        raise _err(owner, "quantity", None, "a value (not None)")
    if init_id is None:
        raise _err(owner, "init_id", None, "a value (not None)")
    if order_side not in _SIDES:
        raise _err(owner, "order_side", order_side, "BUY or SELL")
    if quantity.raw <= 0:
        raise _err(owner, "quantity", str(quantity), "a quantity > 0")
    cdef tuple allowed = _MARKET_TIF if order_type == OrderType.MARKET else _ALL_TIF
    if time_in_force not in allowed:
        raise _err(
            owner, "time_in_force", time_in_force,
            " or ".join(PyTimeInForce(t).name for t in allowed),
        )
    cdef bint is_gtd = time_in_force == _GTD
    if is_gtd and expire_time_ns <= 0:
        raise _err(owner, "expire_time_ns", expire_time_ns, "a UNIX ns time > 0 for GTD")
    if not is_gtd and expire_time_ns != 0:
        raise _err(owner, "expire_time_ns", expire_time_ns, "0 unless time_in_force is GTD")
    if price is not None and trigger_price is not None and price.precision != trigger_price.precision:
        raise ValidationError(
            f"{owner}: price precision {price.precision} != trigger_price precision "
            f"{trigger_price.precision}, expected equal precisions"
        )
    if trigger_price is not None and trigger_type not in _TRIGGER_TYPES:
        raise _err(owner, "trigger_type", trigger_type, "a TriggerType other than NO_TRIGGER")
    if contingency_type not in _CONTINGENCY_TYPES:
        raise _err(owner, "contingency_type", contingency_type, "a ContingencyType")
    if ts_init < 0:
        raise _err(owner, "ts_init", ts_init, "UNIX nanoseconds >= 0")
    # Built in C (no 23-argument Python call): the fields are validated above.
    cdef OrderInitialized init = OrderInitialized.__new__(OrderInitialized)
    init.kind = OrderEventKind.ORDER_INITIALIZED
    init.trader_id = trader_id
    init.strategy_id = strategy_id
    init.instrument_id = instrument_id
    init.client_order_id = client_order_id
    set_event_id(init, init_id)
    init.ts_event = ts_init
    init.ts_init = ts_init
    init.side = <OrderSide><int>order_side
    init.order_type = order_type
    init.quantity = quantity
    init.time_in_force = <TimeInForce><int>time_in_force
    init.post_only = post_only
    init.reduce_only = reduce_only
    init.quote_quantity = quote_quantity
    init.price = price
    init.trigger_price = trigger_price
    init.trigger_type = <TriggerType>(<int>trigger_type if trigger_price is not None else 0)
    init.expire_time_ns = expire_time_ns
    init.contingency_type = <ContingencyType><int>contingency_type
    init.order_list_id = order_list_id
    init.linked_order_ids = list(linked_order_ids) if linked_order_ids else None
    init.parent_order_id = parent_order_id
    init.tags = list(tags) if tags else None
    return init


@cython.no_gc
@cython.final
cdef class MarketOrder(Order):
    """Buy or sell `quantity` at the best available price now.

    Time in force: GTC, IOC, FOK or DAY.
    """

    def __init__(
        self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, order_side, Quantity quantity, UUID4 init_id,
        int64_t ts_init, time_in_force=TimeInForce.GTC, bint reduce_only=False,
        bint quote_quantity=False, contingency_type=ContingencyType.NO_CONTINGENCY,
        OrderListId order_list_id=None, list linked_order_ids=None,
        ClientOrderId parent_order_id=None, list tags=None,
    ):
        self._init_common(_make_init(
            "MarketOrder", trader_id, strategy_id, instrument_id, client_order_id, order_side,
            OrderType.MARKET, quantity, time_in_force, 0, False, reduce_only, quote_quantity,
            None, None, _NO_TRIGGER, contingency_type, order_list_id,
            linked_order_ids, parent_order_id, tags, init_id, ts_init,
        ), False)

    @staticmethod
    cdef MarketOrder create_c(
        TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, object order_side, Quantity quantity, UUID4 init_id,
        int64_t ts_init, object time_in_force, bint reduce_only, bint quote_quantity,
        list tags,
    ):
        """Return a validated MarketOrder without Python argument parsing (OrderFactory)."""
        cdef MarketOrder order = MarketOrder.__new__(MarketOrder)
        order._init_common(_make_init(
            "MarketOrder", trader_id, strategy_id, instrument_id, client_order_id, order_side,
            OrderType.MARKET, quantity, time_in_force, 0, False, reduce_only, quote_quantity,
            None, None, _NO_TRIGGER, _NO_CONTINGENCY, None, None,
            None, tags, init_id, ts_init,
        ), False)
        return order


@cython.no_gc
@cython.final
cdef class LimitOrder(Order):
    """Buy at `price` or lower / sell at `price` or higher; rests until filled or canceled."""

    def __init__(
        self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, order_side, Quantity quantity, Price price,
        UUID4 init_id, int64_t ts_init, time_in_force=TimeInForce.GTC,
        int64_t expire_time_ns=0, bint post_only=False, bint reduce_only=False,
        bint quote_quantity=False, contingency_type=ContingencyType.NO_CONTINGENCY,
        OrderListId order_list_id=None, list linked_order_ids=None,
        ClientOrderId parent_order_id=None, list tags=None,
    ):
        if price is None:
            raise _err("LimitOrder", "price", None, "a Price")
        self._init_common(_make_init(
            "LimitOrder", trader_id, strategy_id, instrument_id, client_order_id, order_side,
            OrderType.LIMIT, quantity, time_in_force, expire_time_ns, post_only, reduce_only,
            quote_quantity, price, None, _NO_TRIGGER, contingency_type,
            order_list_id, linked_order_ids, parent_order_id, tags, init_id, ts_init,
        ), False)


@cython.no_gc
@cython.final
cdef class StopMarketOrder(Order):
    """A market order released when the market reaches `trigger_price` (adversely)."""

    def __init__(
        self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, order_side, Quantity quantity, Price trigger_price,
        trigger_type, UUID4 init_id, int64_t ts_init, time_in_force=TimeInForce.GTC,
        int64_t expire_time_ns=0, bint reduce_only=False, bint quote_quantity=False,
        contingency_type=ContingencyType.NO_CONTINGENCY, OrderListId order_list_id=None,
        list linked_order_ids=None, ClientOrderId parent_order_id=None, list tags=None,
    ):
        if trigger_price is None:
            raise _err("StopMarketOrder", "trigger_price", None, "a Price")
        self._init_common(_make_init(
            "StopMarketOrder", trader_id, strategy_id, instrument_id, client_order_id,
            order_side, OrderType.STOP_MARKET, quantity, time_in_force, expire_time_ns, False,
            reduce_only, quote_quantity, None, trigger_price, trigger_type, contingency_type,
            order_list_id, linked_order_ids, parent_order_id, tags, init_id, ts_init,
        ), False)


@cython.no_gc
@cython.final
cdef class StopLimitOrder(Order):
    """A limit order at `price` released when the market reaches `trigger_price`."""

    def __init__(
        self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, order_side, Quantity quantity, Price price,
        Price trigger_price, trigger_type, UUID4 init_id, int64_t ts_init,
        time_in_force=TimeInForce.GTC, int64_t expire_time_ns=0, bint post_only=False,
        bint reduce_only=False, bint quote_quantity=False,
        contingency_type=ContingencyType.NO_CONTINGENCY, OrderListId order_list_id=None,
        list linked_order_ids=None, ClientOrderId parent_order_id=None, list tags=None,
    ):
        if price is None:
            raise _err("StopLimitOrder", "price", None, "a Price")
        if trigger_price is None:
            raise _err("StopLimitOrder", "trigger_price", None, "a Price")
        self._init_common(_make_init(
            "StopLimitOrder", trader_id, strategy_id, instrument_id, client_order_id,
            order_side, OrderType.STOP_LIMIT, quantity, time_in_force, expire_time_ns,
            post_only, reduce_only, quote_quantity, price, trigger_price, trigger_type,
            contingency_type, order_list_id, linked_order_ids, parent_order_id, tags, init_id,
            ts_init,
        ), False)


@cython.no_gc
@cython.final
cdef class MarketIfTouchedOrder(Order):
    """A market order released when the market reaches `trigger_price` (favourably)."""

    def __init__(
        self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, order_side, Quantity quantity, Price trigger_price,
        trigger_type, UUID4 init_id, int64_t ts_init, time_in_force=TimeInForce.GTC,
        int64_t expire_time_ns=0, bint reduce_only=False, bint quote_quantity=False,
        contingency_type=ContingencyType.NO_CONTINGENCY, OrderListId order_list_id=None,
        list linked_order_ids=None, ClientOrderId parent_order_id=None, list tags=None,
    ):
        if trigger_price is None:
            raise _err("MarketIfTouchedOrder", "trigger_price", None, "a Price")
        self._init_common(_make_init(
            "MarketIfTouchedOrder", trader_id, strategy_id, instrument_id, client_order_id,
            order_side, OrderType.MARKET_IF_TOUCHED, quantity, time_in_force, expire_time_ns,
            False, reduce_only, quote_quantity, None, trigger_price, trigger_type,
            contingency_type, order_list_id, linked_order_ids, parent_order_id, tags, init_id,
            ts_init,
        ), False)


@cython.no_gc
@cython.final
cdef class LimitIfTouchedOrder(Order):
    """A limit order at `price` released when the market reaches `trigger_price`."""

    def __init__(
        self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, order_side, Quantity quantity, Price price,
        Price trigger_price, trigger_type, UUID4 init_id, int64_t ts_init,
        time_in_force=TimeInForce.GTC, int64_t expire_time_ns=0, bint post_only=False,
        bint reduce_only=False, bint quote_quantity=False,
        contingency_type=ContingencyType.NO_CONTINGENCY, OrderListId order_list_id=None,
        list linked_order_ids=None, ClientOrderId parent_order_id=None, list tags=None,
    ):
        if price is None:
            raise _err("LimitIfTouchedOrder", "price", None, "a Price")
        if trigger_price is None:
            raise _err("LimitIfTouchedOrder", "trigger_price", None, "a Price")
        self._init_common(_make_init(
            "LimitIfTouchedOrder", trader_id, strategy_id, instrument_id, client_order_id,
            order_side, OrderType.LIMIT_IF_TOUCHED, quantity, time_in_force, expire_time_ns,
            post_only, reduce_only, quote_quantity, price, trigger_price, trigger_type,
            contingency_type, order_list_id, linked_order_ids, parent_order_id, tags, init_id,
            ts_init,
        ), False)


cpdef Order order_from_init(OrderInitialized init):
    """Return a new order (status INITIALIZED) rebuilt from its `OrderInitialized` event."""
    cdef Order order
    cdef OrderType t = init.order_type
    if t == OrderType.MARKET:
        order = MarketOrder.__new__(MarketOrder)
    elif t == OrderType.LIMIT:
        order = LimitOrder.__new__(LimitOrder)
    elif t == OrderType.STOP_MARKET:
        order = StopMarketOrder.__new__(StopMarketOrder)
    elif t == OrderType.STOP_LIMIT:
        order = StopLimitOrder.__new__(StopLimitOrder)
    elif t == OrderType.MARKET_IF_TOUCHED:
        order = MarketIfTouchedOrder.__new__(MarketIfTouchedOrder)
    elif t == OrderType.LIMIT_IF_TOUCHED:
        order = LimitIfTouchedOrder.__new__(LimitIfTouchedOrder)
    else:
        raise _err("order_from_init", "order_type", t, "a supported OrderType")
    order._init_common(init, True)
    return order
