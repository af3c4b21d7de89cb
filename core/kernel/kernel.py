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
from typing import Any

from core.cache.cache import Cache
from core.common.clock import Clock, LiveClock, TestClock
from core.common.msgbus import MessageBus
from core.data.engine import DataEngine
from core.errors import ConfigError
from core.execution.engine import ExecutionEngine
from core.model.identifiers import TraderId
from core.model.uuid import UUIDFactory
from core.portfolio.portfolio import Portfolio
from core.risk.engine import RiskEngine
from core.trading.actor import Actor
from core.trading.strategy import Strategy
from core.trading.trader import Trader

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

    def uuid_factory(self) -> UUIDFactory:
        """Return a new UUID factory, seeded from the config's seed and how many came before."""
        seed = (self.config.seed * 1_000_003 + len(self._seeds) * 7_919) & (2**64 - 1)
        factory = UUIDFactory(seed)
        self._seeds.append((factory, seed))
        return factory

    def reseed(self) -> None:
        """Reset every UUID factory to its seed (a backtest's reset)."""
        for factory, seed in self._seeds:
            factory.reseed(seed)

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
