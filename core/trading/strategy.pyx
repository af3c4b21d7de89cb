"""`Strategy`: an actor that trades.

Order events reach ``on_order_<event>`` (e.g. `on_order_filled`), then `on_order_event`, then
`on_event`; position events reach ``on_position_opened|changed|closed``, then
`on_position_event`, then `on_event`. Handlers not overridden are skipped at no cost.
Commands go to the RiskEngine (``RiskEngine.execute`` on the bus), so every order is checked.
"""

from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.msgbus cimport MessageBus
from core.model.commands cimport CancelOrder, ModifyOrder, SubmitOrder
from core.model.events cimport OrderEvent, OrderPendingCancel
from core.model.events cimport OrderPendingUpdate, PositionChanged
from core.model.events cimport PositionOpened
from core.model.identifiers cimport InstrumentId, StrategyId, TraderId
from core.model.objects cimport Quantity
from core.model.orders cimport Order
from core.model.position cimport Position
from core.model.uuid cimport UUIDFactory
from core.portfolio.portfolio cimport Portfolio
from core.trading.actor cimport Actor
from core.trading.factory cimport OrderFactory

from core.errors import InvalidTypeError, ValidationError
from core.model.enums import OmsType, TimeInForce
from core.model.enums import OrderSide as PyOrderSide
from core.trading.config import StrategyConfig

cdef int _WARNING = 30
# Python objects for the C calls below (no C-enum-to-IntEnum conversion per order).
cdef object _BUY = PyOrderSide.BUY
cdef object _SELL = PyOrderSide.SELL
cdef object _GTC = TimeInForce.GTC

# Handler name per OrderEventKind (index = kind value).
_ORDER_HANDLER_NAMES = (
    None,
    "on_order_initialized",
    "on_order_denied",
    "on_order_submitted",
    "on_order_accepted",
    "on_order_rejected",
    "on_order_pending_update",
    "on_order_pending_cancel",
    "on_order_modify_rejected",
    "on_order_cancel_rejected",
    "on_order_updated",
    "on_order_canceled",
    "on_order_expired",
    "on_order_triggered",
    "on_order_filled",
)


cdef object _overridden(object instance, str name):
    if getattr(type(instance), name) is getattr(Strategy, name):
        return None
    return getattr(instance, name)


cdef class Strategy(Actor):
    """Base of strategies; subclass it and override handlers.

    Parameters
    ----------
    config : StrategyConfig, optional
    """

    def __init__(self, config=None):
        if config is None:
            config = StrategyConfig()
        if not isinstance(config, StrategyConfig):
            raise InvalidTypeError(
                f"{type(self).__name__}.config: invalid type {type(config).__name__}, "
                f"expected StrategyConfig"
            )
        strategy_id = StrategyId(
            config.strategy_id or f"{type(self).__name__}-{config.order_id_tag or '000'}"
        )
        self._init_actor(config, strategy_id)
        self.oms_type = OmsType.from_str(config.oms_type) if config.oms_type else None

    @property
    def strategy_id(self):
        return StrategyId(self.id.value)

    cpdef void register_base(self, TraderId trader_id, Portfolio portfolio, MessageBus msgbus,
                             Cache cache, Clock clock, UUIDFactory uuid_factory) except *:
        Actor.register_base(self, trader_id, portfolio, msgbus, cache, clock, uuid_factory)
        cdef StrategyId strategy_id = StrategyId(self.id.value)
        self.order_factory = OrderFactory(trader_id, strategy_id, clock, uuid_factory)
        self._order_handlers = [
            _overridden(self, name) if name else None for name in _ORDER_HANDLER_NAMES
        ]
        self._on_order_event = _overridden(self, "on_order_event")
        self._on_position_handlers = (
            _overridden(self, "on_position_opened"),
            _overridden(self, "on_position_changed"),
            _overridden(self, "on_position_closed"),
        )
        self._on_position_event = _overridden(self, "on_position_event")
        self._on_event = _overridden(self, "on_event")
        msgbus.subscribe(f"events.order.{strategy_id.value}", self.handle_order_event)
        msgbus.subscribe(f"events.position.{strategy_id.value}", self.handle_position_event)

    def _reset(self):
        Actor._reset(self)
        if self.order_factory is not None:
            self.order_factory.reset()

    # -- event handlers for users ------------------------------------------------------------

    def on_order_initialized(self, event): pass
    def on_order_denied(self, event): pass
    def on_order_submitted(self, event): pass
    def on_order_accepted(self, event): pass
    def on_order_rejected(self, event): pass
    def on_order_pending_update(self, event): pass
    def on_order_pending_cancel(self, event): pass
    def on_order_modify_rejected(self, event): pass
    def on_order_cancel_rejected(self, event): pass
    def on_order_updated(self, event): pass
    def on_order_canceled(self, event): pass
    def on_order_expired(self, event): pass
    def on_order_triggered(self, event): pass
    def on_order_filled(self, event): pass
    def on_order_event(self, event): pass
    def on_position_opened(self, event): pass
    def on_position_changed(self, event): pass
    def on_position_closed(self, event): pass
    def on_position_event(self, event): pass

    cpdef void handle_order_event(self, OrderEvent event) except *:
        """Dispatch an order event to the overridden handlers (C tag, no isinstance)."""
        handler = self._order_handlers[<int>event.kind]
        if self.handler_error_count > 0:
            return  # faulted: receives nothing more
        try:
            if handler is not None:
                handler(event)
            if self._on_order_event is not None:
                self._on_order_event(event)
            if self._on_event is not None:
                self._on_event(event)
        except Exception:
            self._handler_failed(_ORDER_HANDLER_NAMES[<int>event.kind], event)

    cpdef void handle_position_event(self, object event) except *:
        if self.handler_error_count > 0:
            return
        cdef type t = type(event)
        handler = self._on_position_handlers[0] if t is PositionOpened else (
            self._on_position_handlers[1] if t is PositionChanged else
            self._on_position_handlers[2])
        try:
            if handler is not None:
                handler(event)
            if self._on_position_event is not None:
                self._on_position_event(event)
            if self._on_event is not None:
                self._on_event(event)
        except Exception:
            self._handler_failed(f"on_position_{t.__name__[8:].lower()}", event)

    # -- commands --------------------------------------------------------------------------

    cpdef void submit_order(self, Order order, object position_id=None,
                            object client_id=None) except *:
        """Submit `order` (checked by the RiskEngine, then sent to its venue)."""
        if self.msgbus is None:
            raise ValidationError(
                f"{type(self).__name__} {self.id}: submit_order before registration, expected "
                f"the strategy added to an engine first"
            )
        if order is None:
            raise ValidationError(
                f"{type(self).__name__} {self.id}: submit_order order None invalid, expected an "
                f"Order"
            )
        self.msgbus.send_c("RiskEngine.execute", SubmitOrder.create(
            order, self._uuids.generate(), self.clock.timestamp_ns(), position_id, client_id,
        ))

    def modify_order(self, Order order not None, quantity=None, price=None,
                     trigger_price=None):
        """Ask the venue to change `order`'s quantity, price or trigger price."""
        if order.is_closed_c():
            self.log.log_c(_WARNING, f"modify_order: {order.client_order_id} is closed")
            return
        if quantity is None and price is None and trigger_price is None:
            self.log.log_c(_WARNING, f"modify_order: nothing to modify for "
                           f"{order.client_order_id}")
            return
        cdef int64_t now = self.clock.timestamp_ns()
        if not order.is_inflight_c():
            self.msgbus.send_c("ExecEngine.process", OrderPendingUpdate(
                order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
                order.venue_order_id, order.account_id, self._uuids.generate(), now, now,
            ))
        self.msgbus.send_c("RiskEngine.execute", ModifyOrder(
            order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
            order.venue_order_id, quantity, price, trigger_price, self._uuids.generate(), now,
        ))

    def cancel_order(self, Order order not None):
        """Ask the venue to cancel `order`."""
        if order.is_closed_c():
            self.log.log_c(_WARNING, f"cancel_order: {order.client_order_id} is already closed")
            return
        cdef int64_t now = self.clock.timestamp_ns()
        if not order.is_inflight_c():
            self.msgbus.send_c("ExecEngine.process", OrderPendingCancel(
                order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
                order.venue_order_id, order.account_id, self._uuids.generate(), now, now,
            ))
        self.msgbus.send_c("RiskEngine.execute", CancelOrder(
            order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
            order.venue_order_id, self._uuids.generate(), now,
        ))

    def cancel_all_orders(self, InstrumentId instrument_id not None, order_side=None):
        """Cancel every open order of this strategy for the instrument (optionally one side)."""
        for order in self.cache.orders_open(instrument_id, self.id, order_side):
            self.cancel_order(order)

    def close_position(self, Position position not None, list tags=None):
        """Submit a reduce-only market order that flattens `position`."""
        if position.is_closed_c():
            self.log.log_c(_WARNING, f"close_position: {position.id} is already closed")
            return
        order = self.order_factory.market_c(
            position.instrument_id,
            _SELL if position.signed_raw > 0 else _BUY,
            Quantity.from_raw_c(abs(position.signed_raw), position.size_precision),
            _GTC, True, False, tags,
        )
        self.submit_order(order, position.id)

    def close_all_positions(self, InstrumentId instrument_id not None, position_side=None,
                            list tags=None):
        """Close every open position of this strategy in the instrument (optionally one side)."""
        for position in self.cache.positions_open(instrument_id, self.id):
            if position_side is None or position.side == position_side:
                self.close_position(position, tags)
