"""Events of the domain model: order events, position events and account state.

Every event has an ``id`` (UUID4), ``ts_event`` and ``ts_init``. Order events carry a C tag
``kind`` (`OrderEventKind`) so the kernel dispatches on an integer, not on ``isinstance``.
Position events are snapshots of the position after the fill that caused them.
"""

import cython

from libc.stdint cimport int64_t

from core.model.currency cimport Currency
from core.model.enums cimport AccountType, ContingencyType, LiquiditySide, OrderSide, OrderType
from core.model.enums cimport TimeInForce, TriggerType
from core.model.identifiers cimport AccountId, ClientOrderId, InstrumentId, OrderListId
from core.model.identifiers cimport PositionId, StrategyId, TradeId, TraderId, VenueOrderId
from core.model.objects cimport Money, Price, Quantity
from core.model.uuid cimport UUID4

from core.model.enums import LiquiditySide as PyLiquiditySide
from core.model.enums import OrderSide as PyOrderSide
from core.model.enums import OrderType as PyOrderType
from core.model.enums import PositionSide as PyPositionSide


@cython.no_gc
cdef class Event:
    """Base of all events."""

    @property
    def id(self):
        """The event's unique id (UUID4)."""
        return event_id_of(self)

    def __eq__(self, other):
        if not isinstance(other, Event):
            return NotImplemented
        return type(self) is type(other) and self._id_hi == (<Event>other)._id_hi and \
            self._id_lo == (<Event>other)._id_lo

    def __hash__(self):
        return hash(self.id)


cdef inline void _set_order_event(
    OrderEvent event, OrderEventKind kind, TraderId trader_id, StrategyId strategy_id,
    InstrumentId instrument_id, ClientOrderId client_order_id, VenueOrderId venue_order_id,
    AccountId account_id, UUID4 event_id, int64_t ts_event, int64_t ts_init,
    bint reconciliation,
):
    event.kind = kind
    event.trader_id = trader_id
    event.strategy_id = strategy_id
    event.instrument_id = instrument_id
    event.client_order_id = client_order_id
    event.venue_order_id = venue_order_id
    event.account_id = account_id
    set_event_id(event, event_id)
    event.ts_event = ts_event
    event.ts_init = ts_init
    event.reconciliation = reconciliation


@cython.no_gc
cdef class OrderEvent(Event):
    """Base of order events: which order (ids) and when."""

    def _fields_repr(self):
        return ""

    def __repr__(self):
        extra = self._fields_repr()
        return (
            f"{type(self).__name__}(instrument_id={self.instrument_id}, "
            f"client_order_id={self.client_order_id}"
            + (f", venue_order_id={self.venue_order_id}" if self.venue_order_id else "")
            + (f", account_id={self.account_id}" if self.account_id else "")
            + (f", {extra}" if extra else "")
            + f", ts_event={self.ts_event})"
        )


@cython.no_gc
@cython.final
cdef class OrderInitialized(OrderEvent):
    """An order was created by a strategy; carries everything needed to rebuild it."""

    def __init__(
        self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
        ClientOrderId client_order_id, OrderSide side, OrderType order_type,
        Quantity quantity, TimeInForce time_in_force, bint post_only, bint reduce_only,
        bint quote_quantity, Price price or None, Price trigger_price or None,
        TriggerType trigger_type, int64_t expire_time_ns, ContingencyType contingency_type,
        OrderListId order_list_id or None, list linked_order_ids or None,
        ClientOrderId parent_order_id or None, list tags or None, UUID4 event_id or None,
        int64_t ts_init, bint reconciliation=False,
    ):
        _set_order_event(self, OrderEventKind.ORDER_INITIALIZED, trader_id, strategy_id,
                         instrument_id, client_order_id, None, None, event_id, ts_init, ts_init,
                         reconciliation)
        self.side = side
        self.order_type = order_type
        self.quantity = quantity
        self.time_in_force = time_in_force
        self.post_only = post_only
        self.reduce_only = reduce_only
        self.quote_quantity = quote_quantity
        self.price = price
        self.trigger_price = trigger_price
        self.trigger_type = trigger_type
        self.expire_time_ns = expire_time_ns
        self.contingency_type = contingency_type
        self.order_list_id = order_list_id
        self.linked_order_ids = linked_order_ids
        self.parent_order_id = parent_order_id
        self.tags = tags

    def _fields_repr(self):
        return (f"side={PyOrderSide(self.side).name}, type={PyOrderType(self.order_type).name}, "
                f"quantity={self.quantity}")


@cython.no_gc
@cython.final
cdef class OrderDenied(OrderEvent):
    """The node's RiskEngine refused the order before it reached a venue."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, str reason, UUID4 event_id or None,
                 int64_t ts_init):
        _set_order_event(self, OrderEventKind.ORDER_DENIED, trader_id, strategy_id,
                         instrument_id, client_order_id, None, None, event_id, ts_init, ts_init,
                         False)
        self.reason = reason

    def _fields_repr(self):
        return f"reason='{self.reason}'"


@cython.no_gc
@cython.final
cdef class OrderSubmitted(OrderEvent):
    """The order was sent to its venue."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, AccountId account_id or None,
                 UUID4 event_id or None,
                 int64_t ts_event, int64_t ts_init):
        _set_order_event(self, OrderEventKind.ORDER_SUBMITTED, trader_id, strategy_id,
                         instrument_id, client_order_id, None, account_id, event_id, ts_event,
                         ts_init, False)

    @staticmethod
    cdef OrderSubmitted create(TraderId trader_id, StrategyId strategy_id,
                               InstrumentId instrument_id, ClientOrderId client_order_id,
                               AccountId account_id, UUID4 event_id, int64_t ts_event,
                               int64_t ts_init):
        cdef OrderSubmitted event = OrderSubmitted.__new__(OrderSubmitted)
        _set_order_event(event, OrderEventKind.ORDER_SUBMITTED, trader_id, strategy_id,
                         instrument_id, client_order_id, None, account_id, event_id, ts_event,
                         ts_init, False)
        return event


@cython.no_gc
@cython.final
cdef class OrderAccepted(OrderEvent):
    """The venue accepted the order (it is working)."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id,
                 AccountId account_id or None, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init,
                 bint reconciliation=False):
        _set_order_event(self, OrderEventKind.ORDER_ACCEPTED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, reconciliation)

    @staticmethod
    cdef OrderAccepted create(TraderId trader_id, StrategyId strategy_id,
                              InstrumentId instrument_id, ClientOrderId client_order_id,
                              VenueOrderId venue_order_id, AccountId account_id, UUID4 event_id,
                              int64_t ts_event, int64_t ts_init):
        cdef OrderAccepted event = OrderAccepted.__new__(OrderAccepted)
        _set_order_event(event, OrderEventKind.ORDER_ACCEPTED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, False)
        return event


@cython.no_gc
@cython.final
cdef class OrderRejected(OrderEvent):
    """The venue refused the order; ``reason`` says why."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, AccountId account_id or None, str reason,
                 UUID4 event_id or None, int64_t ts_event, int64_t ts_init,
                 bint due_post_only=False,
                 bint reconciliation=False):
        _set_order_event(self, OrderEventKind.ORDER_REJECTED, trader_id, strategy_id,
                         instrument_id, client_order_id, None, account_id, event_id, ts_event,
                         ts_init, reconciliation)
        self.reason = reason
        self.due_post_only = due_post_only

    def _fields_repr(self):
        return f"reason='{self.reason}'"


@cython.no_gc
@cython.final
cdef class OrderPendingUpdate(OrderEvent):
    """A modify request was sent; the venue has not answered yet."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id or None,
                 AccountId account_id or None, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init):
        _set_order_event(self, OrderEventKind.ORDER_PENDING_UPDATE, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, False)


@cython.no_gc
@cython.final
cdef class OrderPendingCancel(OrderEvent):
    """A cancel request was sent; the venue has not answered yet."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id or None,
                 AccountId account_id or None, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init):
        _set_order_event(self, OrderEventKind.ORDER_PENDING_CANCEL, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, False)


@cython.no_gc
@cython.final
cdef class OrderModifyRejected(OrderEvent):
    """The venue refused a modify request; the order is unchanged."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id or None,
                 AccountId account_id or None, str reason, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init):
        _set_order_event(self, OrderEventKind.ORDER_MODIFY_REJECTED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, False)
        self.reason = reason

    def _fields_repr(self):
        return f"reason='{self.reason}'"


@cython.no_gc
@cython.final
cdef class OrderCancelRejected(OrderEvent):
    """The venue refused a cancel request; the order is unchanged."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id or None,
                 AccountId account_id or None, str reason, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init):
        _set_order_event(self, OrderEventKind.ORDER_CANCEL_REJECTED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, False)
        self.reason = reason

    def _fields_repr(self):
        return f"reason='{self.reason}'"


@cython.no_gc
@cython.final
cdef class OrderUpdated(OrderEvent):
    """The venue applied a modify: new quantity, price and/or trigger price."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id or None,
                 AccountId account_id or None, Quantity quantity not None, Price price or None,
                 Price trigger_price or None, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init):
        _set_order_event(self, OrderEventKind.ORDER_UPDATED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, False)
        self.quantity = quantity
        self.price = price
        self.trigger_price = trigger_price

    def _fields_repr(self):
        return f"quantity={self.quantity}, price={self.price}, trigger_price={self.trigger_price}"


@cython.no_gc
@cython.final
cdef class OrderCanceled(OrderEvent):
    """The order was canceled (by request, IOC/FOK remainder, or contingency)."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id or None,
                 AccountId account_id or None, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init,
                 bint reconciliation=False):
        _set_order_event(self, OrderEventKind.ORDER_CANCELED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, reconciliation)


@cython.no_gc
@cython.final
cdef class OrderExpired(OrderEvent):
    """A GTD or DAY order reached its expiry."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id or None,
                 AccountId account_id or None, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init,
                 bint reconciliation=False):
        _set_order_event(self, OrderEventKind.ORDER_EXPIRED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, reconciliation)


@cython.no_gc
@cython.final
cdef class OrderTriggered(OrderEvent):
    """A stop-limit or limit-if-touched order's trigger was hit; it now works as a limit."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id or None,
                 AccountId account_id or None, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init,
                 bint reconciliation=False):
        _set_order_event(self, OrderEventKind.ORDER_TRIGGERED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, reconciliation)


@cython.no_gc
@cython.final
cdef class OrderFilled(OrderEvent):
    """The order traded ``last_qty`` at ``last_px``; ``commission`` was charged."""

    def __init__(self, TraderId trader_id, StrategyId strategy_id, InstrumentId instrument_id,
                 ClientOrderId client_order_id, VenueOrderId venue_order_id,
                 AccountId account_id, TradeId trade_id not None,
                 PositionId position_id or None, OrderSide order_side, OrderType order_type,
                 Quantity last_qty not None,
                 Price last_px not None, Currency currency not None, Money commission not None,
                 LiquiditySide liquidity_side, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init, bint reconciliation=False, dict info=None):
        _set_order_event(self, OrderEventKind.ORDER_FILLED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, reconciliation)
        self.trade_id = trade_id
        self.position_id = position_id
        self.order_side = order_side
        self.order_type = order_type
        self.last_qty = last_qty
        self.last_px = last_px
        self.currency = currency
        self.commission = commission
        self.liquidity_side = liquidity_side
        self.info = info if info is not None else {}

    @staticmethod
    cdef OrderFilled create(TraderId trader_id, StrategyId strategy_id,
                            InstrumentId instrument_id, ClientOrderId client_order_id,
                            VenueOrderId venue_order_id, AccountId account_id, TradeId trade_id,
                            PositionId position_id, OrderSide order_side, OrderType order_type,
                            Quantity last_qty, Price last_px, Currency currency,
                            Money commission, LiquiditySide liquidity_side, UUID4 event_id,
                            int64_t ts_event, int64_t ts_init):
        cdef OrderFilled event = OrderFilled.__new__(OrderFilled)
        _set_order_event(event, OrderEventKind.ORDER_FILLED, trader_id, strategy_id,
                         instrument_id, client_order_id, venue_order_id, account_id, event_id,
                         ts_event, ts_init, False)
        event.trade_id = trade_id
        event.position_id = position_id
        event.order_side = order_side
        event.order_type = order_type
        event.last_qty = last_qty
        event.last_px = last_px
        event.currency = currency
        event.commission = commission
        event.liquidity_side = liquidity_side
        event.info = None
        return event

    cpdef bint is_buy(self):
        return self.order_side == OrderSide.BUY

    cpdef bint is_sell(self):
        return self.order_side == OrderSide.SELL

    def _fields_repr(self):
        return (
            f"trade_id={self.trade_id}, position_id={self.position_id}, "
            f"order_side={PyOrderSide(self.order_side).name}, last_qty={self.last_qty}, "
            f"last_px={self.last_px} {self.currency}, commission={self.commission}, "
            f"liquidity_side={PyLiquiditySide(self.liquidity_side).name}"
        )


@cython.no_gc
@cython.final
cdef class AccountBalance:
    """One currency's balance: ``total = locked + free``."""

    def __init__(self, Money total not None, Money locked not None, Money free not None):
        if total.currency != locked.currency or total.currency != free.currency:
            raise ValueError(
                f"AccountBalance: currencies {total.currency}/{locked.currency}/{free.currency} "
                f"differ, expected one currency"
            )
        if total.raw - locked.raw != free.raw:
            raise ValueError(
                f"AccountBalance: total {total} - locked {locked} != free {free}, "
                f"expected total = locked + free"
            )
        self.total = total
        self.locked = locked
        self.free = free

    @property
    def currency(self):
        return self.total.currency

    def __eq__(self, other):
        if not isinstance(other, AccountBalance):
            return NotImplemented
        return (self.total == (<AccountBalance>other).total
                and self.locked == (<AccountBalance>other).locked
                and self.free == (<AccountBalance>other).free)

    def __repr__(self):
        return f"AccountBalance(total={self.total}, locked={self.locked}, free={self.free})"


@cython.no_gc
@cython.final
cdef class MarginBalance:
    """Initial and maintenance margin held for one instrument."""

    def __init__(self, Money initial not None, Money maintenance not None,
                 InstrumentId instrument_id=None):
        self.initial = initial
        self.maintenance = maintenance
        self.instrument_id = instrument_id

    def __repr__(self):
        return (f"MarginBalance(initial={self.initial}, maintenance={self.maintenance}, "
                f"instrument_id={self.instrument_id})")


@cython.no_gc
@cython.final
cdef class AccountState(Event):
    """A snapshot of an account's balances and margins."""

    def __init__(self, AccountId account_id not None, AccountType account_type,
                 Currency base_currency or None, bint reported, list balances not None,
                 list margins not None, dict info or None, UUID4 event_id or None, int64_t ts_event,
                 int64_t ts_init):
        self.account_id = account_id
        self.account_type = account_type
        self.base_currency = base_currency
        self.is_reported = reported
        self.balances = balances
        self.margins = margins
        self.info = info if info is not None else {}
        set_event_id(self, event_id)
        self.ts_event = ts_event
        self.ts_init = ts_init

    def __repr__(self):
        return (f"AccountState(account_id={self.account_id}, balances={self.balances}, "
                f"margins={self.margins}, ts_event={self.ts_event})")


@cython.no_gc
cdef class PositionEvent(Event):
    """Base of position events: a snapshot of the position after a fill."""

    @property
    def quantity(self):
        return Quantity.from_raw_c(self._quantity_raw, self._size_precision)

    @property
    def peak_qty(self):
        return Quantity.from_raw_c(self._peak_qty_raw, self._size_precision)

    @property
    def last_qty(self):
        return Quantity.from_raw_c(self._last_qty_raw, self._size_precision)

    @property
    def last_px(self):
        return Price.from_raw_c(self._last_px_raw, self._price_precision)

    @property
    def realized_pnl(self):
        """Realized PnL net of settlement-currency commissions, in the settlement currency."""
        return Money.from_raw_c(self._realized_pnl_raw, self._pnl_currency)

    @property
    def unrealized_pnl(self):
        """The open quantity's PnL at ``last_px``, in the settlement currency."""
        return Money.from_raw_c(self._unrealized_pnl_raw, self._pnl_currency)

    def __repr__(self):
        return (
            f"{type(self).__name__}(instrument_id={self.instrument_id}, "
            f"position_id={self.position_id}, side={PyPositionSide(self.side).name}, "
            f"quantity={self.quantity}, avg_px_open={self.avg_px_open}, "
            f"realized_pnl={self.realized_pnl}, ts_event={self.ts_event})"
        )


@cython.no_gc
@cython.final
cdef class PositionOpened(PositionEvent):
    """A position was opened by a fill."""


@cython.no_gc
@cython.final
cdef class PositionChanged(PositionEvent):
    """A fill changed an open position's quantity (or flipped it)."""


@cython.no_gc
@cython.final
cdef class PositionClosed(PositionEvent):
    """A fill brought a position to flat."""
