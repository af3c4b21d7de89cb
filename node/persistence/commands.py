"""``flotilla catalog``: import CSV/Parquet market data, add instruments, list a catalog.

| command                                              | does                                   |
| ---------------------------------------------------- | -------------------------------------- |
| ``catalog add-instrument --fx EUR/USD.SIM``          | store a test FX pair (TestInstrumentProvider) |
| ``catalog add-instrument --file instruments.json``   | store instruments from JSON/TOML       |
| ``catalog import quotes FILE --instrument ID``       | wrangle a file into the catalog        |
| ``catalog ls``                                       | table of kind, identifier, rows, range, |
|                                                      | status (exit 1 if a stream is broken)  |

An import needs its instrument in the catalog (for the precisions). Rejected rows are printed
(row, column, value, reason) to stderr and the accepted rows are written; with ``--strict``
nothing is written when a row is rejected and the command fails. Exact duplicate rows are
counted and the first printed; ``--duplicates keep|drop|error`` (default keep) decides what
happens to them.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

from core.errors import DataError
from core.model.identifiers import InstrumentId, Venue
from node.persistence.catalog import ParquetDataCatalog
from node.persistence.schemas import instrument_from_dict

__all__ = ["register"]

KINDS = {"quotes": "quote_tick", "trades": "trade_tick", "bars": "bar"}
DEFAULT_CATALOG = "./catalog"


def register(commands) -> None:
    """Add ``flotilla catalog`` and its sub-commands to the command line."""
    catalog = commands.add_parser(
        "catalog",
        help="import market data into a Parquet data catalog and list it",
        description="Manage a ParquetDataCatalog: add instruments, import CSV/Parquet quotes, "
        "trades and bars, list what is stored.",
        epilog="examples:\n"
        "  flotilla catalog add-instrument --fx EUR/USD.SIM\n"
        "  flotilla catalog import quotes eurusd.csv --instrument EUR/USD.SIM --map time=timestamp\n"
        "  flotilla catalog ls --catalog ./catalog",
    )
    sub = catalog.add_subparsers(dest="catalog_command", required=True)

    add = sub.add_parser(
        "add-instrument",
        help="store instruments in the catalog",
        description="Store instruments: a test FX pair (5 decimals, 3 for JPY quotes) or the "
        "instruments of a JSON/TOML file (each an object with the fields of "
        "node.persistence.schemas.instrument_to_dict). Re-adding an identical instrument does "
        "nothing.",
        epilog="examples:\n"
        "  flotilla catalog add-instrument --fx EUR/USD.SIM\n"
        "  flotilla catalog add-instrument --fx USD/JPY.SIM --fx GBP/USD.SIM --catalog data/cat\n"
        "  flotilla catalog add-instrument --file instruments.json",
    )
    add.add_argument(
        "--fx", action="append", default=[], metavar="PAIR.VENUE", help="e.g. EUR/USD.SIM"
    )
    add.add_argument("--file", type=Path, help="a .json or .toml file of instruments")
    add.add_argument("--catalog", default=DEFAULT_CATALOG, help="catalog directory (./catalog)")
    add.set_defaults(func=_add_instrument)

    imp = sub.add_parser(
        "import",
        help="import a CSV or Parquet file of quotes, trades or bars",
        description="Read FILE (CSV or Parquet) in chunks, map its columns, check every row "
        "against the instrument (precision, positive prices, ask >= bid, high >= low, ...) and "
        "write the accepted rows to the catalog. Rejected rows are printed with their row (CSV: "
        "line number), column, value and reason. Columns expected after mapping: quotes "
        "timestamp, bid_price, ask_price [bid_size, ask_size]; trades timestamp, price, size "
        "[aggressor_side, trade_id]; bars timestamp, open, high, low, close [volume].",
        epilog="examples:\n"
        "  flotilla catalog import quotes eurusd.csv --instrument EUR/USD.SIM\n"
        "  flotilla catalog import quotes ticks.csv --instrument EUR/USD.SIM \\\n"
        "      --map time=timestamp --map bid=bid_price --map ask=ask_price --tz Europe/London\n"
        "  flotilla catalog import bars m1.parquet --instrument EUR/USD.SIM \\\n"
        "      --bar-type EUR/USD.SIM-1-MINUTE-MID-EXTERNAL --ts-unit ms --strict",
    )
    imp.add_argument("kind", choices=sorted(KINDS), help="what the file holds")
    imp.add_argument("file", type=Path, help="the CSV or Parquet file")
    imp.add_argument("--instrument", required=True, help="instrument id, e.g. EUR/USD.SIM")
    imp.add_argument("--bar-type", help="for bars, e.g. EUR/USD.SIM-1-MINUTE-MID-EXTERNAL")
    imp.add_argument("--catalog", default=DEFAULT_CATALOG, help="catalog directory (./catalog)")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SOURCE=TARGET",
        help="rename a file column, e.g. time=timestamp (repeatable)",
    )
    imp.add_argument("--tz", default="UTC", help="time zone of naive times (default UTC)")
    imp.add_argument(
        "--ts-unit", default="ns", choices=["ns", "us", "ms", "s"], help="unit of integer times"
    )
    imp.add_argument("--time-format", help="strftime format of text times (default ISO 8601)")
    imp.add_argument(
        "--ts-init-delta", type=int, default=0, help="ns added to ts_event to make ts_init"
    )
    imp.add_argument(
        "--strict", action="store_true", help="write nothing and fail if any row is rejected"
    )
    imp.add_argument(
        "--duplicates",
        choices=["keep", "drop", "error"],
        default="keep",
        help="exact duplicate rows (every stored column equal to an earlier row's): keep them "
        "(default: identical repeated updates are real in some feeds), drop them (reported as "
        "rejected rows), or fail and write nothing; always counted and the first ones printed",
    )
    imp.add_argument(
        "--show-rejects", type=int, default=20, metavar="N", help="rejections printed (20)"
    )
    imp.set_defaults(func=_import)

    ls = sub.add_parser(
        "ls",
        help="list the catalog's streams",
        description="Print a table of kind, identifier, rows, start, end and files.",
        epilog="examples:\n  flotilla catalog ls\n  flotilla catalog ls --catalog data/cat",
    )
    ls.add_argument("--catalog", default=DEFAULT_CATALOG, help="catalog directory (./catalog)")
    ls.set_defaults(func=_ls)


def _console():
    from rich.console import Console

    tty = sys.stdout.isatty()
    return Console(file=sys.stdout, width=None if tty else 160, no_color=not tty)


def _add_instrument(args) -> int:
    from core.testkit import TestInstrumentProvider

    if not args.fx and args.file is None:
        raise DataError("add-instrument: nothing to add, expected --fx PAIR.VENUE or --file FILE")
    instruments = []
    for text in args.fx:
        iid = InstrumentId.from_str(text)
        try:
            instruments.append(
                TestInstrumentProvider.default_fx_ccy(iid.symbol.value, Venue(iid.venue.value))
            )
        except ValueError as err:
            raise DataError(f"--fx {text!r} invalid: {err}") from err
    if args.file is not None:
        instruments += _read_instruments(args.file)
    catalog = ParquetDataCatalog(args.catalog)
    written = catalog.write_data(instruments)
    _print_swept(catalog)
    stored = {p.parent for p in written}
    for instrument in instruments:
        new = any(p.name == _escaped(instrument) for p in stored)
        print(f"{'added' if new else 'unchanged'} {type(instrument).__name__} {instrument.id}")
    return 0


def _escaped(instrument) -> str:
    from node.persistence.catalog import escape_identifier

    return escape_identifier(str(instrument.id))


def _read_instruments(path: Path) -> list:
    if not path.is_file():
        raise DataError(f"instrument file {path}: not found")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            values = tomllib.loads(text).get("instruments")
        elif path.suffix.lower() == ".json":
            values = json.loads(text)
        else:
            raise DataError(f"instrument file {path}: format unknown, expected .json or .toml")
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        raise DataError(f"instrument file {path}: {err}") from err
    if isinstance(values, dict):
        values = [values]
    if not isinstance(values, list) or not values:
        raise DataError(
            f"instrument file {path}: expected a list of instrument objects (TOML: "
            f"[[instruments]] tables)"
        )
    out = []
    for i, value in enumerate(values):
        try:
            out.append(instrument_from_dict(value))
        except DataError as err:
            raise DataError(f"instrument file {path}: entry {i}: {err}") from err
    return out


def _import(args) -> int:
    from node.persistence.loaders import count_rows, load, parse_mapping
    from node.persistence.wranglers import (
        BarDataWrangler,
        QuoteTickDataWrangler,
        TradeTickDataWrangler,
        check_tz,
    )

    kind = KINDS[args.kind]
    mapping = parse_mapping(args.map)
    check_tz(args.tz)
    iid = InstrumentId.from_str(args.instrument)
    if not args.file.is_file():
        raise DataError(f"file {args.file}: not found, expected a CSV or Parquet file")
    catalog = ParquetDataCatalog(args.catalog)
    found = catalog.instruments([iid])
    if not found:
        known = ", ".join(str(i.id) for i in catalog.instruments()) or "none"
        raise DataError(
            f"instrument {iid} not in catalog {args.catalog} (stored: {known}); add it with "
            f"`flotilla catalog add-instrument --fx {iid} --catalog {args.catalog}` or --file"
        )
    instrument = found[0]
    if kind == "bar":
        if not args.bar_type:
            raise DataError(
                f"--bar-type missing for bars, expected e.g. {iid}-1-MINUTE-MID-EXTERNAL"
            )
        wrangler = BarDataWrangler(args.bar_type, instrument)
    elif args.bar_type:
        raise DataError(f"--bar-type {args.bar_type!r} given for {args.kind}, expected bars")
    elif kind == "quote_tick":
        wrangler = QuoteTickDataWrangler(instrument)
    else:
        wrangler = TradeTickDataWrangler(instrument)
    total = count_rows(args.file)
    with _progress() as progress:
        task = progress.add_task(f"import {args.file.name}", total=total)
        table, report = load(
            args.file,
            wrangler,
            mapping=mapping,
            tz=args.tz,
            ts_unit=args.ts_unit,
            time_format=args.time_format,
            ts_init_delta=args.ts_init_delta,
            on_rows=lambda n: progress.advance(task, n),
            duplicates=args.duplicates,
        )
    if report or report.duplicates:
        print(report.format(limit=args.show_rejects), file=sys.stderr)
        if args.strict:
            raise DataError(
                f"{report.rejected} of {report.total} rows rejected; nothing written (--strict)"
            )
    files = catalog.write_table(kind, wrangler.identifier, table)
    _print_swept(catalog)
    print(
        f"imported {table.num_rows:,} of {report.total:,} rows ({args.kind}) for "
        f"{wrangler.identifier} into {args.catalog}: {', '.join(p.name for p in files) or 'no file'}"
    )
    return 0


def _print_swept(catalog: ParquetDataCatalog) -> None:
    for path in catalog.swept:
        print(f"removed {path}: a temporary file left by an interrupted write", file=sys.stderr)


def _progress():
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s")

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        disable=not sys.stdout.isatty(),
    )


def _ls(args) -> int:
    import pandas as pd
    from rich.table import Table

    catalog = ParquetDataCatalog(args.catalog)
    entries = catalog.list_data()
    if not entries:
        print(f"catalog {args.catalog}: empty")
        return 0
    table = Table(title=f"catalog {args.catalog}")
    for name, justify in (
        ("kind", "left"),
        ("identifier", "left"),
        ("rows", "right"),
        ("start", "left"),
        ("end", "left"),
        ("files", "right"),
        ("status", "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)

    def iso(ns: int) -> str:
        return pd.Timestamp(ns, unit="ns", tz="UTC").isoformat()

    for e in entries:
        status = "ok" if not e.problems else f"BROKEN ({len(e.problems)} problem(s))"
        table.add_row(
            e.kind,
            e.identifier,
            f"{e.rows:,}",
            iso(e.start_ns),
            iso(e.end_ns),
            str(len(e.files)),
            status,
        )
    _console().print(table)
    broken = [e for e in entries if e.problems]
    # A listing that hides a broken stream behind exit 0 would be a wrong answer: fail.
    for e in broken:
        for problem in e.problems:
            print(f"flotilla catalog ls: {e.kind} {e.identifier}: {problem}", file=sys.stderr)
    if broken:
        print(
            f"flotilla catalog ls: error: {len(broken)} stream(s) of catalog {args.catalog} "
            f"cannot be read (listed above); delete or re-import the files named",
            file=sys.stderr,
        )
        return 1
    return 0
