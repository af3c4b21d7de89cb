"""``flotilla grid``: run a grid spec on Ray, resume it, verify it, write its table and report.

The results folder (default ``.flotilla/grids/<grid name>``) holds the files described in
`cluster.grid.runner` plus ``walk_forward.json`` (walk-forward grids), ``diagnostics.json``
and ``report.html``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from core.errors import ConfigError, ValidationError

__all__ = ["register", "run_grid"]


def run_grid(
    spec,
    results_dir: str | Path,
    *,
    ray_address: str | None = None,
    max_parallel: int | None = None,
    resume: bool = False,
    force: bool = False,
    verify: int = 0,
    progress: bool = True,
    memory=None,
) -> dict[str, Any]:
    """Run a grid (and its walk-forward test cells), write the table, diagnostics and report.

    Returns a summary: cells, failed, ran (this session), best cell, file paths.

    Raises
    ------
    GridVerificationError
        If ``verify`` > 0 and a re-run digest differs.
    """
    import msgspec

    from cluster.grid.report import grid_diagnostics, write_report
    from cluster.grid.runner import GridRunner, clear_results, write_results
    from cluster.grid.walkforward import cell_statistic, out_of_sample_cells, select_best, stitch
    from node.config import import_path

    if verify < 0:
        raise ValidationError(f"--verify {verify} invalid, expected a number of cells >= 0")
    if memory is None and spec.grid.memory_data:
        memory = import_path(spec.grid.memory_data, "function")()
    if resume and force:
        raise ValidationError("--resume and --force: expected one of them (go on, or start over)")
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    if force:
        clear_results(out)
    runner = GridRunner(
        out, ray_address=ray_address, max_parallel=max_parallel, memory=memory, progress=progress
    )
    cells = spec.cells()
    try:
        results = runner.run(cells, resume=resume)
        ran = list(runner.ran)
        walk_forward = None
        all_cells = list(cells)
        if spec.windows:
            pairs = out_of_sample_cells(spec, results)
            test_cells = [test for _, test in pairs]
            results.update(runner.run(test_cells, resume=True))
            ran += runner.ran
            all_cells += test_cells
            walk_forward = stitch(spec, pairs, results)
            (out / "walk_forward.json").write_bytes(
                msgspec.json.format(msgspec.json.encode(walk_forward))
            )
    finally:
        runner.close()
    write_results(out, all_cells, results)
    diagnostics = grid_diagnostics(spec, results)
    (out / "diagnostics.json").write_text(json.dumps(diagnostics, sort_keys=True, default=str))
    report = write_report(out / "report.html", spec, results, diagnostics, walk_forward)
    verified = runner.verify(all_cells, results, verify) if verify else []
    main = [c for c in cells if c.window in (None, 0)]
    best = select_best(main, results, spec.grid.statistic, spec.grid.currency, spec.grid.maximize)
    return {
        "cells": len(all_cells),
        "failed": sum(1 for c in all_cells if results[c.id].error is not None),
        "ran": ran,
        "best": best,
        "best_value": cell_statistic(results.get(best.id), spec.grid.statistic, spec.grid.currency)
        if best
        else math.nan,
        "verified": verified,
        "diagnostics": diagnostics,
        "walk_forward": walk_forward,
        "results": out / "results.parquet",
        "report": report,
    }


def register(commands) -> None:
    """Add ``flotilla grid`` to the command line."""
    grid = commands.add_parser(
        "grid",
        help="run a backtest grid (parameter sweep, walk-forward) on Ray",
        description="Run every cell of a grid spec as a Ray task (a local Ray unless "
        "--ray-address), store each result as it arrives, then write results.parquet, "
        "diagnostics (PBO, deflated Sharpe, parameter stability) and report.html.",
        epilog="examples:\n"
        "  flotilla grid configs/ema_grid.toml\n"
        "  flotilla grid configs/ema_grid.toml --max-parallel 2 --verify 3\n"
        "  flotilla grid configs/ema_grid.toml --resume            # after Ctrl-C or a crash\n"
        "  flotilla grid configs/ema_grid.toml --ray-address ray-head:6379",
    )
    grid.add_argument("config", help="the grid spec (TOML, YAML or JSON)")
    grid.add_argument("--ray-address", default=None, help="an existing Ray cluster (host:port)")
    grid.add_argument(
        "--max-parallel", type=int, default=None, help="cells in flight (default: Ray's CPUs)"
    )
    grid.add_argument(
        "--resume", action="store_true", help="run only the cells missing from --results"
    )
    grid.add_argument(
        "--force",
        action="store_true",
        help="start over: delete the cell results a previous run stored in --results",
    )
    grid.add_argument(
        "--verify",
        type=int,
        default=0,
        metavar="K",
        help="re-run K random cells in this process; fail if a digest differs",
    )
    grid.add_argument(
        "--results", default=None, help="results folder (default .flotilla/grids/<grid name>)"
    )
    grid.add_argument(
        "--max-cells",
        type=int,
        default=None,
        metavar="N",
        help="refuse a grid of more than N cells (default: the spec's grid.max_cells, 100000)",
    )
    grid.add_argument("--no-progress", action="store_true", help="no progress bar")
    grid.set_defaults(func=_grid_command)


def _grid_command(args) -> int:
    from cluster.grid.spec import load_grid_spec

    if args.max_parallel is not None and args.max_parallel < 1:
        raise ValidationError(f"--max-parallel {args.max_parallel} invalid, expected >= 1")
    if args.max_cells is not None and args.max_cells < 1:
        raise ValidationError(f"--max-cells {args.max_cells} invalid, expected >= 1")
    spec = load_grid_spec(args.config, max_cells=args.max_cells)
    results_dir = Path(args.results or Path(".flotilla") / "grids" / spec.name)
    if results_dir.exists() and not results_dir.is_dir():
        raise ConfigError(f"--results {results_dir}: not a directory")
    summary = run_grid(
        spec,
        results_dir,
        ray_address=args.ray_address,
        max_parallel=args.max_parallel,
        resume=args.resume,
        force=args.force,
        verify=args.verify,
        progress=not args.no_progress,
    )
    print(
        f"grid {spec.name}: {summary['cells']} cells, {summary['failed']} failed, "
        f"{len(summary['ran'])} run now"
    )
    best = summary["best"]
    if best is not None:
        print(f"  best {spec.grid.statistic}: {summary['best_value']:.6g} ({best.label()})")
    diagnostics = summary["diagnostics"]
    for name in ("pbo", "dsr"):
        value = diagnostics.get(name)
        shown = f"{value:.4f}" if value is not None else diagnostics.get(f"{name}_note", "")
        print(f"  {name.upper():<4} {shown}")
    wf = summary["walk_forward"]
    if wf is not None:
        print(
            f"  walk-forward: {len(wf.steps)} windows, in-sample {wf.in_sample_mean:.6g}, "
            f"out-of-sample {wf.out_of_sample_mean:.6g}, stitched Sharpe {wf.stitched_sharpe:.6g}"
        )
    if summary["verified"]:
        print(f"  verified {len(summary['verified'])} cells in the driver: digests equal")
    print(f"  results {summary['results']}")
    print(f"  report  {summary['report']}")
    return 0
