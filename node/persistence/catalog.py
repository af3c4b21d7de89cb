"""`ParquetDataCatalog`: market data, instruments and custom data in Parquet files on disk.

Layout (one directory per data kind and identifier; identifiers are percent-escaped, so
``EUR/USD.SIM`` becomes ``EUR%2FUSD.SIM``, reversibly)::

    <catalog>/data/<kind>/<escaped identifier>/<start_ns>-<end_ns>.parquet

A file holds rows sorted by ``ts_init`` (stable), and its name is the ``[min, max]`` range of
its ``ts_init``. The files of one stream never overlap: a write whose range overlaps an existing
file is refused with a `DataError` naming both files and ranges, and nothing is written. The
column layout of each kind is in `node.persistence.schemas`; prices and sizes are int64 raw
values with their precision in the Parquet schema metadata.

Concurrency and crashes:

- A writer holds an exclusive ``fcntl.flock`` on each data directory it writes (taken in
  sorted order) from the overlap check to the rename, so of two processes writing overlapping
  ranges exactly one succeeds and the other is refused; no two files of a stream overlap.
- Files are written to ``.<name>.<pid>.tmp`` and renamed into place once all are written, so a
  reader never sees a partial file. A failed write (full disk, file size limit) removes its
  temporary files and raises a `DataError`; a killed writer (kill -9, Ctrl-C) leaves them, and
  the next write to that directory sweeps them while holding the lock (a live writer holds the
  lock, so only files of dead writers are swept; `flock` dies with its process).
- Readers refuse a stream whose files overlap (planted by hand, or written by another tool),
  naming both files, rather than yield rows twice or going back in time; a file that is not
  readable Parquet is named in the error, and `list_data` lists the rest of the catalog with
  the stream's ``problems``.

Reads stream: `stream` reads record batches file by file (``ParquetFile.iter_batches``),
skips files whose name is outside the requested range, filters each batch by the time range
and the ``where`` expression (`node.persistence.filters`), and never holds a whole file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.errors import DataError
from core.model.data import BarType
from core.model.identifiers import InstrumentId
from core.model.instruments import Instrument
from node.persistence.filters import compile_filter
from node.persistence.schemas import (
    BUILTIN_KINDS,
    CUSTOM_PREFIX,
    FIXED_POINT_COLUMNS,
    INSTRUMENT_KIND,
    SCHEMAS,
    identifier_of,
    kind_of,
    objects_to_table,
    table_to_objects,
)

__all__ = ["CatalogEntry", "ParquetDataCatalog", "file_rows"]

_FILE_RE = re.compile(r"^(\d+)-(\d+)\.parquet$")
_RAW_MAX = 9_223_372_036_000_000_000
_NS_MAX = 2**63 - 1
ROW_GROUP_ROWS = 65_536
"""Rows per Parquet row group: the unit a streaming read decodes at a time."""
MAX_FILE_ROWS = 10_000_000
"""Rows per file before a write starts a new file (split only where ``ts_init`` changes)."""


@dataclasses.dataclass(frozen=True)
class CatalogEntry:
    """One stream of the catalog: its kind, identifier, row count, time range, files and
    problems (``rows`` counts the readable files only)."""

    kind: str
    identifier: str
    rows: int
    start_ns: int
    end_ns: int
    files: tuple[Path, ...]
    problems: tuple[str, ...] = ()
    """What makes the stream unreadable (unreadable files, overlapping files); empty if none."""


def to_ns(value, name: str = "time") -> int | None:
    """Return `value` (int ns, ISO string, pandas Timestamp, datetime; naive = UTC) as int ns.

    Raises
    ------
    DataError
        If the value cannot be read as a time.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise DataError(f"{name} {value!r} invalid, expected int nanoseconds or an ISO time")
    out_of_range = DataError(
        f"{name} {value!r} out of range, expected 1970-01-01T00:00:00Z to "
        f"2262-04-11T23:47:16.854775807Z (int64 UNIX nanoseconds)"
    )
    if isinstance(value, int | np.integer):
        if not 0 <= int(value) <= _NS_MAX:
            raise out_of_range
        return int(value)
    if isinstance(value, str | datetime | pd.Timestamp | np.datetime64):
        try:
            ts = pd.Timestamp(value)
        except ValueError as err:
            raise DataError(
                f"{name} {value!r} unparseable, expected int nanoseconds or an ISO 8601 time"
            ) from err
        if ts is pd.NaT:
            raise DataError(f"{name} {value!r} invalid, expected a time")
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        try:
            # Timestamp.value raises (rather than wraps) beyond 2262 at any resolution.
            ns = int(ts.as_unit("ns").value)
        except (OverflowError, ValueError) as err:
            raise out_of_range from err
        if ns < 0:
            raise out_of_range
        return ns
    raise DataError(
        f"{name} {value!r} of type {type(value).__name__} invalid, expected int nanoseconds, "
        f"an ISO string or a pandas Timestamp"
    )


def _iso(ns: int) -> str:
    if not 0 <= ns <= _NS_MAX:  # a hand-named file can claim any range: do not fail on it
        return f"{ns} ns (out of range)"
    return pd.Timestamp(ns, unit="ns", tz="UTC").isoformat()


def escape_identifier(identifier: str) -> str:
    """Return `identifier` as a directory name (percent-escaped, reversible)."""
    if not identifier or identifier in (".", ".."):
        raise DataError(f"identifier {identifier!r} invalid, expected a non-empty name")
    return quote(identifier, safe="")


def unescape_identifier(name: str) -> str:
    """Return the identifier a directory name stands for."""
    return unquote(name)


def _decode_metadata(schema: pa.Schema) -> dict:
    raw = schema.metadata or {}
    out = {}
    for key, value in sorted(raw.items()):
        k, v = key.decode(), value.decode()
        out[k] = int(v) if k.endswith("precision") else v
    return out


class ParquetDataCatalog:
    """A data catalog of Parquet files under `path` (see the module docstring for the layout).

    Parameters
    ----------
    path : str or Path
        The catalog's root directory. Reads need it to exist; writes create it.
    max_rows_per_file : int, default 10,000,000
        A write of more rows is split into several files (never inside one ``ts_init``).
    """

    def __init__(self, path: str | os.PathLike, max_rows_per_file: int = MAX_FILE_ROWS) -> None:
        self.path = Path(path)
        if max_rows_per_file < 1:
            raise DataError(f"max_rows_per_file {max_rows_per_file} invalid, expected >= 1")
        self.max_rows_per_file = max_rows_per_file
        self.swept: list[Path] = []
        """The temporary files of interrupted writes that the last write removed."""

    @classmethod
    def create(cls, path: str | os.PathLike, **kwargs) -> ParquetDataCatalog:
        """Create the catalog directory (if missing) and return the catalog."""
        catalog = cls(path, **kwargs)
        catalog._ensure()
        return catalog

    def __repr__(self) -> str:
        return f"ParquetDataCatalog({str(self.path)!r})"

    # -- paths -----------------------------------------------------------------------------------
    def _ensure(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise DataError(f"catalog {self.path}: not a directory, expected a catalog directory")
        (self.path / "data").mkdir(parents=True, exist_ok=True)

    def _check_exists(self) -> None:
        if not self.path.is_dir():
            raise DataError(
                f"catalog {self.path}: not found, expected an existing catalog directory "
                f"(create one with ParquetDataCatalog.create(path), or "
                f"`flotilla catalog add-instrument --fx EUR/USD.SIM --catalog {self.path}`)"
            )

    def _dir(self, kind: str, identifier: str) -> Path:
        return self.path / "data" / escape_identifier(kind) / escape_identifier(identifier)

    def _ranges(self, directory: Path, check: bool = True) -> list[tuple[int, int, Path]]:
        """Return the (start, end, path) of a stream's files in time order.

        With `check`, files whose ranges overlap are refused: a reader would otherwise yield
        rows going back in time (dropped by the engine) or twice.
        """
        if not directory.is_dir():
            return []
        out = []
        for child in directory.iterdir():
            if child.name.startswith("."):
                continue  # a temporary file of a write in progress
            match = _FILE_RE.match(child.name)
            if match is None:
                raise DataError(
                    f"catalog {self.path}: file {child} is not a catalog file, expected "
                    f"'<start_ns>-<end_ns>.parquet'"
                )
            out.append((int(match.group(1)), int(match.group(2)), child))
        out.sort(key=lambda r: (r[0], r[1], r[2].name))
        if check:
            overlaps = _overlaps(out)
            if overlaps:
                (s1, e1, a), (s2, e2, b) = overlaps[0]
                raise DataError(
                    f"catalog {self.path}: files {a} [{s1}, {e1}] and {b} [{s2}, {e2}] overlap "
                    f"({_iso(s2)} .. {_iso(min(e1, e2))}), expected the files of one stream to "
                    f"cover disjoint ranges; nothing was read. Delete one of them (and re-import "
                    f"its data outside the other's range)"
                )
        return out

    def files(self, data_cls, identifier) -> list[Path]:
        """Return the files of one stream in time order (empty if it has none).

        Raises
        ------
        DataError
            If the catalog does not exist or the data class is unknown.
        """
        self._check_exists()
        return [r[2] for r in self._ranges(self._dir(kind_of(data_cls), str(identifier)))]

    # -- writes ----------------------------------------------------------------------------------
    def write_data(self, items: Iterable) -> list[Path]:
        """Write data objects, grouped per kind and identifier; return the files written.

        Raises
        ------
        DataError
            If a group's time range overlaps an existing file of its stream (nothing is written
            then), a group mixes precisions, or a precision differs from the stream's.
        """
        groups: dict[tuple[str, str], list] = {}
        for item in items:
            kind = kind_of(type(item))
            groups.setdefault((kind, identifier_of(kind, item)), []).append(item)
        if not groups:
            return []
        keys = sorted(groups)
        with self._locked([self._dir(kind, identifier) for kind, identifier in keys]):
            planned = []
            for kind, identifier in keys:
                group = groups[(kind, identifier)]
                if kind == INSTRUMENT_KIND:
                    group = self._new_instruments(identifier, group)
                    if not group:
                        continue
                table = objects_to_table(kind, identifier, group)
                planned += self._plan(kind, identifier, table)
            return self._commit(planned)

    def write_table(
        self,
        kind: str,
        identifier,
        table: pa.Table,
        price_precision: int | None = None,
        size_precision: int | None = None,
    ) -> list[Path]:
        """Write a table in the catalog schema of `kind` (the vectorised path).

        Each precision comes from, in order: the argument; the table's schema metadata
        (``price_precision``, ``size_precision``, as the wranglers write them); the stream's
        instrument stored in this catalog; else the fewest decimals that represent every value
        of the column(s) exactly.

        Raises
        ------
        DataError
            If a column is missing or of the wrong type, a value is null or invalid for its
            precision, a precision is missing or differs from the stream's, or the range
            overlaps an existing file.
        """
        kind = kind_of(kind)
        identifier = str(identifier)
        if kind not in BUILTIN_KINDS:
            raise DataError(
                f"write_table kind {kind!r} invalid, expected one of {', '.join(BUILTIN_KINDS)} "
                f"(write instruments and custom data with write_data)"
            )
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        if not isinstance(table, pa.Table):
            raise DataError(
                f"write_table table {type(table).__name__} invalid, expected a pyarrow Table"
            )
        owner = f"write_table {kind} {identifier}"
        meta = _decode_metadata(table.schema)
        schema = SCHEMAS[kind]
        missing = [n for n in schema.names if n not in table.column_names]
        if missing:
            raise DataError(
                f"{owner}: column(s) {', '.join(missing)} missing, expected columns "
                f"{', '.join(schema.names)}"
            )
        columns = []
        for field in schema:
            column = table.column(field.name)
            if column.null_count:
                raise DataError(f"{owner}: column {field.name!r} has {column.null_count} null(s)")
            try:
                columns.append(column.cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
                raise DataError(
                    f"{owner}: column {field.name!r} of type {column.type} invalid, expected "
                    f"{field.type} ({err})"
                ) from err
        table = pa.table(columns, schema=schema)
        if kind == "bar":
            try:
                bar_type = BarType.from_str(identifier)
            except ValueError as err:
                raise DataError(f"{owner}: identifier invalid: {err}") from err
            extra = {"bar_type": identifier, "instrument_id": str(bar_type.instrument_id)}
        else:
            try:
                InstrumentId.from_str(identifier)
            except ValueError as err:
                raise DataError(f"{owner}: identifier invalid: {err}") from err
            extra = {"instrument_id": identifier}
        instrument = None
        if (price_precision is None or size_precision is None) and self.path.is_dir():
            found = self.instruments([extra["instrument_id"]])
            instrument = found[0] if found else None
        precisions = {}
        for name, given in (
            ("price_precision", price_precision),
            ("size_precision", size_precision),
        ):
            value = given if given is not None else meta.get(name)
            if value is None and instrument is not None:
                value = getattr(instrument, name)
            if value is None:
                value = _finest_precision(table, kind, name)
            if not isinstance(value, int) or not 0 <= value <= 9:
                raise DataError(f"{owner}: {name} {value!r} invalid, expected 0..9")
            precisions[name] = value
        self._check_raw(owner, kind, table, precisions)
        metadata = {"kind": kind, "identifier": identifier, **extra}
        metadata |= {k: str(v) for k, v in precisions.items()}
        table = table.replace_schema_metadata(metadata)
        if table.num_rows == 0:
            return []
        with self._locked([self._dir(kind, identifier)]):
            return self._commit(self._plan(kind, identifier, table))

    @staticmethod
    def _check_raw(owner: str, kind: str, table: pa.Table, precisions: dict) -> None:
        for name in ("ts_event", "ts_init"):
            values = table.column(name).to_numpy()
            if values.size and values.min() < 0:
                row = int(np.argmax(values < 0))
                raise DataError(f"{owner}: row {row} {name} {values[row]} invalid, expected >= 0")
        for name in FIXED_POINT_COLUMNS[kind]:
            prec = precisions["price_precision" if name not in _SIZE_COLUMNS else "size_precision"]
            values = table.column(name).to_numpy()
            step = 10 ** (9 - prec)
            bad = (np.abs(values) > _RAW_MAX) | (values % step != 0)
            if name in _SIZE_COLUMNS:
                bad |= values < 0
            if bad.any():
                row = int(np.argmax(bad))
                raise DataError(
                    f"{owner}: row {row} column {name!r} raw {values[row]} invalid, expected a "
                    f"multiple of {step} (precision {prec}) within +-{_RAW_MAX}"
                    + (", >= 0" if name in _SIZE_COLUMNS else "")
                )

    def _new_instruments(self, identifier: str, group: list) -> list:
        """Drop instruments identical (every field) to a stored version: re-adding is a no-op."""
        stored = {
            row
            for _, _, path in self._ranges(self._dir(INSTRUMENT_KIND, identifier))
            for row in self._read(path, ["payload"]).column("payload").to_pylist()
        }
        if not stored:
            return group
        table = objects_to_table(INSTRUMENT_KIND, identifier, group)
        payloads = table.column("payload").to_pylist()
        return [item for item, p in zip(group, payloads, strict=True) if p not in stored]

    def _plan(self, kind: str, identifier: str, table: pa.Table) -> list[tuple[Path, pa.Table]]:
        """Sort, split into files and check the ranges; return (path, table) to write."""
        if table.num_rows == 0:
            return []
        ts = table.column("ts_init").to_numpy()
        if ts.size > 1 and (np.diff(ts) < 0).any():
            order = np.argsort(ts, kind="stable")
            table = table.take(pa.array(order))
            ts = ts[order]
        directory = self._dir(kind, identifier)
        existing = self._ranges(directory)
        if existing and kind in BUILTIN_KINDS:
            old = _decode_metadata(self._schema(existing[0][2]))
            new = _decode_metadata(table.schema)
            for name in ("price_precision", "size_precision"):
                if old.get(name) != new.get(name):
                    raise DataError(
                        f"catalog {self.path}: {kind} {identifier} {name} {new.get(name)} differs "
                        f"from the stored stream's {old.get(name)} ({existing[0][2].name}), "
                        f"expected one {name} per stream"
                    )
        pieces = []
        start = 0
        n = table.num_rows
        while start < n:
            stop = min(start + self.max_rows_per_file, n)
            while stop < n and ts[stop] == ts[stop - 1]:
                stop += 1  # never split one ts_init over two files (they would overlap)
            pieces.append((start, stop))
            start = stop
        planned = []
        for a, b in pieces:
            lo, hi = int(ts[a]), int(ts[b - 1])
            for s, e, path in existing:
                if lo <= e and s <= hi:
                    raise DataError(
                        f"catalog {self.path}: write of {kind} {identifier} range [{lo}, {hi}] "
                        f"({_iso(lo)} .. {_iso(hi)}) as new file {lo}-{hi}.parquet overlaps "
                        f"existing file {path} range [{s}, {e}] ({_iso(s)} .. {_iso(e)}); "
                        f"nothing was written. Write data outside that range, or delete the "
                        f"file to replace it"
                    )
            planned.append((directory / f"{lo}-{hi}.parquet", table.slice(a, b - a)))
        return planned

    @contextlib.contextmanager
    def _locked(self, directories: list[Path]) -> Iterator[None]:
        """Hold an exclusive ``flock`` on each data directory (sorted, so two writers of the
        same directories cannot deadlock) across the overlap check, the write and the rename;
        sweep the temporary files that interrupted writers left there.

        The lock is taken on the directory itself (no lock file to leave behind) and released
        by the kernel when its holder dies, kill -9 included, so it is never stale: a temporary
        file seen while holding the lock belongs to no live writer. A directory this write
        created and left empty (a refused write) is removed again.
        """
        self._ensure()
        self.swept = []
        created = []
        with contextlib.ExitStack() as stack:
            for directory in sorted(set(directories)):
                while True:
                    if not directory.is_dir():
                        directory.mkdir(parents=True, exist_ok=True)
                        created.append(directory)
                    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    # A refused writer removes the empty directory it made: lock the live one.
                    if _same_directory(fd, directory):
                        break
                    os.close(fd)
                stack.callback(os.close, fd)
                self.swept += _sweep(directory)
            try:
                yield
            finally:
                for directory in created:
                    with contextlib.suppress(OSError):  # not empty: another writer's now
                        directory.rmdir()

    def _commit(self, planned: list[tuple[Path, pa.Table]]) -> list[Path]:
        """Write each planned file to a temporary name, then rename all into place.

        Readers never see a partial file: a write that fails (a full disk, a file size limit)
        removes its temporary files and raises; one killed leaves them for the next write's
        sweep. The caller holds the directories' locks.
        """
        if not planned:
            return []
        temps = []
        try:
            for path, table in planned:
                temp = path.parent / f".{path.name}.{os.getpid()}{_TEMP_SUFFIX}"
                temps.append((temp, path))
                try:
                    pq.write_table(table, temp, row_group_size=ROW_GROUP_ROWS, compression="zstd")
                except OSError as err:
                    raise DataError(
                        f"catalog {self.path}: writing {path} failed ({err}); nothing was "
                        f"written, expected free space and a file size limit above the file "
                        f"(it was {_size(temp)} bytes when the write failed)"
                    ) from err
            for temp, path in temps:
                os.replace(temp, path)
        finally:
            for temp, _ in temps:
                temp.unlink(missing_ok=True)
        return [path for path, _ in planned]

    def _schema(self, path: Path) -> pa.Schema:
        try:
            return pq.read_schema(path)
        except (pa.ArrowException, OSError) as err:
            raise _unreadable(path, err) from err

    def _read(self, path: Path, columns: list[str] | None = None) -> pa.Table:
        try:
            return pq.read_table(path, columns=columns)
        except (pa.ArrowException, OSError) as err:
            raise _unreadable(path, err) from err

    # -- reads -----------------------------------------------------------------------------------
    def identifiers(self, data_cls) -> list[str]:
        """Return the identifiers that have data of `data_cls`, sorted."""
        self._check_exists()
        directory = self.path / "data" / escape_identifier(kind_of(data_cls))
        if not directory.is_dir():
            return []
        return sorted(unescape_identifier(p.name) for p in directory.iterdir() if p.is_dir())

    def metadata(self, data_cls, identifier) -> dict:
        """Return the schema metadata of a stream: precisions (ints), instrument_id, ...

        Raises
        ------
        DataError
            If the catalog or the stream does not exist.
        """
        kind = kind_of(data_cls)
        files = self.files(kind, identifier)
        if not files:
            raise DataError(f"catalog {self.path}: no {kind} data for {identifier}")
        return _decode_metadata(self._schema(files[0]))

    def stream(
        self,
        data_cls,
        identifier,
        start=None,
        end=None,
        where: str | None = None,
        batch_size: int = 65_536,
        max_backwards: int | None = 0,
    ) -> Iterator[pa.RecordBatch]:
        """Yield the record batches of one stream in ``ts_init`` order.

        Only rows with ``start <= ts_init <= end`` (inclusive; int ns, ISO strings or pandas
        Timestamps, naive = UTC) that match `where` are yielded. Files outside the range are
        not opened; a file is read one batch (at most `batch_size` rows) at a time.

        Rows whose ``ts_init`` is below an earlier row's ("going backwards") are counted as
        they are read; one more than `max_backwards` (default 0) raises. The catalog writes
        every file sorted and no two files overlap, so such a row means a damaged or foreign
        file, not market noise: by default it fails the read (and the backtest reading it)
        instead of leaving the engine to drop rows silently. A positive value tolerates that
        many (the engine drops and counts them); None tolerates any.

        Raises
        ------
        DataError
            If the catalog does not exist, the expression is invalid, a file has another
            layout than its kind or is unreadable, files overlap, or more than `max_backwards`
            rows go backwards (the message gives the count and the first ones).
        """
        kind = kind_of(data_cls)
        lo, hi = to_ns(start, "start"), to_ns(end, "end")
        if batch_size < 1:
            raise DataError(f"batch_size {batch_size} invalid, expected >= 1")
        _check_max_backwards(max_backwards)
        identifier = str(identifier)
        ranges = self._ranges_checked(kind, identifier)
        order = _OrderCheck(self.path, kind, identifier, max_backwards)
        return self._stream(kind, ranges, lo, hi, where, batch_size, order)

    def _ranges_checked(self, kind: str, identifier: str):
        self._check_exists()
        return self._ranges(self._dir(kind, identifier))

    def _stream(
        self, kind, ranges, lo, hi, where, batch_size, order: _OrderCheck
    ) -> Iterator[pa.RecordBatch]:
        compiled = None
        for s, e, path in ranges:
            if (lo is not None and e < lo) or (hi is not None and s > hi):
                continue
            try:
                parquet = pq.ParquetFile(path)
            except (pa.ArrowException, OSError) as err:
                raise _unreadable(path, err) from err
            schema = parquet.schema_arrow
            expected = SCHEMAS.get(kind)
            if expected is not None and schema.remove_metadata() != expected:
                raise DataError(
                    f"catalog {self.path}: file {path} has schema {schema.names}, expected "
                    f"the {kind} columns {expected.names}"
                )
            if where is not None and compiled is None:
                compiled = compile_filter(where, schema, kind)
            condition = compiled
            if lo is not None and s < lo:
                cond = pc.field("ts_init") >= lo
                condition = cond if condition is None else condition & cond
            if hi is not None and e > hi:
                cond = pc.field("ts_init") <= hi
                condition = cond if condition is None else condition & cond
            for batch in _batches(path, parquet, batch_size):
                if condition is None:
                    order.check(batch, path)
                    yield batch
                    continue
                ts = batch.column("ts_init")
                if hi is not None and batch.num_rows and ts[0].as_py() > hi:
                    break  # rows are sorted by ts_init: nothing later in this file qualifies
                try:
                    filtered = pa.Table.from_batches([batch]).filter(condition)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as err:
                    raise DataError(f"filter {where!r}: cannot be evaluated: {err}") from err
                for out in filtered.combine_chunks().to_batches():
                    if out.num_rows:
                        order.check(out, path)
                        yield out
            parquet.close()

    def stream_objects(
        self,
        data_cls,
        identifier,
        start=None,
        end=None,
        where: str | None = None,
        batch_size: int = 65_536,
        max_backwards: int | None = 0,
    ) -> Iterator[list]:
        """Yield the data objects of one stream, a list per record batch, in ``ts_init`` order
        (for types without a columnar engine stream: order book deltas, custom data).

        Raises
        ------
        DataError
            As `stream`.
        """
        kind = kind_of(data_cls)
        identifier = str(identifier)
        batches = self.stream(data_cls, identifier, start, end, where, batch_size, max_backwards)
        meta = self.metadata(data_cls, identifier)
        cls = data_cls if kind.startswith(CUSTOM_PREFIX) else None
        for batch in batches:
            yield table_to_objects(kind, identifier, batch, meta, cls)

    def query(self, data_cls, identifiers=None, start=None, end=None, where=None) -> list:
        """Return the data objects of `data_cls` (all identifiers, or those given), sorted by
        ``ts_init`` (stable: ties keep identifier order, then file order).

        Raises
        ------
        DataError
            As `stream`.
        """
        kind = kind_of(data_cls)
        if kind == INSTRUMENT_KIND:
            return self.instruments(identifiers)
        if identifiers is None:
            ids = self.identifiers(kind)
        elif isinstance(identifiers, str | InstrumentId | BarType):
            ids = [str(identifiers)]
        else:
            ids = [str(i) for i in identifiers]
        out = []
        for identifier in ids:
            ranges = self._ranges_checked(kind, identifier)
            if not ranges:
                continue
            meta = _decode_metadata(self._schema(ranges[0][2]))
            cls = data_cls if kind.startswith(CUSTOM_PREFIX) else None
            order = _OrderCheck(self.path, kind, identifier, 0)
            for batch in self._stream(
                kind, ranges, to_ns(start, "start"), to_ns(end, "end"), where, 65_536, order
            ):
                out += table_to_objects(kind, identifier, batch, meta, cls)
        if len(ids) > 1:
            out.sort(key=lambda x: x.ts_init)
        return out

    def instruments(self, instrument_ids=None) -> list[Instrument]:
        """Return the latest stored version (largest ``ts_init``) of each instrument, by id.

        Raises
        ------
        DataError
            If the catalog does not exist.
        """
        ids = self.identifiers(INSTRUMENT_KIND)
        if instrument_ids is not None:
            wanted = {str(i) for i in instrument_ids}
            ids = [i for i in ids if i in wanted]
        out = []
        for identifier in ids:
            ranges = self._ranges(self._dir(INSTRUMENT_KIND, identifier))
            if not ranges:
                continue
            table = self._read(ranges[-1][2])
            meta = _decode_metadata(table.schema)
            out.append(table_to_objects(INSTRUMENT_KIND, identifier, table, meta)[-1])
        return out

    def list_data(self) -> list[CatalogEntry]:
        """Return every stream of the catalog, sorted by kind then identifier.

        Raises
        ------
        DataError
            If the catalog does not exist.
        """
        self._check_exists()
        root = self.path / "data"
        entries = []
        kinds = sorted(unescape_identifier(p.name) for p in root.iterdir() if p.is_dir())
        for kind in kinds:
            for identifier in self.identifiers(kind):
                ranges = self._ranges(self._dir(kind, identifier), check=False)
                if not ranges:
                    continue
                rows = 0
                problems = []
                for _, _, path in ranges:
                    try:
                        rows += file_rows(path)
                    except DataError as err:
                        problems.append(f"unreadable file {path.name}: {err.__cause__}")
                for (_, _, a), (_, _, b) in _overlaps(ranges):
                    problems.append(f"files {a.name} and {b.name} overlap")
                entries.append(
                    CatalogEntry(
                        kind=kind,
                        identifier=identifier,
                        rows=rows,
                        start_ns=ranges[0][0],
                        end_ns=max(e for _, e, _ in ranges),
                        files=tuple(p for _, _, p in ranges),
                        problems=tuple(problems),
                    )
                )
        return entries


_TEMP_SUFFIX = ".tmp"


def _check_max_backwards(value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise DataError(f"max_backwards {value!r} invalid, expected an int >= 0 or None")


class _OrderCheck:
    """Counts the rows of one stream whose ``ts_init`` is below an earlier row's, as read."""

    EXAMPLES = 5

    def __init__(self, catalog: Path, kind: str, identifier: str, limit: int | None) -> None:
        self.catalog = catalog
        self.what = f"{kind} {identifier}"
        self.limit = limit
        self.last = -1
        self.count = 0
        self.examples: list[tuple[str, int, int]] = []

    def check(self, batch: pa.RecordBatch, path: Path) -> None:
        ts = batch.column("ts_init").to_numpy()
        if not ts.size:
            return
        if ts[0] >= self.last and (ts[1:] >= ts[:-1]).all():
            self.last = int(ts[-1])  # the usual case, a sorted batch: one comparison pass
            return
        highest = np.maximum.accumulate(ts)
        before = np.empty_like(ts)  # the highest ts_init read before each row
        before[0] = self.last
        np.maximum(highest[:-1], self.last, out=before[1:])
        back = np.flatnonzero(ts < before)
        if back.size:
            self.count += int(back.size)
            for i in back[: self.EXAMPLES - len(self.examples)]:
                self.examples.append((path.name, int(ts[i]), int(before[i])))
            if self.limit is not None and self.count > self.limit:
                first = "; ".join(
                    f"{name}: ts_init {t} ({_iso(t)}) after {b} ({_iso(b)})"
                    for name, t, b in self.examples
                )
                raise DataError(
                    f"catalog {self.catalog}: {self.what}: {self.count} row(s) going backwards "
                    f"in time (ts_init below an earlier row's) so far, more than max_backwards "
                    f"{self.limit}; first: {first}. Expected each file sorted by ts_init: "
                    f"re-import the file (or allow some with max_backwards / "
                    f"flotilla backtest --max-backwards N; the engine drops and counts them)"
                )
        self.last = max(self.last, int(highest[-1]))


def _overlaps(ranges: list[tuple[int, int, Path]]) -> list[tuple[tuple, tuple]]:
    """Return the pairs (earlier file, later file) of sorted `ranges` that overlap."""
    out = []
    widest = None  # the file reaching furthest so far
    for item in ranges:
        if widest is not None and item[0] <= widest[1]:
            out.append((widest, item))
        if widest is None or item[1] > widest[1]:
            widest = item
    return out


def _same_directory(fd: int, directory: Path) -> bool:
    try:
        current = os.stat(directory)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)


def _sweep(directory: Path) -> list[Path]:
    """Remove the temporary files and folders (``.*.tmp``) of interrupted writes; return them.

    Called with the directory's lock held: every writer creates its temporary files only
    while it holds that lock, so any found now were left by a writer that died.
    """
    swept = []
    for child in sorted(directory.iterdir()):
        if child.name.startswith(".") and child.name.endswith(_TEMP_SUFFIX):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
            swept.append(child)
    return swept


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unreadable(path: Path, err: BaseException) -> DataError:
    return DataError(
        f"catalog file {path} unreadable ({err}), expected a Parquet file written by the "
        f"catalog; delete it (and re-import its data) to repair the catalog"
    )


def file_rows(path: str | os.PathLike) -> int:
    """Return the number of rows of one catalog file (from its footer).

    Raises
    ------
    DataError
        If the file is not a readable Parquet file (the message names it).
    """
    path = Path(path)
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (pa.ArrowException, OSError) as err:
        raise _unreadable(path, err) from err


def _batches(path: Path, parquet, batch_size: int) -> Iterator[pa.RecordBatch]:
    """Yield a file's record batches; a decoding error names the file."""
    batches = parquet.iter_batches(batch_size=batch_size)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as err:
            raise _unreadable(path, err) from err
        yield batch


_SIZE_COLUMNS = ("bid_size", "ask_size", "size", "volume")


def _finest_precision(table: pa.Table, kind: str, name: str) -> int:
    """Return the fewest decimals (0..9) at which every price (or size) column value is exact."""
    sizes = name == "size_precision"
    columns = [c for c in FIXED_POINT_COLUMNS[kind] if (c in _SIZE_COLUMNS) == sizes]
    for precision in range(10):
        step = 10 ** (9 - precision)
        if all(not (table.column(c).to_numpy() % step).any() for c in columns):
            return precision
    return 9
