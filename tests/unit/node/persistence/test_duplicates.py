"""Exact duplicate rows: counted and shown (first rows), kept, dropped or refused by an
explicit option on the wranglers, the loader and `flotilla catalog import` (issue 11 point 4)."""

from __future__ import annotations

import pandas as pd
import pytest

from core.errors import DataError
from core.model import QuoteTick
from core.testkit import TestInstrumentProvider
from node.cli import main
from node.persistence import ParquetDataCatalog, loaders
from node.persistence.loaders import load
from node.persistence.wranglers import QuoteTickDataWrangler, TradeTickDataWrangler

EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")
T0 = 1_704_067_200_000_000_000

QUOTES = pd.DataFrame(
    {
        "timestamp": [str(T0), str(T0), str(T0), str(T0 + 1), str(T0), str(T0 + 1)],
        "bid": ["1.1", "1.10", "1.1", "1.1", "1.2", "1.1"],
        "ask": ["1.2", "1.20", "1.3", "1.2", "1.3", "1.2"],
    }
)
# rows 1 and 2 are the same quote written differently ("1.1" / "1.10"); row 6 repeats row 4.


def test_wrangler_duplicates_keep_is_the_default_and_reported():
    table, report = QuoteTickDataWrangler(EURUSD).process_table(QUOTES)
    assert table.num_rows == 6
    assert report.duplicates == [(2, 1), (6, 4)]
    assert report.duplicates_action == "keep" and not report.rejections
    assert "2 exact duplicate row(s) kept (duplicates='keep'): row 2 = row 1, row 6 = row 4" in (
        report.format()
    )


def test_wrangler_duplicates_drop_rejects_the_repeats():
    table, report = QuoteTickDataWrangler(EURUSD).process_table(QUOTES, duplicates="drop")
    assert table.column("ts_event").to_pylist() == [T0, T0, T0 + 1, T0]
    assert [(r.row, r.reason) for r in report.rejections] == [
        (2, "exact duplicate of row 1 (dropped)"),
        (6, "exact duplicate of row 4 (dropped)"),
    ]
    assert (report.rejected, report.accepted) == (2, 4)


def test_wrangler_duplicates_error_refuses_with_count_and_rows():
    with pytest.raises(DataError) as info:
        QuoteTickDataWrangler(EURUSD).process_table(QUOTES, duplicates="error")
    message = str(info.value)
    assert message.startswith("QuoteTickDataWrangler EUR/USD.SIM: 2 exact duplicate row(s)")
    assert "row 2 = row 1, row 6 = row 4" in message
    with pytest.raises(DataError, match="duplicates 'maybe' unknown, expected one of keep"):
        QuoteTickDataWrangler(EURUSD).process_table(QUOTES, duplicates="maybe")


def test_trade_duplicates_compare_trade_ids_only_when_given():
    df = pd.DataFrame({"timestamp": [str(T0)] * 3, "price": ["1.1"] * 3, "size": ["1"] * 3})
    _, report = TradeTickDataWrangler(EURUSD).process_table(df)
    assert report.duplicates == [(2, 1), (3, 1)]  # made-up ids (row numbers) are not compared
    df["trade_id"] = ["a", "b", "a"]
    _, report = TradeTickDataWrangler(EURUSD).process_table(df)
    assert report.duplicates == [(3, 1)]


def test_loader_duplicates_across_chunks_reported_by_line(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "CHUNK_BYTES", 1024)  # many chunks
    lines = ["timestamp,bid,ask"]
    for k in range(400):
        lines.append(f"{T0 + k},1.1,1.2")
    lines.append("bad line")  # line 402, malformed: shifts nothing before it
    lines.append(f"{T0 + 3},1.1,1.2")  # line 403 repeats line 5 (k = 3), chunks apart
    path = tmp_path / "q.csv"
    path.write_text("\n".join(lines) + "\n")
    table, report = load(path, QuoteTickDataWrangler(EURUSD))
    assert report.duplicates == [(403, 5)] and table.num_rows == 401
    table, report = load(path, QuoteTickDataWrangler(EURUSD), duplicates="drop")
    assert table.num_rows == 400
    assert [(r.row, r.reason) for r in report.rejections][-1] == (
        403,
        "exact duplicate of row 5 (dropped)",
    )
    with pytest.raises(DataError, match=r"^file .*q\.csv: QuoteTickDataWrangler .*row 403 = row 5"):
        load(path, QuoteTickDataWrangler(EURUSD), duplicates="error")


@pytest.mark.parametrize(
    ("option", "code", "rows"),
    [([], 0, 3), (["--duplicates", "drop"], 0, 2), (["--duplicates", "error"], 1, 0)],
)
def test_cli_import_duplicates_option(tmp_path, capsys, option, code, rows):
    catalog = tmp_path / "cat"
    assert (
        main(["catalog", "add-instrument", "--fx", "EUR/USD.SIM", "--catalog", str(catalog)]) == 0
    )
    path = tmp_path / "q.csv"
    path.write_text(f"timestamp,bid,ask\n{T0},1.1,1.2\n{T0 + 1},1.1,1.2\n{T0},1.10,1.20\n")
    argv = ["catalog", "import", "quotes", str(path), "--instrument", "EUR/USD.SIM"]
    assert main([*argv, "--catalog", str(catalog), *option]) == code
    err = capsys.readouterr().err
    assert "1 exact duplicate row(s)" in err and "row 4 = row 2" in err
    assert len(ParquetDataCatalog(catalog).query(QuoteTick)) == rows
