"""The tearsheet: one self-contained HTML report of a backtest run that opens with no network.

The page holds the statistics table, five plotly charts and, optionally, the run's
configuration. plotly.js is inlined once, in the page head, so the file works offline (no CDN)
and each chart adds only its data.

| chart (div id)    | shows                                                       | traces            |
| ----------------- | ----------------------------------------------------------- | ----------------- |
| ``equity``        | account balance over time, one line per currency            | one per curve     |
| ``drawdown``      | fall below the running peak, percent, per currency          | one per curve     |
| ``monthly-returns``| calendar-month returns, percent, a heatmap row per year    | one per curve     |
| ``trade-pnl``     | histogram of realized PnL per closed position               | one per currency  |
| ``fills``         | prices (if given) with BUY / SELL fill markers              | price, BUY, SELL  |

A chart with nothing to draw (no trades, no fills) still renders, empty, with a note saying so;
only the traces that have points are added. Long series are down-sampled for a light file:
lines keep at most `MAX_LINE_POINTS` points (the first, the last and each bucket's minimum and
maximum, so peaks and troughs survive), fill markers at most `MAX_FILL_MARKERS` (evenly spaced);
titles keep the full counts. Undefined statistics (``nan``, ``None``) show as ``n/a``.

The output depends only on the inputs (fixed div ids, sorted currencies, no wall time), so
rendering the same run twice gives the same bytes.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.analysis.statistics import STATISTIC_KEYS
from core.errors import ValidationError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHART_IDS",
    "MAX_FILL_MARKERS",
    "MAX_LINE_POINTS",
    "drawdown_series",
    "line_indices",
    "monthly_returns",
    "render_tearsheet",
    "trade_pnls",
    "write_tearsheet",
]

CHART_IDS: tuple[str, ...] = ("equity", "drawdown", "monthly-returns", "trade-pnl", "fills")
"""The div id of each chart, in page order."""

MAX_LINE_POINTS = 5_000
"""Most points drawn per line (equity, drawdown, prices)."""

MAX_FILL_MARKERS = 2_000
"""Most fill markers drawn (BUY and SELL together)."""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
_TEMPLATE = "plotly_white"


# -- data shaping ----------------------------------------------------------------------------


def _curve(name: str, ts_ns: Any, values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return validated (int64 times, float64 values) of one time series."""
    ts = np.asarray(ts_ns)
    if ts.ndim != 1 or (ts.size and not np.issubdtype(ts.dtype, np.integer)):
        raise ValidationError(
            f"{name}: ts_ns has dtype {ts.dtype} and {ts.ndim} dimension(s), expected a 1-D "
            "int64 array of nanoseconds since the UNIX epoch"
        )
    ts = ts.astype(np.int64, copy=False)
    try:
        vals = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValidationError(
            f"{name}: values cannot be converted to float64 ({err}), expected numbers"
        ) from err
    if vals.ndim != 1 or vals.size != ts.size:
        raise ValidationError(
            f"{name}: {vals.size} values for {ts.size} timestamps, expected one value per time"
        )
    if ts.size > 1 and (np.diff(ts) < 0).any():
        i = int(np.argmax(np.diff(ts) < 0)) + 1
        raise ValidationError(
            f"{name}: ts_ns[{i}] = {int(ts[i])} is before ts_ns[{i - 1}] = {int(ts[i - 1])}, "
            "expected non-decreasing times (sort by time first)"
        )
    if not np.isfinite(vals).all():
        i = int(np.argmax(~np.isfinite(vals)))
        raise ValidationError(f"{name}: value [{i}] is {vals[i]}, expected a finite number")
    return ts, vals


def drawdown_series(values: Any) -> np.ndarray:
    """Return the fall of each value below the running peak, as a fraction of that peak.

    ``drawdown[i] = values[i] / max(values[0..i]) - 1``: ``0.0`` at a new peak, ``-0.1`` 10 %
    below it. The minimum of this series is `core.analysis.statistics.max_drawdown`.

    Parameters
    ----------
    values : array_like of float
        Equity in time order, finite, the first value > 0.

    Returns
    -------
    numpy.ndarray
        float64, one value per input value, each ``<= 0``.

    Raises
    ------
    ValidationError
        If `values` is not 1-D, holds a non-finite value, or starts at a value ``<= 0``.
    """
    try:
        vals = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValidationError(
            f"values: cannot convert to float64 ({err}), expected numbers"
        ) from err
    if vals.ndim != 1:
        raise ValidationError(f"values: {vals.ndim}-D, expected a 1-D sequence of equity values")
    if vals.size == 0:
        return vals.copy()
    if not np.isfinite(vals).all():
        i = int(np.argmax(~np.isfinite(vals)))
        raise ValidationError(f"values[{i}] is {vals[i]}, expected a finite number")
    if vals[0] <= 0.0:
        raise ValidationError(
            f"values[0] is {vals[0]}, expected > 0 (a drawdown is a fraction of the running "
            "peak, which must be positive)"
        )
    return np.minimum(vals / np.maximum.accumulate(vals) - 1.0, 0.0)


def monthly_returns(ts_ns: Any, values: Any) -> pd.DataFrame:
    """Return the return of each UTC calendar month of an equity curve, as a year × month table.

    A month's *close* is its last equity value. Its return is ``close / base - 1`` where the base
    is the previous observed month's close, or, for the first month, the curve's first value
    (the opening equity). A month without observations has no return (``nan``); the move across
    it is in the next observed month's return.

    Parameters
    ----------
    ts_ns : array_like of int64
        Observation times, nanoseconds since the UNIX epoch (UTC), non-decreasing.
    values : array_like of float
        Equity at each time, finite; each base (the first value and every month close but the
        last) must be > 0.

    Returns
    -------
    pandas.DataFrame
        Index: the calendar years from the first to the last observation (int, ascending, named
        ``year``); columns: months ``1`` to ``12`` (named ``month``); float64 fractions
        (``0.015`` is +1.5 %), ``nan`` where a month has no observation. Empty (no rows) for an
        empty curve.

    Raises
    ------
    ValidationError
        If the arrays differ in length, a time is before its predecessor, a value is not
        finite, or a base is ``<= 0``.
    """
    import pandas as pd

    ts, vals = _curve("equity", ts_ns, values)
    columns = pd.Index(range(1, 13), name="month")
    if ts.size == 0:
        return pd.DataFrame(
            np.empty((0, 12)), index=pd.Index([], dtype=np.int64, name="year"), columns=columns
        )
    months = ts.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)  # since 1970-01
    is_last = np.empty(months.size, dtype=np.bool_)
    is_last[:-1] = months[1:] != months[:-1]
    is_last[-1] = True
    month_ids = months[is_last]
    closes = vals[is_last]
    bases = np.concatenate(([vals[0]], closes[:-1]))
    if (bases <= 0.0).any():
        i = int(np.argmax(bases <= 0.0))
        raise ValidationError(
            f"equity: the base of month {_month_label(int(month_ids[i]))} is {bases[i]}, "
            "expected > 0 to compute its return"
        )
    returns = closes / bases - 1.0
    first_year = int(month_ids[0] // 12) + 1970
    last_year = int(month_ids[-1] // 12) + 1970
    table = np.full((last_year - first_year + 1, 12), np.nan)
    table[month_ids // 12 + 1970 - first_year, month_ids % 12] = returns
    return pd.DataFrame(
        table,
        index=pd.Index(range(first_year, last_year + 1), dtype=np.int64, name="year"),
        columns=columns,
    )


def _month_label(month_id: int) -> str:
    return f"{month_id // 12 + 1970}-{month_id % 12 + 1:02d}"


def trade_pnls(positions: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return the realized PnL of each closed position, per settlement currency.

    A position counts once it is closed (``side == "FLAT"``), as in the run's statistics.

    Parameters
    ----------
    positions : pandas.DataFrame
        A `core.analysis.reports.positions_report` frame (at least ``side`` and
        ``realized_pnl``, the latter a money string such as ``"-13.40 USD"``).

    Returns
    -------
    dict[str, numpy.ndarray]
        Currency code → float64 PnLs in report order; keys sorted; empty with no closed
        position.

    Raises
    ------
    ValidationError
        If a column is missing or a ``realized_pnl`` is not ``"<amount> <currency>"``.
    """
    _require_columns("positions", positions, ("side", "realized_pnl"))
    by_currency: dict[str, list[float]] = {}
    sides = positions["side"].to_numpy()
    pnls = positions["realized_pnl"].to_numpy()
    for i in range(len(positions)):
        if sides[i] != "FLAT":
            continue
        amount, currency = _parse_money("positions", "realized_pnl", i, pnls[i])
        by_currency.setdefault(currency, []).append(amount)
    return {c: np.asarray(by_currency[c], dtype=np.float64) for c in sorted(by_currency)}


def _parse_money(frame: str, column: str, row: int, text: Any) -> tuple[float, str]:
    parts = str(text).split()
    if len(parts) == 2:
        try:
            amount = float(parts[0].replace(",", ""))
        except ValueError:
            pass
        else:
            if math.isfinite(amount):
                return amount, parts[1]
    raise ValidationError(
        f"{frame}: {column}[{row}] is {text!r}, expected '<amount> <currency>' (e.g. '-13.40 USD')"
    )


def line_indices(values: Any, max_points: int = MAX_LINE_POINTS) -> np.ndarray:
    """Return the indices of the points to draw of a line, at most `max_points` of them.

    All indices when the line is short enough; otherwise the first, the last, and the minimum
    and maximum of each of ``(max_points - 2) // 2`` equal buckets in between, so the drawn
    line keeps every peak and trough that matters at screen resolution.

    Parameters
    ----------
    values : array_like of float
        The line's y values, in x order.
    max_points : int, default `MAX_LINE_POINTS`
        Most indices returned, >= 4.

    Returns
    -------
    numpy.ndarray
        int64 indices, ascending, unique.

    Raises
    ------
    ValidationError
        If `max_points` < 4.
    """
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 4:
        raise ValidationError(f"max_points: {max_points!r}, expected an int >= 4")
    vals = np.asarray(values, dtype=np.float64)
    n = vals.size
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    buckets = (max_points - 2) // 2
    edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
    picked = [0, n - 1]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi > lo:
            segment = vals[lo:hi]
            picked.append(int(lo + np.argmin(segment)))
            picked.append(int(lo + np.argmax(segment)))
    return np.unique(np.asarray(picked, dtype=np.int64))


def _even_indices(n: int, max_points: int) -> np.ndarray:
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.rint(np.linspace(0, n - 1, max_points)).astype(np.int64))


def _iso(ts: np.ndarray) -> list[str]:
    """Return UTC ISO times (milliseconds) that plotly.js reads as dates."""
    return np.datetime_as_string(ts.astype("datetime64[ns]").astype("datetime64[ms]")).tolist()


# -- input validation ------------------------------------------------------------------------


def _require_frame(name: str, frame: Any) -> None:
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"{name}: {type(frame).__name__} given, expected a pandas DataFrame")


def _require_columns(name: str, frame: Any, columns: tuple[str, ...]) -> None:
    _require_frame(name, frame)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"{name}: missing column(s) {missing}, expected at least {list(columns)} "
            f"(has {[str(c) for c in frame.columns]})"
        )


def _equity_curves(
    equity: pd.DataFrame, statistics: Mapping[str, Any]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return label → (ts, values) of each equity curve, labels sorted."""
    _require_columns("equity", equity, ("ts_ns",))
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if "currency" in equity.columns:
        _require_columns("equity", equity, ("ts_ns", "currency", "balance"))
        currencies = equity["currency"].to_numpy()
        for code in sorted({str(c) for c in currencies}):
            rows = equity[currencies.astype(str) == code]
            curves[code] = _curve(
                f"equity[{code}]", rows["ts_ns"].to_numpy(), rows["balance"].to_numpy()
            )
        return curves
    value_columns = [str(c) for c in equity.columns if c != "ts_ns"]
    if not value_columns:
        raise ValidationError(
            "equity: only a ts_ns column, expected a balance column (or a currency and a "
            "balance column, or one balance column per currency)"
        )
    ts = equity["ts_ns"].to_numpy()
    for column in sorted(value_columns):
        label = column
        if column == "balance" and len(value_columns) == 1 and len(statistics) == 1:
            label = next(iter(statistics))  # one curve, one currency: name it
        curves[label] = _curve(f"equity[{column}]", ts, equity[column].to_numpy())
    return curves


def _check_statistics(statistics: Any) -> None:
    if not isinstance(statistics, Mapping):
        raise ValidationError(
            f"statistics: {type(statistics).__name__} given, expected a dict of currency code "
            "to a dict of statistic name to value"
        )
    for currency, values in statistics.items():
        if not isinstance(currency, str):
            raise ValidationError(f"statistics: key {currency!r} is not a str currency code")
        if not isinstance(values, Mapping):
            raise ValidationError(
                f"statistics[{currency!r}]: {type(values).__name__} given, expected a dict of "
                "statistic name to value"
            )


# -- charts ----------------------------------------------------------------------------------


def _layout(fig, title: str, height: int, *, y_title: str = "", note: str | None = None) -> None:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template=_TEMPLATE,
        height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 50},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        yaxis_title=y_title,
    )
    if note is not None:
        fig.add_annotation(
            text=note, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font_size=16
        )


def _equity_figure(curves):
    import plotly.graph_objects as go

    fig = go.Figure()
    points = 0
    for label, (ts, vals) in curves.items():
        if ts.size == 0:
            continue
        idx = line_indices(vals)
        points += ts.size
        fig.add_trace(go.Scatter(x=_iso(ts[idx]), y=vals[idx], mode="lines", name=label))
    note = None if points else "no equity observations"
    _layout(fig, f"Equity ({points:,} observations)", 420, y_title="balance", note=note)
    return fig


def _drawdown_figure(curves):
    import plotly.graph_objects as go

    fig = go.Figure()
    deepest = 0.0
    for label, (ts, vals) in curves.items():
        if ts.size == 0:
            continue
        dd = drawdown_series(vals) * 100.0
        deepest = min(deepest, float(dd.min()))
        idx = line_indices(dd)
        fig.add_trace(
            go.Scatter(x=_iso(ts[idx]), y=dd[idx], mode="lines", fill="tozeroy", name=label)
        )
    note = None if fig.data else "no equity observations"
    _layout(fig, f"Drawdown (deepest {deepest:.2f} %)", 300, y_title="% below peak", note=note)
    return fig


def _monthly_figure(curves):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    tables = {label: monthly_returns(ts, vals) for label, (ts, vals) in curves.items() if ts.size}
    rows = max(1, len(tables))
    heights = [max(1, len(t)) for t in tables.values()] or [1]
    fig = make_subplots(
        rows=rows,
        cols=1,
        subplot_titles=list(tables) if len(tables) > 1 else None,
        row_heights=heights,
        vertical_spacing=0.12 if rows > 1 else 0.0,
    )
    for row, (label, table) in enumerate(tables.items(), start=1):
        pct = table.to_numpy() * 100.0
        z = [[None if math.isnan(v) else float(v) for v in year] for year in pct]
        text = [["" if math.isnan(v) else _percent_text(v) for v in year] for year in pct]
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=list(_MONTHS),
                y=[str(year) for year in table.index],
                text=text,
                texttemplate="%{text}",
                colorscale="RdYlGn",
                zmid=0.0,
                showscale=row == 1,
                colorbar={"title": {"text": "%"}},
                name=label,
                hovertemplate="%{y} %{x}: %{text}<extra>" + html.escape(label) + "</extra>",
                xgap=2,
                ygap=2,
            ),
            row=row,
            col=1,
        )
        fig.update_yaxes(type="category", autorange="reversed", row=row, col=1)
        fig.update_xaxes(type="category", row=row, col=1)
    note = None if tables else "no equity observations"
    _layout(fig, "Monthly returns (%)", 140 + 60 * sum(heights) + 40 * (rows - 1), note=note)
    return fig


def _percent_text(pct: float) -> str:
    """Return a heatmap cell's label: 2 decimals, or 2 significant digits below 0.01 %."""
    if pct == 0.0:
        return "0.00%"
    if abs(pct) >= 0.01:
        return f"{pct:+.2f}%"
    return f"{pct:+.2g}%"


def _trade_pnl_figure(pnls: dict[str, np.ndarray]):
    import plotly.graph_objects as go

    fig = go.Figure()
    count = 0
    for currency, values in pnls.items():
        count += values.size
        fig.add_trace(go.Histogram(x=values, name=currency, opacity=0.8))
    note = None if count else "no closed trades"
    title = f"Trade PnL distribution ({count:,} closed {'trade' if count == 1 else 'trades'})"
    _layout(fig, title, 360, y_title="trades", note=note)
    fig.update_layout(barmode="overlay", xaxis_title="realized PnL")
    return fig


def _fills_figure(fills: pd.DataFrame, prices: pd.DataFrame | None):
    import plotly.graph_objects as go

    fig = go.Figure()
    if prices is not None:
        ts, vals = _curve("prices", prices["ts_ns"].to_numpy(), prices["price"].to_numpy())
        if ts.size:
            idx = line_indices(vals)
            fig.add_trace(
                go.Scatter(
                    x=_iso(ts[idx]),
                    y=vals[idx],
                    mode="lines",
                    name="price",
                    line={"color": "#7f8c8d", "width": 1},
                )
            )
    n = len(fills)
    drawn = _even_indices(n, MAX_FILL_MARKERS)
    if n:
        ts = np.asarray(fills["ts_event"].to_numpy()[drawn], dtype=np.int64)
        sides = fills["side"].to_numpy()[drawn].astype(str)
        raw_px = fills["last_px"].to_numpy()[drawn]
        try:
            px = np.asarray([float(p) for p in raw_px], dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ValidationError(
                f"fills: last_px holds a non-number ({err}), expected prices"
            ) from err
        qty = fills["last_qty"].to_numpy()[drawn].astype(str)
        instrument = fills["instrument_id"].to_numpy()[drawn].astype(str)
        unknown = sorted(set(sides.tolist()) - {"BUY", "SELL"})
        if unknown:
            raise ValidationError(f"fills: side {unknown[0]!r}, expected 'BUY' or 'SELL'")
        for side, symbol, color in (
            ("BUY", "triangle-up", "#1a9850"),
            ("SELL", "triangle-down", "#d73027"),
        ):
            mask = sides == side
            if not mask.any():
                continue
            fig.add_trace(
                go.Scatter(
                    x=_iso(ts[mask]),
                    y=px[mask],
                    mode="markers",
                    name=side,
                    marker={"symbol": symbol, "color": color, "size": 8},
                    customdata=np.stack([instrument[mask], qty[mask]], axis=1).tolist(),
                    hovertemplate="%{customdata[0]} " + side + " %{customdata[1]} @ %{y}"
                    "<extra>%{x}</extra>",
                )
            )
    shown = f"{n:,} {'fill' if n == 1 else 'fills'}"
    if drawn.size < n:
        shown += f", {drawn.size:,} drawn"
    note = None if fig.data else "no fills and no prices"
    _layout(fig, f"Fills over price ({shown})", 450, y_title="price", note=note)
    return fig


# -- page ------------------------------------------------------------------------------------


def _format_statistic(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return "n/a"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{v:,.4f}"
    return str(value)


def _statistics_table(statistics: Mapping[str, Mapping[str, Any]]) -> str:
    currencies = sorted(statistics)
    if not currencies:
        return '<p class="note">no statistics (the run had no account)</p>'
    present = {key for values in statistics.values() for key in values}
    keys = [k for k in STATISTIC_KEYS if k in present and k != "Currency"]
    keys += sorted(k for k in present if k not in STATISTIC_KEYS and isinstance(k, str))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in currencies)
    body = []
    for key in keys:
        cells = "".join(
            f"<td>{html.escape(_format_statistic(statistics[c].get(key)))}</td>" for c in currencies
        )
        body.append(f"<tr><th>{html.escape(key)}</th>{cells}</tr>")
    return (
        '<table id="statistics-table"><thead><tr><th>statistic</th>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto;
       max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 12px; border-bottom: 1px solid #e5e5e5; text-align: right; }
tbody th { text-align: left; font-weight: normal; color: #555; }
pre { background: #f6f6f6; padding: 12px; overflow-x: auto; }
.chart { margin-top: 12px; }
.note { color: #777; }
"""


def render_tearsheet(
    *,
    title: str,
    statistics: dict[str, dict],
    equity: pd.DataFrame,
    positions: pd.DataFrame,
    fills: pd.DataFrame,
    prices: pd.DataFrame | None = None,
    config: dict | None = None,
) -> str:
    """Return the tearsheet of one run as a self-contained HTML page.

    Parameters
    ----------
    title : str
        The page heading, non-empty.
    statistics : dict[str, dict]
        Currency code → statistic name → value, as in ``BacktestResult.stats_pnls`` (see
        `core.analysis.statistics.compute_statistics`); ``nan``/``None`` show as ``n/a``.
    equity : pandas.DataFrame
        The balance over time: ``ts_ns`` (int64 ns, non-decreasing per curve) and either
        ``currency`` + ``balance`` (long form, one curve per currency) or one float column per
        curve (wide form; a lone ``balance`` column is named after the single currency of
        `statistics` when there is exactly one).
    positions : pandas.DataFrame
        A `core.analysis.reports.positions_report` frame (``side``, ``realized_pnl`` used).
    fills : pandas.DataFrame
        A `core.analysis.reports.fills_report` frame (``ts_event``, ``side``, ``last_px``,
        ``last_qty``, ``instrument_id`` used), in time order.
    prices : pandas.DataFrame, optional
        ``ts_ns`` and ``price`` (e.g. bar closes) drawn under the fills; down-sampled to
        `MAX_LINE_POINTS` if longer.
    config : dict, optional
        The run's configuration, shown as sorted JSON (values that are not JSON become their
        ``str``).

    Returns
    -------
    str
        The HTML page, plotly.js inlined once; the same inputs give the same string.

    Raises
    ------
    ValidationError
        If an argument has the wrong type, a frame lacks a column, a series is not in time
        order or holds a non-finite value, or a money string cannot be read.
    """
    import plotly.offline

    if not isinstance(title, str) or not title.strip():
        raise ValidationError(f"title: {title!r}, expected a non-empty str")
    _check_statistics(statistics)
    curves = _equity_curves(equity, statistics)
    pnls = trade_pnls(positions)
    _require_columns("fills", fills, ("ts_event", "side", "last_px", "last_qty", "instrument_id"))
    if prices is not None:
        _require_columns("prices", prices, ("ts_ns", "price"))
    if config is not None and not isinstance(config, Mapping):
        raise ValidationError(f"config: {type(config).__name__} given, expected a dict or None")

    figures = {
        "equity": _equity_figure(curves),
        "drawdown": _drawdown_figure(curves),
        "monthly-returns": _monthly_figure(curves),
        "trade-pnl": _trade_pnl_figure(pnls),
        "fills": _fills_figure(fills, prices),
    }
    charts = "\n".join(
        '<div class="chart">'
        + figures[chart_id].to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=chart_id,
            config=_PLOTLY_CONFIG,
            default_height=f"{figures[chart_id].layout.height}px",
        )
        + "</div>"
        for chart_id in CHART_IDS
    )
    config_html = ""
    if config is not None:
        text = json.dumps(config, indent=2, sort_keys=True, default=str)
        config_html = f'<h2>Configuration</h2>\n<pre id="config">{html.escape(text)}</pre>\n'
    escaped_title = html.escape(title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escaped_title}</title>\n"
        f"<style>{_STYLE}</style>\n"
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>\n'
        "</head>\n<body>\n"
        f"<h1>{escaped_title}</h1>\n"
        f"<h2>Statistics</h2>\n{_statistics_table(statistics)}\n"
        f"<h2>Charts</h2>\n{charts}\n"
        f"{config_html}"
        "</body>\n</html>\n"
    )


def write_tearsheet(path: str | Path, **kwargs: Any) -> Path:
    """Write `render_tearsheet` (same keyword arguments) to `path` (UTF-8); return the path.

    The parent directory must exist. Raises what `render_tearsheet` raises, and `OSError` if the
    file cannot be written.
    """
    target = Path(path)
    page = render_tearsheet(**kwargs)
    target.write_text(page, encoding="utf-8")
    return target
