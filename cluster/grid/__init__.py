"""Backtest grids on Ray: grid spec, runner, results, walk-forward, overfitting diagnostics."""

from cluster.grid.cell import CellResult, InMemoryData, run_cell
from cluster.grid.runner import GridRunner, GridVerificationError, load_cell_results
from cluster.grid.spec import GridCell, GridSpec, load_grid_spec

__all__ = [
    "CellResult",
    "GridCell",
    "GridRunner",
    "GridSpec",
    "GridVerificationError",
    "InMemoryData",
    "load_cell_results",
    "load_grid_spec",
    "run_cell",
]
