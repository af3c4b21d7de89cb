"""``flotilla catalog`` in-process: exit codes, messages, rejected rows, listing."""

from __future__ import annotations

import json

import pytest

from core.model import QuoteTick
from node.cli import main
from node.persistence import ParquetDataCatalog
from node.persistence.schemas import instrument_to_dict

CSV = (
    "time,bid,ask\n"
    "2024-01-01T00:00:00,1.10000,1.10010\n"
    "2024-01-01T00:00:01,1.1,1.2,9\n"
    "2024-01-01T00:00:02,abc,1.1\n"
    "2024-01-01T00:00:03,1.10003,1.10004\n"
)
MAP = ["--map", "time=timestamp", "--map", "bid=bid_price", "--map", "ask=ask_price"]


@pytest.fixture
def catalog_dir(tmp_path):
    path = tmp_path / "cat"
    assert main(["catalog", "add-instrument", "--fx", "EUR/USD.SIM", "--catalog", str(path)]) == 0
    return path


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text(CSV)
    return path


def test_catalog_ls_missing_catalog_fails_with_message(tmp_path, capsys):
    assert main(["catalog", "ls", "--catalog", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("flotilla catalog: error: catalog ")
    assert "none: not found, expected an existing catalog directory" in err


def test_catalog_import_reports_rejected_rows_and_writes_accepted(catalog_dir, csv_file, capsys):
    argv = ["catalog", "import", "quotes", str(csv_file), "--instrument", "EUR/USD.SIM"]
    assert main([*argv, "--catalog", str(catalog_dir), *MAP]) == 0
    out, err = capsys.readouterr()
    assert "2 of 4 rows rejected" in err
    assert (
        "3  *              2024-01-01T00:00:01,1... malformed CSV line: 4 fields, expected 3" in err
    )
    assert "4  bid            abc                      unparseable number" in err
    assert "imported 2 of 4 rows (quotes) for EUR/USD.SIM" in out
    quotes = ParquetDataCatalog(catalog_dir).query(QuoteTick)
    assert [str(q.bid_price) for q in quotes] == ["1.10000", "1.10003"]


def test_catalog_import_overlap_fails_with_message(catalog_dir, csv_file, capsys):
    argv = ["catalog", "import", "quotes", str(csv_file), "--instrument", "EUR/USD.SIM"]
    assert main([*argv, "--catalog", str(catalog_dir), *MAP]) == 0
    assert main([*argv, "--catalog", str(catalog_dir), *MAP]) == 1
    err = capsys.readouterr().err
    assert "error: catalog " in err and "overlaps existing file" in err
    assert "1704067200000000000-1704067203000000000.parquet" in err


def test_catalog_import_strict_writes_nothing(catalog_dir, csv_file, capsys):
    argv = ["catalog", "import", "quotes", str(csv_file), "--instrument", "EUR/USD.SIM"]
    assert main([*argv, "--catalog", str(catalog_dir), *MAP, "--strict"]) == 1
    assert "2 of 4 rows rejected; nothing written (--strict)" in capsys.readouterr().err
    assert ParquetDataCatalog(catalog_dir).query(QuoteTick) == []


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--instrument", "GBP/USD.SIM"], 1, "instrument GBP/USD.SIM not in catalog"),
        (["--instrument", "EUR/USD.SIM", "--tz", "Mars/Base"], 1, "tz 'Mars/Base' unknown"),
        (["--instrument", "EUR/USD.SIM", "--map", "bid"], 1, "column mapping 'bid' invalid"),
        (
            ["--instrument", "EUR/USD.SIM", "--map", "nope=bid_price"],
            1,
            "source column 'nope' not in",
        ),
        (["--instrument", "EUR/USD.SIM", "--bar-type", "X"], 1, "given for quotes, expected bars"),
        (["--instrument", "EURUSD"], 1, "EURUSD"),
    ],
)
def test_catalog_import_bad_input_messages(catalog_dir, csv_file, capsys, extra, code, message):
    argv = ["catalog", "import", "quotes", str(csv_file), "--catalog", str(catalog_dir), *extra]
    assert main(argv) == code
    assert message in capsys.readouterr().err


def test_catalog_import_unknown_kind_is_usage_error(csv_file, capsys):
    assert main(["catalog", "import", "ticks", str(csv_file), "--instrument", "EUR/USD.SIM"]) == 2
    assert "argument kind: invalid choice: 'ticks'" in capsys.readouterr().err


def test_catalog_import_bars_needs_bar_type(catalog_dir, tmp_path, capsys):
    path = tmp_path / "bars.csv"
    path.write_text("timestamp,open,high,low,close\n60000000000,1.1,1.2,1.0,1.15\n")
    argv = ["catalog", "import", "bars", str(path), "--instrument", "EUR/USD.SIM"]
    assert main([*argv, "--catalog", str(catalog_dir)]) == 1
    assert "--bar-type missing for bars" in capsys.readouterr().err
    bar_type = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
    assert main([*argv, "--catalog", str(catalog_dir), "--bar-type", bar_type]) == 0
    assert main(["catalog", "ls", "--catalog", str(catalog_dir)]) == 0
    out = capsys.readouterr().out
    assert (
        "│ bar        │ EUR/USD.SIM-1-MINUTE-MID-EXTERNAL │    1 │ 1970-01-01T00:01:00+00:00" in out
    )
    assert "│ instrument │ EUR/USD.SIM" in out


def test_catalog_add_instrument_from_json_file_and_bad_file(tmp_path, capsys):
    from core.testkit import TestInstrumentProvider

    perp = TestInstrumentProvider.btcusdt_perp()
    path = tmp_path / "instruments.json"
    path.write_text(json.dumps([instrument_to_dict(perp)]))
    cat = str(tmp_path / "cat")
    assert main(["catalog", "add-instrument", "--file", str(path), "--catalog", cat]) == 0
    assert main(["catalog", "add-instrument", "--file", str(path), "--catalog", cat]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "added CryptoPerpetual BTCUSDT-PERP.BINANCE",
        "unchanged CryptoPerpetual BTCUSDT-PERP.BINANCE",
    ]
    (back,) = ParquetDataCatalog(cat).instruments()
    assert instrument_to_dict(back) == instrument_to_dict(perp)
    path.write_text(json.dumps([{"cls": "Bond"}]))
    assert main(["catalog", "add-instrument", "--file", str(path), "--catalog", cat]) == 1
    assert "entry 0: instrument cls 'Bond' unknown" in capsys.readouterr().err
    assert main(["catalog", "add-instrument", "--catalog", cat]) == 1
    assert "nothing to add" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["catalog", "--help"],
        ["catalog", "import", "--help"],
        ["catalog", "ls", "--help"],
        ["catalog", "add-instrument", "--help"],
    ],
)
def test_catalog_help_has_examples(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "flotilla catalog" in out
