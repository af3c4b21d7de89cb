"""Data wranglers: turn tables of quotes, trades and OHLCV bars into catalog tables or objects.

`QuoteTickDataWrangler`, `TradeTickDataWrangler` and `BarDataWrangler` (NautilusTrader's names)
take a pandas DataFrame or a pyarrow Table whose values may be text (as read from CSV), floats
or integers, and return the rows that are valid for the instrument as a table in the catalog
schema (int64 raw fixed-point, precisions in the metadata), plus a `RejectReport` that lists
every rejected row with its column, value and reason. Nothing is dropped silently. The
accepted path is vectorised (pandas string methods and numpy); Python runs per row only for
rejected rows and for numbers in exponent notation.

Input columns (after the caller's column mapping):

| wrangler | required                        | optional (default)                            |
| -------- | ------------------------------- | --------------------------------------------- |
| quotes   | time, bid_price, ask_price      | bid_size, ask_size (``default_size``), ts_init |
| trades   | time, price, size               | aggressor_side (NO_AGGRESSOR), trade_id (row), |
|          |                                 | ts_init                                       |
| bars     | time, open, high, low, close    | volume (``default_size``), ts_init            |

``time`` is the ``ts_event`` (or ``timestamp``) column, or the DataFrame's DatetimeIndex. A time
is integer nanoseconds (other units with ``ts_unit``), an ISO 8601 string or a datetime;
naive times are in ``tz`` (default UTC). ``ts_init`` defaults to ``ts_event + ts_init_delta``.

Every time is checked before it becomes int64 nanoseconds, in its own unit (datetimes of any
resolution, tz-aware or naive, integer epochs in s/ms/us/ns, floats, text): a time before
1970-01-01T00:00:00Z or after 2262-04-11T23:47:16.854775807Z is a rejected row naming the
column, the value and the range, never a wrapped date.

Reasons a row is rejected: missing value, unparseable number, unparseable time, time out of
range, nonexistent or ambiguous local time, value out of range, precision above the
instrument's, non-positive price, negative (or, for trades, non-positive) size, ask < bid,
high < low, high below open/close, low above open/close, unknown aggressor side.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import DataError
from core.model.data import Bar, BarType, QuoteTick, TradeTick
from core.model.instruments import Instrument
from node.persistence.schemas import SCHEMAS, table_to_objects

__all__ = [
    "BarDataWrangler",
    "QuoteTickDataWrangler",
    "RejectReport",
    "Rejection",
    "TradeTickDataWrangler",
    "apply_duplicates",
    "check_duplicates",
    "check_tz",
]

_VALUE_MAX = 9_223_372_036
_SCALE = 1_000_000_000
_TS_UNITS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_MISSING = ("", "nan", "NaN", "NAN", "null", "NULL", "None", "NA", "N/A")
_SIDES = {
    "BUYER": 1, "BUY": 1, "B": 1, "1": 1,
    "SELLER": 2, "SELL": 2, "S": 2, "2": 2,
    "NO_AGGRESSOR": 0, "NONE": 0, "0": 0, "": 0,
}  # fmt: skip


@dataclasses.dataclass(frozen=True, order=True)
class Rejection:
    """One rejected value: its row, column, the value as given and why."""

    row: int
    column: str
    value: str
    reason: str


class RejectReport:
    """The rows a wrangler or loader rejected, with counts.

    ``row`` numbers are 1-based data rows for DataFrames and Parquet files, and file line
    numbers (the header is line 1) for CSV files read by the loaders.
    """

    def __init__(self, total: int = 0, rejections: list[Rejection] | None = None) -> None:
        self.total = total
        self.rejections: list[Rejection] = sorted(rejections or [])
        self.duplicates: list[tuple[int, int]] = []
        """(row, the earlier row it repeats) of every exact duplicate row found."""
        self.duplicates_action = "keep"

    @property
    def rejected(self) -> int:
        """The number of distinct rejected rows."""
        return len({r.row for r in self.rejections})

    @property
    def accepted(self) -> int:
        return self.total - self.rejected

    def __len__(self) -> int:
        return len(self.rejections)

    def __bool__(self) -> bool:
        return bool(self.rejections)

    def __repr__(self) -> str:
        return f"RejectReport(total={self.total}, rejected={self.rejected})"

    def extend(self, other: RejectReport) -> None:
        """Add another chunk's report (its rows already numbered for the whole input)."""
        self.total += other.total
        self.rejections = sorted(self.rejections + other.rejections)

    def format(self, limit: int | None = 20) -> str:
        """Return a plain-text summary and table of (at most `limit`) rejections."""
        lines = [f"{self.rejected} of {self.total} rows rejected"]
        shown = self.rejections if limit is None else self.rejections[:limit]
        if shown:
            lines.append(f"{'row':>8}  {'column':<14} {'value':<24} reason")
            for r in shown:
                value = r.value if len(r.value) <= 24 else r.value[:21] + "..."
                lines.append(f"{r.row:>8}  {r.column:<14} {value:<24} {r.reason}")
        if limit is not None and len(self.rejections) > limit:
            lines.append(f"... and {len(self.rejections) - limit} more")
        if self.duplicates:
            lines.append(self.format_duplicates())
        return "\n".join(lines)

    def format_duplicates(self, limit: int = 10) -> str:
        """Return one line: the count of exact duplicate rows, what was done, the first rows."""
        n = len(self.duplicates)
        done = {"keep": "kept", "drop": "dropped"}.get(self.duplicates_action, "refused")
        first = ", ".join(f"row {r} = row {f}" for r, f in self.duplicates[:limit])
        more = f", ... and {n - limit} more" if n > limit else ""
        return f"{n} exact duplicate row(s) {done} (duplicates={self.duplicates_action!r}): {first}{more}"


def check_tz(tz: str) -> str:
    """Return `tz` if it names a time zone.

    Raises
    ------
    DataError
        If the name is unknown.
    """
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
        raise DataError(
            f"tz {tz!r} unknown, expected an IANA time zone name such as 'UTC', "
            f"'Europe/London' or 'America/New_York'"
        ) from err
    return tz


class _Rejects:
    """Collects per-row problems as masks; a row is reported once, for its first failing check."""

    def __init__(self, n: int, values: dict[str, pd.Series], first_row: int) -> None:
        self.bad = np.zeros(n, dtype=bool)
        self.items: list[Rejection] = []
        self.values = values
        self.first_row = first_row

    def add(self, mask: np.ndarray, column: str, reason) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        if not mask.any():
            return
        raw = self.values.get(column)
        for i in np.flatnonzero(mask):
            value = "" if raw is None else _text(raw.iloc[i])
            why = reason(i) if callable(reason) else reason
            self.items.append(Rejection(self.first_row + int(i), column, value, why))
        self.bad |= mask


def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _parse_fixed(series: pd.Series, precision: int, column: str, rejects: _Rejects) -> np.ndarray:
    """Return `series` as raw int64 (value x 10**9) on the precision's grid; reject bad rows."""
    n = len(series)
    raw = np.zeros(n, dtype=np.int64)
    limit = f"{precision} decimals"
    if pd.api.types.is_bool_dtype(series.dtype):
        rejects.add(np.ones(n, bool), column, "unparseable number (a boolean)")
        return raw
    if pd.api.types.is_integer_dtype(series.dtype):
        values = series.to_numpy(dtype=np.int64)
        out_of_range = np.abs(values) > _VALUE_MAX
        rejects.add(out_of_range, column, f"out of range, expected |value| <= {_VALUE_MAX}")
        return np.where(out_of_range, 0, values) * _SCALE
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64)
        missing = ~np.isfinite(values)
        rejects.add(np.isnan(values), column, "missing value (NaN)")
        rejects.add(np.isinf(values), column, "unparseable number (infinite)")
        values = np.where(missing, 0.0, values)
        out_of_range = np.abs(values) > _VALUE_MAX
        rejects.add(out_of_range, column, f"out of range, expected |value| <= {_VALUE_MAX}")
        values = np.where(out_of_range, 0.0, values)
        scaled = values * 10.0**precision
        rounded = np.rint(scaled)
        # A float carries ~16 significant digits: accept what is on the grid within 4 ulps.
        off_grid = np.abs(scaled - rounded) > np.maximum(4 * np.spacing(np.abs(scaled)), 1e-7)
        rejects.add(off_grid, column, f"precision above the instrument's {limit}")
        return rounded.astype(np.int64) * 10 ** (9 - precision)
    text = series.astype("string").str.strip()
    missing = text.isna().to_numpy() | _mask(text.isin(_MISSING))
    rejects.add(missing, column, "missing value")
    parts = _extract(text, r"^(?P<sign>[+-]?)(?P<whole>\d*)(?:\.(?P<frac>\d*))?$")
    whole = parts[1].fillna("")
    frac = parts[2].fillna("")
    plain = _mask(parts[1].notna()) & _mask((whole.str.len() + frac.str.len()) > 0) & ~missing
    long = plain & _mask(whole.str.lstrip("0").str.len() > 10)
    rejects.add(long, column, f"out of range, expected |value| <= {_VALUE_MAX}")
    ok = plain & ~long
    whole_int = _digits(whole.where(ok, "0").replace("", "0"))
    frac_digits = frac.str.rstrip("0").str.len().fillna(0).to_numpy(dtype=np.int64)
    frac9 = frac.str.slice(0, 9).str.ljust(9, "0").where(ok, "0")
    frac_int = _digits(frac9)
    sign = np.where(_mask(parts[0] == "-"), -1, 1)
    out_of_range = ok & (whole_int > _VALUE_MAX)
    rejects.add(out_of_range, column, f"out of range, expected |value| <= {_VALUE_MAX}")
    too_precise = ok & (frac_digits > precision)
    rejects.add(
        too_precise,
        column,
        lambda i: f"precision {int(frac_digits[i])} above the instrument's {limit}",
    )
    good = ok & ~out_of_range & ~too_precise
    raw = np.where(good, sign * (np.where(good, whole_int, 0) * _SCALE + frac_int), 0)
    # Exponent notation and other forms: exact Decimal parsing, per row (rare).
    for i in np.flatnonzero(~plain & ~missing):
        value = text.iloc[i]
        try:
            number = Decimal(value)
        except InvalidOperation:
            rejects.add(_one(n, i), column, "unparseable number")
            continue
        if not number.is_finite():
            rejects.add(_one(n, i), column, "unparseable number (not finite)")
        elif abs(number) > _VALUE_MAX:
            rejects.add(_one(n, i), column, f"out of range, expected |value| <= {_VALUE_MAX}")
        elif number != number.quantize(Decimal(1).scaleb(-precision), rounding="ROUND_DOWN"):
            rejects.add(_one(n, i), column, f"precision above the instrument's {limit}")
        else:
            raw[i] = int(number * _SCALE)
    return raw.astype(np.int64)


def _extract(text: pd.Series, pattern: str) -> list[pd.Series]:
    """Return the named groups of `pattern` in each string of `text` (NA where it does not
    match), as `Series.str.extract` does, but in Arrow's RE2 kernel: pandas runs a Python
    regex per row here, which was most of an import's time."""
    array = pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.string())
    groups = pc.extract_regex(array, pattern)
    valid = groups.is_valid()
    out = []
    for i in range(groups.type.num_fields):
        field = pc.if_else(valid, pc.struct_field(groups, [i]), pa.scalar(None, pa.string()))
        out.append(pd.Series(field.to_pandas(), index=text.index, dtype="string"))
    return out


def _digits(text: pd.Series) -> np.ndarray:
    """Return strings of at most 19 decimal digits (checked by the caller) as int64, parsed
    in Arrow's cast kernel (pandas' to_numeric was the slowest step of an import)."""
    array = pa.array(text.to_numpy(dtype=object, na_value="0"), type=pa.string())
    return pc.cast(array, pa.int64()).to_numpy(zero_copy_only=False)


def _mask(values) -> np.ndarray:
    """Return a boolean (possibly nullable) Series as a numpy bool array, NA as False."""
    if isinstance(values, pd.Series):
        return values.fillna(False).to_numpy(dtype=bool)
    return np.asarray(values, dtype=bool)


def _one(n: int, i: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[i] = True
    return mask


_NS_MAX = int(np.iinfo(np.int64).max)
_NAT = np.iinfo(np.int64).min
TIME_MIN = "1970-01-01T00:00:00Z"
TIME_MAX = "2262-04-11T23:47:16.854775807Z"
"""The times a catalog can hold: int64 UNIX nanoseconds from 0 to 2**63 - 1."""
_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def _out_of_range(rejects: _Rejects, low: np.ndarray, high: np.ndarray, column: str) -> None:
    """Reject the rows whose time is before 1970 (`low`) or after 2262-04-11 (`high`)."""
    expected = f"expected {TIME_MIN} to {TIME_MAX} (int64 UNIX nanoseconds)"
    for mask, side in ((low, f"before {TIME_MIN}"), (high, f"after {TIME_MAX}")):
        raw = rejects.values.get(column)
        rejects.add(
            mask,
            column,
            lambda i, raw=raw, side=side: (
                f"time out of range: {column} {'' if raw is None else _text(raw.iloc[i])!r} "
                f"is {side}, {expected}"
            ),
        )


def _datetimes_ns(stamps: pd.Series, column: str, rejects: _Rejects) -> np.ndarray:
    """Return datetimes (naive = UTC, or tz-aware; any unit) as int64 UNIX ns.

    Every unit is range-checked before it is scaled to ns: pandas holds times outside
    1677..2262 in microseconds (or coarser), and a plain cast to ``datetime64[ns]`` wraps them
    silently (2700-01-01 became 2115-06-13). NaT rows are left for the caller to report.
    """
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    values = stamps.to_numpy()
    unit = np.datetime_data(values.dtype)[0]
    if unit not in _UNIT_NS:
        values = values.astype("datetime64[us]")
        unit = "us"
    factor = _UNIT_NS[unit]
    raw = values.view(np.int64)
    nat = raw == _NAT
    low = (raw < 0) & ~nat
    high = raw > _NS_MAX // factor
    _out_of_range(rejects, low, high, column)
    return np.where(nat | low | high, 0, raw) * factor


def _integers_ns(values: np.ndarray, factor: int, column: str, rejects: _Rejects) -> np.ndarray:
    """Return integer epochs (signed or unsigned, in units of `factor` ns) as int64 ns."""
    if values.dtype.kind == "u":
        low = np.zeros(len(values), dtype=bool)
        high = values > np.uint64(_NS_MAX // factor)
    else:
        values = values.astype(np.int64)
        low = values < 0
        high = values > _NS_MAX // factor
    _out_of_range(rejects, low, high, column)
    return np.where(low | high, 0, values).astype(np.int64) * factor


_FRACTION_RE = re.compile(r"^(.*\d\d:\d\d:\d\d)[.,](\d{1,9})(\D.*)?$")


def _exact_ns(value: str, fmt: str, tz: str | None) -> int | None:
    """Return a text time as exact UNIX ns (a Python int, any range), or None if unparseable.

    Whole seconds are parsed by pandas (which picks a unit that holds years up to 9999) and
    the fraction is added as digits, so the edges (2262-04-11T23:47:16.854775807Z and one ns
    after) are decided exactly. `tz` is the zone of a naive time (None: the text has an offset).
    """
    base, fraction = value, ""
    if fmt == "ISO8601":
        match = _FRACTION_RE.match(value)
        if match is not None:
            base, fraction = match.group(1) + (match.group(3) or ""), match.group(2)
    try:
        stamp = pd.to_datetime(base, format=fmt, utc=tz is None)
        if stamp is pd.NaT:
            return None
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        delta = stamp.tz_convert("UTC").tz_localize(None).to_pydatetime() - datetime(1970, 1, 1)
    except (ValueError, OverflowError, TypeError):
        return None
    seconds = delta.days * 86_400 + delta.seconds
    extra = int(fraction.ljust(9, "0")) if fraction else 0
    return seconds * _SCALE + delta.microseconds * 1_000 + extra


def _parse_unparsed(strings, bad, fmt, tz, column, rejects, out) -> None:
    """Decide the text times a vectorised parse left as NaT, one by one (rare).

    A column parsed at nanosecond resolution turns a valid but out-of-range time (2700-01-01)
    into NaT, and so can an in-range edge with an offset: each is parsed exactly and is
    accepted, rejected as out of range, or rejected as unparseable.
    """
    n = len(out)
    for i in np.flatnonzero(bad):
        value = strings.iloc[i]
        ns = _exact_ns(value, fmt, tz)
        if ns is None:
            rejects.add(_one(n, i), column, "unparseable time, expected ISO 8601 or integer ns")
        elif 0 <= ns <= _NS_MAX:
            out[i] = ns
        else:
            side = f"before {TIME_MIN}" if ns < 0 else f"after {TIME_MAX}"
            rejects.add(
                _one(n, i),
                column,
                f"time out of range: {column} {value!r} is {side}, expected {TIME_MIN} to "
                f"{TIME_MAX} (int64 UNIX nanoseconds)",
            )


def _parse_time(
    series: pd.Series, column: str, rejects: _Rejects, tz: str, ts_unit: str, time_format
) -> np.ndarray:
    """Return `series` as int64 UNIX nanoseconds.

    Rejects missing, unparseable, nonexistent/ambiguous local, and out-of-range times (before
    1970-01-01 or after 2262-04-11T23:47:16.854775807Z, checked in the input's own unit, so
    nothing wraps).
    """
    n = len(series)
    out = np.zeros(n, dtype=np.int64)
    factor = _TS_UNITS[ts_unit]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series
        if getattr(series.dt, "tz", None) is None:
            stamps = series.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        nat = stamps.isna().to_numpy()
        rejects.add(series.isna().to_numpy(), column, "missing value")
        rejects.add(nat, column, f"nonexistent or ambiguous local time in {tz}")
        out = _datetimes_ns(stamps, column, rejects)
    elif pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        missing = series.isna().to_numpy()
        rejects.add(missing, column, "missing value")
        dtype = np.uint64 if series.dtype.kind == "u" else np.int64
        values = series.to_numpy(dtype=dtype, na_value=0)
        out = _integers_ns(values, factor, column, rejects)
    elif pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(values)
        rejects.add(~finite, column, "missing value")
        scaled = np.where(finite, values, 0.0) * factor
        # 2**63 is exact in float64; anything from it up does not fit int64.
        low, high = scaled < 0, scaled >= 2.0**63
        _out_of_range(rejects, low, high, column)
        out = np.rint(np.where(low | high, 0.0, scaled)).astype(np.int64)
    else:
        text = series.astype("string").str.strip()
        missing = text.isna().to_numpy() | _mask(text.isin(_MISSING))
        rejects.add(missing, column, "missing value")
        # fullmatch/lstrip run vectorised (str.extract would run a Python regex per row).
        digits = _mask(text.str.fullmatch(r"[+-]?\d+")) & ~missing
        if digits.any():
            number = text.where(digits, "0").str.lstrip("+-").str.lstrip("0").fillna("")
            length = number.str.len().fillna(0).to_numpy()
            number = number.where(length > 0, "0")
            negative = digits & _mask(text.str.startswith("-")) & (length > 0)
            # Compare as text first, so a 20-digit value cannot wrap in a cast to int64.
            huge = (
                digits
                & ~negative
                & ((length > 19) | ((length == 19) & _mask(number > "9223372036854775807")))
            )
            fits = digits & ~negative & ~huge
            ints = _digits(number.where(fits, "0"))
            high = huge | (fits & (ints > _NS_MAX // factor))
            _out_of_range(rejects, negative, high, column)
            ok = fits & ~high
            out = np.where(ok, np.where(ok, ints, 0) * factor, out)
        other = ~digits & ~missing
        if other.any():
            strings = text.where(other, None)
            aware = _mask(strings.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)) & other
            fmt = time_format or "ISO8601"
            if aware.any():
                parsed = pd.to_datetime(
                    strings.where(aware, None), errors="coerce", utc=True, format=fmt
                )
                bad = aware & parsed.isna().to_numpy()
                ok = aware & ~bad
                out = np.where(ok, _datetimes_ns(parsed, column, rejects), out)
                _parse_unparsed(strings, bad, fmt, None, column, rejects, out)
            naive = other & ~aware
            if naive.any():
                parsed = pd.to_datetime(strings.where(naive, None), errors="coerce", format=fmt)
                bad = naive & parsed.isna().to_numpy()
                local = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
                gap = naive & ~bad & local.isna().to_numpy()
                rejects.add(gap, column, f"nonexistent or ambiguous local time in {tz}")
                ok = naive & ~bad & ~gap
                out = np.where(ok, _datetimes_ns(local, column, rejects), out)
                _parse_unparsed(strings, bad, fmt, tz, column, rejects, out)
    return np.where(rejects.bad, 0, out).astype(np.int64)


DUPLICATES = ("keep", "drop", "error")


def check_duplicates(duplicates: str) -> str:
    """Return `duplicates` if it is a known mode.

    Raises
    ------
    DataError
        If it is not one of keep, drop, error.
    """
    if duplicates not in DUPLICATES:
        raise DataError(
            f"duplicates {duplicates!r} unknown, expected one of {', '.join(DUPLICATES)}"
        )
    return duplicates


def apply_duplicates(
    table: pa.Table, rows: np.ndarray, report: RejectReport, duplicates: str, keys, owner: str
) -> tuple[pa.Table, RejectReport]:
    """Find the exact duplicate rows of `table` (equal in every `keys` column to an earlier
    row), record them in `report` and keep, drop or refuse them as `duplicates` says.

    `rows` holds the reported number of each row of `table` (data row or file line).

    Raises
    ------
    DataError
        With ``duplicates="error"``, if there is any (the message gives the count and first
        rows).
    """
    check_duplicates(duplicates)
    n = table.num_rows
    if n < 2:
        return table, report
    frame = pd.DataFrame({k: table.column(k).to_numpy(zero_copy_only=False) for k in keys})
    repeated = frame.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return table, report
    group = frame.groupby(list(keys), sort=False).ngroup().to_numpy()
    first_of_group = np.full(group.max() + 1, n, dtype=np.int64)
    np.minimum.at(first_of_group, group, np.arange(n))
    first = np.asarray(rows)[first_of_group[group]]
    pairs = [(int(r), int(f)) for r, f in zip(rows[repeated], first[repeated], strict=True)]
    report.duplicates = pairs
    report.duplicates_action = duplicates
    if duplicates == "error":
        raise DataError(
            f"{owner}: {report.format_duplicates()}; expected none. Pass duplicates 'keep' "
            f"or 'drop' (flotilla catalog import --duplicates keep|drop) to import them"
        )
    if duplicates == "drop":
        table = table.filter(pa.array(~repeated))
        report.rejections = sorted(
            report.rejections
            + [Rejection(r, "*", "", f"exact duplicate of row {f} (dropped)") for r, f in pairs]
        )
    return table, report


class _Wrangler:
    """Shared machinery; subclasses define the columns and the row checks."""

    kind = ""
    fields: dict[str, tuple[str, ...]] = {}
    optional: tuple[str, ...] = ()

    def __init__(self, instrument: Instrument) -> None:
        if not isinstance(instrument, Instrument):
            raise DataError(
                f"{type(self).__name__}: instrument {instrument!r} invalid, expected an Instrument"
            )
        self.instrument = instrument

    @property
    def identifier(self) -> str:
        return str(self.instrument.id)

    @classmethod
    def accepted_names(cls) -> list[str]:
        """Every input column name this wrangler understands (targets for a column mapping)."""
        names = ["ts_event", "timestamp", "ts_init"]
        for aliases in cls.fields.values():
            names += [a for a in aliases if a not in names]
        return names

    def _frame(self, data) -> pd.DataFrame:
        if isinstance(data, pa.Table | pa.RecordBatch):
            return data.to_pandas()
        if isinstance(data, pd.DataFrame):
            return data
        raise DataError(
            f"{type(self).__name__}: data of type {type(data).__name__} invalid, expected a "
            f"pandas DataFrame or a pyarrow Table"
        )

    def _column(self, df: pd.DataFrame, field: str) -> pd.Series | None:
        for alias in self.fields[field]:
            if alias in df.columns:
                return df[alias]
        if field in self.optional:
            return None
        raise DataError(
            f"{type(self).__name__} {self.identifier}: column {self.fields[field][0]!r} missing "
            f"(input columns: {', '.join(map(str, df.columns))}), expected "
            f"{' or '.join(repr(a) for a in self.fields[field])}; map yours with "
            f"--map SOURCE={self.fields[field][0]}"
        )

    def _times(self, df, rejects, tz, ts_unit, time_format, ts_init_delta):
        if "ts_event" in df.columns:
            source, name = df["ts_event"], "ts_event"
        elif "timestamp" in df.columns:
            source, name = df["timestamp"], "timestamp"
        elif isinstance(df.index, pd.DatetimeIndex):
            source, name = df.index.to_series(index=pd.RangeIndex(len(df))), "index"
            rejects.values[name] = source
        else:
            raise DataError(
                f"{type(self).__name__} {self.identifier}: time column missing (input columns: "
                f"{', '.join(map(str, df.columns))}), expected 'ts_event' or 'timestamp' or a "
                f"DatetimeIndex; map yours with --map SOURCE=timestamp"
            )
        ts_event = _parse_time(source, name, rejects, tz, ts_unit, time_format)
        if "ts_init" in df.columns:
            ts_init = _parse_time(df["ts_init"], "ts_init", rejects, tz, ts_unit, time_format)
        else:
            delta = int(ts_init_delta)
            # ts_event + delta must stay an int64 time too (no wrap near either edge).
            bad = (ts_event > _NS_MAX - delta) if delta > 0 else (ts_event < -delta)
            bad &= ~rejects.bad
            rejects.add(
                bad,
                name,
                f"ts_init = {name} + ts_init_delta {delta} out of range, expected {TIME_MIN} "
                f"to {TIME_MAX} (int64 UNIX nanoseconds)",
            )
            ts_init = np.where(bad | rejects.bad, 0, ts_event + np.where(bad, 0, delta))
        return ts_event, ts_init

    def process_table(
        self,
        data,
        ts_init_delta: int = 0,
        tz: str = "UTC",
        ts_unit: str = "ns",
        time_format: str | None = None,
        first_row: int = 1,
        duplicates: str = "keep",
    ) -> tuple[pa.Table, RejectReport]:
        """Return the valid rows as a catalog table and a report of the rejected rows.

        Parameters
        ----------
        data : pandas.DataFrame or pyarrow.Table
        ts_init_delta : int, default 0
            Added to ``ts_event`` to make ``ts_init`` when there is no ts_init column.
        tz : str, default "UTC"
            The time zone of naive times.
        ts_unit : {"ns", "us", "ms", "s"}, default "ns"
            The unit of integer times.
        time_format : str, optional
            A ``strftime`` format for text times (default ISO 8601).
        first_row : int, default 1
            The row number the first row is reported as.
        duplicates : {"keep", "drop", "error"}, default "keep"
            What to do with exact duplicate rows (every catalog column equal to an earlier
            accepted row's; a ``trade_id`` made from the row number is not compared): keep
            them, drop them (each becomes a rejection naming the row it repeats), or raise.
            They are always counted in ``report.duplicates``. The default keeps them because
            identical consecutive updates are real in some feeds (a venue publishing at ms
            resolution repeats an unchanged quote); the report makes them visible either way.

        Raises
        ------
        DataError
            If a required column is missing, tz, ts_unit or duplicates is unknown, or there
            are duplicates and ``duplicates="error"``.
        """
        check_duplicates(duplicates)
        table, report, rows = self._process(
            data, ts_init_delta, tz, ts_unit, time_format, first_row
        )
        names = data.column_names if isinstance(data, pa.Table | pa.RecordBatch) else data.columns
        keys = self.duplicate_keys([str(c) for c in names])
        return apply_duplicates(table, rows, report, duplicates, keys, self._owner())

    def _owner(self) -> str:
        return f"{type(self).__name__} {self.identifier}"

    def duplicate_keys(self, input_columns) -> list[str]:
        """Return the catalog columns two rows must share to be exact duplicates."""
        names = list(SCHEMAS[self.kind].names)
        if "trade_id" in names and not any(a in input_columns for a in self.fields["trade_id"]):
            names.remove("trade_id")  # made from the row number: never equal
        return names

    def _process(self, data, ts_init_delta, tz, ts_unit, time_format, first_row):
        """`process_table` without the duplicates step; also return the accepted rows' numbers."""
        check_tz(tz)
        if ts_unit not in _TS_UNITS:
            raise DataError(f"ts_unit {ts_unit!r} unknown, expected one of {', '.join(_TS_UNITS)}")
        df = self._frame(data)
        values = {str(c): df[c].reset_index(drop=True) for c in df.columns}
        df = df.copy()
        df.columns = [str(c) for c in df.columns]
        if not isinstance(df.index, pd.DatetimeIndex):
            df = df.reset_index(drop=True)
        rejects = _Rejects(len(df), values, first_row)
        # Reported values are the input's, so give the checks the input's column names.
        columns = self._columns(df)
        ts_event, ts_init = self._times(df, rejects, tz, ts_unit, time_format, ts_init_delta)
        out = self._build(columns, rejects, ts_event, ts_init, first_row)
        keep = ~rejects.bad
        arrays = [pa.array(np.asarray(out[name])[keep]) for name in SCHEMAS[self.kind].names]
        table = pa.table(arrays, schema=SCHEMAS[self.kind])
        table = table.replace_schema_metadata(self._metadata())
        rows = first_row + np.flatnonzero(keep)
        return table, RejectReport(len(df), rejects.items), rows

    def _columns(self, df: pd.DataFrame) -> dict[str, tuple[str, pd.Series | None]]:
        out = {}
        for field in self.fields:
            series = self._column(df, field)
            name = next((a for a in self.fields[field] if a in df.columns), field)
            out[field] = (name, None if series is None else series.reset_index(drop=True))
        return out

    def _metadata(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "identifier": self.identifier,
            "instrument_id": str(self.instrument.id),
            "price_precision": str(self.instrument.price_precision),
            "size_precision": str(self.instrument.size_precision),
        }

    def process(self, data, ts_init_delta: int = 0, tz: str = "UTC", **kwargs) -> list:
        """Return the rows as data objects.

        Raises
        ------
        DataError
            If any row is rejected (the message lists the first rejections; use
            `process_table` to get the accepted rows and the full report).
        """
        table, report = self.process_table(data, ts_init_delta=ts_init_delta, tz=tz, **kwargs)
        if report:
            raise DataError(f"{type(self).__name__} {self.identifier}: {report.format(limit=10)}")
        return table_to_objects(self.kind, self.identifier, table, self._metadata())

    def _fixed(self, columns, field, precision, rejects) -> np.ndarray:
        name, series = columns[field]
        return _parse_fixed(series, precision, name, rejects)

    def _build(self, columns, rejects, ts_event, ts_init, first_row) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must implement _build")


class QuoteTickDataWrangler(_Wrangler):
    """Build `QuoteTick` rows for `instrument` from bid/ask columns.

    Parameters
    ----------
    instrument : Instrument
    default_size : int, default 1,000,000
        The size of each side when the input has no size columns.
    """

    kind = "quote_tick"
    fields = {
        "bid_price": ("bid_price", "bid"),
        "ask_price": ("ask_price", "ask"),
        "bid_size": ("bid_size",),
        "ask_size": ("ask_size",),
    }
    optional = ("bid_size", "ask_size")

    def __init__(self, instrument: Instrument, default_size: int = 1_000_000) -> None:
        super().__init__(instrument)
        self.default_size = default_size

    def _build(self, columns, rejects, ts_event, ts_init, first_row) -> dict:
        prec, size_prec = self.instrument.price_precision, self.instrument.size_precision
        bid = self._fixed(columns, "bid_price", prec, rejects)
        ask = self._fixed(columns, "ask_price", prec, rejects)
        sizes = {}
        for field in ("bid_size", "ask_size"):
            if columns[field][1] is None:
                sizes[field] = np.full(len(bid), self.default_size * _SCALE, dtype=np.int64)
            else:
                sizes[field] = self._fixed(columns, field, size_prec, rejects)
                rejects.add(sizes[field] < 0, columns[field][0], "negative size")
        rejects.add(bid <= 0, columns["bid_price"][0], "non-positive price")
        rejects.add(ask <= 0, columns["ask_price"][0], "non-positive price")
        rejects.add(ask < bid, columns["ask_price"][0], "ask < bid")
        return {
            "ts_event": ts_event,
            "ts_init": ts_init,
            "bid": bid,
            "ask": ask,
            "bid_size": sizes["bid_size"],
            "ask_size": sizes["ask_size"],
        }

    def process(self, data, ts_init_delta: int = 0, tz: str = "UTC", **kwargs) -> list[QuoteTick]:
        return super().process(data, ts_init_delta, tz, **kwargs)


class TradeTickDataWrangler(_Wrangler):
    """Build `TradeTick` rows for `instrument` from price/size columns."""

    kind = "trade_tick"
    fields = {
        "price": ("price",),
        "size": ("size", "quantity"),
        "aggressor_side": ("aggressor_side", "side"),
        "trade_id": ("trade_id",),
    }
    optional = ("aggressor_side", "trade_id")

    def _build(self, columns, rejects, ts_event, ts_init, first_row) -> dict:
        prec, size_prec = self.instrument.price_precision, self.instrument.size_precision
        price = self._fixed(columns, "price", prec, rejects)
        size = self._fixed(columns, "size", size_prec, rejects)
        rejects.add(price <= 0, columns["price"][0], "non-positive price")
        rejects.add(size <= 0, columns["size"][0], "non-positive size")
        n = len(price)
        side_name, side_series = columns["aggressor_side"]
        if side_series is None:
            side = np.zeros(n, dtype=np.uint8)
        else:
            text = side_series.astype("string").str.strip().str.upper().fillna("")
            mapped = text.map(_SIDES)
            unknown = mapped.isna().to_numpy()
            rejects.add(
                unknown, side_name, "unknown aggressor side, expected BUYER, SELLER, B, S or 1, 2"
            )
            side = mapped.fillna(0).to_numpy(dtype=np.uint8)
        id_name, id_series = columns["trade_id"]
        if id_series is None:
            trade_id = np.array([str(first_row + i) for i in range(n)], dtype=object)
        else:
            text = id_series.astype("string").str.strip()
            empty = text.isna().to_numpy() | _mask(text == "")
            rejects.add(empty, id_name, "missing value")
            rejects.add(_mask(text.str.len() > 36), id_name, "trade_id longer than 36")
            trade_id = text.fillna("").to_numpy(dtype=object)
        return {
            "ts_event": ts_event,
            "ts_init": ts_init,
            "price": price,
            "size": size,
            "aggressor_side": side,
            "trade_id": trade_id,
        }

    def process(self, data, ts_init_delta: int = 0, tz: str = "UTC", **kwargs) -> list[TradeTick]:
        return super().process(data, ts_init_delta, tz, **kwargs)


class BarDataWrangler(_Wrangler):
    """Build `Bar` rows of `bar_type` (for `instrument`) from OHLCV columns.

    Parameters
    ----------
    bar_type : BarType or str
    instrument : Instrument
        Must be the bar type's instrument.
    default_volume : int, default 1,000,000
        The volume when the input has no volume column.
    """

    kind = "bar"
    fields = {
        "open": ("open",),
        "high": ("high",),
        "low": ("low",),
        "close": ("close",),
        "volume": ("volume",),
    }
    optional = ("volume",)

    def __init__(
        self, bar_type: BarType | str, instrument: Instrument, default_volume: int = 1_000_000
    ) -> None:
        super().__init__(instrument)
        if isinstance(bar_type, str):
            try:
                bar_type = BarType.from_str(bar_type)
            except ValueError as err:
                raise DataError(f"BarDataWrangler: bar_type invalid: {err}") from err
        if bar_type.instrument_id != instrument.id:
            raise DataError(
                f"BarDataWrangler: bar_type {bar_type} is for {bar_type.instrument_id}, "
                f"expected instrument {instrument.id}"
            )
        self.bar_type = bar_type
        self.default_volume = default_volume

    @property
    def identifier(self) -> str:
        return str(self.bar_type)

    def _metadata(self) -> dict[str, str]:
        return super()._metadata() | {"bar_type": str(self.bar_type)}

    def _build(self, columns, rejects, ts_event, ts_init, first_row) -> dict:
        prec, size_prec = self.instrument.price_precision, self.instrument.size_precision
        o, h, lo, c = (
            self._fixed(columns, f, prec, rejects) for f in ("open", "high", "low", "close")
        )
        if columns["volume"][1] is None:
            volume = np.full(len(o), self.default_volume * _SCALE, dtype=np.int64)
        else:
            volume = self._fixed(columns, "volume", size_prec, rejects)
            rejects.add(volume < 0, columns["volume"][0], "negative volume")
        for field, values in (("open", o), ("high", h), ("low", lo), ("close", c)):
            rejects.add(values <= 0, columns[field][0], "non-positive price")
        rejects.add(h < lo, columns["high"][0], "high < low")
        rejects.add((h < o) | (h < c), columns["high"][0], "high below open or close")
        rejects.add((lo > o) | (lo > c), columns["low"][0], "low above open or close")
        return {
            "ts_event": ts_event,
            "ts_init": ts_init,
            "open": o,
            "high": h,
            "low": lo,
            "close": c,
            "volume": volume,
        }

    def process(self, data, ts_init_delta: int = 0, tz: str = "UTC", **kwargs) -> list[Bar]:
        return super().process(data, ts_init_delta, tz, **kwargs)
