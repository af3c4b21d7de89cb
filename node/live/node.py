"""`TradingNode`: one process, an asyncio event loop feeding the single-threaded kernel.

A sandbox node (paper trading, ``[node] environment = "sandbox"``) is wired by
`core.kernel.Kernel` like a backtest, with a `LiveClock` (wall time, timers on the loop) and
the configured venues simulated on the live feed (`core.live.dispatch.SandboxExecutionClient`).
Its feed here is the replay of the config's catalog data (`ReplayFeed`): at real pace, at N×,
or as fast as the kernel goes, each point restamped with the wall time it is handed over.

The flow of one event:

1. the feed puts a data point on the bounded queue (``node.queue_size``); when the queue is
   full the feed waits (backpressure: nothing is dropped, the wait is counted);
2. the node's consumer hands it to `LiveDispatcher.on_data` (C): venues expire and match, the
   DataEngine publishes it to strategies, and the commands it caused reach the venue;
3. commands sent outside a data event (a timer, a venue latency) are settled when due.

Stopping (end of data, `stop()`, SIGTERM or SIGINT): with ``on_stop = "cancel"`` every open
order of the strategies is cancelled first, then the trader stops (``on_stop`` handlers run)
and what they sent is settled. A handler error stops the node when
``engine.raise_handler_errors`` is set (the default), as in a backtest.

Ported from nothing: the same `Strategy` classes and configs as a backtest, unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
from core.model.events import OrderInitialized

from core.backtest.engine import StrategyError, last_error_line
from core.backtest.results import fill_log_digest
from core.common.logging import LogLevel, format_iso8601_ns, get_default_level, set_default_level
from core.errors import ConfigError
from core.kernel import Environment, Kernel
from core.live.dispatch import LiveDispatcher, StreamMerger
from node.live.clients import LiveDataClient
from node.live.config import TradingNodeConfig
from node.persistence.state import RedisStateStore

__all__ = ["NodeRunSummary", "ReplayFeed", "TradingNode", "run_node"]

_INT64_MAX = 2**63 - 1
_log = logging.getLogger("flotilla.node")
_END = object()  # the feed's last item
_YIELD_EVERY = 1024  # a replay at "max" gives the loop a turn this often (timers, signals)


class NodeRunSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What a node run did; `stopped_by` is ``"end of data"``, ``"stop"``, ``"SIGTERM"``,
    ``"SIGINT"`` or ``"error"`` (then `error` says which component, handler and error)."""

    trader_id: str
    environment: str
    stopped_by: str
    error: str = ""
    events: int
    accepted: int
    orders: int
    fills: int
    open_orders: int
    orders_cancelled_at_stop: int
    positions_open: int
    handler_errors: int
    denied_orders: int
    backpressure_waits: int
    restored_events: int = 0  # journal events replayed at start (node.state)
    unresolved_intents: int = 0  # orders sent before a restart with no venue answer yet
    state_commits: int = 0
    state_available: bool = True
    digest: str
    elapsed_secs: float


class ReplayFeed(LiveDataClient):
    """Streams a node's catalog data to its queue at `speed` × real pace (``inf``: max).

    The order is the backtest's (`StreamMerger`); pacing follows the recorded ``ts_init``
    gaps divided by `speed`, measured from the first point, so a slow kernel never makes the
    feed skip data: it only falls behind.
    """

    def __init__(self, streams: list, speed: float, start_ns: int | None = None) -> None:
        if not speed > 0:
            raise ConfigError(f"ReplayFeed.speed: invalid value {speed!r}, expected > 0")
        for stream in streams:
            stream.seek(0 if start_ns is None else start_ns)
        self.merger = StreamMerger(streams)
        self.speed = speed
        self.sent = 0
        self.waits = 0

    async def run(self, queue: asyncio.Queue, end_ns: int | None = None) -> None:
        merger = self.merger
        speed = self.speed
        paced = speed != float("inf")
        end = _INT64_MAX if end_ns is None else end_ns
        first_ts = merger.head_ts()
        started = time.monotonic()
        while True:
            if merger.head_ts() > end:
                break
            data = merger.next()
            if data is None:
                break
            if paced:
                delay = started + (data.ts_init - first_ts) / 1e9 / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            await self.put(queue, data)
            if not paced and self.sent % _YIELD_EVERY == 0:
                await asyncio.sleep(0)


class TradingNode:
    """A trading node built from `config` (see the module docstring).

    Parameters
    ----------
    config : TradingNodeConfig
    data_client : LiveDataClient, optional
        The feed; default: the replay of the config's catalog data (`ReplayFeed`).

    Raises
    ------
    ConfigError
        If the config is not a `TradingNodeConfig` or names data, venues or components that
        cannot be built (as a backtest's run config would).
    """

    def __init__(
        self, config: TradingNodeConfig, data_client: LiveDataClient | None = None
    ) -> None:
        if data_client is not None and not isinstance(data_client, LiveDataClient):
            raise ConfigError(
                f"TradingNode.data_client: invalid value {data_client!r}, expected a LiveDataClient"
            )
        if not isinstance(config, TradingNodeConfig):
            raise ConfigError(
                f"TradingNode.config: invalid type {type(config).__name__}, expected "
                f"TradingNodeConfig"
            )
        from node.backtest.node import populate

        self.config = config
        self.settings = config.node
        self.kernel = Kernel(Environment.SANDBOX, config.engine)
        self.clock = self.kernel.clock
        self.trader_id = self.kernel.trader_id
        self._handler_errors: list[tuple[str, str, str]] = []
        self._owned_backend = None
        self._stop_reason: str | None = None
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._settle_handle = None
        self._disposed = False
        self._ran = False
        self.dispatcher: LiveDispatcher | None = None
        self.feed: LiveDataClient | None = data_client
        self.state_store: RedisStateStore | None = None
        self.restored = None
        if self.settings.state is not None:
            self.state_store = RedisStateStore(self.settings.state, self.trader_id.value)
        try:
            self.files: list[Path] = populate(self, config)
        except BaseException:
            self.dispose()
            raise

    # -- what `populate` adds (the kernel does the wiring) ----------------------------------

    def add_venue_spec(self, spec) -> None:
        self.kernel.add_venue_spec(spec)

    def add_instrument(self, instrument) -> None:
        self.kernel.add_instrument(instrument)

    def add_data(self, data, **kwargs) -> None:
        self.kernel.add_data(data, **kwargs)

    def add_actor(self, actor) -> None:
        self.kernel.add_actor(actor, self._on_handler_error)

    def add_strategy(self, strategy) -> None:
        self.kernel.add_strategy(strategy, self._on_handler_error)

    def add_compute_backend(
        self, backend, latency_model=None, wait_timeout_secs: float = 30.0, close_on_dispose=False
    ) -> None:
        self.kernel.set_compute_backend(backend, latency_model, wait_timeout_secs)
        self._owned_backend = backend if close_on_dispose else None

    # -- running ----------------------------------------------------------------------------

    @property
    def fills(self) -> list:
        """The fills of the sandbox venues, in the order they were generated."""
        return list(self.kernel.fill_log)

    def stop(self, reason: str = "stop") -> None:
        """Ask a running node to stop (safe from signal handlers and other threads)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self._stop_reason = self._stop_reason or reason
            return
        loop.call_soon_threadsafe(self._request_stop, reason)

    def _request_stop(self, reason: str) -> None:
        if self._stop_reason is None:
            self._stop_reason = reason
        if self._stopping is not None:
            self._stopping.set()

    def _on_handler_error(self, component, handler: str, error: str) -> None:
        self._handler_errors.append((component.id.value, handler, error))
        if self.config.engine.raise_handler_errors:
            ts_ns = self.clock.timestamp_ns()
            last = last_error_line(error)
            raise StrategyError(
                f"{component.id}.{handler} raised {last} at {format_iso8601_ns(ts_ns)}; the node "
                f"stopped (raise_handler_errors = true, the default; set it false to fault only "
                f"the component and run on)",
                component_id=component.id.value,
                handler=handler,
                error=last,
                ts_ns=ts_ns,
            )

    def _on_loop_error(self, loop, context) -> None:
        # a timer callback raised (LiveClock reports it here): the same policy as a handler
        error = context.get("exception")
        if isinstance(error, StrategyError):
            self._error = str(error)
            self._request_stop("error")
        else:
            loop.default_exception_handler(context)

    def _schedule_settle(self) -> None:
        """Settle commands once the current callback is done (a command sent from a timer)."""
        if self._settle_handle is None and self._loop is not None:
            self._settle_handle = self._loop.call_soon(self._settle_due)

    def _settle_due(self) -> None:
        self._settle_handle = None
        dispatcher = self.dispatcher
        if dispatcher is None:
            return
        try:
            dispatcher.settle()
        except StrategyError as err:
            self._error = str(err)
            self._request_stop("error")
            return
        self._arm_latency()

    def _arm_latency(self) -> None:
        """Wake up when the next command with a venue latency is due."""
        due = self.dispatcher.next_command_time()
        if due == _INT64_MAX or self._settle_handle is not None:
            return
        delay = max(0.0, (due - self.clock.timestamp_ns()) / 1e9)
        self._settle_handle = self._loop.call_later(delay, self._settle_due)

    async def run_async(
        self, status: Callable[[NodeRunSummary], None] | None = None
    ) -> NodeRunSummary:
        """Run until the feed ends or `stop` is called; return what the run did.

        Parameters
        ----------
        status : callable, optional
            Called with a summary snapshot every ``node.status_interval_secs``.
        """
        if self._disposed:
            raise ConfigError("TradingNode.run: the node is disposed, expected a new node")
        if self._ran:
            raise ConfigError("TradingNode.run: already run, expected a new node")
        self._ran = True
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._stopping = asyncio.Event()
        self._error = ""
        self._feed_error = ""
        if self._stop_reason is not None:
            self._stopping.set()
        previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._on_loop_error)
        kernel = self.kernel
        self.dispatcher = LiveDispatcher(
            kernel.data_engine, self.clock, list(kernel.exchanges.values()), True
        )
        for client in kernel.exec_clients.values():
            client.set_listener(self._schedule_settle)
        if self.feed is None:
            self.feed = ReplayFeed(kernel.streams, self.settings.speed, self.config.start_ns)
        queue: asyncio.Queue = asyncio.Queue(self.settings.queue_size)
        previous_level = get_default_level()
        set_default_level(LogLevel[self.config.engine.log_level.upper()])
        started = time.perf_counter()
        self._cancelled_at_stop = 0
        feed_task = None
        status_task = None
        try:
            kernel.initialize_accounts()
            kernel.set_execution_bar_types()
            kernel.register_compute()
            if self.state_store is not None:
                self._restore(loop)
            kernel.trader.start()
            feed_task = asyncio.create_task(self._feed(queue))
            if status is not None:
                status_task = asyncio.create_task(self._status_loop(status, started))
            await self._consume(queue)
            if self._feed_error and not self._error and self._stop_reason is None:
                self._error = self._feed_error
                self._stop_reason = "error"
            if self._stop_reason is None:
                self._stop_reason = "end of data"
        except StrategyError as err:
            self._error = str(err)
            self._stop_reason = "error"
        finally:
            for task in (feed_task, status_task):
                if task is not None and not task.done():
                    task.cancel()
                    try:
                        await task
                    except (asyncio.CancelledError, Exception):
                        pass
            try:
                await self._shutdown()
            except StrategyError as err:
                self._error = self._error or str(err)
                self._stop_reason = "error"
            finally:
                if self._settle_handle is not None:
                    self._settle_handle.cancel()
                    self._settle_handle = None
                for component in kernel.trader.components():
                    if component.compute is not None:
                        component.compute.cancel_all()
                if self.state_store is not None and self.restored is not None:
                    self.kernel.exec_engine.set_journal(None)
                    if not self.state_store.close():
                        self._error = self._error or (
                            f"state store {self.settings.state.url} unavailable at stop: "
                            f"{self.state_store.pending} writes not persisted"
                        )
                        self._stop_reason = "error"
                set_default_level(previous_level)
                loop.set_exception_handler(previous_handler)
        return self.summary(time.perf_counter() - started)

    def _restore(self, loop) -> None:
        """Load the journal (after ``flush_on_start``) and replay it into the kernel before
        any strategy starts; from then on the engine journals through the store."""
        store = self.state_store
        state = store.open()
        engine = self.kernel.exec_engine
        for event in state.events:
            engine.replay(event, state.position_ids.get(event.client_order_id.value))
        self.restored = state
        if state.events:
            # a restart: new ids must not repeat the restored ones (same seed, same sequence)
            self.kernel.reseed(time.time_ns())
            counts: dict = {}
            for event in state.events:
                if type(event) is OrderInitialized:
                    counts[event.strategy_id] = counts.get(event.strategy_id, 0) + 1
            for strategy in self.kernel.trader.strategies():
                # client order ids carry the second and a per-strategy count: go on counting
                strategy.order_factory.set_count(counts.get(strategy.id, 0))
        if state.intents:
            _log.warning(
                "%d orders were sent before the restart without an answer from their venue "
                "(%s); they are not resubmitted",
                len(state.intents),
                ", ".join(state.intents[:10]),
            )
        store.bind(loop)
        engine.set_journal(store)

    async def _feed(self, queue: asyncio.Queue) -> None:
        try:
            await self.feed.run(queue, self.config.end_ns)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the feed's boundary: the node stops and says why, after
            # the data the client delivered before failing (nothing it sent is dropped)
            self._feed_error = (
                f"data client {type(self.feed).__name__} failed: {type(err).__name__}: {err}"
            )
        await queue.put(_END)

    async def _consume(self, queue: asyncio.Queue) -> None:
        on_data = self.dispatcher.on_data
        stopping = self._stopping
        get = queue.get
        while not stopping.is_set():
            if queue.empty():
                # wait for data or a stop, whichever comes first
                getter = asyncio.ensure_future(get())
                stopper = asyncio.ensure_future(stopping.wait())
                done, _ = await asyncio.wait((getter, stopper), return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    stopper.cancel()
                    return
                stopper.cancel()
                item = getter.result()
            else:
                item = queue.get_nowait()
            if item is _END:
                return
            on_data(item)
            if self._settle_handle is None and self.dispatcher.next_command_time() != _INT64_MAX:
                self._arm_latency()
            if self._error:
                return

    async def _shutdown(self) -> None:
        """Cancel open orders (``on_stop = "cancel"``), stop the trader, settle."""
        kernel = self.kernel
        if self.settings.on_stop == "cancel":
            for strategy in kernel.trader.strategies():
                for order in kernel.cache.orders_open(strategy_id=strategy.id):
                    strategy.cancel_order(order)
                    self._cancelled_at_stop += 1
        self.dispatcher.settle()
        kernel.trader.stop()
        self.dispatcher.settle()
        # commands with a venue latency: wait for them, bounded
        deadline = time.monotonic() + 5.0
        while self.dispatcher.next_command_time() != _INT64_MAX and time.monotonic() < deadline:
            await asyncio.sleep(
                max(0.0, (self.dispatcher.next_command_time() - self.clock.timestamp_ns()) / 1e9)
            )
            self.dispatcher.settle()

    async def _status_loop(self, status, started: float) -> None:
        interval = self.settings.status_interval_secs
        while True:
            await asyncio.sleep(interval)
            status(self.summary(time.perf_counter() - started))

    def summary(self, elapsed: float = 0.0) -> NodeRunSummary:
        kernel = self.kernel
        cache = kernel.cache
        dispatcher = self.dispatcher
        store = self.state_store
        return NodeRunSummary(
            trader_id=self.trader_id.value,
            environment=kernel.environment.value,
            stopped_by=self._stop_reason or "running",
            error=getattr(self, "_error", ""),
            events=dispatcher.events if dispatcher is not None else 0,
            accepted=dispatcher.accepted if dispatcher is not None else 0,
            orders=cache.orders_total_count(),
            fills=len(kernel.fill_log),
            open_orders=cache.orders_open_count(),
            orders_cancelled_at_stop=getattr(self, "_cancelled_at_stop", 0),
            positions_open=cache.positions_open_count(),
            handler_errors=len(self._handler_errors),
            denied_orders=kernel.risk_engine.denied_count + (store.denied if store else 0),
            backpressure_waits=self.feed.waits if self.feed is not None else 0,
            restored_events=len(self.restored.events) if self.restored is not None else 0,
            unresolved_intents=len(self.restored.intents) if self.restored is not None else 0,
            state_commits=store.commits if store is not None else 0,
            state_available=store.available if store is not None else True,
            digest=fill_log_digest(kernel.fill_log),
            elapsed_secs=elapsed,
        )

    def run(
        self, status: Callable[[NodeRunSummary], None] | None = None, handle_signals: bool = True
    ) -> NodeRunSummary:
        """Run on a new event loop (SIGTERM and SIGINT stop the node gracefully)."""

        async def main() -> NodeRunSummary:
            loop = asyncio.get_running_loop()
            installed = []
            if handle_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    try:
                        loop.add_signal_handler(sig, self._request_stop, sig.name)
                        installed.append(sig)
                    except (NotImplementedError, RuntimeError, ValueError):
                        pass  # not the main thread: the caller stops the node
            try:
                return await self.run_async(status)
            finally:
                for sig in installed:
                    loop.remove_signal_handler(sig)

        return asyncio.run(main())

    def dispose(self) -> None:
        """Release the components; the node cannot run afterwards."""
        if self._disposed:
            return
        self._disposed = True
        # the configured log level holds for the components' shutdown too
        previous_level = get_default_level()
        set_default_level(LogLevel[self.config.engine.log_level.upper()])
        try:
            self.kernel.trader.dispose()
        finally:
            set_default_level(previous_level)
            if self._owned_backend is not None:
                self._owned_backend.close()
            self.kernel.streams.clear()


def run_node(config: TradingNodeConfig, status=None) -> tuple[NodeRunSummary, list]:
    """Build a node from `config`, run it to the end of its feed (or a signal), dispose it;
    return the summary and the fills."""
    node = TradingNode(config)
    try:
        summary = node.run(status)
        return summary, node.fills
    finally:
        node.dispose()
