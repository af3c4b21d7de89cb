"""The tearsheet renders: each report opens in headless Chromium, offline, and plotly draws it.

Real runs (the demo, a run without trades, a run with one losing trade on one day) and
synthetic edge cases (losses only over months, 20,000 fills) are rendered to files and opened
in Debian's ``chromium`` through playwright. Every request that is not ``file://`` is aborted
and recorded; a test fails on any such request, on a console error or a page error, and on a
chart that plotly did not draw with the expected traces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.analysis.reports import (
    FILL_COLUMNS,
    POSITION_COLUMNS,
    fills_report,
    positions_report,
    rows_to_frame,
)
from core.analysis.statistics import compute_statistics
from node.backtest.tearsheet import CHART_IDS, MAX_FILL_MARKERS, MAX_LINE_POINTS, write_tearsheet
from tests.kit.browser import chromium_path, guard_page
from tests.kit.run_config import ema_run_config

T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
MINUTE = 60_000_000_000
DAY = 86_400_000_000_000

# What each chart holds once plotly drew it: the traces, the drawn points per trace, the
# number of plotly SVG layers, the title, and the cells of a heatmap that have a value.
_CHART_STATE_JS = """
ids => ids.map(id => {
    const gd = document.getElementById(id);
    if (!gd) return {id, missing: true};
    // Rows of a heatmap, else the x values plotly decoded (typed arrays arrive base64-coded).
    const points = (gd._fullData || []).map((t, i) => {
        const v = t.type === 'heatmap' ? gd.data[i].z : t.x;
        return v ? v.length : 0;
    });
    const cells = (gd.data || []).filter(t => t.type === 'heatmap')
        .map(t => t.z.flat().filter(v => v !== null && v !== undefined).length);
    return {
        id,
        missing: false,
        traces: (gd.data || []).length,
        types: (gd.data || []).map(t => t.type),
        names: (gd.data || []).map(t => t.name),
        points,
        cells,
        svgs: gd.querySelectorAll('.main-svg').length,
        drawn_traces: gd.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length,
        heatmap_images: gd.querySelectorAll('.heatmaplayer image').length,
        title: gd._fullLayout ? gd._fullLayout.title.text : null,
        annotations: gd._fullLayout ? (gd._fullLayout.annotations || []).map(a => a.text) : [],
    };
})
"""


@dataclass
class Opened:
    """What a report did in the browser."""

    charts: dict[str, dict]
    errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    statistics_text: str = ""


def open_report(browser, path: Path, *, wait_for_charts: bool = True) -> Opened:
    """Open `path`, let plotly draw, and return the charts' state and what went wrong."""
    if browser is None:
        chromium_path()
    page = browser.new_page()
    opened = Opened(charts={})
    guard_page(page, opened.errors, opened.outside_requests)
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=30_000)
        if wait_for_charts:
            page.wait_for_function(
                "ids => ids.every(id => { const gd = document.getElementById(id);"
                " return gd && gd._fullLayout && gd.querySelector('.main-svg'); })",
                arg=list(CHART_IDS),
                timeout=30_000,
            )
        for state in page.evaluate(_CHART_STATE_JS, list(CHART_IDS)):
            opened.charts[state["id"]] = state
        table = page.query_selector("#statistics-table")
        opened.statistics_text = table.inner_text() if table is not None else ""
    finally:
        page.close()
    return opened


def assert_clean(opened: Opened, traces: dict[str, int]) -> None:
    """Assert no error, no request off the machine, and every chart drawn with `traces`."""
    assert opened.errors == []
    assert opened.outside_requests == []
    for chart_id in CHART_IDS:
        state = opened.charts[chart_id]
        assert not state["missing"], f"chart div #{chart_id} is missing"
        assert state["svgs"] >= 1, f"plotly drew no SVG in #{chart_id}"
        assert state["traces"] == traces[chart_id], f"#{chart_id}: {state}"
        heatmaps = state["types"].count("heatmap")
        assert state["heatmap_images"] == heatmaps, f"#{chart_id}: {state}"
        assert state["drawn_traces"] == state["traces"] - heatmaps, f"#{chart_id}: {state}"


# -- inputs ----------------------------------------------------------------------------------


def tearsheet_inputs(engine) -> dict:
    """Return the statistics, equity (long form), positions and fills of a finished engine."""
    parts = []
    for account in engine.cache.accounts():
        for currency in account.currencies():
            ts, totals = account.balance_series(currency)
            parts.append(
                pd.DataFrame({"ts_ns": ts, "currency": currency.code, "balance": totals / 1e9})
            )
    return {
        "statistics": engine.get_result().stats_pnls,
        "equity": pd.concat(parts, ignore_index=True),
        "positions": positions_report(engine.cache),
        "fills": fills_report(engine.cache),
    }


def _demo_inputs(bars: int) -> dict:
    from core.testkit.data import random_walk_bars
    from node.demo import build_demo_engine

    engine = build_demo_engine(bars)
    engine.run()
    inputs = tearsheet_inputs(engine)
    engine.dispose()
    data = random_walk_bars(bars, seed=7)
    inputs["prices"] = pd.DataFrame({"ts_ns": data["ts_init"], "price": data["close"] / 1e9})
    return inputs


def _one_trade_inputs() -> dict:
    from tests.integration.test_execution_rules import make_engine, quote, run, ts
    from tests.kit.scripted import Market, ScriptedStrategy

    strategy = ScriptedStrategy(
        "EUR/USD.SIM",
        at={ts(1): [Market("a", "BUY", "100000")], ts(2): [Market("b", "SELL", "100000")]},
    )
    engine = make_engine()
    run(engine, [[quote(ts(i), "1.10000", "1.10002") for i in range(4)]], strategy)
    inputs = tearsheet_inputs(engine)
    engine.dispose()
    return inputs


def _position_rows(pnls: list[float], ts_closed: list[int]) -> pd.DataFrame:
    rows = []
    for i, (pnl, closed) in enumerate(zip(pnls, ts_closed, strict=True)):
        rows.append(
            {
                "position_id": f"EUR/USD.SIM-S-{i}",
                "trader_id": "T-001",
                "strategy_id": "S-000",
                "instrument_id": "EUR/USD.SIM",
                "account_id": "SIM-001",
                "opening_order_id": f"O-{2 * i}",
                "closing_order_id": f"O-{2 * i + 1}",
                "entry": "BUY",
                "side": "FLAT",
                "quantity": "0",
                "peak_qty": "100000",
                "avg_px_open": 1.1,
                "avg_px_close": 1.1 + pnl / 100_000,
                "realized_return": pnl / 110_000,
                "realized_pnl": f"{pnl:.2f} USD",
                "commissions": "0.00 USD",
                "ts_opened": closed - MINUTE,
                "ts_closed": closed,
                "duration_ns": MINUTE,
                "is_snapshot": True,
            }
        )
    return rows_to_frame(rows, POSITION_COLUMNS)


def _fill_rows(ts_event: np.ndarray, prices: np.ndarray) -> pd.DataFrame:
    rows = [
        {
            "trade_id": f"SIM-{i}",
            "client_order_id": f"O-{i}",
            "venue_order_id": f"SIM-{i}",
            "strategy_id": "S-000",
            "instrument_id": "EUR/USD.SIM",
            "position_id": f"EUR/USD.SIM-S-{i // 2}",
            "side": "BUY" if i % 2 == 0 else "SELL",
            "type": "MARKET",
            "last_qty": "100000",
            "last_px": f"{prices[i]:.5f}",
            "currency": "USD",
            "commission": "2.20 USD",
            "liquidity_side": "TAKER",
            "ts_event": int(ts_event[i]),
        }
        for i in range(len(ts_event))
    ]
    return rows_to_frame(rows, FILL_COLUMNS)


def _synthetic_inputs(pnls: list[float], ts_closed: list[int], n_fills: int) -> dict:
    start = 1_000_000.0
    ts = np.asarray([T0, *ts_closed], dtype=np.int64)
    values = start + np.concatenate(([0.0], np.cumsum(pnls)))
    fill_ts = np.linspace(T0, ts[-1], n_fills).astype(np.int64) if n_fills else np.empty(0)
    fill_px = 1.1 + 0.001 * np.sin(np.arange(n_fills) / 50.0)
    return {
        "statistics": {"USD": compute_statistics(pnls, ts, values, start, "USD")},
        "equity": pd.DataFrame({"ts_ns": ts, "balance": values}),
        "positions": _position_rows(pnls, ts_closed),
        "fills": _fill_rows(fill_ts, fill_px),
        "prices": pd.DataFrame({"ts_ns": fill_ts, "price": fill_px}),
    }


# -- the tests -------------------------------------------------------------------------------


def test_tearsheet_demo_run_renders_every_chart_offline_without_errors(browser, tmp_path):
    inputs = _demo_inputs(3_000)
    path = write_tearsheet(
        tmp_path / "demo.html", title="Demo: EMA cross", config={"bars": 3_000}, **inputs
    )

    opened = open_report(browser, path)

    assert_clean(
        opened,
        {"equity": 1, "drawdown": 1, "monthly-returns": 1, "trade-pnl": 1, "fills": 3},
    )
    trades = inputs["statistics"]["USD"]["Trades"]
    assert trades > 10
    assert (
        opened.charts["trade-pnl"]["title"] == f"Trade PnL distribution ({trades:,} closed trades)"
    )
    assert opened.charts["trade-pnl"]["points"] == [trades]
    n_fills = len(inputs["fills"])
    assert opened.charts["fills"]["title"] == f"Fills over price ({n_fills:,} fills)"
    assert opened.charts["fills"]["names"] == ["price", "BUY", "SELL"]
    assert sum(opened.charts["fills"]["points"][1:]) == n_fills
    assert opened.charts["monthly-returns"]["cells"] == [1]
    assert f"Trades\t{trades:,}" in opened.statistics_text


def test_tearsheet_run_without_trades_renders_empty_charts_with_notes(browser, tmp_path):
    inputs = _demo_inputs(15)  # fewer bars than the slow EMA needs: no order at all
    assert len(inputs["fills"]) == 0
    path = write_tearsheet(tmp_path / "none.html", title="No trades", **inputs)

    opened = open_report(browser, path)

    assert_clean(
        opened,
        {"equity": 1, "drawdown": 1, "monthly-returns": 1, "trade-pnl": 0, "fills": 1},
    )
    assert opened.charts["trade-pnl"]["annotations"] == ["no closed trades"]
    assert opened.charts["fills"]["title"] == "Fills over price (0 fills)"
    assert "Win Rate\tn/a" in opened.statistics_text


def test_tearsheet_one_losing_trade_on_one_day_has_one_heatmap_cell(browser, tmp_path):
    inputs = _one_trade_inputs()
    stats = inputs["statistics"]["USD"]
    assert stats["Trades"] == 1 and stats["PnL (total)"] < 0
    path = write_tearsheet(tmp_path / "one.html", title="One trade", **inputs)

    opened = open_report(browser, path)

    assert_clean(
        opened,
        {"equity": 1, "drawdown": 1, "monthly-returns": 1, "trade-pnl": 1, "fills": 2},
    )
    assert opened.charts["trade-pnl"]["title"] == "Trade PnL distribution (1 closed trade)"
    assert opened.charts["monthly-returns"]["cells"] == [1]
    assert opened.charts["fills"]["names"] == ["BUY", "SELL"]
    # One day: no daily return, so the return-based ratios are undefined; one trade, a loss.
    for key in ("Sharpe Ratio (252 days)", "Sortino Ratio (252 days)", "Avg Winner"):
        assert math.isnan(stats[key])
        assert f"{key}\tn/a" in opened.statistics_text


def test_tearsheet_losses_only_over_months_draws_each_month(browser, tmp_path):
    closes = [
        T0 + 3 * DAY,
        T0 + 40 * DAY,
        T0 + 75 * DAY,
        T0 + 370 * DAY,
    ]  # Jan, Feb, Mar 2024, Jan 2025
    inputs = _synthetic_inputs([-120.0, -80.5, -40.0, -10.0], closes, 8)
    path = write_tearsheet(tmp_path / "losses.html", title="Losses only", **inputs)

    opened = open_report(browser, path)

    assert_clean(
        opened,
        {"equity": 1, "drawdown": 1, "monthly-returns": 1, "trade-pnl": 1, "fills": 3},
    )
    assert opened.charts["monthly-returns"]["cells"] == [4]
    assert opened.charts["monthly-returns"]["points"] == [2]  # 2024 and 2025
    assert "Profit Factor\t0.0000" in opened.statistics_text  # no profit over a loss
    assert "Avg Winner\tn/a" in opened.statistics_text
    assert "Max Winner\tn/a" in opened.statistics_text


def test_tearsheet_many_fills_are_down_sampled_and_counted_in_the_title(browser, tmp_path):
    n = 20_000
    closes = (T0 + np.arange(1, n // 2 + 1) * 17 * MINUTE).tolist()
    pnls = [(-1.0) ** i * (5.0 + i % 7) for i in range(n // 2)]
    inputs = _synthetic_inputs(pnls, closes, n)
    path = write_tearsheet(tmp_path / "many.html", title="Many fills", **inputs)

    opened = open_report(browser, path)

    assert_clean(
        opened,
        {"equity": 1, "drawdown": 1, "monthly-returns": 1, "trade-pnl": 1, "fills": 3},
    )
    fills = opened.charts["fills"]
    assert fills["title"] == f"Fills over price (20,000 fills, {MAX_FILL_MARKERS:,} drawn)"
    assert sum(fills["points"][1:]) == MAX_FILL_MARKERS
    assert fills["points"][0] <= MAX_LINE_POINTS
    assert opened.charts["equity"]["title"] == f"Equity ({n // 2 + 1:,} observations)"
    assert opened.charts["equity"]["points"][0] <= MAX_LINE_POINTS
    assert opened.charts["trade-pnl"]["points"] == [n // 2]
    assert path.stat().st_size < 6_000_000


def test_tearsheet_with_nothing_at_all_still_renders_every_chart(browser, tmp_path):
    # The empty equity frame BacktestNode writes for a run without accounts.
    path = write_tearsheet(
        tmp_path / "empty.html",
        title="Empty",
        statistics={},
        equity=pd.DataFrame({"ts_ns": [], "balance": [], "currency": []}),
        positions=rows_to_frame([], POSITION_COLUMNS),
        fills=rows_to_frame([], FILL_COLUMNS),
    )

    opened = open_report(browser, path)

    assert_clean(opened, dict.fromkeys(CHART_IDS, 0))
    assert opened.charts["equity"]["annotations"] == ["no equity observations"]
    assert opened.charts["monthly-returns"]["annotations"] == ["no equity observations"]
    assert opened.charts["fills"]["annotations"] == ["no fills and no prices"]


def test_open_report_catches_a_cdn_script_and_the_error_it_leaves(browser, tmp_path):
    # The guard itself: a page that loads plotly from a CDN is caught, not silently passed.
    page = tmp_path / "cdn.html"
    page.write_text(
        '<html><head><script src="https://cdn.plot.ly/plotly-2.35.2.min.js"></script></head>'
        '<body><div id="equity"></div><script>Plotly.newPlot("equity", [{y: [1, 2]}]);'
        "</script></body></html>",
        encoding="utf-8",
    )

    opened = open_report(browser, page, wait_for_charts=False)

    assert opened.outside_requests == ["https://cdn.plot.ly/plotly-2.35.2.min.js"]
    assert any("Plotly is not defined" in e for e in opened.errors), opened.errors
    assert opened.charts["equity"]["svgs"] == 0


def test_tearsheet_of_a_flotilla_backtest_run_directory_renders(browser, tmp_path):
    import pyarrow as pa

    from core.testkit import TestInstrumentProvider
    from core.testkit.data import random_walk_bars
    from node.backtest import run_backtest
    from node.config import config_from_dict
    from node.persistence import ParquetDataCatalog

    bar_type = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
    catalog = ParquetDataCatalog(tmp_path / "catalog")
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", bar_type, pa.table(random_walk_bars(3_000, seed=7)))
    config = config_from_dict(ema_run_config(tmp_path / "catalog", bar_type=bar_type))
    result = run_backtest(config, tmp_path / "results")

    opened = open_report(browser, Path(result.run_dir) / "tearsheet.html")

    assert_clean(
        opened,
        {"equity": 1, "drawdown": 1, "monthly-returns": 1, "trade-pnl": 1, "fills": 3},
    )
    assert opened.charts["fills"]["title"] == f"Fills over price ({result.total_fills:,} fills)"
    assert f"Trades\t{result.statistics['USD']['Trades']:,}" in opened.statistics_text
