"""Wranglers and loaders: accepted rows exact, every bad row reported with row/column/value/reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.errors import DataError
from core.model import Bar, QuoteTick, TradeTick
from core.testkit import TestInstrumentProvider
from node.persistence import ParquetDataCatalog
from node.persistence.loaders import count_rows, load, parse_mapping
from node.persistence.wranglers import (
    BarDataWrangler,
    QuoteTickDataWrangler,
    Rejection,
    TradeTickDataWrangler,
)

EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z


def _reasons(report):
    return [(r.row, r.column, r.value, r.reason) for r in report.rejections]


def test_quote_wrangler_text_input_exact_and_rejections():
    df = pd.DataFrame(
        {
            "timestamp": ["2024-01-01T00:00:00", "2024-01-01T00:00:01", "bad", str(T0 + 3),
                          "2024-01-01T01:00:04+01:00", "2024-01-01T00:00:05", "2024-01-01T00:00:06",
                          "2024-01-01T00:00:07"],
            "bid_price": ["1.10001", "1.100005", "1.1", "abc", "11000e-4", "1.2", "", "-1"],
            "ask_price": ["1.10010", "1.2", "1.1", "1.1", "1.10002", "1.1", "1.1", "1.1"],
        }
    )  # fmt: skip
    table, report = QuoteTickDataWrangler(EURUSD).process_table(df)
    assert table.column("bid").to_pylist() == [1_100_010_000, 1_100_000_000]
    assert table.column("ts_init").to_pylist() == [T0, T0 + 4_000_000_000]
    assert table.column("bid_size").to_pylist() == [1_000_000 * 10**9] * 2
    assert _reasons(report) == [
        (2, "bid_price", "1.100005", "precision 6 above the instrument's 5 decimals"),
        (3, "timestamp", "bad", "unparseable time, expected ISO 8601 or integer ns"),
        (4, "bid_price", "abc", "unparseable number"),
        (6, "ask_price", "1.1", "ask < bid"),
        (7, "bid_price", "", "missing value"),
        (8, "bid_price", "-1", "non-positive price"),
    ]
    assert (report.total, report.rejected, report.accepted) == (8, 6, 2)
    assert "6 of 8 rows rejected" in report.format()


def test_quote_wrangler_float_input_datetime_index_and_tz():
    df = pd.DataFrame(
        {"bid": [1.10001, 1.100015, np.nan], "ask": [1.10002, 1.2, 1.3]},
        index=pd.DatetimeIndex(["2024-07-01 12:00:00"] * 3),
    )
    table, report = QuoteTickDataWrangler(EURUSD).process_table(df, tz="Europe/London")
    # 12:00 London summer time is 11:00 UTC
    assert table.column("ts_event").to_pylist() == [1_719_831_600_000_000_000]
    assert table.column("bid").to_pylist() == [1_100_010_000]
    assert [(r.row, r.column, r.reason) for r in report.rejections] == [
        (2, "bid", "precision above the instrument's 5 decimals"),
        (3, "bid", "missing value (NaN)"),
    ]


def test_quote_wrangler_nonexistent_local_time_rejected():
    df = pd.DataFrame(
        {"timestamp": ["2024-03-31T01:30:00"], "bid_price": ["1.1"], "ask_price": ["1.2"]}
    )
    _, report = QuoteTickDataWrangler(EURUSD).process_table(df, tz="Europe/London")
    assert report.rejections[0].reason == "nonexistent or ambiguous local time in Europe/London"


def test_quote_wrangler_process_objects_and_strict_error():
    df = pd.DataFrame({"ts_event": [T0], "bid_price": ["1.1"], "ask_price": ["1.10001"]})
    (quote,) = QuoteTickDataWrangler(EURUSD).process(df, ts_init_delta=5)
    assert isinstance(quote, QuoteTick)
    assert (str(quote.bid_price), quote.ts_init) == ("1.10000", T0 + 5)
    bad = pd.DataFrame({"ts_event": [T0], "bid_price": ["x"], "ask_price": ["1.1"]})
    with pytest.raises(
        DataError, match="(?s)1 of 1 rows rejected.*bid_price +x +unparseable number"
    ):
        QuoteTickDataWrangler(EURUSD).process(bad)


def test_trade_wrangler_sides_ids_and_rejections():
    df = pd.DataFrame(
        {
            "timestamp": [1, 2, 3, 4],
            "price": ["1.1", "1.1", "0", "1.1"],
            "quantity": ["1000", "0", "5", "7"],
            "side": ["B", "SELL", "BUYER", "X"],
        }
    )
    table, report = TradeTickDataWrangler(EURUSD).process_table(df, ts_unit="s")
    assert table.column("aggressor_side").to_pylist() == [1]
    assert table.column("trade_id").to_pylist() == ["1"]
    assert table.column("ts_event").to_pylist() == [1_000_000_000]
    assert _reasons(report) == [
        (2, "quantity", "0", "non-positive size"),
        (3, "price", "0", "non-positive price"),
        (4, "side", "X", "unknown aggressor side, expected BUYER, SELLER, B, S or 1, 2"),
    ]
    objects = TradeTickDataWrangler(EURUSD).process(df.iloc[:1], ts_unit="s")
    assert isinstance(objects[0], TradeTick)


def test_bar_wrangler_ohlc_rejections_and_objects():
    df = pd.DataFrame(
        {
            "timestamp": [T0, T0 + 1, T0 + 2, T0 + 3],
            "open": ["1.1", "1.1", "1.1", "1.1"],
            "high": ["1.2", "1.0", "1.1", "1.2"],
            "low": ["1.0", "1.05", "1.1", "1.15"],
            "close": ["1.15", "1.1", "1.2", "1.2"],
            "volume": ["10", "10", "10", "10"],
        }
    )
    wrangler = BarDataWrangler("EUR/USD.SIM-1-MINUTE-MID-EXTERNAL", EURUSD)
    table, report = wrangler.process_table(df)
    assert table.num_rows == 1
    assert _reasons(report) == [
        (2, "high", "1.0", "high < low"),
        (3, "high", "1.1", "high below open or close"),
        (4, "low", "1.15", "low above open or close"),
    ]
    (bar,) = wrangler.process(df.iloc[:1])
    assert isinstance(bar, Bar) and str(bar.close) == "1.15000"
    with pytest.raises(DataError, match="bar_type EUR/USD.SIM-1-MINUTE-MID-EXTERNAL is for"):
        BarDataWrangler("EUR/USD.SIM-1-MINUTE-MID-EXTERNAL", TestInstrumentProvider.equity())


def test_wrangler_missing_column_and_bad_tz_messages():
    with pytest.raises(DataError, match=r"column 'ask_price' missing \(input columns: ts_event, "):
        QuoteTickDataWrangler(EURUSD).process_table(pd.DataFrame({"ts_event": [1], "bid": [1]}))
    with pytest.raises(DataError, match="tz 'Mars/Olympus' unknown, expected an IANA time zone"):
        QuoteTickDataWrangler(EURUSD).process_table(pd.DataFrame(), tz="Mars/Olympus")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("9223372037", "out of range"),
        ("99999999999999", "out of range"),
        ("1e400", "out of range"),
        ("nan", "missing value"),
        ("1.2.3", "unparseable number"),
        ("inf", "unparseable number (not finite)"),
        ("1.000001", "precision 6 above"),
    ],
)
def test_fixed_point_parse_bad_values(value, reason):
    df = pd.DataFrame({"ts_event": ["0"], "bid_price": [value], "ask_price": ["9223372036"]})
    _, report = QuoteTickDataWrangler(EURUSD).process_table(df)
    assert report.rejections[0].reason.startswith(reason)


def test_fixed_point_parse_extremes_exact():
    df = pd.DataFrame(
        {"ts_event": ["0", "1"], "bid_price": ["0.00001", "9223372035.99999"],
         "ask_price": ["9223372036", "9223372036.00000"]}
    )  # fmt: skip
    table, report = QuoteTickDataWrangler(EURUSD).process_table(df)
    assert not report
    assert table.column("bid").to_pylist() == [10_000, 9_223_372_035_999_990_000]
    assert table.column("ask").to_pylist() == [9_223_372_036_000_000_000] * 2


def test_csv_loader_malformed_line_reported_with_line_number(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        "time,bid,ask\n"
        "2024-01-01T00:00:00,1.10000,1.10010\n"
        "2024-01-01T00:00:01,1.1,1.2,9\n"
        "2024-01-01T00:00:02,abc,1.1\n"
        "2024-01-01T00:00:03,1.3,1.4\n"
    )
    assert count_rows(path) == 4
    mapping = parse_mapping(["time=timestamp", "bid=bid_price", "ask=ask_price"])
    table, report = load(path, QuoteTickDataWrangler(EURUSD), mapping=mapping)
    assert table.num_rows == 2
    assert _reasons(report) == [
        (3, "*", "2024-01-01T00:00:01,1.1,1.2,9", "malformed CSV line: 4 fields, expected 3"),
        (4, "bid", "abc", "unparseable number"),
    ]
    assert report.total == 4


def test_loader_parquet_input_and_catalog_write(tmp_path):
    path = tmp_path / "bars.parquet"
    pq.write_table(
        pa.table(
            {"t": [T0, T0 + 60_000_000_000], "open": [1.1, 1.1], "high": [1.2, 1.2],
             "low": [1.0, 1.0], "close": [1.15, 1.15]}
        ),
        path,
    )  # fmt: skip
    wrangler = BarDataWrangler("EUR/USD.SIM-1-MINUTE-MID-EXTERNAL", EURUSD)
    table, report = load(path, wrangler, mapping={"t": "ts_event"})
    assert not report and table.num_rows == 2
    catalog = ParquetDataCatalog(tmp_path / "cat")
    catalog.write_table("bar", wrangler.identifier, table)
    assert [str(b.high) for b in catalog.query(Bar)] == ["1.20000", "1.20000"]


@pytest.mark.parametrize(
    ("items", "match"),
    [
        (["time"], "column mapping 'time' invalid, expected SOURCE=TARGET"),
        (["=x"], "column mapping '=x' invalid"),
        (["a=b", "a=c"], "source 'a' mapped twice"),
    ],
)
def test_parse_mapping_bad(items, match):
    with pytest.raises(DataError, match=match):
        parse_mapping(items)


def test_loader_bad_mapping_messages(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("time,bid,ask\n1,1.1,1.2\n")
    wrangler = QuoteTickDataWrangler(EURUSD)
    with pytest.raises(DataError, match=r"source column 'stamp' not in .*q.csv \(columns: time"):
        load(path, wrangler, mapping={"stamp": "timestamp"})
    with pytest.raises(DataError, match="target 'bidd' unknown, expected one of ts_event"):
        load(path, wrangler, mapping={"bid": "bidd"})
    with pytest.raises(DataError, match="format unknown, expected a .csv or .parquet"):
        load(tmp_path / "q.xlsx", wrangler)


def test_rejection_is_ordered_value():
    assert Rejection(1, "b", "x", "r") < Rejection(2, "a", "x", "r")
