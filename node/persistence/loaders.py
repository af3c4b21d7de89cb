"""Loaders: read CSV and Parquet files of quotes, trades or bars in chunks, map their columns,
run a wrangler and return (or write to a catalog) the accepted rows with a `RejectReport`.

CSV files (plain, ``.gz`` or ``.bz2``) are read by pyarrow's streaming reader with every column
as text, so an unparseable value becomes a rejected row (not a failed import); a malformed line
(wrong number of fields) is rejected with its line number and the expected field count; a
byte that is not UTF-8 rejects its row (line, column, the byte), not the file; a UTF-8 byte
order mark before the header is accepted. For CSV the report's ``row`` is
the file's line number (the header is line 1; quoted values containing newlines shift it);
for Parquet it is the 1-based data row.

The column mapping renames source columns to the wrangler's names, e.g.
``{"time": "timestamp", "bid": "bid_price"}`` (source -> target).
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from core.errors import DataError
from node.persistence.wranglers import (
    Rejection,
    RejectReport,
    apply_duplicates,
    check_duplicates,
    check_tz,
)

__all__ = ["count_rows", "load", "parse_mapping", "read_chunks"]

CHUNK_BYTES = 16 << 20
"""Bytes of CSV parsed per chunk (bounds memory however large the file)."""


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """Return ``["src=dst", ...]`` as a dict.

    Raises
    ------
    DataError
        If an item is not ``SOURCE=TARGET`` or a source is mapped twice.
    """
    mapping: dict[str, str] = {}
    for item in items or []:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise DataError(
                f"column mapping {item!r} invalid, expected SOURCE=TARGET such as 'time=timestamp'"
            )
        if source.strip() in mapping:
            raise DataError(f"column mapping {item!r}: source {source.strip()!r} mapped twice")
        mapping[source.strip()] = target.strip()
    return mapping


def _check_mapping(mapping: dict[str, str], columns: list[str], path: Path, targets) -> None:
    for source, target in sorted(mapping.items()):
        if source not in columns:
            raise DataError(
                f"column mapping {source}={target}: source column {source!r} not in {path} "
                f"(columns: {', '.join(columns)})"
            )
        if target not in targets:
            raise DataError(
                f"column mapping {source}={target}: target {target!r} unknown, expected one "
                f"of {', '.join(targets)}"
            )


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt") or path.name.lower().endswith((".csv.gz", ".csv.bz2")):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise DataError(f"file {path}: format unknown, expected a .csv or .parquet file")


def _open_binary(path: Path):
    """Open a file for reading bytes, decompressing ``.gz`` and ``.bz2`` files."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    return open(path, "rb")


def count_rows(path: str | Path) -> int:
    """Return the number of data rows of a CSV (lines after the header) or Parquet file."""
    path = Path(path)
    if _format(path) == "parquet":
        return pq.ParquetFile(path).metadata.num_rows
    lines = 0
    last = b"\n"
    with _open_binary(path) as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def read_chunks(
    path: str | Path, mapping: dict[str, str] | None = None, targets=()
) -> Iterator[tuple[pd.DataFrame, list[Rejection]]]:
    """Yield (DataFrame chunk with mapped columns, malformed-line rejections) from a file.

    Raises
    ------
    DataError
        If the file is missing, empty, of an unknown format, or the mapping is invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"file {path}: not found, expected a CSV or Parquet file")
    mapping = mapping or {}
    if _format(path) == "parquet":
        parquet = pq.ParquetFile(path)
        _check_mapping(mapping, parquet.schema_arrow.names, path, targets)
        for batch in parquet.iter_batches(batch_size=1_000_000):
            yield batch.to_pandas().rename(columns=mapping), []
        return
    # utf-8-sig: a UTF-8 byte order mark before the header is accepted (Excel writes one).
    with io.TextIOWrapper(
        _open_binary(path), encoding="utf-8-sig", errors="replace", newline=""
    ) as f:
        header = next(csv.reader(f), None)
    if not header:
        raise DataError(f"file {path}: empty, expected a header line of column names")
    header = [h.strip() for h in header]
    _check_mapping(mapping, header, path, targets)
    bad: list[Rejection] = []

    def on_invalid(row) -> str:
        bad.append(
            Rejection(
                int(row.number or 0),
                "*",
                _unmark(row.text),
                f"malformed CSV line: {row.actual_columns} fields, expected {row.expected_columns}",
            )
        )
        return "skip"

    reader = pacsv.open_csv(
        pa.PythonFile(io.BufferedReader(_MarkedUtf8(_open_binary(path)), CHUNK_BYTES), mode="r"),
        read_options=pacsv.ReadOptions(
            use_threads=False, block_size=CHUNK_BYTES, column_names=header, skip_rows=1
        ),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False
        ),
    )
    parsed = 0  # rows the parser produced so far (malformed lines are not among them)
    malformed: list[int] = []  # their line numbers, in file order
    try:
        for batch in reader:
            found, bad[:] = list(bad), []
            malformed += [r.row for r in found]
            frame, invalid = _decode(batch, header, parsed, malformed)
            parsed += batch.num_rows
            yield frame.rename(columns=mapping), found + invalid
    except pa.ArrowInvalid as err:
        raise DataError(f"file {path}: malformed CSV: {err}") from err
    if bad:
        yield pd.DataFrame({name: pd.Series([], dtype=object) for name in header}), list(bad)


_MARK = 0x10FE00
"""Byte 0xNN that is not UTF-8 is read as code point U+10FE00 + 0xNN (private use, plane 16)."""
_MARKED = r"[\x{10FE00}-\x{10FEFF}]"


def _mark_bad_bytes(err: UnicodeDecodeError) -> tuple[str, int]:
    return "".join(chr(_MARK + b) for b in err.object[err.start : err.end]), err.end


codecs.register_error("flotilla-mark-bytes", _mark_bad_bytes)


class _MarkedUtf8(io.RawIOBase):
    """A byte stream re-encoded as valid UTF-8, each byte that is not UTF-8 replaced by a mark.

    The CSV parser needs valid UTF-8 (it fails the whole file otherwise, even in a malformed
    line); the marks keep the line structure and the bad byte's value, so `_decode` rejects
    exactly the rows holding one and names the byte.
    """

    def __init__(self, raw) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")("flotilla-mark-bytes")
        self._buffer = memoryview(b"")
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, out) -> int:
        while not self._buffer and not self._done:
            block = self._raw.read(CHUNK_BYTES)
            text = self._decoder.decode(block, final=not block)
            self._done = not block
            self._buffer = memoryview(text.encode("utf-8"))
        n = min(len(out), len(self._buffer))
        out[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _unmark(text: str) -> str:
    """Return `text` with each mark shown as the byte it stands for (``\\xff``)."""
    return "".join(
        f"\\x{ord(c) - _MARK:02x}" if _MARK <= ord(c) <= _MARK + 0xFF else c for c in text
    )


def _decode(
    batch: pa.RecordBatch, header: list[str], parsed: int, malformed: list[int]
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Return a batch as a DataFrame without the rows holding a byte that is not UTF-8, and
    those rows as rejections numbered by file line (one vectorised search per column)."""
    bad_rows: dict[int, Rejection] = {}
    for name, column in zip(header, batch.columns, strict=True):
        found = pc.match_substring_regex(column, _MARKED)
        if not pc.any(found).as_py():
            continue
        values = column.to_pylist()
        for i in np.flatnonzero(found.to_numpy(zero_copy_only=False)):
            i = int(i)
            if i in bad_rows:
                continue
            value = values[i]
            at = next(k for k, c in enumerate(value) if _MARK <= ord(c) <= _MARK + 0xFF)
            offset = len(value[:at].encode("utf-8"))
            bad_rows[i] = Rejection(
                _line_of(parsed + i, malformed),
                name,
                _unmark(value),
                f"invalid UTF-8 byte 0x{ord(value[at]) - _MARK:02x} at byte {offset} of the "
                f"value, expected UTF-8 text",
            )
    frame = batch.to_pandas()
    if bad_rows:
        keep = np.ones(len(frame), dtype=bool)
        keep[sorted(bad_rows)] = False
        frame = frame[keep].reset_index(drop=True)
    return frame, [bad_rows[i] for i in sorted(bad_rows)]


def _line_of(k: int, malformed: list[int]) -> int:
    """Return the file line of the k-th (0-based) parsed row, given the malformed lines before."""
    skipped = np.asarray(malformed, dtype=np.int64)
    shifted = skipped - np.arange(len(skipped)) - 2
    return 2 + k + int(np.searchsorted(shifted, k, side="right"))


def load(
    path: str | Path,
    wrangler,
    mapping: dict[str, str] | None = None,
    tz: str = "UTC",
    ts_unit: str = "ns",
    time_format: str | None = None,
    ts_init_delta: int = 0,
    on_rows: Callable[[int], None] | None = None,
    duplicates: str = "keep",
) -> tuple[pa.Table, RejectReport]:
    """Read a CSV or Parquet file through `wrangler`; return the accepted rows and the report.

    Parameters
    ----------
    path : str or Path
    wrangler : QuoteTickDataWrangler, TradeTickDataWrangler or BarDataWrangler
    mapping : dict, optional
        Source column -> wrangler column.
    tz, ts_unit, time_format, ts_init_delta
        As `QuoteTickDataWrangler.process_table`.
    on_rows : callable, optional
        Called with the number of rows after each chunk (progress).
    duplicates : {"keep", "drop", "error"}, default "keep"
        Exact duplicate rows anywhere in the file (not only within a chunk), as
        `QuoteTickDataWrangler.process_table`; ``report.duplicates`` lists them by line.

    Raises
    ------
    DataError
        If the file cannot be read, the mapping or tz is invalid, or a column is missing.
    """
    check_tz(tz)
    check_duplicates(duplicates)
    path = Path(path)
    is_csv = _format(path) == "csv"
    tables = []
    rows = []
    report = RejectReport()
    malformed: list[Rejection] = []
    ordinal = 0
    columns: list[str] = []
    for frame, bad in read_chunks(path, mapping, wrangler.accepted_names()):
        malformed += bad
        columns = [str(c) for c in frame.columns]
        if len(frame):
            table, chunk, chunk_rows = wrangler._process(
                frame,
                ts_init_delta,
                tz,
                ts_unit,
                time_format,
                ordinal if is_csv else ordinal + 1,
            )
            tables.append(table)
            rows.append(chunk_rows)
            report.extend(chunk)
            ordinal += len(frame)
        if on_rows is not None:
            on_rows(len(frame) + len(bad))
    rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    if is_csv:
        report = _to_lines(report, malformed)
        rows = _lines(rows, malformed)
    if mapping:  # report the file's own column names
        source = {target: src for src, target in mapping.items()}
        report = RejectReport(
            report.total,
            [
                Rejection(r.row, source.get(r.column, r.column), r.value, r.reason)
                for r in report.rejections
            ],
        )
    if not tables:
        table = wrangler.process_table(pd.DataFrame({n: [] for n in _empty_columns(wrangler)}))[0]
    else:
        table = pa.concat_tables(tables)
    keys = wrangler.duplicate_keys(columns)
    owner = f"file {path}: {type(wrangler).__name__} {wrangler.identifier}"
    return apply_duplicates(table, rows, report, duplicates, keys, owner)


def _empty_columns(wrangler) -> list[str]:
    names = ["ts_event"]
    for field, aliases in wrangler.fields.items():
        if field not in wrangler.optional:
            names.append(aliases[0])
    return names


def _lines(ordinals: np.ndarray, skipped_lines: list[Rejection]) -> np.ndarray:
    """Return the file lines of valid-row ordinals (0-based), given the lines not parsed."""
    skipped = np.array(sorted(r.row for r in skipped_lines), dtype=np.int64)
    # The k-th valid row is on line 2 + k + (skipped lines before it).
    shifted = skipped - np.arange(len(skipped)) - 2
    ordinals = np.asarray(ordinals, dtype=np.int64)
    return 2 + ordinals + np.searchsorted(shifted, ordinals, side="right")


def _to_lines(report: RejectReport, malformed: list[Rejection]) -> RejectReport:
    """Renumber a CSV report: valid-row ordinals (0-based) become file line numbers."""
    lines = _lines([r.row for r in report.rejections], malformed)
    items = [
        Rejection(int(line), r.column, r.value, r.reason)
        for line, r in zip(lines, report.rejections, strict=True)
    ]
    return RejectReport(report.total + len(malformed), items + malformed)
