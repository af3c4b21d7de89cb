"""CSV bytes: a byte that is not UTF-8 rejects its row (with its file line), a BOM is accepted,
plain and gzipped alike (issue 11 point 4)."""

from __future__ import annotations

import gzip

import pytest

from core.testkit import TestInstrumentProvider
from node.cli import main
from node.persistence import ParquetDataCatalog, loaders
from node.persistence.loaders import load
from node.persistence.wranglers import QuoteTickDataWrangler

EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")
T0 = 1_704_067_200_000_000_000

LINES = [
    b"timestamp,bid,ask,note",
    b"2024-01-01T00:00:00,1.1,1.2,ok",
    b"2024-01-01T00:00:01,1.1\xff,1.2,bad byte in a used column",
    b"2024-01-01T00:00:02,1.1,1.2,caf\xe9 latin-1 in an unused column",
    b"2024-01-01T00:00:03,1.1,1.2,4,malformed line with \xfe",
    b"2024-01-01T00:00:04,x,1.2,unparseable",
    b"2024-01-01T00:00:05,1.1,1.2,truncated \xe2\x82",
    b"2024-01-01T00:00:06,1.1,1.2,caf\xc3\xa9 valid UTF-8",
]
EXPECTED = [
    (3, "bid", "1.1\\xff", "invalid UTF-8 byte 0xff at byte 3 of the value, expected UTF-8 text"),
    (4, "note", "caf\\xe9 latin-1 in an unused column",
     "invalid UTF-8 byte 0xe9 at byte 3 of the value, expected UTF-8 text"),
    (5, "*", "2024-01-01T00:00:03,1.1,1.2,4,malformed line with \\xfe",
     "malformed CSV line: 5 fields, expected 4"),
    (6, "bid", "x", "unparseable number"),
    (7, "note", "truncated \\xe2\\x82",
     "invalid UTF-8 byte 0xe2 at byte 10 of the value, expected UTF-8 text"),
]  # fmt: skip


def _write(path, lines, bom=False):
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + b"\n"
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def _report(report):
    return [(r.row, r.column, r.value, r.reason) for r in report.rejections]


@pytest.mark.parametrize("name", ["quotes.csv", "quotes.csv.gz"])
@pytest.mark.parametrize("bom", [False, True])
def test_loader_bad_utf8_rejects_only_its_row_with_line_number(tmp_path, name, bom):
    path = _write(tmp_path / name, LINES, bom=bom)
    table, report = load(path, QuoteTickDataWrangler(EURUSD))
    assert table.column("ts_event").to_pylist() == [T0, T0 + 6_000_000_000]
    assert _report(report) == EXPECTED
    assert (report.total, report.rejected) == (7, 5)


def test_loader_bad_utf8_line_numbers_across_chunks(tmp_path, monkeypatch):
    # Small parse blocks (a real setting of the loader) put the rows in many chunks.
    monkeypatch.setattr(loaders, "CHUNK_BYTES", 4096)
    lines = [b"timestamp,bid,ask"]
    expected = {}
    for k in range(5_000):
        row = b"%d,%s,1.2" % (T0 + k, b"1.1\xfe" if k % 997 == 5 else b"1.1")
        if k % 1301 == 7:
            row += b",9"
            expected[k + 2] = "*"
        elif k % 997 == 5:
            expected[k + 2] = "bid"
        lines.append(row)
    table, report = load(_write(tmp_path / "q.csv.gz", lines), QuoteTickDataWrangler(EURUSD))
    assert {r.row: r.column for r in report.rejections} == expected
    assert table.num_rows == 5_000 - len(expected)


def test_loader_bom_header_names_mapped(tmp_path):
    path = _write(tmp_path / "q.csv", [b"time,bid,ask", b"2024-01-01T00:00:00,1.1,1.2"], bom=True)
    table, report = load(path, QuoteTickDataWrangler(EURUSD), mapping={"time": "timestamp"})
    assert table.column("ts_event").to_pylist() == [T0] and not report


def test_cli_import_bad_utf8_row_reported_rest_imported(tmp_path, capsys):
    catalog = tmp_path / "cat"
    assert (
        main(["catalog", "add-instrument", "--fx", "EUR/USD.SIM", "--catalog", str(catalog)]) == 0
    )
    path = _write(tmp_path / "quotes.csv.gz", LINES, bom=True)
    argv = ["catalog", "import", "quotes", str(path), "--instrument", "EUR/USD.SIM"]
    assert main([*argv, "--catalog", str(catalog)]) == 0
    out, err = capsys.readouterr()
    assert "5 of 7 rows rejected" in err
    assert "3  bid            1.1\\xff" in err and "invalid UTF-8 byte 0xff" in err
    assert "imported 2 of 7 rows (quotes)" in out
    assert ParquetDataCatalog(catalog).list_data()[-1].rows == 2
