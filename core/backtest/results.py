"""`BacktestResult`: what a run produced, as plain data that travels between processes."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

__all__ = ["BacktestResult", "fill_log_digest"]


def fill_log_digest(fills) -> str:
    """Return the sha256 of the canonical fill log.

    One line per fill, in the order the venue generated them:
    ``ts_event,client_order_id,venue_order_id,trade_id,side,raw quantity,raw price,raw
    commission``. Raw values are the fixed-point integers, so the digest is exact.
    """
    digest = hashlib.sha256()
    for fill in fills:
        digest.update(
            (
                f"{fill.ts_event},{fill.client_order_id.value},"
                f"{fill.venue_order_id.value if fill.venue_order_id else ''},"
                f"{fill.trade_id.value},{int(fill.order_side)},{fill.last_qty.raw},"
                f"{fill.last_px.raw},{fill.commission.raw}\n"
            ).encode()
        )
    return digest.hexdigest()


class BacktestResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of one backtest run.

    ``stats_pnls`` maps a currency code to its statistics (see
    `core.analysis.statistics.STATISTIC_KEYS`); ``digest`` is `fill_log_digest` of the run.
    """

    trader_id: str
    backtest_start_ns: int
    backtest_end_ns: int
    elapsed_time: float
    iterations: int
    total_events: int
    total_orders: int
    total_fills: int
    total_positions: int
    stats_pnls: dict[str, dict[str, Any]]
    digest: str
    dropped_data: int
    drop_reasons: dict[str, int]
    handler_errors: int
    denied_orders: int
