"""`BacktestResult`: what a run produced, as plain data that travels between processes."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

__all__ = ["BacktestResult", "DeniedOrderRecord", "HandlerErrorRecord", "fill_log_digest"]


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


class HandlerErrorRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One strategy or actor handler that raised: who, which handler, what, and when (ns)."""

    component_id: str
    handler: str
    error: str
    ts_ns: int


class DeniedOrderRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One order the RiskEngine denied, with its reason and the time (ns)."""

    client_order_id: str
    strategy_id: str
    reason: str
    ts_ns: int


class BacktestResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of one backtest run.

    ``stats_pnls`` maps a currency code to its statistics (see
    `core.analysis.statistics.STATISTIC_KEYS`); ``digest`` is `fill_log_digest` of the run.
    ``handler_errors`` and ``denied_orders`` count all of them; ``first_handler_errors`` and
    ``first_denied_orders`` list the first ten of each.
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
    first_handler_errors: list[HandlerErrorRecord] = []
    first_denied_orders: list[DeniedOrderRecord] = []
