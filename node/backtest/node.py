"""`BacktestNode`: run `BacktestRunConfig`s over data streamed from a Parquet catalog.

Each data config becomes one engine stream per instrument or bar type, read from the catalog
one record batch (``chunk_size`` rows) at a time, so peak memory does not grow with the data
set. Streams are merged by ``ts_init``; ties keep the order the data configs (and, inside one,
the identifiers) were given.

With a results directory a run writes ``<results>/<result id>/``:

| file                         | holds                                                          |
| ---------------------------- | -------------------------------------------------------------- |
| ``config.json``              | the resolved config (every default filled in)                  |
| ``result.json``              | `BacktestRunResult`: digest, statistics, counts, timings,      |
|                              | handler errors and denied orders                               |
| ``statistics.json``          | statistics per currency and the digest                         |
| ``reports/<name>.parquet``   | orders, fills, positions, account (also as ``.csv``)           |
| ``tearsheet.html``           | the self-contained HTML report                                 |
| ``lineage.json``             | config id, result id, the SHA-256 of every data file read and  |
|                              | of every user module, package version, git commit, whether     |
|                              | the run faulted; written last, so it marks completion          |

The result id keys a run on its config *and its code*: it is the SHA-256 of the config id, the
SHA-256 of every user module the run imports (`user_modules`), the package version and the git
commit. Editing a strategy therefore makes a new run. A user module is one named by the config
(``strategy_path``, ``actor_path``, ``config_path``, compute ``handlers``, a custom
``data_cls``) plus, transitively, the modules their source imports that live outside the
flotilla package (``core``, ``node``, ``cluster``, ``adapters``), the standard library and the
installed third-party packages; ``configs/`` holds examples, so its modules are user modules.

A stored run is reused (``reused=True``, nothing run) only if its ``lineage.json`` has the same
result id, the same data files with the same SHA-256 and the same module hashes, and it did not
fault (no handler raised); ``force`` runs it again anyway. A run a handler error stopped
(``raise_handler_errors = true``, the default) or in which handlers failed
(``raise_handler_errors = false``) is written marked faulted and never reused.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from core.backtest.engine import BacktestEngine, StrategyError
from core.backtest.results import DeniedOrderRecord, HandlerErrorRecord
from core.errors import ConfigError, DataError, FlotillaError
from node.backtest.memory import InMemoryData, sliced
from node.config import (
    BacktestDataConfig,
    BacktestRunConfig,
    import_path,
    redacted_dict,
)

__all__ = [
    "BacktestNode",
    "BacktestRunResult",
    "InMemoryData",
    "ProgressCallback",
    "add_venues",
    "build_engine",
    "load_run_result",
    "result_id_of",
    "run_backtest",
    "user_modules",
]

# Called with (rows read so far, rows expected or None) each time a chunk is read.
ProgressCallback = Callable[[int, int | None], None]


class BacktestRunResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of one run of a `BacktestRunConfig`.

    ``statistics`` maps a currency code to its statistics; ``digest`` is the fill-log digest;
    ``error`` holds the one-line error of a run that failed: before it started (then the counts
    are zero) or stopped by a handler error (then the counts are those up to it).
    ``handler_errors`` and ``denied_orders`` count every failed handler and denied order;
    ``first_handler_errors`` and ``first_denied_orders`` list the first ten of each.
    ``result_id`` is the id of the run's code and config (its folder's name).
    """

    config_id: str
    name: str
    digest: str
    statistics: dict[str, dict[str, Any]]
    elapsed_s: float
    iterations: int
    total_orders: int
    total_fills: int
    total_positions: int
    dropped_data: int
    drop_reasons: dict[str, int]
    handler_errors: int
    denied_orders: int
    backtest_start_ns: int
    backtest_end_ns: int
    run_dir: str | None = None
    error: str | None = None
    reused: bool = False
    result_id: str = ""
    first_handler_errors: list[HandlerErrorRecord] = []
    first_denied_orders: list[DeniedOrderRecord] = []

    @property
    def is_faulted(self) -> bool:
        """Whether a handler raised in the run (stopping it or not)."""
        return self.handler_errors > 0


# -- building an engine from a config -----------------------------------------------------------


def _catalog(path: str, field: str):
    from node.persistence import ParquetDataCatalog

    if not Path(path).is_dir():
        raise ConfigError(f"{field}: catalog {path!r} not found, expected a catalog directory")
    return ParquetDataCatalog(path)


def _data_class(name: str):
    from core.model.data import Bar, QuoteTick, TradeTick

    builtin = {"QuoteTick": QuoteTick, "TradeTick": TradeTick, "Bar": Bar}
    if name in builtin:
        return builtin[name]
    if name == "OrderBookDelta":
        from core.model.book import OrderBookDelta

        return OrderBookDelta
    return import_path(name)


def _instrument_id_of(data_config: BacktestDataConfig, identifier: str):
    from core.model.data import BarType
    from core.model.identifiers import InstrumentId

    if data_config.data_cls == "Bar":
        return BarType.from_str(identifier).instrument_id
    return InstrumentId.from_str(identifier)


def add_venues(engine: BacktestEngine, config: BacktestRunConfig) -> None:
    """Add every venue of `config` to `engine`, each as its typed `VenueSpec`."""
    for venue in config.venues:
        engine.add_venue_spec(venue.to_spec())


class _Progress:
    """Counts rows read across every stream of a run and reports them."""

    def __init__(self, callback: ProgressCallback | None, total: int | None) -> None:
        self.callback = callback
        self.total = total
        self.rows = 0

    def wrap(self, source: Callable[[], Iterator]) -> Callable[[], Iterator]:
        if self.callback is None:
            return source

        def counted() -> Iterator:
            for batch in source():
                self.rows += len(batch) if isinstance(batch, list) else batch.num_rows
                self.callback(self.rows, self.total)
                yield batch

        return counted


def build_engine(
    config: BacktestRunConfig,
    progress: ProgressCallback | None = None,
    max_backwards: int | None = 0,
    memory: InMemoryData | None = None,
) -> tuple[BacktestEngine, list[Path]]:
    """Return an engine wired from `config` (venues, instruments, data, actors, strategies,
    compute backend) and the data files it will read: the one way a backtest is built from a
    config (`run_backtest` and a grid cell both call it).

    The data comes from the catalogs `config` names or, given `memory`, from it (its
    instruments and columns; no file is read). `max_backwards` is how many rows of one catalog
    stream may go back in time (the engine drops and counts them); one more fails the run
    (`ParquetDataCatalog.stream`).

    Raises
    ------
    ConfigError
        If a catalog is missing, or an instrument or data set is not in it (or in `memory`).
    """
    engine = BacktestEngine(config.engine)
    try:
        files = populate(engine, config, progress, max_backwards, memory)
    except BaseException:
        engine.dispose()
        raise
    return engine, files


def populate(
    target,
    config: BacktestRunConfig,
    progress: ProgressCallback | None = None,
    max_backwards: int | None = 0,
    memory: InMemoryData | None = None,
) -> list[Path]:
    """Add what `config` names to `target` (a `BacktestEngine` or a sandbox `TradingNode`,
    both built on `core.kernel.Kernel`): venues, instruments, data streams, actors, strategies
    and the compute backend, in that order; return the data files it will read.

    Raises
    ------
    ConfigError
        As `build_engine`.
    """
    add_venues(target, config)
    if memory is None:
        files = _add_catalog_data(target, config, progress, max_backwards)
    else:
        files = []
        _add_memory_data(target, config, memory)
    for actor in config.actors:
        target.add_actor(actor.create())
    for strategy in config.strategies:
        target.add_strategy(strategy.create())
    if config.compute is not None:
        backend, model = config.compute.create()
        target.add_compute_backend(
            backend, model, config.compute.wait_timeout_secs, close_on_dispose=True
        )
    return files


def _add_catalog_data(
    engine: BacktestEngine,
    config: BacktestRunConfig,
    progress: ProgressCallback | None,
    max_backwards: int | None,
) -> list[Path]:
    venues = {v.name for v in config.venues}
    added: set[str] = set()
    files: list[Path] = []
    sources: list[tuple[int, str, Any, Any, Any]] = []
    total_rows = 0
    for i, data_config in enumerate(config.data):
        field = f"data[{i}]"
        catalog = _catalog(data_config.catalog_path, f"{field}.catalog_path")
        data_cls = _data_class(data_config.data_cls)
        for identifier in data_config.identifiers:
            instrument_id = _instrument_id_of(data_config, identifier)
            if instrument_id.venue.value not in venues:
                raise ConfigError(
                    f"{field}: {identifier} trades on venue {instrument_id.venue.value!r}, "
                    f"expected one of the configured venues {sorted(venues)}"
                )
            if str(instrument_id) not in added:
                found = catalog.instruments([str(instrument_id)])
                if not found:
                    raise ConfigError(
                        f"{field}: instrument {instrument_id} not in catalog "
                        f"{data_config.catalog_path!r}, expected it to be written with the data "
                        f"(flotilla catalog add-instrument)"
                    )
                engine.add_instrument(found[0])
                added.add(str(instrument_id))
            data_files = catalog.files(data_cls, identifier)
            if not data_files:
                raise ConfigError(
                    f"{field}: no {data_config.data_cls} data for {identifier} in catalog "
                    f"{data_config.catalog_path!r}"
                )
            files.extend(data_files)
            total_rows += _rows_in(data_files)
            sources.append((i, identifier, catalog, data_cls, data_config))
    counter = _Progress(progress, total_rows)
    for _, identifier, catalog, data_cls, data_config in sources:
        _add_stream(
            engine, config, catalog, data_cls, data_config, identifier, counter, max_backwards
        )
    return files


def _add_memory_data(
    engine: BacktestEngine, config: BacktestRunConfig, memory: InMemoryData
) -> None:
    from core.model.data import TradeTick

    for instrument in memory.instruments:
        engine.add_instrument(instrument)
    for i, data_config in enumerate(config.data):
        for identifier in data_config.identifiers:
            if identifier not in memory.streams:
                raise ConfigError(
                    f"data[{i}]: {identifier} not in the in-memory data, expected one of "
                    f"{', '.join(sorted(memory.streams))}"
                )
            columns = sliced(memory.streams[identifier], data_config.start_ns, data_config.end_ns)
            if data_config.data_cls == "Bar":
                engine.add_data(columns, bar_type=identifier)
            elif data_config.data_cls == "TradeTick":
                engine.add_data(columns, instrument_id=identifier, data_cls=TradeTick)
            else:
                engine.add_data(columns, instrument_id=identifier)


def _rows_in(files: list[Path]) -> int:
    from node.persistence.catalog import file_rows

    return sum(file_rows(f) for f in files)


def _add_stream(
    engine, config, catalog, data_cls, data_config, identifier, counter, max_backwards
) -> None:
    from core.model.data import Bar, QuoteTick, TradeTick

    columnar = data_cls in (Bar, QuoteTick, TradeTick)
    # Order book deltas and custom data have no columnar engine stream: objects, a batch at a time.
    read = catalog.stream if columnar else catalog.stream_objects

    def source() -> Iterator:
        return read(
            data_cls,
            identifier,
            start=data_config.start_ns,
            end=data_config.end_ns,
            where=data_config.filter_expr,
            batch_size=config.chunk_size,
            # the larger allowance of the run's (CLI/API; None: any) and this data config's
            max_backwards=None
            if max_backwards is None
            else max(max_backwards, data_config.max_backwards),
        )

    if data_cls is Bar:
        engine.add_data(counter.wrap(source), bar_type=identifier)
    elif columnar:
        engine.add_data(counter.wrap(source), instrument_id=identifier, data_cls=data_cls)
    else:
        engine.add_data(counter.wrap(source))


# -- lineage and results ------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("flotilla")
    except PackageNotFoundError:
        return "unknown"


_PACKAGE_ROOTS = ("core", "node", "cluster", "adapters")


def _flotilla_dirs() -> list[Path]:
    import core

    top = Path(core.__file__).resolve().parent.parent
    return [top / name for name in _PACKAGE_ROOTS]


def _library_dirs() -> list[Path]:
    """The standard library's and the installed packages' directories (not user code)."""
    paths = sysconfig.get_paths()
    dirs = {Path(paths[key]).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs.update(
        Path(p).resolve() for p in sys.path if p.endswith(("site-packages", "dist-packages"))
    )
    return sorted(dirs)


def _is_under(path: Path, dirs: list[Path]) -> bool:
    return any(path.is_relative_to(d) for d in dirs)


def _named_modules(config: BacktestRunConfig) -> list[str]:
    """The modules a config names by ``"module:Name"`` paths."""
    paths: list[str] = []
    for component in (*config.strategies, *config.actors):
        paths.append(getattr(component, "strategy_path", None) or component.actor_path)
        if component.config_path is not None:
            paths.append(component.config_path)
    if config.compute is not None:
        paths.extend(config.compute.handlers[name] for name in sorted(config.compute.handlers))
    paths.extend(d.data_cls for d in config.data if ":" in d.data_cls)
    return list(dict.fromkeys(path.split(":")[0] for path in paths))


def _module_file(name: str) -> Path | None:
    module = sys.modules.get(name)
    if module is None:
        try:
            module = importlib.import_module(name)
        except ImportError as err:
            raise ConfigError(f"cannot import user module {name!r}: {err}") from err
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def _imported_names(path: Path, module_name: str, is_package: bool) -> list[str]:
    """The absolute names of the modules a Python source file imports (relative ones resolved)."""
    if path.suffix != ".py":
        return []  # a compiled user module: its own bytes are hashed, its imports not read
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return []
    package = module_name if is_package else module_name.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                try:
                    base = importlib.util.resolve_name("." * node.level + base, package)
                except (ImportError, ValueError):
                    continue
            names.append(base)
            # ``from pkg import submodule``: the submodule is a module too, if it is one.
            names.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return [n for n in names if n]


def _find_file(name: str) -> tuple[Path | None, bool]:
    """Return (file, is_package) of an importable module without importing it, or (None, _)."""
    module = sys.modules.get(name)
    if module is not None:
        file = getattr(module, "__file__", None)
        return (Path(file).resolve() if file else None), hasattr(module, "__path__")
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None, False
    if spec is None or not spec.has_location or spec.origin is None:
        return None, False
    return Path(spec.origin).resolve(), spec.submodule_search_locations is not None


def user_modules(config: BacktestRunConfig) -> list[dict[str, str]]:
    """Return ``{"module", "path", "sha256"}`` of every user module of a run, sorted by name.

    The modules named by the config are always user modules unless they live in the flotilla
    package (``core``, ``node``, ``cluster``, ``adapters``); the modules their source imports,
    transitively, are user modules unless they live in the flotilla package, the standard
    library or an installed third-party package.

    Raises
    ------
    ConfigError
        If a named module does not import.
    """
    flotilla, libraries = _flotilla_dirs(), _library_dirs()
    found: dict[str, Path] = {}
    todo: list[tuple[str, Path, bool]] = []
    for name in _named_modules(config):
        path = _module_file(name)
        if path is None or _is_under(path, flotilla):
            continue
        found[name] = path
        todo.append((name, path, hasattr(sys.modules.get(name), "__path__")))
    while todo:
        name, path, is_package = todo.pop()
        # Importing ``pkg.mod`` runs ``pkg/__init__.py`` first: the parents are imported code too.
        parents = [name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)]
        for imported in [*parents, *_imported_names(path, name, is_package)]:
            if imported in found or imported.split(".")[0] in _PACKAGE_ROOTS:
                continue
            file, sub_package = _find_file(imported)
            if file is None or _is_under(file, flotilla) or _is_under(file, libraries):
                continue
            found[imported] = file
            todo.append((imported, file, sub_package))
    return [
        {"module": name, "path": str(found[name]), "sha256": _sha256(found[name])}
        for name in sorted(found)
    ]


def result_id_of(config: BacktestRunConfig, modules: list[dict[str, str]]) -> str:
    """Return the id of a run's results: SHA-256 of the config id, the user modules' SHA-256,
    the package version and the git commit (see the module docstring)."""
    key = {
        "config_id": config.id,
        "user_modules": [[m["module"], m["sha256"]] for m in modules],
        "package_version": _package_version(),
        "git_commit": _git_commit(),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def lineage_of(
    config: BacktestRunConfig,
    files: list[Path],
    modules: list[dict[str, str]] | None = None,
    faulted: bool = False,
) -> dict[str, Any]:
    """Return the lineage record of a run: what went in, and which code ran it."""
    modules = user_modules(config) if modules is None else modules
    return {
        "config_id": config.id,
        "result_id": result_id_of(config, modules),
        "data_files": [
            {"path": str(f), "bytes": f.stat().st_size, "sha256": _sha256(f)} for f in files
        ],
        "user_modules": modules,
        "package_version": _package_version(),
        "git_commit": _git_commit(),
        "python": sys.version.split()[0],
        "faulted": faulted,
    }


def _reusable(
    stored: dict, config: BacktestRunConfig, files: list[Path], modules: list[dict[str, str]]
) -> bool:
    """Whether a stored lineage is of the same config, code and data, and did not fault."""
    if stored.get("faulted", True) or stored.get("config_id") != config.id:
        return False
    if stored.get("result_id") != result_id_of(config, modules):
        return False
    # Modules by name and content: a project moved to another folder is the same code.
    seen_modules = [(m.get("module"), m.get("sha256")) for m in stored.get("user_modules", [])]
    if seen_modules != [(m["module"], m["sha256"]) for m in modules]:
        return False
    seen = [(d["path"], d["sha256"]) for d in stored.get("data_files", [])]
    if [p for p, _ in seen] != [str(f) for f in files]:
        return False
    return all(_sha256(f) == digest for f, (_, digest) in zip(files, seen, strict=True))


def load_run_result(run_dir: str | Path) -> BacktestRunResult:
    """Return the stored result of a finished run directory.

    Raises
    ------
    DataError
        If the directory holds no finished run.
    """
    run_dir = Path(run_dir)
    path = run_dir / "result.json"
    if not (run_dir / "lineage.json").is_file() or not path.is_file():
        raise DataError(
            f"{run_dir}: not a finished run directory, expected result.json and lineage.json "
            f"(written by flotilla backtest)"
        )
    try:
        return msgspec.json.decode(path.read_bytes(), type=BacktestRunResult)
    except msgspec.DecodeError as err:  # truncated, edited, or of another version
        raise DataError(
            f"{path}: corrupt stored run result ({err}), expected a result.json written by "
            f"flotilla backtest; run the backtest again with --force"
        ) from err


def _result_of(
    engine: BacktestEngine,
    config: BacktestRunConfig,
    run_dir: str | None,
    result_id: str,
    error: str | None = None,
) -> BacktestRunResult:
    result = engine.get_result()
    return BacktestRunResult(
        config_id=config.id,
        result_id=result_id,
        name=config.name,
        digest=result.digest,
        statistics=result.stats_pnls,
        elapsed_s=result.elapsed_time,
        iterations=result.iterations,
        total_orders=result.total_orders,
        total_fills=result.total_fills,
        total_positions=result.total_positions,
        dropped_data=result.dropped_data,
        drop_reasons=result.drop_reasons,
        handler_errors=result.handler_errors,
        denied_orders=result.denied_orders,
        first_handler_errors=result.first_handler_errors,
        first_denied_orders=result.first_denied_orders,
        backtest_start_ns=result.backtest_start_ns,
        backtest_end_ns=result.backtest_end_ns,
        run_dir=run_dir,
        error=error,
    )


def _json(data: Any) -> bytes:
    return msgspec.json.format(msgspec.json.encode(data, order="sorted"), indent=2) + b"\n"


def _write_reports(engine: BacktestEngine, config: BacktestRunConfig, out: Path) -> None:
    from core.analysis import reports
    from core.model.identifiers import Venue

    folder = out / "reports"
    folder.mkdir()
    frames = {
        "orders": reports.orders_report(engine.cache),
        "fills": reports.fills_report(engine.cache),
        "positions": reports.positions_report(engine.cache),
    }
    for venue in config.venues:
        frames[f"account_{venue.name}"] = reports.account_report(engine.cache, Venue(venue.name))
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv")
        # Parquet needs one type per column; object columns of mixed None/str are fine.
        frame.to_parquet(folder / f"{name}.parquet")


_MAX_PRICE_POINTS = 5_000


def _price_series(config: BacktestRunConfig):
    """Return (ts_ns, price) of the first bar or quote data, down-sampled to at most
    `_MAX_PRICE_POINTS` points (read again from the catalog, two columns at a time)."""
    import numpy as np
    import pandas as pd

    for data_config in config.data:
        if data_config.data_cls not in ("Bar", "QuoteTick"):
            continue
        catalog = _catalog(data_config.catalog_path, "data.catalog_path")
        data_cls = _data_class(data_config.data_cls)
        identifier = data_config.identifiers[0]
        total = max(1, _rows_in(catalog.files(data_cls, identifier)))
        step = max(1, -(-total // _MAX_PRICE_POINTS))
        ts_parts, px_parts, offset = [], [], 0
        for batch in catalog.stream(
            data_cls,
            identifier,
            start=max(data_config.start_ns or 0, config.start_ns or 0),
            end=min(x for x in (data_config.end_ns, config.end_ns, 2**63 - 1) if x is not None),
            where=data_config.filter_expr,
            batch_size=config.chunk_size,
            max_backwards=None,  # a display read after the run, which checked the order
        ):
            n = batch.num_rows
            take = np.arange((-offset) % step, n, step)
            offset += n
            ts = batch.column("ts_init").to_numpy()[take]
            if data_config.data_cls == "Bar":
                px = batch.column("close").to_numpy()[take] / 1e9
            else:
                px = batch.column("bid").to_numpy()[take] + batch.column("ask").to_numpy()[take]
                px = px / 2e9
            ts_parts.append(ts)
            px_parts.append(px)
        if ts_parts:
            return pd.DataFrame(
                {"ts_ns": np.concatenate(ts_parts), "price": np.concatenate(px_parts)}
            )
    return None


def tearsheet_inputs(engine: BacktestEngine, config: BacktestRunConfig) -> dict[str, Any]:
    """Return the keyword arguments of `node.backtest.tearsheet.render_tearsheet` for a
    finished run: equity per currency, positions, fills, a price line and the statistics."""
    import pandas as pd

    from core.analysis import reports

    equity = []
    accounts = list(engine.cache.accounts())
    for account in accounts:
        for currency in account.currencies():
            ts, totals = account.balance_series(currency)
            # One curve per account and currency: label by currency alone when unambiguous.
            label = currency.code if len(accounts) == 1 else f"{account.id} {currency.code}"
            equity.append(pd.DataFrame({"ts_ns": ts, "balance": totals / 1e9, "currency": label}))
    result = engine.get_result()
    return {
        "title": f"{config.name or 'backtest'} — {config.id[:12]}",
        "statistics": result.stats_pnls,
        "equity": pd.concat(equity, ignore_index=True)
        if equity
        else pd.DataFrame({"ts_ns": [], "balance": [], "currency": []}),
        "positions": reports.positions_report(engine.cache),
        "fills": reports.fills_report(engine.cache),
        "prices": _price_series(config),
        "config": redacted_dict(config),
    }


def _write_tearsheet(engine: BacktestEngine, config: BacktestRunConfig, out: Path) -> None:
    from node.backtest.tearsheet import write_tearsheet

    write_tearsheet(out / "tearsheet.html", **tearsheet_inputs(engine, config))


def _owner_only(folder: Path) -> None:
    """Make a results folder readable by its owner only (0700, files 0600), always: a run's
    config, fills and tearsheet are the user's strategy and may name accounts."""
    folder.chmod(0o700)
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def _write_run(
    engine: BacktestEngine,
    config: BacktestRunConfig,
    files: list[Path],
    modules: list[dict[str, str]],
    result: BacktestRunResult,
    tearsheet: bool,
) -> None:
    """Write the run's folder atomically: a temporary sibling renamed into place."""
    run_dir = Path(result.run_dir)
    tmp = run_dir.with_name(f".{run_dir.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    (tmp / "config.json").write_bytes(_json(redacted_dict(config)))
    (tmp / "result.json").write_bytes(_json(result))
    stats = {"digest": result.digest, "statistics": result.statistics}
    (tmp / "statistics.json").write_bytes(_json(stats))
    _write_reports(engine, config, tmp)
    if tearsheet:
        _write_tearsheet(engine, config, tmp)
    lineage = lineage_of(config, files, modules, faulted=result.is_faulted)
    (tmp / "lineage.json").write_bytes(_json(lineage))
    _owner_only(tmp)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    os.replace(tmp, run_dir)


def run_backtest(
    config: BacktestRunConfig,
    results_dir: str | Path | None = None,
    *,
    force: bool = False,
    tearsheet: bool = True,
    progress: ProgressCallback | None = None,
    max_backwards: int | None = 0,
    raise_on_fault: bool = True,
) -> BacktestRunResult:
    """Run one config; with `results_dir`, write (or reuse) ``<results_dir>/<result id>/``.

    A handler error stops the run when ``config.engine.raise_handler_errors`` (the default):
    the folder is still written, marked faulted (never reused), and then `StrategyError` is
    raised, or with ``raise_on_fault=False`` the result is returned with ``error`` set. With
    ``raise_handler_errors = false`` the run goes on and the result counts the failed handlers
    (``handler_errors``, ``is_faulted``); such a run is not reused either.

    A catalog stream with more than `max_backwards` rows going back in time fails the run
    (`DataError` with the count and the first rows), as `build_engine`.

    Raises
    ------
    ConfigError, DataError
        If the config names data or modules that are not there.
    StrategyError
        If a handler error stopped the run and `raise_on_fault` is set.
    """
    engine, files = build_engine(config, progress, max_backwards)
    try:
        modules = user_modules(config)
        result_id = result_id_of(config, modules)
        run_dir = None if results_dir is None else Path(results_dir) / result_id
        if run_dir is not None and not force and (run_dir / "lineage.json").is_file():
            stored = json.loads((run_dir / "lineage.json").read_text())
            if _reusable(stored, config, files, modules):
                return msgspec.structs.replace(load_run_result(run_dir), reused=True)
        fault = None
        try:
            engine.run(config.start_ns, config.end_ns)
        except StrategyError as err:
            fault = err
        error = None if fault is None else f"{type(fault).__name__}: {fault}"
        result = _result_of(
            engine, config, None if run_dir is None else str(run_dir), result_id, error
        )
        if run_dir is not None:
            _write_run(engine, config, files, modules, result, tearsheet)
        if fault is not None and raise_on_fault:
            raise fault
        return result
    finally:
        engine.dispose()


class BacktestNode:
    """Run many `BacktestRunConfig`s one after the other (NautilusTrader's ``BacktestNode``).

    Parameters
    ----------
    configs : list of BacktestRunConfig
    results_dir : str or Path, optional
        Where each run writes ``<config id>/``.
    force : bool
        Run again even when a stored run has the same inputs.
    raise_exception : bool, default True
        Stop at the first failing run (a config or data error, or a handler error that stopped
        the run); if False, record its error in its result and go on.
    max_backwards : int or None, default 0
        Rows of one catalog stream going back in time that a run tolerates (see
        `run_backtest`).
    """

    def __init__(
        self,
        configs: list[BacktestRunConfig],
        results_dir: str | Path | None = None,
        *,
        force: bool = False,
        raise_exception: bool = True,
        tearsheet: bool = True,
        max_backwards: int | None = 0,
    ) -> None:
        if not configs or not all(isinstance(c, BacktestRunConfig) for c in configs):
            raise ConfigError(
                f"BacktestNode.configs: invalid value {configs!r}, expected a non-empty list of "
                f"BacktestRunConfig"
            )
        self.configs = list(configs)
        self.results_dir = results_dir
        self.force = force
        self.raise_exception = raise_exception
        self.tearsheet = tearsheet
        self.max_backwards = max_backwards

    def run(self, progress: ProgressCallback | None = None) -> list[BacktestRunResult]:
        """Run every config in order; return their results in the same order."""
        results = []
        for config in self.configs:
            try:
                results.append(
                    run_backtest(
                        config,
                        self.results_dir,
                        force=self.force,
                        tearsheet=self.tearsheet,
                        progress=progress,
                        max_backwards=self.max_backwards,
                        raise_on_fault=self.raise_exception,
                    )
                )
            except Exception as err:
                if self.raise_exception:
                    raise
                message = str(err) if isinstance(err, FlotillaError) else traceback.format_exc()
                results.append(_failed(config, message))
        return results


def _failed(config: BacktestRunConfig, error: str) -> BacktestRunResult:
    return BacktestRunResult(
        config_id=config.id,
        name=config.name,
        digest="",
        statistics={},
        elapsed_s=0.0,
        iterations=0,
        total_orders=0,
        total_fills=0,
        total_positions=0,
        dropped_data=0,
        drop_reasons={},
        handler_errors=0,
        denied_orders=0,
        backtest_start_ns=0,
        backtest_end_ns=0,
        error=error,
    )
