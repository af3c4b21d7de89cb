"""`ExecutionEngine`: routes trading commands to venues and applies their answers.

Commands (after the RiskEngine) go to the `ExecutionClient` of the order's venue. Order events
from venues are applied to the cached order; fills open, change or close positions (NETTING:
one position per instrument and strategy, id ``<instrument>-<strategy>``; HEDGING: one per
opening order, id ``<instrument>-<strategy>-<n>``) and settle into the account through the
`Portfolio`. A NETTING fill that takes a position through zero is split in two: the part that
closes (commission pro rata) and the part that opens a new position. Events are published on
``events.order.<strategy id>`` and ``events.position.<strategy id>``. An event the order cannot
accept (a late or duplicate venue message) is logged and counted, never a crash.

With ``ExecEngineConfig.debug`` the engine logs every command it routes and every event it
applies at DEBUG, and its logger's threshold is DEBUG whatever the run's log level, so the lines
appear in any run; without it nothing is formatted (one C flag test per command or event).
"""

import cython

from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.logging cimport Logger
from core.common.msgbus cimport MessageBus
from core.execution.client cimport ExecutionClient
from core.model.commands cimport CancelAllOrders, CancelOrder, CommandKind, ModifyOrder
from core.model.commands cimport SubmitOrder, TradingCommand
from core.model.enums cimport OmsType, OrderSide
from core.model.events cimport OrderDenied, OrderEvent, OrderEventKind, OrderFilled
from core.model.events cimport OrderInitialized, OrderSubmitted
from core.model.events cimport PositionChanged, PositionClosed, PositionEvent, PositionOpened
from core.model.events cimport event_id_of
from core.model.identifiers cimport PositionId
from core.model.instruments cimport Instrument
from core.model.objects cimport POW10, Money, Quantity
from core.model.orders cimport Order, order_from_init
from core.model.position cimport Position, div_round_half_even
from core.model.uuid cimport UUIDFactory
from core.portfolio.portfolio cimport Portfolio

from core.errors import InvalidStateTrigger, ValidationError
from core.execution.config import ExecEngineConfig

cdef int _ERROR = 40
cdef int _WARNING = 30
cdef int _DEBUG = 10


@cython.final
cdef class ExecutionEngine:
    """The node's execution engine.

    Parameters
    ----------
    cache : Cache
    msgbus : MessageBus
    clock : Clock
    portfolio : Portfolio
    uuid_factory : UUIDFactory
        Source of event ids (seeded by the run in a backtest).
    config : ExecEngineConfig, optional
        ``debug`` logs every command and event (see the module docstring).

    Raises
    ------
    ValidationError
        If `config` is not an `ExecEngineConfig`.
    """

    def __init__(self, Cache cache not None, MessageBus msgbus not None, Clock clock not None,
                 Portfolio portfolio not None, UUIDFactory uuid_factory not None, config=None):
        config = config if config is not None else ExecEngineConfig()
        if not isinstance(config, ExecEngineConfig):
            raise ValidationError(
                f"ExecutionEngine.config: invalid type {type(config).__name__}, "
                f"expected ExecEngineConfig"
            )
        self._cache = cache
        self._msgbus = msgbus
        self._clock = clock
        self._portfolio = portfolio
        self._uuids = uuid_factory
        self._log = Logger(f"{msgbus.trader_id}.ExecEngine", clock)
        self.is_debug = config.debug
        if self.is_debug:
            self._log.set_level(_DEBUG)
        self._clients = {}
        self._order_topics = {}
        self._position_topics = {}
        self._netting_ids = {}
        self._hedging_counts = {}
        self._oms_overrides = {}
        self._journal = None
        self._replaying = False
        msgbus.register("ExecEngine.execute", self.execute)
        msgbus.register("ExecEngine.process", self.process)

    def reset(self):
        self._netting_ids = {}
        self._hedging_counts = {}
        self.command_count = 0
        self.event_count = 0
        self.rejected_event_count = 0

    cpdef void register_client(self, ExecutionClient client) except *:
        """Route commands for `client.venue` to `client`."""
        if client.venue in self._clients:
            raise ValidationError(
                f"ExecutionEngine: a client for venue {client.venue} is already registered, "
                f"expected one client per venue"
            )
        self._clients[client.venue] = client

    def register_oms_type(self, strategy_id, oms_type):
        """Use `oms_type` (NETTING or HEDGING) for `strategy_id`'s positions, whatever the
        venue's (``StrategyConfig.oms_type``)."""
        self._oms_overrides[strategy_id] = int(oms_type)

    def registered_venues(self):
        return list(self._clients)

    def set_journal(self, journal):
        """Persist through `journal` (a live node's state store; ``None``: none, as in a
        backtest). Before a submit leaves the node, ``journal.intent(order, position_id)`` must
        return True (the intent is durable); False denies the order with reason "state store
        unavailable". Every order event the engine publishes then goes to
        ``journal.event(order, event)`` (buffered by the journal, committed in groups)."""
        if journal is not None and not (hasattr(journal, "intent") and hasattr(journal, "event")):
            raise ValidationError(
                f"ExecutionEngine.journal: invalid value {journal!r}, expected an object with "
                f"intent(order, position_id) and event(order, event)"
            )
        self._journal = journal

    cpdef void replay(self, OrderEvent event, PositionId position_id=None) except *:
        """Rebuild state from a journaled `event` (an ``OrderInitialized`` makes the order):
        the cache, positions and portfolio change as when it happened, but nothing is
        published and nothing is journaled again. Events that no longer apply are counted in
        ``rejected_event_count``."""
        cdef Order order
        self._replaying = True
        try:
            self.replayed_count += 1
            if event.kind == OrderEventKind.ORDER_INITIALIZED:
                if self._cache.order(event.client_order_id) is None:
                    order = order_from_init(<OrderInitialized>event)
                    self._cache.add_order(order, position_id)
                return
            self.process(event)
        finally:
            self._replaying = False

    cdef void _deny_unjournaled(self, Order order) except *:
        cdef OrderDenied denied = OrderDenied(
            order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
            "state store unavailable", self._uuids.generate(), self._clock.timestamp_ns(),
        )
        self._log.log_c(_WARNING, f"{order.client_order_id} denied: state store unavailable")
        self.process(denied)

    cpdef void execute(self, TradingCommand command) except *:
        """Send `command` to its venue's client (SubmitOrder also caches the order)."""
        cdef ExecutionClient client = self._clients.get(command.instrument_id.venue)
        cdef SubmitOrder submit
        cdef Order order
        cdef OrderSubmitted submitted
        self.command_count += 1
        if self.is_debug:
            self._log.log_c(_DEBUG, f"command {command!r}")
        if command.kind == CommandKind.SUBMIT_ORDER:
            submit = <SubmitOrder>command
            order = submit.order
            if self._cache.order(order.client_order_id) is None:
                self._cache.add_order(order, submit.position_id)
            if client is None:
                self._log.log_c(_ERROR, f"no execution client for venue "
                                f"{command.instrument_id.venue}; {order.client_order_id} "
                                f"cannot be submitted")
                return
            # persist before transport: the intent is durable before the order leaves
            if self._journal is not None and not self._journal.intent(order, submit.position_id):
                self._deny_unjournaled(order)
                return
            submitted = OrderSubmitted.create(
                order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
                client.account_id, self._uuids.generate(), self._clock.timestamp_ns(),
                self._clock.timestamp_ns(),
            )
            if self.is_debug:
                self._log.log_c(_DEBUG, f"event {submitted!r}")
            order.apply(submitted)
            self._cache.update_order(order)
            self._publish_order_event(submitted)
            client.submit_order(submit)
        elif client is None:
            self._log.log_c(_ERROR, f"no execution client for venue "
                            f"{command.instrument_id.venue}; {command!r} dropped")
        elif command.kind == CommandKind.MODIFY_ORDER:
            client.modify_order(<ModifyOrder>command)
        elif command.kind == CommandKind.CANCEL_ORDER:
            client.cancel_order(<CancelOrder>command)
        else:
            client.cancel_all_orders(<CancelAllOrders>command)

    cpdef void process(self, OrderEvent event) except *:
        """Apply a venue's (or the RiskEngine's) order event to the cached order."""
        cdef Order order = self._cache.order(event.client_order_id)
        self.event_count += 1
        if self.is_debug:
            self._log.log_c(_DEBUG, f"event {event!r}")
        if order is None:
            self.rejected_event_count += 1
            self._log.log_c(_ERROR, f"{type(event).__name__} for unknown order "
                            f"{event.client_order_id} dropped")
            return
        if event.kind == OrderEventKind.ORDER_FILLED:
            self._handle_fill(order, <OrderFilled>event)
            return
        try:
            order.apply(event)
        except (InvalidStateTrigger, ValidationError) as err:
            self.rejected_event_count += 1
            self._log.log_c(_WARNING, f"{type(event).__name__} not applied: {err}")
            return
        self._cache.update_order(order)
        self._portfolio.update_order(order)
        self._publish_order_event(event)

    cdef bint _hedging_position(self, Order order, ExecutionClient client) except -1:
        override = self._oms_overrides.get(order.strategy_id)
        if override is not None:
            return override == OmsType.HEDGING
        return client is not None and client.oms_type == OmsType.HEDGING

    cdef PositionId _position_id(self, Order order, ExecutionClient client):
        cdef PositionId position_id = self._cache.position_id_for_order(order.client_order_id)
        cdef tuple key
        cdef int64_t count
        cdef int oms_type
        if position_id is not None:
            return position_id
        key = (order.instrument_id, order.strategy_id)
        override = self._oms_overrides.get(order.strategy_id)
        # A C int, so the comparison below does not build the Python enum per fill.
        if override is not None:
            oms_type = override
        elif client is not None:
            oms_type = client.oms_type
        else:
            oms_type = OmsType.NETTING
        if oms_type != OmsType.HEDGING:
            position_id = self._netting_ids.get(key)
            if position_id is None:
                position_id = PositionId(f"{order.instrument_id.value}-{order.strategy_id.value}")
                self._netting_ids[key] = position_id
        else:
            count = self._hedging_counts.get(key, 0) + 1
            self._hedging_counts[key] = count
            position_id = PositionId(
                f"{order.instrument_id.value}-{order.strategy_id.value}-{count}")
        self._cache.add_position_id_for_order(order.client_order_id, position_id)
        return position_id

    cdef void _handle_fill(self, Order order, OrderFilled fill) except *:
        cdef ExecutionClient client = self._clients.get(order.instrument_id.venue)
        cdef Instrument instrument = self._cache.instrument(order.instrument_id)
        cdef Position position
        cdef int64_t open_qty
        cdef OrderFilled closing
        cdef OrderFilled opening
        if fill.position_id is None:
            fill.position_id = self._position_id(order, client)
        try:
            order.apply(fill)
        except (InvalidStateTrigger, ValidationError) as err:
            self.rejected_event_count += 1
            self._log.log_c(_WARNING, f"OrderFilled not applied: {err}")
            return
        self._cache.update_order(order)
        self._publish_order_event(fill)
        if instrument is None:
            self._log.log_c(_ERROR, f"fill for unknown instrument {order.instrument_id}")
            return
        position = self._cache.position(fill.position_id)
        if self._replaying:
            # what `_position_id` records when it assigns an id, rebuilt from the fill's id
            if self._cache.position_id_for_order(order.client_order_id) is None:
                self._cache.add_position_id_for_order(order.client_order_id, fill.position_id)
            if position is None and self._hedging_position(order, client):
                key = (order.instrument_id, order.strategy_id)
                self._hedging_counts[key] = self._hedging_counts.get(key, 0) + 1
        if position is None or position.is_closed_c():
            self._open_position(instrument, position, fill)
            return
        open_qty = position.signed_raw if position.signed_raw > 0 else -position.signed_raw
        if (position.signed_raw > 0) != (fill.order_side == OrderSide.BUY) and \
                fill.last_qty.raw > open_qty:
            closing, opening = self._split_fill(fill, open_qty, instrument)
            self._change_position(instrument, position, closing)
            self._open_position(instrument, position, opening)
            return
        self._change_position(instrument, position, fill)

    def _split_fill(self, OrderFilled fill, int64_t close_qty, Instrument instrument):
        cdef int64_t total = fill.last_qty.raw
        cdef int64_t step = POW10[9 - fill.commission.currency.precision]
        cdef int64_t commission_close = div_round_half_even(
            <object>fill.commission.raw * close_qty, <object>total * step) * step
        closing = OrderFilled.create(
            fill.trader_id, fill.strategy_id, fill.instrument_id, fill.client_order_id,
            fill.venue_order_id, fill.account_id, fill.trade_id, fill.position_id,
            fill.order_side, fill.order_type,
            Quantity.from_raw_c(close_qty, fill.last_qty.precision), fill.last_px, fill.currency,
            Money.from_raw_c(commission_close, fill.commission.currency), fill.liquidity_side,
            event_id_of(fill), fill.ts_event, fill.ts_init,
        )
        opening = OrderFilled.create(
            fill.trader_id, fill.strategy_id, fill.instrument_id, fill.client_order_id,
            fill.venue_order_id, fill.account_id, fill.trade_id, fill.position_id,
            fill.order_side, fill.order_type,
            Quantity.from_raw_c(total - close_qty, fill.last_qty.precision), fill.last_px,
            fill.currency,
            Money.from_raw_c(fill.commission.raw - commission_close, fill.commission.currency),
            fill.liquidity_side, self._uuids.generate(), fill.ts_event, fill.ts_init,
        )
        return closing, opening

    cdef void _open_position(self, Instrument instrument, Position previous,
                             OrderFilled fill) except *:
        cdef Position position
        if previous is not None:
            self._cache.snapshot_position(previous)
        position = Position(instrument, fill)
        self._cache.add_position(position)
        self._portfolio.update_fill(instrument, fill, position.realized_pnl_raw)
        self._publish_position_event(
            position.to_event(PositionOpened, self._uuids.generate(), self._clock.timestamp_ns()))

    cdef void _change_position(self, Instrument instrument, Position position,
                               OrderFilled fill) except *:
        cdef int64_t before = position.realized_pnl_raw
        position.apply(fill)
        self._cache.update_position(position)
        self._portfolio.update_fill(instrument, fill, position.realized_pnl_raw - before)
        self._publish_position_event(position.to_event(
            PositionClosed if position.is_closed_c() else PositionChanged,
            self._uuids.generate(), self._clock.timestamp_ns()))

    cdef void _publish_order_event(self, OrderEvent event) except *:
        cdef str topic
        if self._replaying:
            return
        if self._journal is not None:
            self._journal.event(self._cache.order(event.client_order_id), event)
        topic = self._order_topics.get(event.strategy_id)
        if topic is None:
            topic = f"events.order.{event.strategy_id.value}"
            self._order_topics[event.strategy_id] = topic
        self._msgbus.publish_c(topic, event)

    cdef void _publish_position_event(self, PositionEvent event) except *:
        cdef str topic
        if self._replaying:
            return
        topic = self._position_topics.get(event.strategy_id)
        if topic is None:
            topic = f"events.position.{event.strategy_id.value}"
            self._position_topics[event.strategy_id] = topic
        self._msgbus.publish_c(topic, event)
