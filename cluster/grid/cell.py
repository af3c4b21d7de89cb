"""Running one grid cell: build its engine, run it, return a `CellResult` (never raise).

The same function runs in a Ray worker and in the driver (``--verify``), so a digest that
differs between them is a determinism bug, not a difference of code paths.

A cell's data comes from the catalog its config names (`node.backtest.build_engine`, the
engine `node.backtest.run_backtest` runs) or, for small data sets, from `InMemoryData`
shipped once through Ray's object store.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from typing import Any

import msgspec
import numpy as np

from core.errors import ConfigError, FlotillaError
from node.backtest.memory import InMemoryData

__all__ = ["CellResult", "InMemoryData", "build_cell_engine", "run_cell"]


class CellResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of one cell; `error` is set when it failed: then the counts are zero, or,
    when a handler raised and the engine ran on (``raise_handler_errors = false``), they are
    those of the faulted run.

    ``return_days`` (day numbers since the epoch) and ``returns`` are the daily returns of the
    first account currency's equity, for the overfitting diagnostics. ``elapsed_s``,
    ``worker_node`` and ``worker_pid`` vary between runs; the rest does not.
    """

    cell_id: str
    digest: str = ""
    statistics: dict[str, dict[str, Any]] = {}
    error: str | None = None
    iterations: int = 0
    total_orders: int = 0
    total_fills: int = 0
    total_positions: int = 0
    handler_errors: int = 0
    return_days: list[int] = []
    returns: list[float] = []
    elapsed_s: float = 0.0
    worker_node: str = ""
    worker_pid: int = 0


def build_cell_engine(config, memory: InMemoryData | None = None):
    """Return the engine of a cell: `node.backtest.build_engine`, the builder of every
    backtest run, from the catalog or from `memory` (the compute backend included).

    Raises
    ------
    ConfigError
        If a data set the config names is not in `memory` (or the catalog).
    """
    from node.backtest import build_engine

    return build_engine(config, memory=memory)[0]


def _daily_returns(engine) -> tuple[list[int], list[float]]:
    from core.analysis.statistics import daily_closes

    for account in engine.cache.accounts():
        for currency in account.currencies():
            ts, totals = account.balance_series(currency)
            if ts.size < 2:
                return [], []
            days, closes = daily_closes(ts, totals / 1e9)
            if days.size < 2 or np.any(closes[:-1] <= 0):
                return [], []
            returns = closes[1:] / closes[:-1] - 1.0
            return [int(d) for d in days[1:]], [float(r) for r in returns]
    return [], []


def _handler_error(engine) -> str | None:
    """Return a one-line error for a run in which a strategy or actor handler raised.

    Without ``raise_handler_errors`` the engine faults the component and runs on, so the run
    finishes, but its statistics are not the strategy's: the cell counts as failed.
    """
    errors = engine.handler_errors
    if not errors:
        return None
    component, handler, trace = errors[0]
    last = trace.strip().splitlines()[-1] if trace.strip() else "no traceback"
    return f"StrategyError: {len(errors)} handler error(s), first in {component}.{handler}: {last}"


def run_cell(cell_id: str, config, memory: InMemoryData | None = None) -> CellResult:
    """Run one cell's config and return its result; an error is recorded, not raised.

    Parameters
    ----------
    cell_id : str
        The cell's id (its config's id).
    config : BacktestRunConfig or dict
        The config, or its plain data (as sent to a worker).
    memory : InMemoryData, optional
        Data to use instead of the catalog.
    """
    from node.config import BacktestRunConfig, config_from_dict

    started = time.perf_counter()
    where = {"worker_node": socket.gethostname(), "worker_pid": os.getpid()}
    engine = None
    try:
        if not isinstance(config, BacktestRunConfig):
            config = config_from_dict(config, BacktestRunConfig, source=f"cell {cell_id[:12]}")
        if config.id != cell_id:
            raise ConfigError(
                f"cell {cell_id[:12]}: the config's id is {config.id[:12]}, expected the cell id "
                f"(the config changed on its way to the worker)"
            )
        engine = build_cell_engine(config, memory)
        engine.run(config.start_ns, config.end_ns)
        result = engine.get_result()
        days, returns = _daily_returns(engine)
        return CellResult(
            cell_id=cell_id,
            error=_handler_error(engine),
            digest=result.digest,
            statistics=result.stats_pnls,
            iterations=result.iterations,
            total_orders=result.total_orders,
            total_fills=result.total_fills,
            total_positions=result.total_positions,
            handler_errors=result.handler_errors,
            return_days=days,
            returns=returns,
            elapsed_s=time.perf_counter() - started,
            **where,
        )
    except Exception as err:  # a cell's failure is its result; the grid goes on
        if isinstance(err, FlotillaError):
            message = f"{type(err).__name__}: {err}"
        else:
            last = traceback.extract_tb(err.__traceback__)[-1]
            message = (
                f"{type(err).__name__}: {err} ({os.path.basename(last.filename)}:{last.lineno})"
            )
        return CellResult(
            cell_id=cell_id, error=message, elapsed_s=time.perf_counter() - started, **where
        )
    finally:
        if engine is not None:
            engine.dispose()
