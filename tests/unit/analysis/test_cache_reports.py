"""Report frames over a node's cache (core/analysis/reports.py) after a small deterministic run.

The run: EUR/USD on a NETTING MARGIN account; at ``ts(0)`` (bid 1.10000 / ask 1.10020) a market
BUY 100,000 and a limit BUY 10,000 @ 1.00000 that never fills; at ``ts(1)`` (bid 1.10100 /
ask 1.10120) a market SELL 100,000 that closes the position.
"""

import pandas as pd
import pytest

from core.analysis.reports import (
    ACCOUNT_COLUMNS,
    FILL_COLUMNS,
    ORDER_COLUMNS,
    POSITION_COLUMNS,
    account_report,
    fills_report,
    order_fills_report,
    orders_report,
    positions_report,
)
from tests.integration.test_execution_rules import EURUSD, SIM, make_engine, quote, run, ts
from tests.kit.scripted import Limit, Market, ScriptedStrategy

O1 = "O-20231114-221300-001-000-1"
O2 = "O-20231114-221300-001-000-2"
O3 = "O-20231114-221400-001-000-3"
POSITION = "EUR/USD.SIM-ScriptedStrategy-000"


def run_engine(at):
    engine = make_engine()
    strategy = ScriptedStrategy(EURUSD, at=at)
    run(
        engine, [[quote(ts(0), "1.10000", "1.10020"), quote(ts(1), "1.10100", "1.10120")]], strategy
    )
    return engine.cache


@pytest.fixture(scope="module")
def cache():
    return run_engine(
        {
            ts(0): [Market("b", "BUY", "100000"), Limit("l", "BUY", "10000", "1.00000")],
            ts(1): [Market("s", "SELL", "100000")],
        }
    )


@pytest.fixture(scope="module")
def empty_cache():
    return run_engine({})


def test_orders_report_one_row_per_order_indexed_by_client_order_id(cache):
    frame = orders_report(cache)
    assert list(frame.columns) == list(ORDER_COLUMNS[1:])
    assert frame.index.name == "client_order_id"
    assert frame.index.tolist() == [O1, O2, O3]
    assert frame["side"].tolist() == ["BUY", "BUY", "SELL"]
    assert frame["type"].tolist() == ["MARKET", "LIMIT", "MARKET"]
    assert frame["status"].tolist() == ["FILLED", "ACCEPTED", "FILLED"]
    assert frame["filled_qty"].tolist() == ["100000", "0", "100000"]
    assert frame.loc[O2, "price"] == "1.00000"
    assert pd.isna(frame.loc[O1, "price"])
    assert pd.isna(frame.loc[O2, "avg_px"])
    assert frame.loc[O1, "avg_px"] == pytest.approx(1.1002)
    assert frame.loc[O3, "venue_order_id"] == "SIM-1-3"
    assert frame.loc[O3, "position_id"] == POSITION
    assert frame.loc[O3, "ts_init"] == ts(1)


def test_order_fills_report_keeps_only_orders_with_fills(cache):
    frame = order_fills_report(cache)
    assert list(frame.columns) == list(ORDER_COLUMNS[1:])
    assert frame.index.tolist() == [O1, O3]
    assert frame["avg_px"].tolist() == pytest.approx([1.1002, 1.101])


def test_fills_report_one_row_per_fill_in_time_order(cache):
    frame = fills_report(cache)
    assert list(frame.columns) == list(FILL_COLUMNS)
    assert frame.index.equals(pd.RangeIndex(2))
    assert frame["trade_id"].tolist() == ["SIM-1-1", "SIM-1-2"]
    assert frame["client_order_id"].tolist() == [O1, O3]
    assert frame["side"].tolist() == ["BUY", "SELL"]
    assert frame["last_px"].tolist() == ["1.10020", "1.10100"]
    assert frame["last_qty"].tolist() == ["100000", "100000"]
    # 100,000 × 1.10020 × 0.002 % = 2.2004 → 2.20; 100,000 × 1.10100 × 0.002 % = 2.202 → 2.20
    assert frame["commission"].tolist() == ["2.20 USD", "2.20 USD"]
    assert frame["liquidity_side"].tolist() == ["TAKER", "TAKER"]
    assert frame["ts_event"].tolist() == [ts(0), ts(1)]


def test_positions_report_closed_position_with_exact_pnl(cache):
    frame = positions_report(cache)
    assert list(frame.columns) == list(POSITION_COLUMNS)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["position_id"] == POSITION
    assert (row["entry"], row["side"], row["quantity"], row["peak_qty"]) == (
        "BUY",
        "FLAT",
        "0",
        "100000",
    )
    assert (row["opening_order_id"], row["closing_order_id"]) == (O1, O3)
    # (1.10100 - 1.10020) × 100,000 - 4.40 commissions
    assert row["realized_pnl"] == "75.60 USD"
    assert row["commissions"] == "4.40 USD"
    assert (row["ts_opened"], row["ts_closed"], row["duration_ns"]) == (ts(0), ts(1), ts(1) - ts(0))
    assert not row["is_snapshot"]


def test_account_report_one_row_per_account_state(cache):
    frame = account_report(cache, SIM)
    assert list(frame.columns) == list(ACCOUNT_COLUMNS)
    assert frame["ts_event"].tolist() == [ts(0), ts(0), ts(1)]
    assert frame["total"].tolist() == ["1000000.00 USD", "999997.80 USD", "1000075.60 USD"]
    # locked: the limit order's 300.00 plus the position's 3300.60 while it was open
    assert frame["locked"].tolist() == ["0.00 USD", "3600.60 USD", "300.00 USD"]
    assert frame["free"].tolist() == ["1000000.00 USD", "996397.20 USD", "999775.60 USD"]
    assert set(frame["account_id"]) == {"SIM-001"}


@pytest.mark.parametrize(
    ("report", "columns", "index"),
    [
        (orders_report, ORDER_COLUMNS[1:], "client_order_id"),
        (order_fills_report, ORDER_COLUMNS[1:], "client_order_id"),
        (fills_report, FILL_COLUMNS, None),
        (positions_report, POSITION_COLUMNS, None),
    ],
)
def test_reports_of_a_run_without_orders_are_empty_with_the_columns(
    empty_cache, report, columns, index
):
    frame = report(empty_cache)
    assert frame.empty
    assert list(frame.columns) == list(columns)
    assert frame.index.name == index


def test_account_report_without_trades_has_the_opening_state_only(empty_cache):
    frame = account_report(empty_cache, SIM)
    assert frame["total"].tolist() == ["1000000.00 USD"]


def test_account_report_of_an_unknown_venue_is_empty_with_the_columns(cache):
    from core.model import Venue

    frame = account_report(cache, Venue("NOWHERE"))
    assert frame.empty
    assert list(frame.columns) == list(ACCOUNT_COLUMNS)
