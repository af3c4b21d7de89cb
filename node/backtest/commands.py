"""``flotilla backtest CONFIG`` and ``flotilla report RUN_DIR``."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from node.backtest.node import BacktestRunResult, load_run_result, run_backtest
from node.config import BacktestRunConfig, load_config

__all__ = ["format_summary", "progress_bar", "register"]

DEFAULT_RESULTS = "results"


def register(commands) -> None:
    """Add ``backtest`` and ``report`` to the command line."""
    backtest = commands.add_parser(
        "backtest",
        help="run a backtest from a TOML/YAML/JSON config over catalog data",
        description="Run a BacktestRunConfig: stream its data from the catalog, run the "
        "strategies, write <results>/<config id>/ (reports, statistics, digest, tearsheet, "
        "lineage) and print the summary. A run whose config and data files are unchanged is "
        "not run again (its stored result is printed) unless --force.",
        epilog="examples:\n"
        "  flotilla backtest configs/ema_cross.toml\n"
        "  flotilla backtest configs/ema_cross.toml --results /tmp/runs --force\n"
        "  flotilla backtest my.yaml --no-tearsheet",
    )
    backtest.add_argument("config", help="the run config (.toml, .yaml or .json)")
    backtest.add_argument(
        "--results",
        default=DEFAULT_RESULTS,
        metavar="DIR",
        help=f"results directory (default ./{DEFAULT_RESULTS})",
    )
    backtest.add_argument(
        "--force", action="store_true", help="run even if the same inputs were run already"
    )
    backtest.add_argument("--no-tearsheet", action="store_true", help="do not write tearsheet.html")
    backtest.add_argument(
        "--max-backwards",
        type=_non_negative,
        default=0,
        metavar="N",
        help="rows of one catalog stream going back in time to tolerate (dropped and counted); "
        "one more fails the run (default 0: the catalog writes sorted files, so any is damage)",
    )
    backtest.set_defaults(func=_backtest)

    report = commands.add_parser(
        "report",
        help="print the summary of a finished run directory",
        description="Print the summary of a run written by `flotilla backtest` (opens nothing).",
        epilog="examples:\n  flotilla report results/3f5c...e1\n"
        '  flotilla report "$(ls -d results/*/ | head -1)"',
    )
    report.add_argument("run_dir", help="a run directory: <results>/<config id>")
    report.set_defaults(func=_report)


@contextmanager
def progress_bar(description: str, stream=None):
    """Yield a ``(done, total)`` callback drawing a rich progress bar (rows, rows/s, ETA) on
    stderr; a no-op when stderr is not a terminal."""
    stream = sys.stderr if stream is None else stream
    if not stream.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=stream), transient=True) as progress:
        task = progress.add_task(description, total=None, rate="")

        def update(done: int, total: int | None) -> None:
            speed = progress.tasks[0].speed
            rate = f"{speed:,.0f} events/s" if speed else ""
            progress.update(task, completed=done, total=total, rate=rate)

        yield update


def format_summary(result: BacktestRunResult, run_dir: str | Path | None = None) -> str:
    """Return the printed summary of a run."""
    lines = [
        f"Flotilla backtest {result.name or ''} (config {result.config_id[:16]})".replace(
            "  ", " "
        ),
        f"  events processed    {result.iterations:,}",
        f"  orders / fills      {result.total_orders:,} / {result.total_fills:,}",
        f"  positions           {result.total_positions:,}",
        f"  denied / dropped    {result.denied_orders} / {result.dropped_data}"
        + (f" {result.drop_reasons}" if result.drop_reasons else ""),
        f"  handler errors      {result.handler_errors}",
    ]
    for currency in sorted(result.statistics):
        lines.append(f"  statistics ({currency}):")
        for key, value in result.statistics[currency].items():
            if key == "Currency":
                continue
            shown = f"{value:,.4f}" if isinstance(value, float) else f"{value}"
            lines.append(f"    {key:<31} {shown}")
    rate = result.iterations / result.elapsed_s if result.elapsed_s > 0 else 0.0
    lines += [
        f"  digest              {result.digest}",
        f"  run time            {result.elapsed_s:.3f} s ({rate:,.0f} events/s)"
        + (
            "  [stored result: same config and data; --force to run again]" if result.reused else ""
        ),
    ]
    if run_dir is not None:
        run_dir = Path(run_dir)
        lines.append(f"  results             {run_dir}")
        if (run_dir / "tearsheet.html").is_file():
            lines.append(f"  tearsheet           {run_dir / 'tearsheet.html'}")
    return "\n".join(lines)


def _backtest(args) -> int:
    config = load_config(args.config, BacktestRunConfig)
    with progress_bar(f"backtest {config.name or Path(args.config).stem}") as progress:
        result = run_backtest(
            config,
            args.results,
            force=args.force,
            tearsheet=not args.no_tearsheet,
            progress=progress,
            max_backwards=args.max_backwards,
        )
    print(format_summary(result, result.run_dir))
    return 0


def _non_negative(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}, expected an integer >= 0")
    return value


def _report(args) -> int:
    result = load_run_result(args.run_dir)
    print(format_summary(result, args.run_dir))
    return 0
