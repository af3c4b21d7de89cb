"""`Kernel`: builds one node's components for an environment (NautilusTrader's kernel idea).

A backtest (`core.backtest.engine.BacktestEngine`), a sandbox and a live node all wire the same
components in the same order, here: clock, message bus, cache, portfolio, execution, risk and
data engines, and the trader, which owns the actors and strategies. Strategies and actors may be
given as objects or as ``"module:Class"`` paths; a compute backend as an object or as a
``"module:factory"`` path, so that a node never imports the package that provides it.

This is wiring, run once per node, not per event: the hot paths stay in the Cython components.

>>> kernel = Kernel(Environment.BACKTEST, BacktestEngineConfig())
>>> kernel.add_strategy_from_path("configs.strategies.ema_cross:EMACross", config)
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

from core.cache.cache import Cache
from core.common.clock import Clock, LiveClock, TestClock
from core.common.msgbus import MessageBus
from core.data.engine import DataEngine
from core.errors import ConfigError, DataError, ValidationError
from core.execution.engine import ExecutionEngine
from core.model.accounts import CashAccount, MarginAccount
from core.model.data import BarType, QuoteTick, TradeTick
from core.model.enums import AccountType, AggregationSource, InstrumentClass
from core.model.identifiers import AccountId, InstrumentId, TraderId, Venue
from core.model.instruments import CurrencyPair, Instrument
from core.model.uuid import UUIDFactory
from core.portfolio.portfolio import Portfolio
from core.risk.engine import RiskEngine
from core.trading.actor import Actor
from core.trading.strategy import Strategy
from core.trading.trader import Trader

if TYPE_CHECKING:
    from core.backtest.venue import VenueSpec

__all__ = ["Environment", "Kernel", "resolve_path"]

# The settings a kernel reads from its config (`BacktestEngineConfig` has them all).
_CONFIG_FIELDS = ("trader_id", "seed", "data_engine", "risk_engine", "exec_engine")


class Environment(Enum):
    """Where a node runs: simulated time and venues, live data with simulated venues, or live."""

    BACKTEST = "backtest"
    SANDBOX = "sandbox"
    LIVE = "live"


def resolve_path(path: str, expected: type | None = None, what: str = "class") -> Any:
    """Return the object named by ``"package.module:Name"``.

    Parameters
    ----------
    path : str
        ``"configs.strategies.ema_cross:EMACross"``.
    expected : type, optional
        A class the object must subclass (for a class) or be an instance of.
    what : str
        What the path names, for errors (``"strategy class"``, ``"compute backend factory"``).

    Raises
    ------
    ConfigError
        If the path is not ``module:Name``, the module does not import, has no such name, or
        the object is not what was expected; the message names the path.
    """
    if not isinstance(path, str) or path.count(":") != 1 or not all(path.split(":")):
        raise ConfigError(f"{what} path {path!r}: invalid, expected 'package.module:Name'")
    module_name, name = path.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ConfigError(
            f"{what} path {path!r}: cannot import module {module_name!r} ({err}), expected an "
            f"importable module"
        ) from err
    obj: Any = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise ConfigError(
                f"{what} path {path!r}: module {module_name!r} has no {name!r}, expected a "
                f"{what} of that name"
            )
        obj = getattr(obj, part)
    if expected is not None:
        ok = issubclass(obj, expected) if inspect.isclass(obj) else isinstance(obj, expected)
        if not ok:
            raise ConfigError(
                f"{what} path {path!r}: is {obj!r}, expected a subclass of {expected.__name__}"
            )
    return obj


class Kernel:
    """One node's components, wired for `environment` from `config`.

    Parameters
    ----------
    environment : Environment
    config : BacktestEngineConfig or similar
        Read for ``trader_id``, ``seed`` and the ``data_engine``, ``risk_engine`` and
        ``exec_engine`` configs.
    clock_factory : callable, optional
        Returns a new clock, given a `UUIDFactory` (the kernel's and each component's).
        Default: a `TestClock` at 0 for a backtest, a `LiveClock` otherwise.

    Notes
    -----
    Every UUID factory is seeded from ``config.seed`` and the order it was made in (the
    kernel's clock first, then the components' shared one, then one per component clock), so
    a backtest's ids, and therefore its fills, repeat run after run; `reseed` restores them.
    """

    def __init__(
        self,
        environment: Environment,
        config,
        clock_factory: Callable[[UUIDFactory], Clock] | None = None,
    ) -> None:
        if not isinstance(environment, Environment):
            raise ConfigError(
                f"Kernel.environment: invalid value {environment!r}, expected one of "
                f"{', '.join(e.name for e in Environment)}"
            )
        for name in _CONFIG_FIELDS:
            if not hasattr(config, name):
                raise ConfigError(
                    f"Kernel.config: {type(config).__name__} has no field {name!r}, expected a "
                    f"config with {', '.join(_CONFIG_FIELDS)} (such as BacktestEngineConfig)"
                )
        if clock_factory is None:
            clock_factory = _test_clock if environment is Environment.BACKTEST else _live_clock
        self.environment = environment
        self.config = config
        self.trader_id = TraderId(config.trader_id)
        self._seeds: list[tuple[UUIDFactory, int]] = []
        self._clock_factory = clock_factory
        self.clock = clock_factory(self.uuid_factory())
        self.msgbus = MessageBus(self.trader_id, self.clock)
        self.cache = Cache()
        self.uuids = self.uuid_factory()
        self.portfolio = Portfolio(self.cache, self.msgbus, self.clock, self.uuids)
        self.exec_engine = ExecutionEngine(
            self.cache, self.msgbus, self.clock, self.portfolio, self.uuids, config.exec_engine
        )
        self.risk_engine = RiskEngine(
            self.cache, self.msgbus, self.clock, self.exec_engine, self.uuids, config.risk_engine
        )
        self.data_engine = DataEngine(self.cache, self.msgbus, self.clock, config.data_engine)
        self.trader = Trader(
            self.trader_id,
            self.cache,
            self.portfolio,
            self.msgbus,
            clock_factory=lambda: self._clock_factory(self.uuid_factory()),
            uuid_factory_factory=self.uuid_factory,
        )
        self.compute: tuple | None = None
        # simulated venues (backtest, sandbox), their instruments and the backtest's streams
        self.exchanges: dict = {}
        self.exec_clients: dict = {}
        self.instruments: dict = {}
        self.streams: list = []
        self.fill_log: list = []

    def uuid_factory(self) -> UUIDFactory:
        """Return a new UUID factory, seeded from the config's seed and how many came before."""
        seed = (self.config.seed * 1_000_003 + len(self._seeds) * 7_919) & (2**64 - 1)
        factory = UUIDFactory(seed)
        self._seeds.append((factory, seed))
        return factory

    def reseed(self, salt: int = 0) -> None:
        """Reset every UUID factory to its seed (a backtest's reset); with a `salt`, to a
        new sequence per salt (a restarted node salts with its start time, so the ids of its
        new events never repeat those of its earlier life, which it restored)."""
        mix = (salt * 0x9E3779B97F4A7C15) & (2**64 - 1)
        for factory, seed in self._seeds:
            factory.reseed(seed ^ mix)

    # -- components ------------------------------------------------------------------------

    def add_actor(self, actor: Actor, error_policy: Callable | None = None) -> Actor:
        """Register `actor` with the trader; `error_policy` is called when a handler raises."""
        if not isinstance(actor, Actor):
            raise ConfigError(f"Kernel.add_actor: invalid value {actor!r}, expected an Actor")
        self.trader.add_actor(actor)
        if error_policy is not None:
            actor.set_error_policy(error_policy)
        return actor

    def add_strategy(self, strategy: Strategy, error_policy: Callable | None = None) -> Strategy:
        """Register `strategy` with the trader (and its OMS type with the execution engine)."""
        if not isinstance(strategy, Strategy):
            raise ConfigError(
                f"Kernel.add_strategy: invalid value {strategy!r}, expected a Strategy"
            )
        self.trader.add_strategy(strategy)
        if error_policy is not None:
            strategy.set_error_policy(error_policy)
        if strategy.oms_type is not None:
            self.exec_engine.register_oms_type(strategy.id, strategy.oms_type)
        return strategy

    def add_strategy_from_path(
        self, path: str, config=None, error_policy: Callable | None = None
    ) -> Strategy:
        """Build the strategy ``path`` names (``"module:Class"``) with `config` and add it."""
        cls = resolve_path(path, Strategy, "strategy class")
        return self.add_strategy(cls(config), error_policy)

    def add_actor_from_path(
        self, path: str, config=None, error_policy: Callable | None = None
    ) -> Actor:
        """Build the actor ``path`` names (``"module:Class"``) with `config` and add it."""
        cls = resolve_path(path, Actor, "actor class")
        return self.add_actor(cls(config), error_policy)

    # -- simulated venues, instruments, data ---------------------------------------------

    def add_venue_spec(self, spec: VenueSpec) -> None:
        """Add the simulated venue `spec` describes, with its account (one per venue).

        Raises
        ------
        ValidationError
            If the venue exists or the spec is invalid (`VenueSpec.resolved`).
        """
        from core.backtest.exchange import BacktestExecClient, SimulatedExchange
        from core.backtest.venue import VenueSpec  # noqa: F811  (at call time: no cycle)

        if not isinstance(spec, VenueSpec):
            raise ValidationError(f"add_venue_spec: invalid value {spec!r}, expected a VenueSpec")
        venue = Venue(spec.venue) if isinstance(spec.venue, str) else spec.venue
        if venue in self.exchanges:
            raise ValidationError(f"add_venue: venue {venue} already added, expected a new venue")
        exchange = SimulatedExchange(spec.resolved(), self.clock)
        self.exchanges[venue] = exchange
        account_id = AccountId(f"{venue.value}-001")
        if self.environment is Environment.BACKTEST:
            client = BacktestExecClient(exchange, account_id)
        else:
            # paper trading: the same venue on a live feed; the node settles what it queues
            from core.live.dispatch import SandboxExecutionClient

            client = SandboxExecutionClient(exchange, account_id)
        self.exec_engine.register_client(client)
        self.exec_clients[venue] = client

    def add_instrument(self, instrument: Instrument) -> None:
        """Add an instrument; its venue must have been added.

        Raises
        ------
        ValidationError
            If the venue is unknown or the instrument was added already.
        """
        from core.backtest.matching import OrderMatchingEngine

        if not isinstance(instrument, Instrument):
            raise ValidationError(
                f"add_instrument: invalid value {instrument!r}, expected an Instrument"
            )
        exchange = self.exchanges.get(instrument.id.venue)
        if exchange is None:
            raise ValidationError(
                f"add_instrument {instrument.id}: venue {instrument.id.venue} not added, "
                f"expected add_venue({instrument.id.venue!r}, ...) first"
            )
        if instrument.id in self.instruments:
            raise ValidationError(f"add_instrument: {instrument.id} already added")
        base = exchange.base_currency
        if (
            base is not None
            and exchange.account_type == AccountType.CASH
            and instrument.instrument_class == InstrumentClass.SPOT
            and (isinstance(instrument, CurrencyPair) or instrument.quote_currency != base)
        ):
            # A cash account holds what it buys: spot in another currency would put a second
            # currency into a single-currency account (NautilusTrader refuses it too).
            raise ValidationError(
                f"add_instrument {instrument.id}: venue {instrument.id.venue} has a CASH account "
                f"with base_currency {base}, which holds only {base}, but spot "
                f"{type(instrument).__name__} settles in "
                + (
                    f"{instrument.get_base_currency()} and {instrument.quote_currency}"
                    if isinstance(instrument, CurrencyPair)
                    else f"{instrument.quote_currency}"
                )
                + "; expected base_currency=None (a multi-currency account) for that venue"
            )
        self.instruments[instrument.id] = instrument
        self.cache.add_instrument(instrument)
        spec = exchange.spec
        exchange.add_matching_engine(
            OrderMatchingEngine(
                instrument,
                exchange.venue,
                AccountId(f"{exchange.venue.value}-001"),
                len(exchange.matching_engines()) + 1,
                exchange.fill_model,
                exchange.fee_model,
                self.cache,
                self.exec_engine,
                self.clock,
                self.uuids,
                bar_execution=spec.bar_execution,
                bar_adaptive_high_low_ordering=spec.bar_adaptive_high_low_ordering,
                reject_stop_orders=spec.reject_stop_orders,
                fill_at_next_bar_open=spec.fill_at_next_bar_open,
                fill_log=self.fill_log,
            )
        )

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
        from core.backtest.stream import (
            BarArrayStream,
            ListStream,
            ObjectChunkStream,
            QuoteArrayStream,
            TradeArrayStream,
        )
        from core.errors import DataError

        priority = len(self.streams)
        if isinstance(data, list):
            if not data:
                raise DataError("add_data: empty list, expected at least one data object")
            self.streams.append(ListStream(data, priority))
            return
        if callable(data) and bar_type is None and instrument_id is None:
            self.streams.append(ObjectChunkStream(data, priority))
            return
        if callable(data):
            columns, source = None, data
        else:
            columns, source = _columns(data), None
        if bar_type is not None:
            bar_type = BarType.from_str(bar_type) if isinstance(bar_type, str) else bar_type
            instrument = self.require_instrument(bar_type.instrument_id)
            stream_cls, identifier = BarArrayStream, bar_type
        elif instrument_id is not None:
            instrument_id = (
                InstrumentId.from_str(instrument_id)
                if isinstance(instrument_id, str)
                else instrument_id
            )
            instrument = self.require_instrument(instrument_id)
            if data_cls is None:
                if columns is None:
                    raise DataError(
                        "add_data: a chunk source with instrument_id needs data_cls=QuoteTick or "
                        "data_cls=TradeTick"
                    )
                data_cls = TradeTick if "price" in columns else QuoteTick
            if data_cls is QuoteTick:
                stream_cls = QuoteArrayStream
            elif data_cls is TradeTick:
                stream_cls = TradeArrayStream
            else:
                raise DataError(
                    f"add_data: data_cls {data_cls!r} invalid for columnar data, expected "
                    f"QuoteTick or TradeTick (or bar_type=... for bars)"
                )
            # The instrument's own id object: every per-event dict lookup keyed by it (cache,
            # venue, topics) then hits on identity instead of comparing strings.
            identifier = instrument.id
        else:
            raise DataError(
                "add_data: columnar data needs bar_type=... (bars) or instrument_id=... (quotes, "
                "trades)"
            )
        self.streams.append(
            stream_cls(
                identifier,
                columns,
                instrument.price_precision if price_precision is None else price_precision,
                instrument.size_precision if size_precision is None else size_precision,
                priority,
                source=source,
            )
        )

    def require_instrument(self, instrument_id: InstrumentId) -> Instrument:
        instrument = self.instruments.get(instrument_id)
        if instrument is None:
            raise DataError(
                f"add_data: instrument {instrument_id} not added, expected add_instrument first"
            )
        return instrument

    def initialize_accounts(self) -> None:

        for venue, exchange in self.exchanges.items():
            account_id = AccountId(f"{venue.value}-001")
            if exchange.account_type == AccountType.CASH:
                account = CashAccount(
                    account_id, exchange.base_currency, exchange.starting_balances
                )
            else:
                account = MarginAccount(
                    account_id,
                    exchange.base_currency,
                    exchange.starting_balances,
                    exchange.default_leverage,
                )
                for instrument_id, leverage in exchange.spec.leverages.items():
                    account.set_leverage(
                        InstrumentId.from_str(instrument_id)
                        if isinstance(instrument_id, str)
                        else instrument_id,
                        leverage,
                    )
            self.portfolio.initialize_account(account)

    def set_execution_bar_types(self) -> None:
        from core.backtest.stream import BarArrayStream, ListStream

        intervals: dict[InstrumentId, int] = {}
        for stream in self.streams:
            bar_types = (
                stream.bar_types()
                if isinstance(stream, ListStream)
                else ([stream.bar_type] if isinstance(stream, BarArrayStream) else [])
            )
            for bar_type in bar_types:
                spec = bar_type.spec
                if (
                    bar_type.aggregation_source != AggregationSource.EXTERNAL
                    or not spec.is_time_aggregated()
                    or spec.aggregation == 16
                ):
                    continue
                interval = spec.interval_ns()
                current = intervals.get(bar_type.instrument_id)
                if current is None or interval < current:
                    intervals[bar_type.instrument_id] = interval
        for instrument_id, interval in intervals.items():
            exchange = self.exchanges.get(instrument_id.venue)
            if exchange is not None:
                exchange.set_execution_bar_interval(instrument_id, interval)

    # -- compute ---------------------------------------------------------------------------

    def set_compute_backend(
        self, backend, latency_model=None, wait_timeout_secs: float = 30.0
    ) -> None:
        """Serve every component's `request_compute` with `backend` (see `register_compute`).

        Raises
        ------
        ConfigError
            If `backend` is not a `ComputeBackend`.
        """
        from core.common.compute import ComputeBackend, ComputeLatencyModel

        if not isinstance(backend, ComputeBackend):
            raise ConfigError(
                f"Kernel.set_compute_backend: invalid backend {backend!r}, expected a "
                f"ComputeBackend"
            )
        model = latency_model if latency_model is not None else ComputeLatencyModel()
        self.compute = (backend, model, wait_timeout_secs)

    @staticmethod
    def create_compute_backend(factory_path: str, *args, **kwargs):
        """Return the backend the ``"module:factory"`` path builds from the arguments.

        Raises
        ------
        ConfigError
            If the path does not resolve to a callable, or what it returns is not a
            `ComputeBackend`.
        """
        from core.common.compute import ComputeBackend

        factory = resolve_path(factory_path, what="compute backend factory")
        if not callable(factory):
            raise ConfigError(
                f"compute backend factory path {factory_path!r}: is {factory!r}, expected a "
                f"callable returning a ComputeBackend"
            )
        backend = factory(*args, **kwargs)
        if not isinstance(backend, ComputeBackend):
            raise ConfigError(
                f"compute backend factory path {factory_path!r}: returned {backend!r}, expected "
                f"a ComputeBackend"
            )
        return backend

    def register_compute(self) -> None:
        """Give each component the backend and its own copy of the latency model (seeded with
        the model's seed plus the component's registration index)."""
        if self.compute is None:
            return
        backend, model, wait_timeout_secs = self.compute
        for index, component in enumerate(self.trader.components()):
            component.register_compute(
                backend, model.copy(seed=model.seed + index), wait_timeout_secs
            )


def _test_clock(uuid_factory: UUIDFactory) -> Clock:
    return TestClock(0, uuid_factory)


def _live_clock(uuid_factory: UUIDFactory) -> Clock:
    return LiveClock()


def _columns(data):
    """Return a name → array mapping from a pyarrow Table or a mapping of arrays."""
    if hasattr(data, "column_names") and hasattr(data, "column"):
        return {name: data.column(name).to_numpy() for name in data.column_names}
    if isinstance(data, dict):
        return data
    raise DataError(
        f"add_data: invalid type {type(data).__name__}, expected a list of data objects, a "
        f"pyarrow Table or a dict of int64 arrays"
    )
