"""Every conversion of a time to int64 ns is range-checked: nothing wraps (issue 11 point 4)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.testkit import TestInstrumentProvider
from node.persistence.loaders import load
from node.persistence.wranglers import QuoteTickDataWrangler

EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")
MAX = 2**63 - 1
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
RANGE = "expected 1970-01-01T00:00:00Z to 2262-04-11T23:47:16.854775807Z (int64 UNIX nanoseconds)"
AFTER = "is after 2262-04-11T23:47:16.854775807Z, " + RANGE
BEFORE = "is before 1970-01-01T00:00:00Z, " + RANGE


def _wrangle(times, **kwargs):
    df = pd.DataFrame(
        {"timestamp": times, "bid": ["1.1"] * len(times), "ask": ["1.2"] * len(times)}
    )
    return QuoteTickDataWrangler(EURUSD).process_table(df, **kwargs)


def _rejected(report):
    return {r.row: r.reason for r in report.rejections}


def test_wrangler_iso_text_far_future_and_pre_1970_rejected_never_wrapped():
    times = ["2024-01-01T00:00:00", "2700-01-01", "5000-01-01T00:00:00Z", "1969-12-31"]
    table, report = _wrangle(times)
    assert table.column("ts_event").to_pylist() == [T0]
    assert _rejected(report) == {
        2: f"time out of range: timestamp '2700-01-01' {AFTER}",
        3: f"time out of range: timestamp '5000-01-01T00:00:00Z' {AFTER}",
        4: f"time out of range: timestamp '1969-12-31' {BEFORE}",
    }


@pytest.mark.parametrize("single", [True, False])
def test_wrangler_iso_text_exact_edges(single):
    # Alone, pandas parses each value at its own resolution; together, at ns: both paths.
    cases = {
        "1970-01-01T00:00:00": 0,
        "1969-12-31T23:59:59.999999999": None,
        "2262-04-11T23:47:16.854775807": MAX,
        "2262-04-11T23:47:16.854775808": None,
        "2262-04-11T23:47:16.854775807Z": MAX,
        "2262-04-12T00:47:16.854775807+01:00": MAX,
        "2262-04-11T23:47:16.854775808Z": None,
        "1970-01-01T01:00:00+01:00": 0,
        "1970-01-01T00:59:59.999999999+01:00": None,
    }
    if single:
        for text, expected in cases.items():
            table, report = _wrangle([text])
            got = table.column("ts_event").to_pylist()
            assert got == ([] if expected is None else [expected]), text
            if expected is None:
                assert report.rejections[0].reason.startswith("time out of range"), text
    else:
        table, report = _wrangle(list(cases))
        assert table.column("ts_event").to_pylist() == [v for v in cases.values() if v is not None]
        assert sorted(_rejected(report)) == [2, 4, 7, 9]
        assert all(r.startswith("time out of range") for r in _rejected(report).values())


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_wrangler_datetime_columns_of_coarse_units_checked_before_scaling(unit):
    times = ["2024-01-01", "2700-01-01", "1969-12-31", "2262-04-11T23:47:16"]
    stamps = pd.Series(np.array(times, dtype=f"datetime64[{unit}]"))
    assert stamps.dtype == f"datetime64[{unit}]"
    table, report = _wrangle(stamps)
    assert table.column("ts_event").to_pylist() == [T0, 9_223_372_036_000_000_000]
    assert _rejected(report) == {
        2: f"time out of range: timestamp '2700-01-01 00:00:00' {AFTER}",
        3: f"time out of range: timestamp '1969-12-31 00:00:00' {BEFORE}",
    }


def test_wrangler_datetime_ns_column_edges():
    stamps = pd.Series(
        pd.to_datetime(
            [
                "1970-01-01T00:00:00",
                "2262-04-11T23:47:16.854775807",
                "1969-12-31T23:59:59.999999999",
            ],
            format="ISO8601",
        )
    )
    assert stamps.dtype == "datetime64[ns]"
    table, report = _wrangle(stamps)
    assert table.column("ts_event").to_pylist() == [0, MAX]
    assert _rejected(report) == {
        3: f"time out of range: timestamp '1969-12-31 23:59:59.999999999' {BEFORE}"
    }


def test_wrangler_tz_aware_datetimes_and_datetime_objects_checked():
    aware = pd.Series(
        pd.to_datetime(["2024-01-01T01:00:00+01:00", "2700-01-01T00:00:00Z"], utc=True)
    )
    assert aware.dtype != "datetime64[ns, UTC]"  # pandas holds 2700 in a coarser unit
    table, report = _wrangle(aware)
    assert table.column("ts_event").to_pylist() == [T0]
    assert list(_rejected(report)) == [2]
    objects = [dt.datetime(2024, 1, 1), dt.datetime(2700, 1, 1), dt.datetime(1969, 12, 31)]
    table, report = _wrangle(objects)
    assert table.column("ts_event").to_pylist() == [T0]
    assert sorted(_rejected(report)) == [2, 3]


def test_wrangler_datetime_index_far_future_rejected():
    df = pd.DataFrame(
        {"bid": ["1.1", "1.1"], "ask": ["1.2", "1.2"]},
        index=pd.DatetimeIndex(["2024-01-01", "2700-01-01"]),
    )
    table, report = QuoteTickDataWrangler(EURUSD).process_table(df)
    assert table.column("ts_event").to_pylist() == [T0]
    assert report.rejections[0].row == 2 and report.rejections[0].column == "index"
    assert report.rejections[0].reason.endswith(AFTER)


@pytest.mark.parametrize(
    ("unit", "ok", "too_big"),
    [
        ("s", 9_223_372_036, 9_223_372_037),
        ("ms", 9_223_372_036_854, 9_223_372_036_855),
        ("us", 9_223_372_036_854_775, 9_223_372_036_854_776),
        ("ns", MAX, None),
    ],
)
def test_wrangler_integer_epochs_of_every_unit_checked(unit, ok, too_big):
    factor = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[unit]
    values = [ok, -1, 0] + ([] if too_big is None else [too_big])
    for column in (pd.Series(values, dtype="int64"), pd.Series([str(v) for v in values])):
        table, report = _wrangle(column, ts_unit=unit)
        assert table.column("ts_event").to_pylist() == [ok * factor, 0]
        rows = _rejected(report)
        assert rows[2] == f"time out of range: timestamp '-1' {BEFORE}"
        if too_big is not None:
            assert rows[4] == f"time out of range: timestamp '{too_big}' {AFTER}"


def test_wrangler_integer_text_beyond_int64_and_unsigned_columns_rejected():
    table, report = _wrangle(["9223372036854775808", "99999999999999999999999", str(T0)])
    assert table.column("ts_event").to_pylist() == [T0]
    assert _rejected(report) == {
        1: f"time out of range: timestamp '9223372036854775808' {AFTER}",
        2: f"time out of range: timestamp '99999999999999999999999' {AFTER}",
    }
    unsigned = pd.Series(np.array([2**63, T0], dtype=np.uint64))
    table, report = _wrangle(unsigned)
    assert table.column("ts_event").to_pylist() == [T0]
    assert _rejected(report) == {1: f"time out of range: timestamp '9223372036854775808' {AFTER}"}


def test_wrangler_float_epochs_checked():
    table, report = _wrangle(pd.Series([1_704_067_200.0, 1e10, -0.5]), ts_unit="s")
    assert table.column("ts_event").to_pylist() == [T0]
    assert sorted(_rejected(report)) == [2, 3]
    assert _rejected(report)[2].endswith(AFTER)
    assert _rejected(report)[3].endswith(BEFORE)


def test_wrangler_ts_init_delta_overflow_rejected():
    table, report = _wrangle([str(MAX), str(T0)], ts_init_delta=1)
    assert table.column("ts_init").to_pylist() == [T0 + 1]
    assert report.rejections[0].row == 1
    assert report.rejections[0].reason.startswith("ts_init = timestamp + ts_init_delta 1")
    table, report = _wrangle(["5", str(T0)], ts_init_delta=-10)
    assert table.column("ts_init").to_pylist() == [T0 - 10]
    assert [r.row for r in report.rejections] == [1]


@pytest.mark.parametrize("unit", ["us", "ms", "s"])
def test_loader_parquet_timestamp_columns_far_future_rejected(tmp_path, unit):
    path = tmp_path / "quotes.parquet"
    stamps = pa.array(
        [dt.datetime(2024, 1, 1), dt.datetime(2700, 1, 1), dt.datetime(5000, 1, 1)],
        type=pa.timestamp(unit, tz="UTC"),
    )
    pq.write_table(pa.table({"timestamp": stamps, "bid": [1.1] * 3, "ask": [1.2] * 3}), path)
    table, report = load(path, QuoteTickDataWrangler(EURUSD))
    assert table.column("ts_event").to_pylist() == [T0]
    assert [(r.row, r.column) for r in report.rejections] == [(2, "timestamp"), (3, "timestamp")]
    assert all(r.reason.endswith(AFTER) for r in report.rejections)


def test_loader_csv_far_future_reported_with_line_numbers(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text(
        "timestamp,bid,ask\n2024-01-01T00:00:00,1.1,1.2\n2700-01-01,1.1,1.2\n1969-12-31,1.1,1.2\n"
    )
    table, report = load(path, QuoteTickDataWrangler(EURUSD))
    assert table.column("ts_event").to_pylist() == [T0]
    assert _rejected(report) == {
        3: f"time out of range: timestamp '2700-01-01' {AFTER}",
        4: f"time out of range: timestamp '1969-12-31' {BEFORE}",
    }


@pytest.mark.parametrize("value", ["2700-01-01", "5000-01-01T00:00:00Z", "1969-12-31", -1, 2**63])
def test_catalog_query_bounds_out_of_range_refused(tmp_path, value):
    from core.errors import DataError
    from node.persistence.catalog import to_ns

    with pytest.raises(DataError, match=r"^start .* out of range, expected 1970-01-01T00:00:00Z"):
        to_ns(value, "start")
    assert to_ns("2262-04-11T23:47:16.854775807", "start") == MAX
    assert to_ns("1970-01-01", "start") == 0
