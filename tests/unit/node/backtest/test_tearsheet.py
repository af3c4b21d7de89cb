"""Tearsheet data shaping (drawdown, monthly returns, trade PnLs, down-sampling) and the page."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.analysis.reports import FILL_COLUMNS, POSITION_COLUMNS, rows_to_frame
from core.analysis.statistics import STATISTIC_KEYS, max_drawdown
from core.errors import ValidationError
from node.backtest.tearsheet import (
    CHART_IDS,
    _percent_text,
    drawdown_series,
    line_indices,
    monthly_returns,
    render_tearsheet,
    trade_pnls,
)

T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
DAY = 86_400_000_000_000
NS = 1_000_000_000


def utc(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


# -- drawdown_series -------------------------------------------------------------------------


def test_drawdown_series_is_fall_below_running_peak():
    result = drawdown_series([100.0, 200.0, 150.0, 400.0, 100.0, 500.0])
    assert result.tolist() == [0.0, 0.0, -0.25, 0.0, -0.75, 0.0]


def test_drawdown_series_minimum_is_statistics_max_drawdown():
    values = [1000.0, 1010.5, 990.25, 1003.0, 950.0, 1100.0, 1049.0]
    assert drawdown_series(values).min() == max_drawdown(values)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        ([5.0], [0.0]),
        ([3.0, 3.0, 3.0], [0.0, 0.0, 0.0]),
        ([4.0, 2.0, 1.0], [0.0, -0.5, -0.75]),
    ],
)
def test_drawdown_series_edges(values, expected):
    assert drawdown_series(values).tolist() == expected


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([0.0, 1.0], r"values\[0\] is 0.0, expected > 0"),
        ([-5.0, 1.0], r"values\[0\] is -5.0, expected > 0"),
        ([1.0, float("nan")], r"values\[1\] is nan, expected a finite number"),
        ([[1.0, 2.0]], r"values: 2-D, expected a 1-D"),
        (["x"], r"values: cannot convert to float64"),
    ],
)
def test_drawdown_series_invalid_raises(values, match):
    with pytest.raises(ValidationError, match=match):
        drawdown_series(values)


# -- monthly_returns -------------------------------------------------------------------------


def test_monthly_returns_closes_over_previous_close_skipping_empty_months():
    ts = [
        utc("2024-01-01T00:00"),  # opening equity, the first month's base
        utc("2024-01-15T12:00"),
        utc("2024-01-31T23:59:59.999999999"),  # January's close
        utc("2024-03-01T00:00"),  # no February: March is against January's close
        utc("2024-03-20T00:00"),
        utc("2024-12-31T00:00"),
        utc("2025-01-01T00:00"),  # the first nanosecond of a month belongs to it
    ]
    values = [1000.0, 1100.0, 1250.0, 1200.0, 937.5, 1875.0, 937.5]

    table = monthly_returns(ts, values)

    assert table.index.tolist() == [2024, 2025]
    assert table.index.name == "year"
    assert table.columns.tolist() == list(range(1, 13))
    assert table.columns.name == "month"
    expected_2024 = [0.25, None, -0.25, None, None, None, None, None, None, None, None, 1.0]
    expected_2025 = [-0.5] + [None] * 11
    for row, expected in ((2024, expected_2024), (2025, expected_2025)):
        got = [None if math.isnan(v) else v for v in table.loc[row].tolist()]
        assert got == expected


def test_monthly_returns_single_day_is_one_cell():
    table = monthly_returns([T0, T0 + 3600 * NS, T0 + 7200 * NS], [1000.0, 990.0, 1020.0])
    assert table.index.tolist() == [2024]
    cells = table.to_numpy()
    assert np.count_nonzero(~np.isnan(cells)) == 1
    assert cells[0, 0] == 1020.0 / 1000.0 - 1.0


def test_monthly_returns_single_observation_is_zero_return():
    table = monthly_returns([utc("2023-07-04T10:00")], [500.0])
    assert table.index.tolist() == [2023]
    assert table.loc[2023, 7] == 0.0
    assert int(table.notna().to_numpy().sum()) == 1


def test_monthly_returns_empty_curve_is_empty_table_with_months():
    table = monthly_returns(np.empty(0, np.int64), np.empty(0))
    assert table.shape == (0, 12)
    assert table.columns.tolist() == list(range(1, 13))


def test_monthly_returns_years_without_observation_are_nan_rows():
    table = monthly_returns([utc("2022-05-01"), utc("2024-02-01")], [100.0, 150.0])
    assert table.index.tolist() == [2022, 2023, 2024]
    assert table.loc[2023].isna().all()
    assert table.loc[2022, 5] == 0.0
    assert table.loc[2024, 2] == 0.5


@pytest.mark.parametrize(
    ("ts", "values", "match"),
    [
        ([T0 + DAY, T0], [1.0, 2.0], r"equity: ts_ns\[1\] = .* is before ts_ns\[0\]"),
        ([T0, T0 + DAY], [1.0], r"equity: 1 values for 2 timestamps"),
        ([T0, T0 + DAY], [1.0, float("inf")], r"equity: value \[1\] is inf"),
        ([1.5, 2.5], [1.0, 2.0], r"equity: ts_ns has dtype float64"),
        ([T0, T0 + 40 * DAY], [0.0, 2.0], r"base of month 2024-01 is 0.0, expected > 0"),
        ([T0, T0 + 40 * DAY], [1.0, -2.0], None),  # the last close is no base: allowed
    ],
)
def test_monthly_returns_invalid_curves_raise(ts, values, match):
    if match is None:
        assert monthly_returns(ts, values).loc[2024, 2] == -3.0
        return
    with pytest.raises(ValidationError, match=match):
        monthly_returns(ts, values)


@pytest.mark.parametrize(
    ("pct", "text"),
    [
        (0.0, "0.00%"),
        (12.345, "+12.35%"),
        (-0.01, "-0.01%"),
        (-0.0081, "-0.0081%"),
        (0.004, "+0.004%"),
    ],
)
def test_percent_text_keeps_small_returns_visible(pct, text):
    assert _percent_text(pct) == text


# -- trade_pnls ------------------------------------------------------------------------------


def _positions(rows: list[tuple[str, str]]) -> pd.DataFrame:
    records = []
    for i, (side, pnl) in enumerate(rows):
        record = dict.fromkeys(POSITION_COLUMNS)
        record.update({"position_id": f"P-{i}", "side": side, "realized_pnl": pnl})
        records.append(record)
    return rows_to_frame(records, POSITION_COLUMNS)


def test_trade_pnls_closed_positions_per_currency_sorted():
    frame = _positions(
        [
            ("FLAT", "16.60 USD"),
            ("FLAT", "-13.40 EUR"),
            ("LONG", "5.00 USD"),  # open: not a trade yet
            ("FLAT", "-1,234.50 USD"),
            ("SHORT", "-2.00 EUR"),
        ]
    )
    pnls = trade_pnls(frame)
    assert list(pnls) == ["EUR", "USD"]
    assert pnls["EUR"].tolist() == [-13.40]
    assert pnls["USD"].tolist() == [16.60, -1234.50]


def test_trade_pnls_no_positions_is_empty():
    assert trade_pnls(rows_to_frame([], POSITION_COLUMNS)) == {}


@pytest.mark.parametrize("bad", ["16.60", "USD", "abc USD", "nan USD", None])
def test_trade_pnls_unreadable_money_raises(bad):
    with pytest.raises(ValidationError, match=r"positions: realized_pnl\[0\] is .*expected"):
        trade_pnls(_positions([("FLAT", bad)]))


def test_trade_pnls_missing_column_raises():
    with pytest.raises(ValidationError, match=r"positions: missing column\(s\) \['realized_pnl'\]"):
        trade_pnls(pd.DataFrame({"side": ["FLAT"]}))


# -- line_indices ----------------------------------------------------------------------------


def test_line_indices_short_line_keeps_every_point():
    assert line_indices(np.arange(10.0), 10).tolist() == list(range(10))


def test_line_indices_long_line_keeps_ends_and_extremes():
    values = np.zeros(100_001)
    values[31_337] = -9.0  # a deep trough between samples
    values[77_777] = 5.0
    idx = line_indices(values, 1_000)
    assert idx.size <= 1_000
    assert idx[0] == 0 and idx[-1] == 100_000
    assert 31_337 in idx and 77_777 in idx
    assert (np.diff(idx) > 0).all()


@pytest.mark.parametrize("bad", [3, 0, True, 4.5])
def test_line_indices_invalid_max_points_raises(bad):
    with pytest.raises(ValidationError, match=r"max_points: .* expected an int >= 4"):
        line_indices([1.0, 2.0], bad)


# -- render_tearsheet ------------------------------------------------------------------------


def _inputs(**overrides):
    ts = np.asarray([T0, T0 + DAY, T0 + 2 * DAY], dtype=np.int64)
    stats = dict.fromkeys(STATISTIC_KEYS, math.nan)
    stats.update({"Currency": "USD", "Trades": 1, "PnL (total)": -2.5, "Profit Factor": math.inf})
    fills = rows_to_frame(
        [
            {
                **dict.fromkeys(FILL_COLUMNS),
                "side": s,
                "last_px": px,
                "last_qty": "1000",
                "instrument_id": "EUR/USD.SIM",
                "ts_event": int(t),
            }
            for s, px, t in (("BUY", "1.10000", ts[1]), ("SELL", "1.09975", ts[2]))
        ],
        FILL_COLUMNS,
    )
    inputs = {
        "title": "Run <1> & co",
        "statistics": {"USD": stats},
        "equity": pd.DataFrame({"ts_ns": ts, "balance": [1000.0, 1000.0, 997.5]}),
        "positions": _positions([("FLAT", "-2.50 USD")]),
        "fills": fills,
        "prices": pd.DataFrame({"ts_ns": ts, "price": [1.1, 1.1, 1.09975]}),
        "config": {"strategy": {"fast": 10}, "bars": 3},
    }
    inputs.update(overrides)
    return inputs


def test_render_tearsheet_is_one_offline_page_with_every_chart():
    page = render_tearsheet(**_inputs())
    assert page.count("* plotly.js v") == 1  # the library, inlined once
    assert page.count("Plotly.newPlot(") == len(CHART_IDS)
    for chart_id in CHART_IDS:
        assert f'id="{chart_id}"' in page
    assert "<script src=" not in page and "cdn.plot.ly" not in page.split("</script>", 1)[1]
    assert "<h1>Run &lt;1&gt; &amp; co</h1>" in page
    assert "<tr><th>Avg Winner</th><td>n/a</td></tr>" in page
    assert "<tr><th>Profit Factor</th><td>inf</td></tr>" in page
    assert "<tr><th>Trades</th><td>1</td></tr>" in page
    assert "<tr><th>PnL (total)</th><td>-2.5000</td></tr>" in page
    assert "&quot;fast&quot;: 10" in page


def test_render_tearsheet_same_inputs_same_bytes():
    assert render_tearsheet(**_inputs()) == render_tearsheet(**_inputs())


def test_render_tearsheet_long_equity_by_currency_names_each_curve():
    ts = np.asarray([T0, T0 + DAY], dtype=np.int64)
    equity = pd.DataFrame(
        {
            "ts_ns": np.concatenate([ts, ts]),
            "currency": ["USD", "USD", "EUR", "EUR"],
            "balance": [10.0, 11.0, 20.0, 19.0],
        }
    )
    page = render_tearsheet(**_inputs(equity=equity))
    assert page.index('"name":"EUR"') < page.index('"name":"USD"')  # sorted, not input order


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"title": ""}, r"title: '', expected a non-empty str"),
        ({"statistics": [1]}, r"statistics: list given, expected a dict"),
        ({"statistics": {"USD": 3}}, r"statistics\['USD'\]: int given"),
        ({"equity": pd.DataFrame({"ts": [1]})}, r"equity: missing column\(s\) \['ts_ns'\]"),
        ({"equity": pd.DataFrame({"ts_ns": [T0]})}, r"equity: only a ts_ns column"),
        (
            {"equity": pd.DataFrame({"ts_ns": [T0, T0 - 1], "balance": [1.0, 1.0]})},
            r"equity\[balance\]: ts_ns\[1\] = .* is before",
        ),
        ({"fills": pd.DataFrame({"side": []})}, r"fills: missing column\(s\) \['ts_event'"),
        ({"prices": pd.DataFrame({"ts_ns": [T0]})}, r"prices: missing column\(s\) \['price'\]"),
        ({"positions": {"side": []}}, r"positions: dict given, expected a pandas DataFrame"),
        ({"config": [1, 2]}, r"config: list given, expected a dict or None"),
    ],
)
def test_render_tearsheet_invalid_input_names_the_field(overrides, match):
    with pytest.raises(ValidationError, match=match):
        render_tearsheet(**_inputs(**overrides))


def test_render_tearsheet_unknown_fill_side_raises():
    inputs = _inputs()
    inputs["fills"].loc[0, "side"] = "HOLD"
    with pytest.raises(ValidationError, match=r"fills: side 'HOLD', expected 'BUY' or 'SELL'"):
        render_tearsheet(**inputs)
