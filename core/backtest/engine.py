"""`BacktestEngine`: wires one node's kernel for a backtest and runs it.

>>> engine = BacktestEngine(BacktestEngineConfig(trader_id="BACKTESTER-001"))
>>> engine.add_venue(Venue("SIM"), OmsType.NETTING, AccountType.MARGIN,
...                  starting_balances=[Money(1_000_000, USD)], base_currency=USD)
>>> engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))
>>> engine.add_data(bars)
>>> engine.add_strategy(EMACross(config))
>>> engine.run()
>>> engine.get_result().digest

Data is added as a list of data objects (sorted stably by ``ts_init``) or in columnar form (a
pyarrow Table or a mapping of int64 arrays for one data type and instrument), which is turned
into objects one at a time as the run consumes it. Streams are merged by
``(ts_init, order added)``.
"""

from __future__ import annotations

import gc
import time
from decimal import Decimal

import numpy as np

from core.analysis.statistics import compute_statistics
from core.backtest.config import BacktestEngineConfig
from core.backtest.loop import BacktestLoop
from core.backtest.models import FeeModel, FillModel, LatencyModel
from core.backtest.results import (
    BacktestResult,
    DeniedOrderRecord,
    HandlerErrorRecord,
    fill_log_digest,
)
from core.backtest.venue import VenueSpec
from core.common.logging import (
    LogLevel,
    format_iso8601_ns,
    get_default_level,
    set_default_level,
)
from core.errors import ConfigError, FlotillaError, ValidationError
from core.kernel import Environment, Kernel
from core.model.data import BarType
from core.model.enums import AccountType, BookType, OmsType
from core.model.identifiers import InstrumentId, Venue
from core.model.instruments import Instrument
from core.model.objects import Money
from core.trading.actor import Actor
from core.trading.strategy import Strategy

__all__ = ["BacktestEngine", "StrategyError", "last_error_line"]

# How many handler errors a result lists one by one (the count covers them all).
MAX_HANDLER_ERRORS_RECORDED = 10

_INT64_MAX = 2**63 - 1


class StrategyError(FlotillaError, RuntimeError):
    """A strategy or actor handler raised and the engine is set to stop the run.

    Attributes
    ----------
    component_id : str
        The component whose handler raised (``EMACross-000``).
    handler : str
        The handler (``on_bar``).
    error : str
        The error's last traceback line (``RuntimeError: boom``).
    ts_ns : int
        The run's time when it raised (UNIX ns).
    """

    def __init__(
        self, message: str, component_id: str = "", handler: str = "", error: str = "", ts_ns=0
    ) -> None:
        super().__init__(message)
        self.component_id = component_id
        self.handler = handler
        self.error = error
        self.ts_ns = ts_ns


def last_error_line(trace: str) -> str:
    """Return the last line of a formatted traceback (``RuntimeError: boom``)."""
    lines = trace.strip().splitlines()
    return lines[-1].strip() if lines else "no traceback"


class BacktestEngine:
    """One backtest node: venues, instruments, data, actors and strategies, and a run loop.

    Parameters
    ----------
    config : BacktestEngineConfig, optional
    """

    def __init__(self, config: BacktestEngineConfig | None = None) -> None:
        config = config if config is not None else BacktestEngineConfig()
        if not isinstance(config, BacktestEngineConfig):
            raise ConfigError(
                f"BacktestEngine.config: invalid type {type(config).__name__}, expected "
                f"BacktestEngineConfig"
            )
        self.config = config
        # The kernel wires clock, bus, cache, portfolio, engines and trader (as a live node's).
        self.kernel = Kernel(Environment.BACKTEST, config)
        self.trader_id = self.kernel.trader_id
        self.clock = self.kernel.clock
        self.msgbus = self.kernel.msgbus
        self.cache = self.kernel.cache
        self._uuids = self.kernel.uuids
        self.portfolio = self.kernel.portfolio
        self.exec_engine = self.kernel.exec_engine
        self.risk_engine = self.kernel.risk_engine
        self.data_engine = self.kernel.data_engine
        self.trader = self.kernel.trader
        # the kernel's own containers (simulated venues, instruments, streams, fills)
        self._exchanges = self.kernel.exchanges
        self._instruments = self.kernel.instruments
        self._streams = self.kernel.streams
        self._fill_log = self.kernel.fill_log
        self._handler_errors: list[tuple[str, str, str]] = []
        self._handler_error_ts: list[int] = []
        self._result: BacktestResult | None = None
        self._has_run = False
        self._disposed = False
        self._elapsed = 0.0
        self._start_ns = 0
        self._end_ns = 0
        self._iterations = 0
        self._owned_backend = None

    # -- building --------------------------------------------------------------------------

    def add_venue(
        self,
        venue: Venue,
        oms_type: OmsType,
        account_type: AccountType,
        starting_balances: list[Money],
        base_currency=None,
        default_leverage: Decimal | int = 1,
        leverages: dict | None = None,
        fill_model: FillModel | None = None,
        fee_model: FeeModel | None = None,
        latency_model: LatencyModel | None = None,
        book_type: BookType = BookType.L1_MBP,
        bar_execution: bool = True,
        bar_adaptive_high_low_ordering: bool = False,
        reject_stop_orders: bool = True,
        fill_at_next_bar_open: bool = False,
        fee_rounding: str | None = None,
    ) -> None:
        """Add a simulated venue with its account (one per venue); see `VenueSpec`.

        `fee_rounding` (``"exact"`` or ``"float"``) sets how the venue's fee model rounds rate
        commissions (see `core.backtest.models`); None keeps the model's own (default exact).

        Raises
        ------
        ValidationError
            If the venue exists, a balance is not Money, or the book type is not L1_MBP.
        """
        self.add_venue_spec(
            VenueSpec(
                venue=venue,
                oms_type=oms_type,
                account_type=account_type,
                starting_balances=starting_balances,
                base_currency=base_currency,
                default_leverage=default_leverage,
                leverages=dict(leverages or {}),
                fill_model=fill_model,
                fee_model=fee_model,
                latency_model=latency_model,
                book_type=book_type,
                bar_execution=bar_execution,
                bar_adaptive_high_low_ordering=bar_adaptive_high_low_ordering,
                reject_stop_orders=reject_stop_orders,
                fill_at_next_bar_open=fill_at_next_bar_open,
                fee_rounding=fee_rounding,
            )
        )

    def add_venue_spec(self, spec: VenueSpec) -> None:
        """Add the simulated venue `spec` describes, with its account (one per venue).

        Raises
        ------
        ValidationError
            If the venue exists or the spec is invalid (`VenueSpec.resolved`).
        """
        self._check_not_disposed("add_venue")
        self.kernel.add_venue_spec(spec)

    def add_instrument(self, instrument: Instrument) -> None:
        """Add an instrument; its venue must have been added (see `Kernel.add_instrument`)."""
        self._check_not_disposed("add_instrument")
        self.kernel.add_instrument(instrument)

    def add_data(
        self,
        data,
        *,
        bar_type: BarType | str | None = None,
        instrument_id: InstrumentId | str | None = None,
        data_cls: type | None = None,
        price_precision: int | None = None,
        size_precision: int | None = None,
    ) -> None:
        """Add data: a list of data objects, or columnar data for one type and instrument.

        Columnar data is a pyarrow Table, a mapping of arrays, or a chunk source: a callable
        returning a fresh iterator of RecordBatches/Tables/mappings, read one chunk at a time as
        the run consumes it (so memory does not grow with the data). Columns are raw int64
        (value × 10**9):

        - bars (``bar_type=``): ``ts_event, ts_init, open, high, low, close, volume``;
        - quotes (``instrument_id=``): ``ts_event, ts_init, bid, ask, bid_size, ask_size``;
        - trades (``instrument_id=``, ``data_cls=TradeTick``): ``ts_event, ts_init, price,
          size, aggressor_side`` and ``trade_id`` (str).

        Without ``data_cls``, columns are taken as trades if they hold ``price``, else quotes.
        A chunk source without ``bar_type`` or ``instrument_id`` yields lists of data objects
        (sorted by ``ts_init``), one list held at a time: for data with no columnar form.
        Precisions default to the instrument's.

        Raises
        ------
        DataError
            If the data is neither form, or columns are missing.
        """
        self._check_not_disposed("add_data")
        self.kernel.add_data(
            data,
            bar_type=bar_type,
            instrument_id=instrument_id,
            data_cls=data_cls,
            price_precision=price_precision,
            size_precision=size_precision,
        )

    def add_actor(self, actor: Actor) -> None:
        self._check_not_disposed("add_actor")
        self.kernel.add_actor(actor, self._on_handler_error)

    def add_strategy(self, strategy: Strategy) -> None:
        self._check_not_disposed("add_strategy")
        self.kernel.add_strategy(strategy, self._on_handler_error)

    def add_strategies(self, strategies: list[Strategy]) -> None:
        for strategy in strategies:
            self.add_strategy(strategy)

    def add_compute_backend(
        self,
        backend,
        latency_model=None,
        wait_timeout_secs: float = 30.0,
        close_on_dispose: bool = False,
    ) -> None:
        """Serve every actor's `request_compute` with `backend` in the next runs.

        Each component gets its own copy of `latency_model` (seeded with the model's seed plus
        the component's registration index), registered when a run starts.

        Parameters
        ----------
        backend : ComputeBackend
            ``InProcessComputeBackend`` or ``cluster.compute.ZmqComputeBackend``.
        latency_model : ComputeLatencyModel, optional
            The modelled reply latency (1 ms fixed if omitted).
        wait_timeout_secs : float, default 30.0
            The wall-clock bound on waiting for one reply.
        close_on_dispose : bool, default False
            Close the backend when the engine is disposed (the engine owns it).
        """
        try:
            self.kernel.set_compute_backend(backend, latency_model, wait_timeout_secs)
        except ConfigError as err:
            raise ConfigError(f"BacktestEngine.add_compute_backend: {err}") from None
        self._owned_backend = backend if close_on_dispose else None

    @property
    def compute_backend(self):
        """The backend serving `request_compute` in the runs, or None."""
        return None if self.kernel.compute is None else self.kernel.compute[0]

    def _on_handler_error(self, component, handler: str, error: str) -> None:
        ts_ns = self.clock.timestamp_ns()
        self._handler_errors.append((component.id.value, handler, error))
        self._handler_error_ts.append(ts_ns)
        if self.config.raise_handler_errors:
            # The component logged the traceback; the message is the one line a user reads.
            last = last_error_line(error)
            raise StrategyError(
                f"{component.id}.{handler} raised {last} at {format_iso8601_ns(ts_ns)}; the run "
                f"stopped there (raise_handler_errors = true, the default; set it false to fault "
                f"only the component and run on)",
                component_id=component.id.value,
                handler=handler,
                error=last,
                ts_ns=ts_ns,
            )

    def _check_not_disposed(self, action: str) -> None:
        if self._disposed:
            raise ValidationError(f"BacktestEngine.{action}: the engine is disposed")

    # -- running ---------------------------------------------------------------------------

    def run(self, start: int | None = None, end: int | None = None) -> None:
        """Run over the data from `start` to `end` (UNIX ns, inclusive; default: all).

        Raises
        ------
        ValidationError
            If there is no venue, no data, or the engine must be reset first.
        StrategyError
            If a handler raised and ``raise_handler_errors`` is set.
        """
        self._check_not_disposed("run")
        if self._has_run:
            raise ValidationError("BacktestEngine.run: already run, expected reset() first")
        if not self._exchanges:
            raise ValidationError("BacktestEngine.run: no venue, expected add_venue first")
        if not self._streams:
            raise ValidationError("BacktestEngine.run: no data, expected add_data first")
        start_ns = 0 if start is None else int(start)
        end_ns = _INT64_MAX if end is None else int(end)
        if end_ns < start_ns:
            raise ValidationError(f"BacktestEngine.run: end {end_ns} < start {start_ns}")
        self._has_run = True
        first_ts = min(s.head_ts for s in self._streams)
        clocks = [self.clock, *self.trader.clocks]
        begin = max(start_ns, first_ts) if first_ts != _INT64_MAX else start_ns
        for clock in clocks:
            clock.set_time(begin)
        self.kernel.initialize_accounts()
        self.kernel.set_execution_bar_types()
        loop = BacktestLoop(self._streams, clocks, list(self._exchanges.values()), self.data_engine)
        started = time.perf_counter()
        # The kernel makes no reference cycles per event, but it keeps every order and fill
        # alive, so the cyclic collector would rescan a growing heap again and again (the
        # profile showed ~28 % of the run in gc_collect_main). Collect once, then pause it.
        # Only the young generations: they hold what the set-up just made; a full collection
        # rescans every imported module's objects (~5 ms, a tenth of a 100k-quote run).
        gc_was_enabled = gc.isenabled()
        gc.collect(1)
        gc.disable()
        # The configured log level holds for the run only; the process's level is restored.
        previous_level = get_default_level()
        set_default_level(LogLevel[self.config.log_level.upper()])
        self.kernel.register_compute()
        try:
            self.trader.start()
            loop.run(start_ns, end_ns)
            self.trader.stop()
            loop.settle_now()
        finally:
            for component in self.trader.components():
                if component.compute is not None:
                    component.compute.cancel_all()
            set_default_level(previous_level)
            if gc_was_enabled:
                gc.enable()
            self._elapsed = time.perf_counter() - started
            self._start_ns = begin
            self._end_ns = loop.last_ts
            self._iterations = loop.iterations
            self._result = None

    def reset(self) -> None:
        """Clear all state of the last run; keep venues, instruments, data and components."""
        self._check_not_disposed("reset")
        self.trader.reset()
        self.kernel.reseed()
        for clock in [self.clock, *self.trader.clocks]:
            clock.cancel_timers()
            clock.set_time(0)
        self.cache.reset()
        for instrument in self._instruments.values():
            self.cache.add_instrument(instrument)
        for exchange in self._exchanges.values():
            exchange.reset()
        for stream in self._streams:
            stream.reset()
        self.exec_engine.reset()
        self.portfolio.reset()
        self.risk_engine.reset()
        self.data_engine.reset()
        self._fill_log.clear()
        self._handler_errors.clear()
        self._handler_error_ts.clear()
        self._has_run = False
        self._result = None

    def dispose(self) -> None:
        """Release the components; the engine cannot be used afterwards."""
        if self._disposed:
            return
        # The configured log level holds for the components' shutdown too.
        previous_level = get_default_level()
        set_default_level(LogLevel[self.config.log_level.upper()])
        try:
            self.trader.dispose()
        finally:
            set_default_level(previous_level)
            if self._owned_backend is not None:
                self._owned_backend.close()
        self._streams.clear()
        self._disposed = True

    # -- results ---------------------------------------------------------------------------

    @property
    def fills(self) -> list:
        """The fills of the last run, in the order the venues generated them."""
        return list(self._fill_log)

    @property
    def handler_errors(self) -> list[tuple[str, str, str]]:
        """(component id, handler, traceback) for each handler that raised."""
        return list(self._handler_errors)

    def get_result(self) -> BacktestResult:
        """Return the result of the last run (statistics computed once, here)."""
        if not self._has_run:
            raise ValidationError("BacktestEngine.get_result: no run yet, expected run() first")
        if self._result is None:
            self._result = self._build_result()
        return self._result

    def _build_result(self) -> BacktestResult:
        stats: dict[str, dict] = {}
        positions = list(self.cache.position_snapshots()) + list(self.cache.positions())
        for account in self.cache.accounts():
            # A closed position's PnL counts in the currency it settled in, or, in a
            # base-currency account, in the base currency (converted when it closed).
            closed: list[tuple] = []
            for p in positions:
                if not p.is_closed or p.account_id != account.id:
                    continue
                pnl = self.portfolio.realized_pnl_in_base(p) or p.realized_pnl
                closed.append((pnl.currency.code, pnl.as_double()))
            starting_balances = self._exchanges[Venue(account.id.get_issuer())].starting_balances
            # Every currency that moved is reported, including one the run started without
            # (its statistics are relative to a starting balance of 0).
            for currency in account.currencies():
                pnls = np.array([v for c, v in closed if c == currency.code], dtype=np.float64)
                ts, totals = account.balance_series(currency)
                values = totals / 1e9
                starting = next(
                    (m.as_double() for m in starting_balances if m.currency == currency), 0.0
                )
                if starting < 0 or (starting == 0 and not pnls.size and not values.any()):
                    continue
                stats[currency.code] = compute_statistics(pnls, ts, values, starting, currency.code)
        drop_reasons = dict(self.data_engine.drop_reasons)
        for stream in self._streams:
            for reason, count in stream.drop_reasons.items():
                drop_reasons[reason] = drop_reasons.get(reason, 0) + count
        return BacktestResult(
            trader_id=self.trader_id.value,
            backtest_start_ns=self._start_ns,
            backtest_end_ns=self._end_ns,
            elapsed_time=self._elapsed,
            iterations=self._iterations,
            total_events=self.exec_engine.event_count,
            total_orders=self.cache.orders_total_count(),
            total_fills=len(self._fill_log),
            total_positions=len(positions),
            stats_pnls=stats,
            digest=fill_log_digest(self._fill_log),
            dropped_data=sum(drop_reasons.values()),
            drop_reasons=drop_reasons,
            handler_errors=len(self._handler_errors),
            denied_orders=self.risk_engine.denied_count,
            first_handler_errors=[
                HandlerErrorRecord(
                    component_id=component_id,
                    handler=handler,
                    error=last_error_line(trace),
                    ts_ns=ts_ns,
                )
                for (component_id, handler, trace), ts_ns in zip(
                    self._handler_errors[:MAX_HANDLER_ERRORS_RECORDED],
                    self._handler_error_ts,
                    strict=False,
                )
            ],
            first_denied_orders=[
                DeniedOrderRecord(
                    client_order_id=client_order_id,
                    strategy_id=strategy_id,
                    reason=reason,
                    ts_ns=ts_ns,
                )
                for ts_ns, client_order_id, strategy_id, reason in self.risk_engine.denied_first
            ],
        )
