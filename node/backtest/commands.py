"""``flotilla backtest CONFIG`` and ``flotilla report RUN_DIR``.

Exit codes: 0 when the run finished and no handler raised; 1 when it failed: a bad config or
data, a handler error that stopped the run (``raise_handler_errors = true``, the default), or
handlers that failed while the run went on (``raise_handler_errors = false``) unless
``--allow-handler-errors``. The summary always says which: its first line says whether the
result was run now or is a stored one, and whether the run faulted; the handler errors and
the denied orders (first ten, then the count of the rest) are listed with their reasons.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from core.common.logging import format_iso8601_ns
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
        "lineage) and print the summary. A run whose config, code (the strategy, actor, "
        "handler and config modules) and data files are unchanged and that did not fault is "
        "not run again (its stored result is printed, and the first line says so) unless "
        "--force. Exits 1 if a handler raised (see --allow-handler-errors).",
        epilog="examples:\n"
        "  flotilla backtest configs/ema_cross.toml\n"
        "  flotilla backtest configs/ema_cross.toml --results /tmp/runs --force\n"
        "  flotilla backtest my.yaml --no-tearsheet\n"
        "  flotilla backtest carry_on.toml --allow-handler-errors  # raise_handler_errors = false",
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
    _add_allow_handler_errors(backtest)
    backtest.set_defaults(func=_backtest)

    report = commands.add_parser(
        "report",
        help="print the summary of a finished run directory",
        description="Print the summary of a run written by `flotilla backtest` (opens nothing).",
        epilog="examples:\n  flotilla report results/3f5c...e1\n"
        '  flotilla report "$(ls -d results/*/ | head -1)"',
    )
    report.add_argument("run_dir", help="a run directory: <results>/<result id>")
    _add_allow_handler_errors(report)
    report.set_defaults(func=_report)


def _add_allow_handler_errors(parser) -> None:
    parser.add_argument(
        "--allow-handler-errors",
        action="store_true",
        help="exit 0 even if handlers failed in a run that went on (raise_handler_errors = "
        "false); a handler error that stopped the run still exits 1",
    )


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


_LISTED = 10  # handler errors and denied orders listed one by one; the rest are counted


def _first_line(result: BacktestRunResult) -> str:
    ids = f"config {result.config_id[:16]}"
    if result.result_id:
        ids += f", result {result.result_id[:16]}"
    name = f" {result.name}" if result.name else ""
    if result.reused:
        head = (
            f"Stored result of flotilla backtest{name} ({ids}): not run again, same config, "
            f"code and data; --force to run again"
        )
    else:
        head = f"Flotilla backtest{name} ({ids})"
    if result.error is not None:
        head += " FAILED" if not result.is_faulted else " FAULTED: stopped by a handler error"
    elif result.is_faulted:
        head += f" FAULTED: {result.handler_errors} handler error(s), the run went on"
    return head


def _listed(title: str, count: int, rows: list[str]) -> list[str]:
    lines = [f"  {title:<19} {count:,}"]
    lines += [f"    {row}" for row in rows[:_LISTED]]
    if count > min(len(rows), _LISTED):
        lines.append(f"    ... and {count - min(len(rows), _LISTED):,} more")
    return lines


def format_summary(result: BacktestRunResult, run_dir: str | Path | None = None) -> str:
    """Return the printed summary of a run.

    The first line says whether the result is a stored one (not run again) and whether the run
    faulted; handler errors and denied orders are listed (first ten, then a count).
    """
    lines = [
        _first_line(result),
        f"  events processed    {result.iterations:,}",
        f"  orders / fills      {result.total_orders:,} / {result.total_fills:,}",
        f"  positions           {result.total_positions:,}",
        f"  dropped data        {result.dropped_data:,}"
        + (f" {result.drop_reasons}" if result.drop_reasons else ""),
    ]
    lines += _listed(
        "denied orders",
        result.denied_orders,
        [
            f"{format_iso8601_ns(d.ts_ns)} {d.client_order_id} ({d.strategy_id}): {d.reason}"
            for d in result.first_denied_orders
        ],
    )
    lines += _listed(
        "handler errors",
        result.handler_errors,
        [
            f"{format_iso8601_ns(e.ts_ns)} {e.component_id}.{e.handler}: {e.error}"
            for e in result.first_handler_errors
        ],
    )
    if result.error is not None:
        lines.append(f"  error               {result.error}")
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
        + ("  [stored result]" if result.reused else ""),
    ]
    if run_dir is not None:
        run_dir = Path(run_dir)
        lines.append(f"  results             {run_dir}")
        if (run_dir / "tearsheet.html").is_file():
            lines.append(f"  tearsheet           {run_dir / 'tearsheet.html'}")
    return "\n".join(lines)


def _exit_code(command: str, result: BacktestRunResult, allow_handler_errors: bool) -> int:
    """Return 1 (and say why on stderr) for a failed or faulted run, else 0."""
    if result.error is not None:
        print(f"flotilla {command}: error: {result.error}", file=sys.stderr)
        return 1
    if result.handler_errors and not allow_handler_errors:
        first = result.first_handler_errors[0] if result.first_handler_errors else None
        where = f", first {first.component_id}.{first.handler}: {first.error}" if first else ""
        print(
            f"flotilla {command}: error: {result.handler_errors} handler error(s) in a run that "
            f"went on (raise_handler_errors = false){where}; its statistics are not the "
            f"strategy's (--allow-handler-errors to exit 0 anyway)",
            file=sys.stderr,
        )
        return 1
    return 0


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
            raise_on_fault=False,
        )
    print(format_summary(result, result.run_dir))
    return _exit_code("backtest", result, args.allow_handler_errors)


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
    return _exit_code("report", result, args.allow_handler_errors)
