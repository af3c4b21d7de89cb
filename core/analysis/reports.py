"""Turn rows of plain dicts (one per order, fill, position...) into pandas report frames.

A report's shape never depends on its content: the columns are the ones asked for, in that
order, and an empty report is an empty frame with those columns, so code that reads a report
works the same whether the run traded or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from core.errors import ValidationError

__all__ = [
    "account_report",
    "fills_report",
    "order_fills_report",
    "orders_report",
    "positions_report",
    "rows_to_frame",
]


def rows_to_frame(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    index: str | None = None,
) -> pd.DataFrame:
    """Return a frame with one row per mapping and exactly `columns`, in their order.

    Each row must have every name in `columns`; keys not in `columns` are ignored, so a caller
    can pass whole ``to_dict()`` records and select what the report shows. Values are taken as
    they are (pandas infers each column's dtype).

    Parameters
    ----------
    rows : iterable of mapping
        The records, one per report row, in report order.
    columns : sequence of str
        The column names, unique, in display order.
    index : str, optional
        One of `columns` to move into the index (keeping its name); the rows keep their order.
        Without it the index is the default ``RangeIndex``.

    Returns
    -------
    pandas.DataFrame
        ``len(rows)`` rows; its columns are `columns` without `index`. With no rows, an empty
        frame with the same columns (dtype ``object``) and, if `index` is given, an empty index
        with that name.

    Raises
    ------
    ValidationError
        If `columns` is empty, not all strings or holds a duplicate, `index` is not one of
        `columns`, a row is not a mapping, or a row lacks one of `columns`.
    """
    if isinstance(columns, str):
        raise ValidationError(
            f"columns: {columns!r} is a single string, expected a sequence of column names "
            f"(e.g. [{columns!r}])"
        )
    names = list(columns)
    if not names:
        raise ValidationError("columns: empty, expected at least one column name")
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise ValidationError(f"columns[{i}]: {name!r} is not a str, expected a column name")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValidationError(f"columns: {name!r} appears twice, expected unique names")
        seen.add(name)
    if index is not None and index not in seen:
        raise ValidationError(f"index: {index!r} is not one of columns {names}")

    data: dict[str, list[Any]] = {name: [] for name in names}
    for r, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValidationError(
                f"rows[{r}]: {type(row).__name__} is not a mapping, expected a dict of "
                "column name to value"
            )
        missing = [name for name in names if name not in row]
        if missing:
            raise ValidationError(f"rows[{r}]: missing column(s) {missing}; expected keys {names}")
        for name in names:
            data[name].append(row[name])

    import pandas as pd  # imported on the first report: a backtest run itself never needs it

    if not data[names[0]]:
        frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    else:
        frame = pd.DataFrame(data, columns=names)
    if index is not None:
        frame = frame.set_index(index)
    return frame


# -- reports over a node's cache ------------------------------------------------------------

ORDER_COLUMNS = (
    "client_order_id",
    "venue_order_id",
    "trader_id",
    "strategy_id",
    "instrument_id",
    "account_id",
    "position_id",
    "side",
    "type",
    "quantity",
    "filled_qty",
    "price",
    "trigger_price",
    "avg_px",
    "time_in_force",
    "expire_time_ns",
    "post_only",
    "reduce_only",
    "status",
    "ts_init",
    "ts_last",
)
FILL_COLUMNS = (
    "trade_id",
    "client_order_id",
    "venue_order_id",
    "strategy_id",
    "instrument_id",
    "position_id",
    "side",
    "type",
    "last_qty",
    "last_px",
    "currency",
    "commission",
    "liquidity_side",
    "ts_event",
)
POSITION_COLUMNS = (
    "position_id",
    "trader_id",
    "strategy_id",
    "instrument_id",
    "account_id",
    "opening_order_id",
    "closing_order_id",
    "entry",
    "side",
    "quantity",
    "peak_qty",
    "avg_px_open",
    "avg_px_close",
    "realized_return",
    "realized_pnl",
    "commissions",
    "ts_opened",
    "ts_closed",
    "duration_ns",
    "is_snapshot",
)
ACCOUNT_COLUMNS = ("ts_event", "account_id", "currency", "total", "locked", "free")


def _order_row(order) -> dict[str, Any]:
    return {
        "client_order_id": order.client_order_id.value,
        "venue_order_id": order.venue_order_id.value if order.venue_order_id else None,
        "trader_id": order.trader_id.value,
        "strategy_id": order.strategy_id.value,
        "instrument_id": order.instrument_id.value,
        "account_id": order.account_id.value if order.account_id else None,
        "position_id": order.position_id.value if order.position_id else None,
        "side": order.side_string(),
        "type": order.type_string(),
        "quantity": str(order.quantity),
        "filled_qty": str(order.filled_qty),
        "price": str(order.price) if order.price is not None else None,
        "trigger_price": str(order.trigger_price) if order.trigger_price is not None else None,
        "avg_px": order.avg_px if order.filled_raw else None,
        "time_in_force": order.tif_string(),
        "expire_time_ns": order.expire_time_ns or None,
        "post_only": order.is_post_only,
        "reduce_only": order.is_reduce_only,
        "status": order.status_string(),
        "ts_init": order.ts_init,
        "ts_last": order.ts_last,
    }


def orders_report(cache) -> pd.DataFrame:
    """Return one row per order, in creation order, indexed by client order id."""
    return rows_to_frame((_order_row(o) for o in cache.orders()), ORDER_COLUMNS, "client_order_id")


def order_fills_report(cache) -> pd.DataFrame:
    """Return the orders with at least one fill."""
    return rows_to_frame(
        (_order_row(o) for o in cache.orders() if o.filled_raw > 0),
        ORDER_COLUMNS,
        "client_order_id",
    )


def fills_report(cache) -> pd.DataFrame:
    """Return one row per fill (OrderFilled event), in time order."""
    from core.model.enums import LiquiditySide, OrderSide, OrderType

    rows = []
    for order in cache.orders():
        for event in order.events:
            if type(event).__name__ != "OrderFilled":
                continue
            rows.append(
                {
                    "trade_id": event.trade_id.value,
                    "client_order_id": event.client_order_id.value,
                    "venue_order_id": event.venue_order_id.value if event.venue_order_id else None,
                    "strategy_id": event.strategy_id.value,
                    "instrument_id": event.instrument_id.value,
                    "position_id": event.position_id.value if event.position_id else None,
                    "side": OrderSide(event.order_side).name,
                    "type": OrderType(event.order_type).name,
                    "last_qty": str(event.last_qty),
                    "last_px": str(event.last_px),
                    "currency": event.currency.code,
                    "commission": str(event.commission),
                    "liquidity_side": LiquiditySide(event.liquidity_side).name,
                    "ts_event": event.ts_event,
                }
            )
    rows.sort(key=lambda r: r["ts_event"])  # stable: same-time fills keep order order
    return rows_to_frame(rows, FILL_COLUMNS)


def _position_row(position, is_snapshot: bool) -> dict[str, Any]:
    from core.model.enums import OrderSide, PositionSide

    return {
        "position_id": position.id.value,
        "trader_id": position.trader_id.value,
        "strategy_id": position.strategy_id.value,
        "instrument_id": position.instrument_id.value,
        "account_id": position.account_id.value if position.account_id else None,
        "opening_order_id": position.opening_order_id.value,
        "closing_order_id": position.closing_order_id.value if position.closing_order_id else None,
        "entry": OrderSide(position.entry).name,
        "side": PositionSide(position.side).name,
        "quantity": str(position.quantity),
        "peak_qty": str(position.peak_qty),
        "avg_px_open": position.avg_px_open,
        "avg_px_close": position.avg_px_close,
        "realized_return": position.realized_return,
        "realized_pnl": str(position.realized_pnl),
        "commissions": ", ".join(str(c) for c in position.commissions()),
        "ts_opened": position.ts_opened,
        "ts_closed": position.ts_closed or None,
        "duration_ns": position.duration_ns,
        "is_snapshot": is_snapshot,
    }


def positions_report(cache) -> pd.DataFrame:
    """Return closed-and-reopened NETTING snapshots, then the current positions."""
    rows = [_position_row(p, True) for p in cache.position_snapshots()]
    rows += [_position_row(p, False) for p in cache.positions()]
    return rows_to_frame(rows, POSITION_COLUMNS)


def account_report(cache, venue) -> pd.DataFrame:
    """Return one row per account state and currency for the venue's account."""
    account = cache.account_for_venue(venue)
    rows = []
    if account is not None:
        for state in account.events:
            for balance in state.balances:
                rows.append(
                    {
                        "ts_event": state.ts_event,
                        "account_id": state.account_id.value,
                        "currency": balance.total.currency.code,
                        "total": str(balance.total),
                        "locked": str(balance.locked),
                        "free": str(balance.free),
                    }
                )
    return rows_to_frame(rows, ACCOUNT_COLUMNS)
