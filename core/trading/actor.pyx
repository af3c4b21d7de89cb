"""`Actor`: a component that receives data and events; the base of `Strategy`.

Users subclass `Actor` (or `Strategy`) in Python and override the ``on_*`` handlers they need;
handlers not overridden cost nothing. Data arrive through bus subscriptions
(``subscribe_quote_ticks`` etc.); indicators registered for a stream are updated in C before
the handler runs.

If a handler raises, the traceback is logged, the component is FAULTED (it receives nothing
more) and the error is counted; the node goes on, unless the engine is configured to stop the
run (``BacktestEngineConfig.raise_handler_errors``), in which case the error is re-raised after
the component's state is saved.
"""

import traceback


from core.cache.cache cimport Cache
from core.common.clock cimport Clock, LiveClock
from core.common.component cimport Component
from core.common.logging cimport Logger
from core.common.msgbus cimport MessageBus
from core.data.engine cimport bars_topic, custom_data_topic, instrument_topic, quotes_topic
from core.data.engine cimport trades_topic
from core.indicators.base cimport Indicator
from core.model.data cimport Bar, BarType, DataType, QuoteTick, TradeTick
from core.model.identifiers cimport ComponentId, InstrumentId, TraderId
from core.model.uuid cimport UUIDFactory
from core.portfolio.portfolio cimport Portfolio

from core.common.compute import ComputeClient
from core.errors import InvalidTypeError, ValidationError
from core.model.enums import PriceType
from core.trading.config import ActorConfig

cdef int _ERROR = 40


cdef object _overridden(object instance, str name, object base):
    """Return the bound handler if `instance`'s class overrides `name`, else None."""
    if getattr(type(instance), name) is getattr(base, name):
        return None
    return getattr(instance, name)


cdef class Actor(Component):
    """Base of actors; subclass it and override ``on_*`` handlers.

    Parameters
    ----------
    config : ActorConfig, optional
    """

    def __init__(self, config=None):
        if config is None:
            config = ActorConfig()
        if not isinstance(config, ActorConfig):
            raise InvalidTypeError(
                f"{type(self).__name__}.config: invalid type {type(config).__name__}, "
                f"expected ActorConfig"
            )
        self._init_actor(config, ComponentId(config.component_id or type(self).__name__))

    def _init_actor(self, config, component_id):
        Component.__init__(self, LiveClock(), component_id=component_id)
        self.config = config
        self._quote_indicators = {}
        self._trade_indicators = {}
        self._bar_indicators = {}
        self.is_active = False
        self._error_policy = None
        self.compute = None

    cpdef void register_base(self, TraderId trader_id, Portfolio portfolio, MessageBus msgbus,
                             Cache cache, Clock clock, UUIDFactory uuid_factory) except *:
        """Wire the actor into a node (called by the Trader)."""
        self.trader_id = trader_id
        self.portfolio = portfolio
        self.msgbus = msgbus
        self.cache = cache
        self.clock = clock
        self._uuids = uuid_factory
        self.log = Logger(f"{trader_id.value}.{self.id.value}", clock)
        clock.register_default_handler(self.handle_time_event)
        self._on_quote_tick = _overridden(self, "on_quote_tick", Actor)
        self._on_trade_tick = _overridden(self, "on_trade_tick", Actor)
        self._on_bar = _overridden(self, "on_bar", Actor)
        self._on_data = _overridden(self, "on_data", Actor)

    def set_error_policy(self, policy):
        """Set a callable(actor, handler_name, error) run after a handler failed (engines)."""
        self._error_policy = policy

    @property
    def registered_indicators(self):
        result = []
        for group in (self._quote_indicators, self._trade_indicators, self._bar_indicators):
            for indicators in group.values():
                result.extend(i for i in indicators if i not in result)
        return result

    def indicators_initialized(self):
        """Return whether every registered indicator is initialized."""
        return all(i.initialized for i in self.registered_indicators)

    # -- lifecycle hooks (Component) -------------------------------------------------------

    def _start(self):
        self.is_active = True
        self.on_start()

    def _stop(self):
        self.is_active = False
        self.on_stop()

    def _resume(self):
        self.is_active = True
        self.on_resume()

    def _reset(self):
        for group in (self._quote_indicators, self._trade_indicators, self._bar_indicators):
            for indicators in group.values():
                for indicator in indicators:
                    (<Indicator>indicator).reset()
        self.handler_error_count = 0
        self.on_reset()

    def _dispose(self):
        self.is_active = False
        self.on_dispose()

    def _degrade(self):
        self.on_degrade()

    def _fault(self):
        self.is_active = False
        self.on_fault()

    # -- handlers for users ----------------------------------------------------------------

    def on_start(self):
        """Called when the actor starts: subscribe to data here."""

    def on_stop(self):
        """Called when the actor stops."""

    def on_resume(self):
        """Called when the actor resumes after a stop."""

    def on_reset(self):
        """Called when the actor is reset (between runs)."""

    def on_dispose(self):
        """Called when the actor is disposed."""

    def on_degrade(self):
        """Called when the actor degrades."""

    def on_fault(self):
        """Called when the actor faults (e.g. a handler raised)."""

    def on_quote_tick(self, tick):
        """Called with each subscribed `QuoteTick`."""

    def on_trade_tick(self, tick):
        """Called with each subscribed `TradeTick`."""

    def on_bar(self, bar):
        """Called with each subscribed `Bar` (after its registered indicators update)."""

    def on_data(self, data):
        """Called with each subscribed custom `Data`."""

    def on_instrument(self, instrument):
        """Called with each subscribed instrument update."""

    def on_event(self, event):
        """Called with every event the actor receives."""

    def on_time_event(self, event):
        """Called when a timer set without its own callback fires."""

    def on_compute_reply(self, event):
        """Called with a `ComputeReply` or `ComputeFailed` of a request sent without callback."""

    # -- dispatch (C) ----------------------------------------------------------------------

    cdef void _handler_failed(self, str handler, object arg) except *:
        error = traceback.format_exc()
        self.handler_error_count += 1
        self.log.log_c(_ERROR, f"{handler} raised on {arg!r}; faulting the component\n{error}")
        self.is_active = False
        try:
            self.fault()
        except Exception as err:
            self.log.log_c(_ERROR, f"fault() failed: {err!r}")
        if self._error_policy is not None:
            self._error_policy(self, handler, error)

    cpdef void handle_quote_tick(self, QuoteTick tick) except *:
        """Update the instrument's quote indicators, then call `on_quote_tick`."""
        cdef list indicators
        if tick.instrument_id is self._quote_indicators_key:
            indicators = self._quote_indicators_last
        else:
            indicators = self._quote_indicators.get(tick.instrument_id)
            self._quote_indicators_key = tick.instrument_id
            self._quote_indicators_last = indicators
        if indicators is not None:
            for indicator in indicators:
                (<Indicator>indicator).handle_quote_tick(tick)
        if self.is_active and self._on_quote_tick is not None:
            try:
                self._on_quote_tick(tick)
            except Exception:
                self._handler_failed("on_quote_tick", tick)

    cpdef void handle_trade_tick(self, TradeTick tick) except *:
        """Update the instrument's trade indicators, then call `on_trade_tick`."""
        cdef list indicators
        if tick.instrument_id is self._trade_indicators_key:
            indicators = self._trade_indicators_last
        else:
            indicators = self._trade_indicators.get(tick.instrument_id)
            self._trade_indicators_key = tick.instrument_id
            self._trade_indicators_last = indicators
        if indicators is not None:
            for indicator in indicators:
                (<Indicator>indicator).handle_trade_tick(tick)
        if self.is_active and self._on_trade_tick is not None:
            try:
                self._on_trade_tick(tick)
            except Exception:
                self._handler_failed("on_trade_tick", tick)

    cpdef void handle_bar(self, Bar bar) except *:
        """Update the bar type's indicators, then call `on_bar`."""
        cdef list indicators
        if bar.bar_type is self._bar_indicators_key:
            indicators = self._bar_indicators_last
        else:
            indicators = self._bar_indicators.get(bar.bar_type)
            self._bar_indicators_key = bar.bar_type
            self._bar_indicators_last = indicators
        if indicators is not None:
            for indicator in indicators:
                (<Indicator>indicator).handle_bar(bar)
        if self.is_active and self._on_bar is not None:
            try:
                self._on_bar(bar)
            except Exception:
                self._handler_failed("on_bar", bar)

    cpdef void handle_data(self, object data) except *:
        if self.is_active and self._on_data is not None:
            try:
                self._on_data(data)
            except Exception:
                self._handler_failed("on_data", data)

    cpdef void handle_instrument(self, object instrument) except *:
        if self.is_active:
            try:
                self.on_instrument(instrument)
            except Exception:
                self._handler_failed("on_instrument", instrument)

    cpdef void handle_time_event(self, object event) except *:
        if self.is_active:
            try:
                self.on_time_event(event)
                self.on_event(event)
            except Exception:
                self._handler_failed("on_time_event", event)

    # -- subscriptions ---------------------------------------------------------------------

    def _check_registered(self, str action):
        if self.msgbus is None:
            raise ValidationError(
                f"{type(self).__name__} {self.id}: {action} before registration, expected the "
                f"actor added to an engine or node first"
            )

    def subscribe_quote_ticks(self, InstrumentId instrument_id not None):
        """Receive the instrument's quotes in `on_quote_tick`."""
        self._check_registered("subscribe_quote_ticks")
        self.msgbus.subscribe(
            quotes_topic(instrument_id),
            self.handle_quote_tick,
        )

    def unsubscribe_quote_ticks(self, InstrumentId instrument_id not None):
        self._check_registered("unsubscribe_quote_ticks")
        self.msgbus.unsubscribe(
            quotes_topic(instrument_id),
            self.handle_quote_tick,
        )

    def subscribe_trade_ticks(self, InstrumentId instrument_id not None):
        """Receive the instrument's trades in `on_trade_tick`."""
        self._check_registered("subscribe_trade_ticks")
        self.msgbus.subscribe(
            trades_topic(instrument_id),
            self.handle_trade_tick,
        )

    def unsubscribe_trade_ticks(self, InstrumentId instrument_id not None):
        self._check_registered("unsubscribe_trade_ticks")
        self.msgbus.unsubscribe(
            trades_topic(instrument_id),
            self.handle_trade_tick,
        )

    def subscribe_bars(self, BarType bar_type not None):
        """Receive bars of `bar_type` in `on_bar`."""
        self._check_registered("subscribe_bars")
        self.msgbus.subscribe(bars_topic(bar_type), self.handle_bar)

    def unsubscribe_bars(self, BarType bar_type not None):
        self._check_registered("unsubscribe_bars")
        self.msgbus.unsubscribe(bars_topic(bar_type), self.handle_bar)

    def subscribe_data(self, DataType data_type not None):
        """Receive custom data of `data_type` in `on_data`."""
        self._check_registered("subscribe_data")
        self.msgbus.subscribe(custom_data_topic(data_type.type), self.handle_data)

    def unsubscribe_data(self, DataType data_type not None):
        self._check_registered("unsubscribe_data")
        self.msgbus.unsubscribe(custom_data_topic(data_type.type), self.handle_data)

    def subscribe_instrument(self, InstrumentId instrument_id not None):
        """Receive updates of the instrument in `on_instrument`."""
        self._check_registered("subscribe_instrument")
        self.msgbus.subscribe(instrument_topic(instrument_id), self.handle_instrument)

    def publish_data(self, DataType data_type not None, data):
        """Publish custom `data` to the subscribers of `data_type`."""
        self._check_registered("publish_data")
        self.msgbus.publish(custom_data_topic(data_type.type), data)

    # -- compute offload -------------------------------------------------------------------

    def register_compute(self, backend, latency_model=None, double wait_timeout_secs=30.0):
        """Send this actor's compute requests to `backend` (called by the engine or node).

        Parameters
        ----------
        backend : ComputeBackend
        latency_model : ComputeLatencyModel, optional
            The modelled reply latency in a backtest.
        wait_timeout_secs : float, default 30.0
            Backtest: the wall-clock bound on waiting for a reply.
        """
        self._check_registered("register_compute")
        if self.compute is not None:
            self.compute.cancel_all()
        self.compute = ComputeClient(
            backend,
            self.clock,
            f"{self.trader_id.value}.{self.id.value}",
            latency_model,
            wait_timeout_secs,
            self._dispatch_compute,
        )

    def request_compute(self, str service, payload, callback=None, arrays=(), timeout_ns=None,
                        reply_type=None):
        """Send `payload` (and numpy `arrays`) to the compute `service`; return the request id.

        The outcome, a `ComputeReply` or a `ComputeFailed` (handler error, timeout, worker
        lost, rejected), reaches `callback` (or `on_compute_reply`) on the actor's thread,
        exactly once. In a backtest it arrives at ``ts_request + modelled latency``.

        Parameters
        ----------
        service : str
            The service name workers registered for.
        payload : object
            A msgspec-encodable value (struct, dict, list, number, str).
        callback : callable, optional
            Receives the outcome event; `on_compute_reply` if omitted.
        arrays : sequence of numpy.ndarray, optional
            Sent as raw buffers beside the payload.
        timeout_ns : int, optional
            Deliver ``ComputeFailed(kind="timeout")`` if no answer after this long.
        reply_type : type, optional
            Decode the reply payload as this msgspec type (plain values if omitted).

        Raises
        ------
        ValidationError
            If no compute backend is registered, or an argument is invalid.
        """
        if self.compute is None:
            raise ValidationError(
                f"{type(self).__name__} {self.id}: request_compute without a compute backend, "
                f"expected engine.add_compute_backend(...) or register_compute(...) first"
            )
        if callback is None:
            callback = self.on_compute_reply
        if reply_type is None:
            return self.compute.request(service, payload, callback, arrays, timeout_ns)
        return self.compute.request(service, payload, callback, arrays, timeout_ns, reply_type)

    def _dispatch_compute(self, callback, event):
        if not self.is_active:
            return
        try:
            callback(event)
            self.on_event(event)
        except Exception:
            self._handler_failed("compute callback", event)

    # -- indicators ------------------------------------------------------------------------

    def register_indicator_for_quote_ticks(self, InstrumentId instrument_id not None,
                                           Indicator indicator not None):
        """Update `indicator` with the instrument's quotes before `on_quote_tick`.

        Raises
        ------
        ValidationError
            If the indicator reads LAST prices, which quotes do not have.
        """
        if getattr(indicator, "price_type", None) == PriceType.LAST:
            raise ValidationError(
                f"{type(self).__name__}.register_indicator_for_quote_ticks: {indicator.name} "
                f"reads LAST prices, expected an indicator built with price_type=PriceType.MID "
                f"(or BID/ASK) for quotes"
            )
        _add_indicator(self._quote_indicators, instrument_id, indicator)
        self._quote_indicators_key = None

    def register_indicator_for_trade_ticks(self, InstrumentId instrument_id not None,
                                           Indicator indicator not None):
        """Update `indicator` with the instrument's trades before `on_trade_tick`."""
        _add_indicator(self._trade_indicators, instrument_id, indicator)
        self._trade_indicators_key = None

    def register_indicator_for_bars(self, BarType bar_type not None,
                                    Indicator indicator not None):
        """Update `indicator` with bars of `bar_type` before `on_bar`."""
        _add_indicator(self._bar_indicators, bar_type, indicator)
        self._bar_indicators_key = None


cdef void _add_indicator(dict group, object key, Indicator indicator) except *:
    cdef list indicators = group.setdefault(key, [])
    if indicator not in indicators:
        indicators.append(indicator)
