"""Node-level configs: what a backtest run is made of, as plain data that travels between processes.

A `BacktestRunConfig` names venues, data (in a Parquet catalog), strategies and actors (as
``"module:Class"`` paths with their config dicts) and the engine settings. It is a frozen msgspec
struct: loaded from TOML, YAML or JSON by `load_config`, sent to another process as JSON, and
identified by `BacktestRunConfig.id`, a content hash of its canonical JSON form (defaults included,
so two files that say the same thing in different words share an id).

Everything is checked at load time, and an error names the file, the field's path, the value and
what was expected::

    configs/ema.toml: venues[0].oms_type: expected one of NETTING, HEDGING, got "NET"

The component configs (`BacktestEngineConfig`, `DataEngineConfig`, `RiskEngineConfig`,
`ExecEngineConfig`, `StrategyConfig`, `ActorConfig`) are re-exported from here.

Secrets: a field whose name says it holds a secret (``api_key``, ``api_secret``, ``password``,
``passphrase``, ``token``, ``secret``, ``private_key``, ``credential``; see
`core.common.secrets`) is shown as ``'***'`` in ``repr``, stored as ``"***"`` in a results
folder's ``config.json`` and the tearsheet, at any depth (strategy config dicts included), and a
type error on it names the field, not the value.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import re
import tomllib
import types
import typing
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import msgspec

from core.backtest.config import BacktestEngineConfig
from core.common.secrets import is_secret, redact, redacted_repr
from core.data.config import DataEngineConfig
from core.errors import ConfigError
from core.execution.config import ExecEngineConfig
from core.risk.config import RiskEngineConfig
from core.trading.config import ActorConfig, StrategyConfig

__all__ = [
    "ActorConfig",
    "BacktestDataConfig",
    "BacktestEngineConfig",
    "BacktestRunConfig",
    "BacktestVenueConfig",
    "ComputeConfig",
    "DataEngineConfig",
    "ExecEngineConfig",
    "FeeModelConfig",
    "FillModelConfig",
    "ImportableActorConfig",
    "ImportableStrategyConfig",
    "LatencyModelConfig",
    "NodeConfig",
    "RiskEngineConfig",
    "StrategyConfig",
    "config_from_dict",
    "config_to_dict",
    "redacted_dict",
    "import_path",
    "load_config",
    "read_config_file",
    "parse_time_ns",
]


class NodeConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of node-level configs: frozen, strict, secrets redacted in ``repr``."""

    __repr__ = redacted_repr  # secret-named fields (at any depth) shown as '***'


# -- helpers used by the configs ----------------------------------------------------------------


def import_path(path: str, what: str = "class") -> Any:
    """Return the object named by ``"package.module:Name"``.

    Raises
    ------
    ConfigError
        If the path is not ``module:Name``, the module does not import or has no such name.
    """
    if not isinstance(path, str) or path.count(":") != 1 or not all(path.split(":")):
        raise ConfigError(f"expected a path 'package.module:Name', got {path!r}")
    module_name, name = path.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ConfigError(f"cannot import module {module_name!r} of {path!r}: {err}") from err
    try:
        obj = module
        for part in name.split("."):
            obj = getattr(obj, part)
    except AttributeError as err:
        raise ConfigError(f"module {module_name!r} has no {what} {name!r} (path {path!r})") from err
    return obj


def parse_time_ns(value: int | str | None, field: str) -> int | None:
    """Return UNIX nanoseconds from an int (ns) or an ISO 8601 string (naive means UTC)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{field}: expected ns int or ISO 8601 time, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(f"{field}: expected ns >= 0, got {value}")
        return value
    import pandas as pd

    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise ConfigError(
            f"{field}: expected ns int or ISO 8601 time such as '2024-01-02T00:00:00Z', "
            f"got {value!r}"
        ) from err
    if ts is pd.NaT:
        raise ConfigError(f"{field}: expected a time, got {value!r}")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value)


def _decimal(value: Any, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation as err:
        raise ConfigError(f"{field}: expected a decimal number, got {value!r}") from err
    if not result.is_finite():
        raise ConfigError(f"{field}: expected a finite decimal number, got {value!r}")
    return result


def _money(value: str, field: str):
    from core.model.objects import Money

    try:
        return Money.from_str(value)
    except Exception as err:  # the parser's own message says what was wrong
        raise ConfigError(f"{field}: expected money such as '1000000 USD', got {value!r}") from err


# -- component configs --------------------------------------------------------------------------


def _config_class_of(cls: type, role: str) -> type:
    """Return the config class a component's ``__init__(config: X)`` annotates."""
    try:
        hints = typing.get_type_hints(cls.__init__)
    except Exception:  # unresolvable annotations: fall back to asking for config_path
        hints = {}
    config_cls = hints.get("config")
    if isinstance(config_cls, type) and issubclass(config_cls, msgspec.Struct):
        return config_cls
    raise ConfigError(
        f"cannot tell the config class of {role} {cls.__module__}:{cls.__qualname__}, expected "
        f"config_path = 'module:ConfigClass' (or an annotated __init__(self, config: X))"
    )


class _Importable(NodeConfig, frozen=True, kw_only=True):
    config_path: str | None = None
    config: dict[str, Any] = {}

    def _resolve(self, path: str, base: type, role: str) -> tuple[type, type]:
        cls = import_path(path)
        if not (inspect.isclass(cls) and issubclass(cls, base)):
            raise ConfigError(f"{path!r} is {cls!r}, expected a subclass of {base.__name__}")
        if self.config_path is not None:
            config_cls = import_path(self.config_path)
            if not (inspect.isclass(config_cls) and issubclass(config_cls, msgspec.Struct)):
                raise ConfigError(
                    f"config_path {self.config_path!r} is {config_cls!r}, expected a msgspec "
                    f"Struct config class"
                )
        else:
            config_cls = _config_class_of(cls, role)
        return cls, config_cls

    def _parsed_config(self, config_cls: type):
        try:
            config = msgspec.convert(self.config, config_cls, strict=False)
        except msgspec.ValidationError as err:
            detail = _describe(config_cls, self.config, err)
            raise ConfigError(f"config.{detail} (in {config_cls.__name__})") from None
        problem = _locate(config_cls, self.config)
        if problem is not None:
            raise ConfigError(f"config.{problem} (in {config_cls.__name__})")
        return config


class ImportableStrategyConfig(_Importable, frozen=True, kw_only=True):
    """A strategy by ``"module:Class"`` path, with its config as a dict.

    Parameters
    ----------
    strategy_path : str
        ``"configs.strategies.ema_cross:EMACross"``.
    config_path : str, optional
        The config class; default: the class annotated on the strategy's ``__init__``.
    config : dict
        The config's fields, checked against the config class at load time.
    """

    strategy_path: str

    def __post_init__(self) -> None:
        from core.trading.strategy import Strategy

        cls, config_cls = self._resolve(self.strategy_path, Strategy, "strategy")
        self._parsed_config(config_cls)

    def create(self):
        """Return a new strategy instance built from this config."""
        from core.trading.strategy import Strategy

        cls, config_cls = self._resolve(self.strategy_path, Strategy, "strategy")
        return cls(self._parsed_config(config_cls))


class ImportableActorConfig(_Importable, frozen=True, kw_only=True):
    """An actor by ``"module:Class"`` path, with its config as a dict (see
    `ImportableStrategyConfig`)."""

    actor_path: str

    def __post_init__(self) -> None:
        from core.trading.actor import Actor

        cls, config_cls = self._resolve(self.actor_path, Actor, "actor")
        self._parsed_config(config_cls)

    def create(self):
        """Return a new actor instance built from this config."""
        from core.trading.actor import Actor

        cls, config_cls = self._resolve(self.actor_path, Actor, "actor")
        return cls(self._parsed_config(config_cls))


class FillModelConfig(NodeConfig, frozen=True, kw_only=True):
    """`core.backtest.models.FillModel` settings (probabilities in [0, 1], seeded)."""

    prob_fill_on_limit: float = 1.0
    prob_slippage: float = 0.0
    random_seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("prob_fill_on_limit", "prob_slippage"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name}: expected a probability in [0, 1], got {value}")

    def create(self):
        """Return the model."""
        from core.backtest.models import FillModel

        return FillModel(self.prob_fill_on_limit, self.prob_slippage, self.random_seed)


class LatencyModelConfig(NodeConfig, frozen=True, kw_only=True):
    """`core.backtest.models.LatencyModel` settings (nanoseconds >= 0)."""

    base_latency_nanos: int = 0
    insert_latency_nanos: int = 0
    update_latency_nanos: int = 0
    cancel_latency_nanos: int = 0

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}: expected nanoseconds >= 0, got {getattr(self, name)}")

    def create(self):
        """Return the model."""
        from core.backtest.models import LatencyModel

        return LatencyModel(
            self.base_latency_nanos,
            self.insert_latency_nanos,
            self.update_latency_nanos,
            self.cancel_latency_nanos,
        )


class FeeModelConfig(NodeConfig, frozen=True, kw_only=True):
    """The venue's fee model: ``maker_taker`` (the instrument's fees), ``fixed`` (a commission
    per order or per fill) or ``per_contract`` (a commission per unit)."""

    kind: Literal["maker_taker", "fixed", "per_contract"] = "maker_taker"
    commission: str | None = None
    charge_commission_once: bool = True

    def __post_init__(self) -> None:
        if self.kind != "maker_taker":
            if self.commission is None:
                raise ConfigError(
                    f"commission: expected money such as '2.50 USD' for kind {self.kind!r}, "
                    f"got nothing"
                )
            _money(self.commission, "commission")

    def create(self):
        """Return the model."""
        from core.backtest.models import FixedFeeModel, MakerTakerFeeModel, PerContractFeeModel

        if self.kind == "maker_taker":
            return MakerTakerFeeModel()
        commission = _money(self.commission, "commission")
        if self.kind == "fixed":
            return FixedFeeModel(commission, self.charge_commission_once)
        return PerContractFeeModel(commission)


class BacktestVenueConfig(NodeConfig, frozen=True, kw_only=True):
    """A simulated venue of a backtest run (NautilusTrader's ``BacktestVenueConfig``).

    Parameters
    ----------
    name : str
        The venue, e.g. ``"SIM"``.
    oms_type : {"NETTING", "HEDGING"}
    account_type : {"CASH", "MARGIN"}
    starting_balances : list of str
        Money strings, e.g. ``["1000000 USD"]``.
    base_currency : str, optional
        A single-currency account's currency.
    default_leverage : decimal, default 1
    leverages : dict, optional
        Instrument id to leverage.
    book_type : {"L1_MBP"}
    bar_execution, bar_adaptive_high_low_ordering, reject_stop_orders, fill_at_next_bar_open : bool
        See EXECUTION-RULES.md.
    fill_model, fee_model, latency_model
        Model configs.
    fee_rounding : {"exact", "float"}, default "exact"
        How maker/taker commissions are rounded: ``"exact"`` rounds the exact value half to
        even (100,000 × 1.08750 × 0.00002 = 2.175 → 2.18 USD); ``"float"`` reproduces
        NautilusTrader's binary floating point to the cent (→ 2.17 USD).
    """

    name: str
    oms_type: Literal["NETTING", "HEDGING"]
    account_type: Literal["CASH", "MARGIN"]
    starting_balances: list[str]
    base_currency: str | None = None
    default_leverage: float | str = 1
    leverages: dict[str, float | str] = {}
    book_type: Literal["L1_MBP"] = "L1_MBP"
    bar_execution: bool = True
    bar_adaptive_high_low_ordering: bool = False
    reject_stop_orders: bool = True
    fill_at_next_bar_open: bool = False
    fill_model: FillModelConfig = msgspec.field(default_factory=FillModelConfig)
    fee_model: FeeModelConfig = msgspec.field(default_factory=FeeModelConfig)
    latency_model: LatencyModelConfig = msgspec.field(default_factory=LatencyModelConfig)
    fee_rounding: Literal["exact", "float"] = "exact"

    def __post_init__(self) -> None:
        from core.model.currency import Currency

        if not self.name or not self.name.replace("_", "").isalnum():
            raise ConfigError(f"name: expected a venue name such as 'SIM', got {self.name!r}")
        if not self.starting_balances:
            raise ConfigError("starting_balances: expected at least one balance, got []")
        for i, balance in enumerate(self.starting_balances):
            if _money(balance, f"starting_balances[{i}]").as_decimal() < 0:
                raise ConfigError(
                    f"starting_balances[{i}]: expected an amount >= 0, got {balance!r}"
                )
        if self.base_currency is not None:
            try:
                base = Currency.from_str(self.base_currency)
            except Exception as err:
                raise ConfigError(
                    f"base_currency: expected a currency code such as 'USD', got "
                    f"{self.base_currency!r}"
                ) from err
            for i, balance in enumerate(self.starting_balances):
                if _money(balance, f"starting_balances[{i}]").currency != base:
                    raise ConfigError(
                        f"starting_balances[{i}]: expected money in base_currency "
                        f"{self.base_currency} (a single-currency account), got {balance!r}; "
                        f"or remove base_currency for a multi-currency account"
                    )
        leverage = _decimal(self.default_leverage, "default_leverage")
        if leverage <= 0:
            raise ConfigError(f"default_leverage: expected > 0, got {self.default_leverage}")
        for key, value in self.leverages.items():
            if _decimal(value, f"leverages[{key!r}]") <= 0:
                raise ConfigError(f"leverages[{key!r}]: expected > 0, got {value}")

    def to_spec(self):
        """Return the typed `core.backtest.venue.VenueSpec` of this venue (models built)."""
        from core.backtest.venue import VenueSpec
        from core.model.currency import Currency
        from core.model.enums import AccountType, BookType, OmsType
        from core.model.identifiers import InstrumentId, Venue
        from core.model.objects import Money

        return VenueSpec(
            venue=Venue(self.name),
            oms_type=OmsType[self.oms_type],
            account_type=AccountType[self.account_type],
            starting_balances=[Money.from_str(b) for b in self.starting_balances],
            base_currency=Currency.from_str(self.base_currency) if self.base_currency else None,
            default_leverage=Decimal(str(self.default_leverage)),
            leverages={
                InstrumentId.from_str(k): Decimal(str(v)) for k, v in self.leverages.items()
            },
            fill_model=self.fill_model.create(),
            fee_model=self.fee_model.create(),
            latency_model=self.latency_model.create(),
            book_type=BookType[self.book_type],
            bar_execution=self.bar_execution,
            bar_adaptive_high_low_ordering=self.bar_adaptive_high_low_ordering,
            reject_stop_orders=self.reject_stop_orders,
            fill_at_next_bar_open=self.fill_at_next_bar_open,
            fee_rounding=self.fee_rounding,
        )


class ComputeConfig(NodeConfig, frozen=True, kw_only=True):
    """Compute offload of a backtest run (`Actor.request_compute`).

    Either ``handlers`` (in-process: service name to ``"module:function"``) or ``broker`` (a
    ZeroMQ broker's client endpoint, e.g. ``"tcp://127.0.0.1:5555"``); both give the same digest,
    because replies enter the run at ``ts_request + modelled latency``.

    Parameters
    ----------
    handlers : dict, optional
    broker : str, optional
    broker_public_key, curve_secret_key_file : str, optional
        CURVE keys for a broker that is not on loopback.
    base_latency_ns, latency_per_byte_ns, jitter_ns, seed
        The `ComputeLatencyModel`.
    wait_timeout_secs : float, default 30
        Wall-clock bound on waiting for one worker reply.
    broker_backend : str, default "cluster.compute:ZmqComputeBackend"
        The ``"module:factory"`` that builds the broker's client, called as
        ``factory(broker, curve_secret_key_file=..., broker_public_key=...)``: resolved by path,
        so the node does not import the package that provides it.
    """

    handlers: dict[str, str] = {}
    broker: str | None = None
    broker_public_key: str | None = None
    curve_secret_key_file: str | None = None
    base_latency_ns: int = 1_000_000
    latency_per_byte_ns: float = 0.0
    jitter_ns: int = 0
    seed: int = 0
    wait_timeout_secs: float = 30.0
    broker_backend: str = "cluster.compute:ZmqComputeBackend"

    def __post_init__(self) -> None:
        if bool(self.handlers) == (self.broker is not None):
            raise ConfigError(
                "handlers: expected either in-process handlers or a broker endpoint, got "
                + ("both" if self.handlers else "neither")
            )
        for service, path in self.handlers.items():
            try:
                import_path(path, "function")
            except ConfigError as err:
                raise ConfigError(f"handlers[{service!r}]: {err}") from err
        for name in ("base_latency_ns", "jitter_ns"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}: expected nanoseconds >= 0, got {getattr(self, name)}")
        if self.latency_per_byte_ns < 0:
            raise ConfigError(f"latency_per_byte_ns: expected >= 0, got {self.latency_per_byte_ns}")
        if not self.wait_timeout_secs > 0:
            raise ConfigError(f"wait_timeout_secs: expected > 0, got {self.wait_timeout_secs}")
        if self.broker is not None:
            from core.kernel import resolve_path

            try:
                resolve_path(self.broker_backend, what="compute backend factory")
            except ConfigError as err:
                raise ConfigError(f"broker_backend: {err}") from None

    def create(self):
        """Return ``(backend, latency_model)``; a broker backend connects now."""
        from core.common.compute import ComputeLatencyModel, InProcessComputeBackend

        model = ComputeLatencyModel(
            self.base_latency_ns, self.latency_per_byte_ns, self.jitter_ns, self.seed
        )
        if self.handlers:
            return InProcessComputeBackend(dict(self.handlers)), model
        from core.kernel import Kernel

        backend = Kernel.create_compute_backend(
            self.broker_backend,
            self.broker,
            curve_secret_key_file=self.curve_secret_key_file,
            broker_public_key=self.broker_public_key,
        )
        return backend, model


_DATA_CLASSES = ("QuoteTick", "TradeTick", "Bar", "OrderBookDelta")


class BacktestDataConfig(NodeConfig, frozen=True, kw_only=True):
    """Data of a backtest run, read from a Parquet catalog.

    Parameters
    ----------
    catalog_path : str
        The catalog's directory (relative paths are relative to the config file).
    data_cls : str
        ``QuoteTick``, ``TradeTick``, ``Bar``, ``OrderBookDelta`` or a custom ``"module:Class"``.
    instrument_id, instrument_ids : str, list of str
        The instruments (quotes, trades, deltas, custom data).
    bar_type, bar_types : str, list of str
        The bar types (bars).
    start_time, end_time : int or str, optional
        Bounds on ``ts_init`` (ns or ISO 8601; inclusive).
    filter_expr : str, optional
        A row filter understood by the catalog, e.g. ``"bid_size > 0"``.
    max_backwards : int, default 0
        How many rows of one stream may go back in time (``ts_init`` below an earlier row's)
        before the run fails; those rows are dropped and counted. 0: none may (the catalog
        writes sorted files, so one is a damaged or hand-made file). The run allows the larger
        of this and ``flotilla backtest --max-backwards``.
    """

    catalog_path: str
    data_cls: str
    instrument_id: str | None = None
    instrument_ids: list[str] = []
    bar_type: str | None = None
    bar_types: list[str] = []
    start_time: int | str | None = None
    end_time: int | str | None = None
    filter_expr: str | None = None
    max_backwards: int = 0

    def __post_init__(self) -> None:
        if self.max_backwards < 0:
            raise ConfigError(
                f"max_backwards: expected an int >= 0 (rows allowed to go back in time), got "
                f"{self.max_backwards}"
            )
        if self.data_cls not in _DATA_CLASSES and ":" not in self.data_cls:
            raise ConfigError(
                f"data_cls: expected one of {', '.join(_DATA_CLASSES)} or 'module:Class', got "
                f"{self.data_cls!r}"
            )
        if ":" in self.data_cls:
            import_path(self.data_cls)
        if self.data_cls == "Bar":
            if not self.identifiers:
                raise ConfigError("bar_types: expected at least one bar type for data_cls 'Bar'")
        elif not self.identifiers:
            raise ConfigError(
                f"instrument_ids: expected at least one instrument id for data_cls "
                f"{self.data_cls!r}"
            )
        start = parse_time_ns(self.start_time, "start_time")
        end = parse_time_ns(self.end_time, "end_time")
        if start is not None and end is not None and end < start:
            raise ConfigError(f"end_time: expected >= start_time {self.start_time}, got {end}")

    @property
    def identifiers(self) -> list[str]:
        """The instrument ids or bar types, in the order given (duplicates removed)."""
        if self.data_cls == "Bar":
            names = ([self.bar_type] if self.bar_type else []) + list(self.bar_types)
        else:
            names = ([self.instrument_id] if self.instrument_id else []) + list(self.instrument_ids)
        return list(dict.fromkeys(names))

    @property
    def start_ns(self) -> int | None:
        return parse_time_ns(self.start_time, "start_time")

    @property
    def end_ns(self) -> int | None:
        return parse_time_ns(self.end_time, "end_time")


class BacktestRunConfig(NodeConfig, frozen=True, kw_only=True):
    """One backtest run: venues, data, strategies, actors, engine settings.

    Parameters
    ----------
    venues : list of BacktestVenueConfig
    data : list of BacktestDataConfig
        Streams merged by ``ts_init``; ties keep the order given here.
    strategies, actors : list
        Importable component configs.
    engine : BacktestEngineConfig
    compute : ComputeConfig, optional
        Where `Actor.request_compute` goes (in-process handlers or a ZeroMQ broker).
    chunk_size : int, default 65,536
        Rows read from the catalog per batch per stream (memory is bounded by it).
    start, end : int or str, optional
        Bounds of the run (ns or ISO 8601; inclusive).
    name : str
        A label for reports.
    """

    venues: list[BacktestVenueConfig]
    data: list[BacktestDataConfig]
    strategies: list[ImportableStrategyConfig] = []
    actors: list[ImportableActorConfig] = []
    engine: BacktestEngineConfig = msgspec.field(default_factory=BacktestEngineConfig)
    compute: ComputeConfig | None = None
    chunk_size: int = 65_536
    start: int | str | None = None
    end: int | str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.venues:
            raise ConfigError("venues: expected at least one venue, got []")
        names = [v.name for v in self.venues]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ConfigError(f"venues[{i}].name: expected a unique venue, got {name!r} twice")
        if not self.data:
            raise ConfigError("data: expected at least one data config, got []")
        if self.chunk_size < 1:
            raise ConfigError(f"chunk_size: expected rows per batch >= 1, got {self.chunk_size}")
        start = parse_time_ns(self.start, "start")
        end = parse_time_ns(self.end, "end")
        if start is not None and end is not None and end < start:
            raise ConfigError(f"end: expected >= start {self.start}, got {self.end}")

    @property
    def id(self) -> str:
        """The content hash: SHA-256 of the canonical JSON (sorted keys, defaults included)."""
        return hashlib.sha256(_canonical_json(self)).hexdigest()

    @property
    def start_ns(self) -> int | None:
        return parse_time_ns(self.start, "start")

    @property
    def end_ns(self) -> int | None:
        return parse_time_ns(self.end, "end")

    def replace(self, **changes) -> BacktestRunConfig:
        """Return a copy with `changes` applied (validated again)."""
        data = config_to_dict(self)
        data.update(changes)
        return config_from_dict(data, BacktestRunConfig)


# -- loading ------------------------------------------------------------------------------------


def _canonical_json(config: msgspec.Struct) -> bytes:
    return json.dumps(
        config_to_dict(config), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def redacted_dict(config: msgspec.Struct) -> dict:
    """Return `config_to_dict` of the config with every secret-named value (at any depth, in
    strategy and actor config dicts too) replaced by ``"***"``: what is stored and shown."""
    return redact(config_to_dict(config))


def config_to_dict(config: msgspec.Struct) -> dict:
    """Return the config as plain data (every field, defaults included); the inverse of
    `config_from_dict`."""
    return msgspec.to_builtins(config, builtin_types=None, order=None)


_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
_FIXED_MAX = 9_223_372_036  # core.model.objects.VALUE_MAX: the largest fixed-point magnitude
_WITHHELD = "a value (withheld: secret field)"


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _at(path: str, problem: str) -> str:
    return f"{path}: {problem}" if path else problem


def _shown(value: Any, secret: bool) -> str:
    return _WITHHELD if secret else json.dumps(value, default=str)


def _type_name(tp: Any) -> str:
    """How a field's annotation is named in an error (``int``, ``array``, ``int | None``)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " | ".join("None" if a is type(None) else _type_name(a) for a in typing.get_args(tp))
    if tp is Decimal:
        return "decimal number"
    if origin in (list, tuple) or tp in (list, tuple):
        return "array"
    if origin is dict or tp is dict:
        return "table"
    if inspect.isclass(tp) and issubclass(tp, msgspec.Struct):
        return f"table ({tp.__name__})"
    return getattr(tp, "__name__", str(tp))


def _locate(tp: Any, data: Any, path: str = "", secret: bool = False) -> str | None:
    """Find why ``data`` does not convert to ``tp``: ``"<path>: <problem>"``, or None if it does.

    msgspec's ValidationError carries its location only inside its English message, so the
    location is found here instead, by walking the annotation and the data side by side: a
    struct's missing and unknown fields, each field, list item and table value, and a leaf is
    converted by msgspec alone. The problem is worded from the annotation and the value, never
    from msgspec's text. A struct whose fields all convert was refused by its ``__post_init__``:
    msgspec chains that error (``__cause__``), and its own text is kept, after the struct's path.
    """
    origin = typing.get_origin(tp)
    if tp is Any:
        return None
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _locate(rest[0], data, path, secret)
        return _leaf(tp, data, path, secret)
    if origin is Literal:
        choices = typing.get_args(tp)
        if any(data == c and type(data) is type(c) for c in choices):
            return None
        return _at(
            path,
            f"expected one of {', '.join(map(str, choices))}, got {_shown(data, secret)}",
        )
    if inspect.isclass(tp) and issubclass(tp, msgspec.Struct):
        return _locate_struct(tp, data, path)
    if origin in (list, tuple) or tp in (list, tuple):
        if not isinstance(data, (list, tuple)):
            return _at(path, f"expected an array, got {_shown(data, secret)}")
        args = typing.get_args(tp)
        for i, item in enumerate(data):
            if origin is tuple and args and args[-1] is not Ellipsis:
                if i >= len(args):
                    return _at(path, f"expected an array of {len(args)} items, got {len(data)}")
                item_tp = args[i]
            else:
                item_tp = args[0] if args else Any
            problem = _locate(item_tp, item, f"{path}[{i}]", secret)
            if problem is not None:
                return problem
        if origin is tuple and args and args[-1] is not Ellipsis and len(data) != len(args):
            return _at(path, f"expected an array of {len(args)} items, got {len(data)}")
        return None
    if origin is dict or tp is dict:
        if not isinstance(data, dict):
            return _at(path, f"expected a table, got {_shown(data, secret)}")
        args = typing.get_args(tp)
        value_tp = args[1] if len(args) == 2 else Any
        for key, value in data.items():
            problem = _locate(value_tp, value, _join(path, key), secret or is_secret(key))
            if problem is not None:
                return problem
        return None
    return _leaf(tp, data, path, secret)


def _leaf(tp: Any, data: Any, path: str, secret: bool) -> str | None:
    try:
        value = msgspec.convert(data, tp, strict=False)
    except msgspec.ValidationError as err:
        if err.__cause__ is not None:  # a custom type's own check: its text says what
            return _at(path, str(err.__cause__))
    else:
        return _out_of_range(tp, value, data, path, secret)
    if isinstance(data, int) and not isinstance(data, bool) and tp in (int, float):
        if not _INT64_MIN <= data <= _UINT64_MAX:
            return _at(
                path,
                f"expected an integer from {_INT64_MIN} to {_UINT64_MAX}, got "
                f"{_shown(data, secret)}",
            )
    return _at(path, f"expected {_type_name(tp)}, got {_shown(data, secret)}")


def _out_of_range(tp: Any, value: Any, data: Any, path: str, secret: bool) -> str | None:
    """Refuse what converts but cannot reach the kernel intact.

    Every integer of a config ends as a C ``int64`` (counts, periods, nanoseconds) and every
    decimal as a fixed-point value (9 decimal places, ``|x| <= 9,223,372,036``): a value outside
    is refused here, at load time, instead of overflowing or raising deep inside a run.
    """
    if tp is int and isinstance(value, int) and not _INT64_MIN <= value <= _INT64_MAX:
        return _at(
            path,
            f"expected an integer from {_INT64_MIN} to {_INT64_MAX}, got {_shown(data, secret)}",
        )
    if tp is Decimal and isinstance(value, Decimal):
        if not value.is_finite() or abs(value) > _FIXED_MAX:
            got = _WITHHELD if secret else f"{data!r}"
            return _at(
                path,
                f"expected a decimal from -{_FIXED_MAX} to {_FIXED_MAX} (the fixed-point "
                f"range), got {got}",
            )
    return None


def _locate_struct(tp: type, data: Any, path: str) -> str | None:
    if not isinstance(data, dict):
        return _at(path, f"expected a table ({tp.__name__}), got {_shown(data, False)}")
    infos = msgspec.structs.fields(tp)
    fields = tuple(info.encode_name for info in infos)
    for info in infos:
        if info.required and info.encode_name not in data:
            return f"{_join(path, info.encode_name)}: required field missing"
    if tp.__struct_config__.forbid_unknown_fields:
        for key in data:
            if key not in fields:
                return f"{_join(path, key)}: unknown field, expected one of {', '.join(fields)}"
    for info in infos:
        name = info.encode_name
        if name in data:
            problem = _locate(info.type, data[name], _join(path, name), is_secret(name))
            if problem is not None:
                return problem
    try:
        msgspec.convert(data, tp, strict=False)
        return None
    except msgspec.ValidationError as err:
        cause = err.__cause__
        text = str(cause) if cause is not None else f"invalid {tp.__name__}"
    # A __post_init__ error that starts with one of the struct's fields continues the path
    # (``venues[0]`` + ``starting_balances[0]: ...``); any other text follows the path.
    head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text)
    if path and head and head.group(0) in fields and text[head.end() : head.end() + 1] in ":.[":
        return f"{path}.{text}"
    return _at(path, text)


def _describe(cls: type, data: Any, error: msgspec.ValidationError) -> str:
    located = _locate(cls, data)
    if located is not None:
        return located
    # msgspec refused what the walk accepts (a type the walk does not model): say so with the
    # original exception's own text when there is one.
    return str(error.__cause__) if error.__cause__ is not None else f"invalid {cls.__name__}"


def config_from_dict(data: Any, cls: type = None, source: str = "<dict>"):
    """Return ``cls`` (default `BacktestRunConfig`) built and checked from plain data.

    Raises
    ------
    ConfigError
        ``<source>: <field path>: expected ..., got ...``.
    """
    cls = BacktestRunConfig if cls is None else cls
    try:
        config = msgspec.convert(data, cls, strict=False)
    except msgspec.ValidationError as err:
        raise ConfigError(f"{source}: {_describe(cls, data, err)}") from None
    except ConfigError as err:  # raised outside msgspec's path tracking (top-level checks)
        raise ConfigError(f"{source}: {err}") from None
    problem = _locate(cls, data)  # values msgspec takes but the kernel cannot (ranges)
    if problem is not None:
        raise ConfigError(f"{source}: {problem}")
    return config


def read_config_file(path: str | Path, what: str = "config") -> Any:
    """Return the plain data of a TOML, YAML or JSON file (by its suffix).

    Raises
    ------
    ConfigError
        If the file is missing, of an unknown format, or does not parse (with its line).
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, expected a {what} file")
    if not path.is_file():
        raise ConfigError(f"{path}: {what} file not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a UTF-8 byte-order mark is accepted and dropped
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ConfigError(
            f"{path}: line {line}: byte 0x{raw[err.start]:02x} is not UTF-8, expected a UTF-8 "
            f"text file"
        ) from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(text)
        if suffix == ".json":
            return json.loads(text)
    except Exception as err:  # each parser reports line and column in its message
        raise ConfigError(f"{path}: cannot parse {suffix[1:].upper()}: {err}") from err
    raise ConfigError(f"{path}: unknown {what} format {suffix!r}, expected .toml, .yaml or .json")


def load_config(path: str | Path, cls: type = None):
    """Load a config of ``cls`` (default `BacktestRunConfig`) from a TOML, YAML or JSON file.

    Paths in the config (``catalog_path``) are kept as written, so the config's id does not
    depend on where the file lies; a relative path is relative to the working directory of the
    run.

    Raises
    ------
    ConfigError
        If the file is missing, does not parse (with its line) or a field is invalid.
    """
    return config_from_dict(read_config_file(path), cls, source=str(path))
