"""The grid report: diagnostics over a finished grid and a self-contained HTML page (plotly).

`grid_diagnostics` computes, over the cells of the main grid (a plain grid's cells; for a
walk-forward grid, the train cells of its first window):

- PBO by CSCV over the matrix of daily returns (day × cell; a day a cell has no return is 0);
- the deflated Sharpe ratio of the best cell by daily Sharpe ratio, with N = the successful
  cells and V = the variance of their daily Sharpe ratios;
- parameter stability: the mean of the grid statistic over each cell's axis neighbours.

`write_report` writes one HTML file with plotly.js inlined (no CDN, opens offline).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from cluster.grid.cell import CellResult
from cluster.grid.diagnostics import (
    deflated_sharpe_ratio,
    neighbour_statistic,
    probability_of_backtest_overfitting,
    sharpe_ratio_moments,
)
from cluster.grid.spec import GridCell, GridSpec
from cluster.grid.walkforward import WalkForwardResult, cell_statistic

__all__ = ["grid_diagnostics", "main_cells", "statistic_grid", "write_report"]


def main_cells(spec: GridSpec) -> list[GridCell]:
    """Return the cells the diagnostics and heatmaps are about."""
    cells = spec.cells()
    if spec.windows:
        return [c for c in cells if c.window == 0]
    return cells


def statistic_grid(spec: GridSpec, cells: list[GridCell], results: dict[str, CellResult]):
    """Return the statistic of every cell as an array shaped like the axes (NaN if missing)."""
    values = np.full(spec.shape, np.nan)
    for cell in cells:
        values[cell.index] = cell_statistic(
            results.get(cell.id), spec.grid.statistic, spec.grid.currency
        )
    return values


def grid_diagnostics(
    spec: GridSpec, results: dict[str, CellResult], n_splits: int = 16
) -> dict[str, Any]:
    """Return PBO, deflated Sharpe ratio and parameter stability of the main grid.

    A diagnostic that cannot be computed (fewer than 2 successful cells, too few days) is
    given as ``None`` with the reason under ``"<name>_note"``.
    """
    cells = [c for c in main_cells(spec) if results.get(c.id) and results[c.id].error is None]
    out: dict[str, Any] = {"cells": len(cells)}
    days = sorted({d for c in cells for d in results[c.id].return_days})
    if len(cells) >= 2 and days:
        position = {d: i for i, d in enumerate(days)}
        matrix = np.zeros((len(days), len(cells)))
        for j, cell in enumerate(cells):
            r = results[cell.id]
            for d, value in zip(r.return_days, r.returns, strict=True):
                matrix[position[d], j] = value
        splits = min(n_splits, (len(days) // 2) // 2 * 2)
        if splits >= 2:
            pbo = probability_of_backtest_overfitting(matrix, n_splits=splits)
            out["pbo"] = pbo.pbo
            out["pbo_splits"] = splits
            out["pbo_logits"] = pbo.logits
            out["pbo_probability_of_loss"] = pbo.probability_of_loss
        else:
            out["pbo"] = None
            out["pbo_note"] = f"{len(days)} days of returns, expected at least 4"
        sharpes = []
        for j in range(len(cells)):
            column = matrix[:, j]
            sharpes.append(sharpe_ratio_moments(column) if column.size >= 2 else None)
        valid = [(c, s) for c, s in zip(cells, sharpes, strict=True) if s is not None]
        if len(valid) >= 2:
            best_cell, (sr, n_obs, skew, kurt) = max(valid, key=lambda item: item[1][0])
            variance = float(np.var([s[0] for _, s in valid], ddof=1))
            try:
                out["dsr"] = deflated_sharpe_ratio(sr, n_obs, len(valid), variance, skew, kurt)
            except ValueError as err:
                out["dsr"] = None
                out["dsr_note"] = str(err)
            out["dsr_cell"] = best_cell.id
            out["dsr_daily_sharpe"] = sr
            out["dsr_trials"] = len(valid)
        else:
            out["dsr"] = None
            out["dsr_note"] = "fewer than 2 cells with 2 days of returns"
    else:
        out["pbo"] = out["dsr"] = None
        out["pbo_note"] = out["dsr_note"] = "fewer than 2 successful cells with daily returns"
    values = statistic_grid(spec, main_cells(spec), results)
    out["stability"] = neighbour_statistic(values).tolist()
    return out


def _heatmap(spec: GridSpec, values: np.ndarray, title: str):
    import plotly.graph_objects as go

    axes = spec.axes
    grid = values
    if grid.ndim > 2:  # the best over the other axes
        with np.errstate(all="ignore"):
            grid = np.nanmax(grid.reshape(grid.shape[0], grid.shape[1], -1), axis=2)
    if grid.ndim == 1:
        grid = grid.reshape(1, -1)
        x, y = [str(v) for v in axes[0].values], [""]
        x_title, y_title = axes[0].name, ""
    else:
        x, y = [str(v) for v in axes[1].values], [str(v) for v in axes[0].values]
        x_title, y_title = axes[1].name, axes[0].name
    z = [[None if not math.isfinite(v) else v for v in row] for row in grid.tolist()]
    figure = go.Figure(go.Heatmap(z=z, x=x, y=y, colorscale="Viridis", colorbar={"title": ""}))
    figure.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, height=420)
    return figure


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>none</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row.values()) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if not math.isfinite(value) else f"{value:.6g}"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def write_report(
    path: str | Path,
    spec: GridSpec,
    results: dict[str, CellResult],
    diagnostics: dict[str, Any],
    walk_forward: WalkForwardResult | None = None,
    top: int = 10,
) -> Path:
    """Write the HTML grid report (heatmaps, best cells, diagnostics, walk-forward path)."""
    import plotly.io as pio

    grid = spec.grid
    cells = main_cells(spec)
    values = statistic_grid(spec, cells, results)
    ranked = sorted(
        (c for c in cells if math.isfinite(values[c.index])),
        key=lambda c: (-values[c.index] if grid.maximize else values[c.index], c.index),
    )
    stability = np.asarray(diagnostics["stability"], dtype=float)
    best_rows = [
        {
            "cell": c.id[:12],
            **c.params,
            grid.statistic: float(values[c.index]),
            "neighbours (mean)": float(stability[c.index]),
            "digest": results[c.id].digest[:16],
        }
        for c in ranked[:top]
    ]
    failed = [
        {"cell": c.id[:12], **c.params, "error": (results[c.id].error or "").splitlines()[0]}
        for c in cells
        if c.id in results and results[c.id].error is not None
    ]
    figures = [
        _heatmap(
            spec, values, f"{grid.statistic} over {' × '.join(a.name for a in spec.axes[:2])}"
        ),
        _heatmap(spec, stability, f"parameter stability: mean {grid.statistic} of neighbours"),
    ]
    parts = []
    for i, figure in enumerate(figures):
        parts.append(
            pio.to_html(figure, full_html=False, include_plotlyjs=(i == 0), div_id=f"fig{i}")
        )
    diag_rows = [
        {"diagnostic": "cells (successful)", "value": diagnostics["cells"]},
        {
            "diagnostic": "probability of backtest overfitting (CSCV)",
            "value": diagnostics.get("pbo")
            if diagnostics.get("pbo") is not None
            else diagnostics.get("pbo_note", ""),
        },
        {
            "diagnostic": "deflated Sharpe ratio of the best cell",
            "value": diagnostics.get("dsr")
            if diagnostics.get("dsr") is not None
            else diagnostics.get("dsr_note", ""),
        },
    ]
    sections = [
        f"<h1>Grid {html.escape(spec.name)}</h1>",
        f"<p>{len(spec.cells())} cells; statistic {html.escape(grid.statistic)} "
        f"({'max' if grid.maximize else 'min'}imised)</p>",
        "<h2>Diagnostics</h2>",
        _table(diag_rows),
        *parts,
        f"<h2>Best {min(top, len(ranked))} cells</h2>",
        _table(best_rows),
        f"<h2>Failed cells ({len(failed)})</h2>",
        _table(failed),
    ]
    if walk_forward is not None:
        steps = [
            {
                "window": s.window,
                "params": s.params,
                "in-sample": s.in_sample,
                "out-of-sample": s.out_of_sample,
            }
            for s in walk_forward.steps
        ]
        sections += [
            "<h2>Walk-forward</h2>",
            _table(steps),
            _table(
                [
                    {
                        "in-sample mean": walk_forward.in_sample_mean,
                        "out-of-sample mean": walk_forward.out_of_sample_mean,
                        "stitched Sharpe": walk_forward.stitched_sharpe,
                        "stitched total return": walk_forward.stitched_total_return,
                    }
                ]
            ),
        ]
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    )
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grid "
        f"{html.escape(spec.name)}</title><style>{style}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>"
    )
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out
