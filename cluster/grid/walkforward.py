"""Walk-forward: pick the best cell of each train window, run it on the test window after, stitch.

The best cell of a window maximises (or minimises) the grid's statistic among its successful
train cells; a tie goes to the first cell in axis order, so the choice depends on the results
alone. The out-of-sample daily returns of the test cells, in window order, form one stitched
series whose Sharpe ratio is reported beside the in-sample one.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np

from cluster.grid.cell import CellResult
from cluster.grid.spec import GridCell, GridSpec

__all__ = [
    "WalkForwardResult",
    "WalkForwardStep",
    "cell_statistic",
    "out_of_sample_cells",
    "select_best",
    "stitch",
]


class WalkForwardStep(msgspec.Struct, frozen=True, kw_only=True):
    """One window of the parameter path."""

    window: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int
    params: dict[str, Any]
    train_cell_id: str
    test_cell_id: str
    in_sample: float
    out_of_sample: float


class WalkForwardResult(msgspec.Struct, frozen=True, kw_only=True):
    """The parameter path and the stitched out-of-sample result."""

    statistic: str
    steps: list[WalkForwardStep]
    in_sample_mean: float
    out_of_sample_mean: float
    stitched_days: list[int]
    stitched_returns: list[float]
    stitched_sharpe: float
    stitched_total_return: float


def cell_statistic(result: CellResult | None, statistic: str, currency: str | None) -> float:
    """Return the statistic of a cell (NaN when failed, missing or not a number)."""
    if result is None or result.error is not None or not result.statistics:
        return math.nan
    ccy = currency or sorted(result.statistics)[0]
    value = result.statistics.get(ccy, {}).get(statistic)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def select_best(
    cells: list[GridCell],
    results: dict[str, CellResult],
    statistic: str,
    currency: str | None = None,
    maximize: bool = True,
) -> GridCell | None:
    """Return the cell with the best finite statistic (first in order on ties), or None."""
    best, best_value = None, math.nan
    for cell in cells:
        value = cell_statistic(results.get(cell.id), statistic, currency)
        if not math.isfinite(value):
            continue
        if best is None or (value > best_value if maximize else value < best_value):
            best, best_value = cell, value
    return best


def out_of_sample_cells(
    spec: GridSpec, results: dict[str, CellResult]
) -> list[tuple[GridCell, GridCell]]:
    """Return (best train cell, its test cell) of each window that has a best cell."""
    pairs = []
    grid = spec.grid
    for window in spec.windows:
        train = [c for c in spec.cells() if c.window == window.index]
        best = select_best(train, results, grid.statistic, grid.currency, grid.maximize)
        if best is not None:
            pairs.append((best, spec.cell(best.params, "test", window.index, best.index)))
    return pairs


def stitch(
    spec: GridSpec, pairs: list[tuple[GridCell, GridCell]], results: dict[str, CellResult]
) -> WalkForwardResult:
    """Return the parameter path and the stitched out-of-sample statistics."""
    from core.analysis.statistics import sharpe_ratio

    grid = spec.grid
    steps, days, returns = [], [], []
    for train, test in pairs:
        w = spec.windows[train.window]
        test_result = results.get(test.id)
        steps.append(
            WalkForwardStep(
                window=w.index,
                train_start=w.train_start,
                train_end=w.train_end,
                test_start=w.test_start,
                test_end=w.test_end,
                params=dict(train.params),
                train_cell_id=train.id,
                test_cell_id=test.id,
                in_sample=cell_statistic(results.get(train.id), grid.statistic, grid.currency),
                out_of_sample=cell_statistic(test_result, grid.statistic, grid.currency),
            )
        )
        if test_result is not None and test_result.error is None:
            days.extend(test_result.return_days)
            returns.extend(test_result.returns)
    series = np.asarray(returns, dtype=np.float64)
    sharpe = float(sharpe_ratio(series)) if series.size >= 2 else math.nan

    def mean(values: list[float]) -> float:
        finite = [v for v in values if math.isfinite(v)]
        return float(np.mean(finite)) if finite else math.nan

    return WalkForwardResult(
        statistic=grid.statistic,
        steps=steps,
        in_sample_mean=mean([s.in_sample for s in steps]),
        out_of_sample_mean=mean([s.out_of_sample for s in steps]),
        stitched_days=days,
        stitched_returns=[float(r) for r in series],
        stitched_sharpe=sharpe,
        stitched_total_return=float(np.prod(1.0 + series) - 1.0) if series.size else 0.0,
    )
