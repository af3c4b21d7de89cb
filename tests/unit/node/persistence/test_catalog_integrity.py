"""Readers refuse overlapping files and name corrupt ones; writes sweep temporary files and
fail cleanly (issue 11 point 5, the in-process half; real processes are in
tests/integration/test_catalog_concurrency.py)."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.errors import DataError
from core.model import Bar, BarType, QuoteTick
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_quotes
from node.cli import main
from node.persistence import ParquetDataCatalog

IID = "EUR/USD.SIM"
T0 = 1_704_067_200_000_000_000
SEC = 1_000_000_000


def _quotes(n: int, start_s: int = 0, seed: int = 1) -> pa.Table:
    return pa.table(random_walk_quotes(n, seed=seed, start_ns=T0 + start_s * SEC))


@pytest.fixture
def catalog(tmp_path):
    catalog = ParquetDataCatalog(tmp_path / "cat")
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    return catalog


def _stream_dir(catalog):
    return catalog.path / "data" / "quote_tick" / "EUR%2FUSD.SIM"


def _plant_overlap(catalog) -> tuple[str, str]:
    """Write two files, then copy a third by hand whose range overlaps the first."""
    first = catalog.write_table("quote_tick", IID, _quotes(100))[0]
    catalog.write_table("quote_tick", IID, _quotes(100, start_s=200))
    other = catalog.write_table("quote_tick", "GBP/USD.SIM", _quotes(100, start_s=50))[0]
    planted = _stream_dir(catalog) / other.name
    shutil.copy(other, planted)  # [T0 + 50 s, T0 + 149 s] overlaps the first file
    return first.name, planted.name


def test_catalog_readers_refuse_overlapping_files_naming_both(catalog):
    first, planted = _plant_overlap(catalog)
    readers = [
        lambda: catalog.files(QuoteTick, IID),
        lambda: list(catalog.stream(QuoteTick, IID)),
        lambda: catalog.query(QuoteTick, [IID]),
        lambda: list(catalog.stream_objects(QuoteTick, IID)),
        lambda: catalog.write_table("quote_tick", IID, _quotes(10, start_s=1_000)),
    ]
    for read in readers:
        with pytest.raises(DataError) as info:
            read()
        message = str(info.value)
        assert first in message and planted in message, message
        assert "overlap" in message


def test_catalog_ls_marks_overlapping_files_and_lists_the_rest(catalog, capsys):
    first, planted = _plant_overlap(catalog)
    entries = {e.identifier: e for e in catalog.list_data()}
    assert entries["GBP/USD.SIM"].problems == ()
    assert entries[IID].problems == (f"files {first} and {planted} overlap",)
    assert main(["catalog", "ls", "--catalog", str(catalog.path)]) == 1
    out, err = capsys.readouterr()
    assert "GBP/USD.SIM" in out and "EUR/USD.SIM" in out and "BROKEN" in out
    assert f"quote_tick EUR/USD.SIM: files {first} and {planted} overlap" in err


@pytest.mark.parametrize("damage", ["truncate", "garbage", "middle"])
def test_catalog_corrupt_file_named_by_every_reader(catalog, damage):
    catalog.write_table("quote_tick", IID, _quotes(50_000))
    good = catalog.write_table("quote_tick", IID, _quotes(100, start_s=100_000))[0]
    bad = catalog.files(QuoteTick, IID)[0]
    data = bad.read_bytes()
    if damage == "truncate":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        bad.write_bytes(b"not a parquet file at all\n" * 100)
    else:  # keep the footer, break the column data
        middle = len(data) // 2
        bad.write_bytes(data[:100] + b"\xff" * (middle - 100) + data[middle:])
    readers = [
        lambda: list(catalog.stream(QuoteTick, IID)),
        lambda: catalog.query(QuoteTick, [IID]),
    ]
    if damage != "middle":  # the footer (schema, row count) is what these read
        readers += [
            lambda: catalog.metadata(QuoteTick, IID),
            lambda: catalog.write_table("quote_tick", IID, _quotes(10, start_s=200_000)),
        ]
    for read in readers:
        with pytest.raises(DataError, match=f"catalog file {bad} unreadable"):
            read()
    # The other file of the stream is still readable on its own.
    assert len(list(catalog.stream(QuoteTick, IID, start=T0 + 100_000 * SEC))) == 1
    assert good.exists()


def test_catalog_ls_lists_the_rest_and_marks_a_corrupt_file(catalog, capsys):
    catalog.write_table("quote_tick", IID, _quotes(100))
    catalog.write_table("quote_tick", "GBP/USD.SIM", _quotes(100))
    catalog.write_table("quote_tick", IID, _quotes(100, start_s=1_000))
    bad = catalog.files(QuoteTick, IID)[0]
    bad.write_bytes(b"garbage")
    entries = {e.identifier: e for e in catalog.list_data()}
    assert entries["GBP/USD.SIM"].rows == 100 and entries["GBP/USD.SIM"].problems == ()
    assert entries[IID].rows == 100  # the readable file only
    assert len(entries[IID].problems) == 1
    assert entries[IID].problems[0].startswith(f"unreadable file {bad.name}: ")
    assert main(["catalog", "ls", "--catalog", str(catalog.path)]) == 1
    out, err = capsys.readouterr()
    assert "GBP/USD.SIM" in out and "BROKEN (1 problem(s))" in out
    assert f"quote_tick EUR/USD.SIM: unreadable file {bad.name}" in err
    assert "1 stream(s) of catalog" in err and "Traceback" not in err


def test_catalog_write_sweeps_stale_temporary_files_and_folders(catalog):
    catalog.write_table("quote_tick", IID, _quotes(10))
    directory = _stream_dir(catalog)
    stale_file = directory / f".{T0}-{T0 + 9}.parquet.99999.tmp"
    stale_file.write_bytes(b"half a file")
    stale_dir = directory / ".import.99999.tmp"
    stale_dir.mkdir()
    (stale_dir / "part").write_bytes(b"x")
    # Temporary files are invisible to readers...
    assert [p.name for p in catalog.files(QuoteTick, IID)] == [f"{T0}-{T0 + 9 * SEC}.parquet"]
    # ...and the next write to the directory removes them.
    catalog.write_table("quote_tick", IID, _quotes(10, start_s=100))
    assert sorted(catalog.swept) == sorted([stale_file, stale_dir])
    assert not stale_file.exists() and not stale_dir.exists()
    assert sorted(p.name for p in directory.iterdir()) == [
        f"{T0}-{T0 + 9 * SEC}.parquet",
        f"{T0 + 100 * SEC}-{T0 + 109 * SEC}.parquet",
    ]


def test_catalog_refused_write_leaves_no_empty_stream_directory(catalog):
    catalog.write_table("quote_tick", IID, _quotes(10))
    overlapping = catalog.query(QuoteTick, [IID])
    bar_type = BarType.from_str("EUR/USD.SIM-1-MINUTE-MID-EXTERNAL")
    bar = Bar.from_raw(bar_type, 10**9, 10**9, 10**9, 10**9, 5, 0, 0, T0, T0)
    with pytest.raises(DataError, match="overlaps existing file"):
        catalog.write_data([bar, *overlapping])
    assert catalog.identifiers(Bar) == []
    assert not (catalog.path / "data" / "bar" / "EUR%2FUSD.SIM-1-MINUTE-MID-EXTERNAL").exists()


def test_catalog_stream_counts_rows_going_backwards_and_refuses_above_the_limit(catalog):
    path = catalog.write_table("quote_tick", IID, _quotes(1_000))[0]
    table = pq.read_table(path)
    # Rows 10..14 moved to the end: five rows below an earlier row's ts_init, file name kept.
    order = list(range(10)) + list(range(15, 1_000)) + list(range(10, 15))
    pq.write_table(table.take(pa.array(order)), path)
    with pytest.raises(DataError) as info:
        list(catalog.stream(QuoteTick, IID, batch_size=100))
    message = str(info.value)
    assert f"quote_tick {IID}: 5 row(s) going backwards in time" in message
    assert f"{path.name}: ts_init {T0 + 10 * SEC} (2024-01-01T00:00:10+00:00) after " in message
    with pytest.raises(DataError, match="more than max_backwards 4"):
        list(catalog.stream(QuoteTick, IID, max_backwards=4))
    with pytest.raises(DataError, match="going backwards"):
        catalog.query(QuoteTick, [IID])
    assert sum(b.num_rows for b in catalog.stream(QuoteTick, IID, max_backwards=5)) == 1_000
    assert sum(b.num_rows for b in catalog.stream(QuoteTick, IID, max_backwards=None)) == 1_000
    objects = [
        o for chunk in catalog.stream_objects(QuoteTick, IID, max_backwards=5) for o in chunk
    ]
    assert len(objects) == 1_000
    with pytest.raises(DataError, match="max_backwards -1 invalid, expected an int >= 0 or None"):
        catalog.stream(QuoteTick, IID, max_backwards=-1)
