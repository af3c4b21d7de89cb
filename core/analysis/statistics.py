"""Performance statistics of one run, computed once at its end from append-only arrays.

Every function here is pure: numpy arrays (or anything `numpy.asarray` accepts) in, a float
out. Inputs are validated at this boundary; a statistic that is undefined for its input (no
trades, fewer than two returns, zero dispersion) is ``nan`` rather than an exception, so a grid of
runs never fails on the one run that did nothing.

Two kinds of input:

- **realized PnLs**: one float per closed position or round trip, in the account currency.
  A trade with PnL > 0 is a winner, < 0 a loser, == 0 neither (it still counts as a trade).
- **an equity curve**: ``equity_ts_ns`` (int64 nanoseconds since the UNIX epoch, UTC,
  non-decreasing) and ``equity_values`` (account equity in the account currency, finite).

Daily returns (`daily_returns`) take the last equity value of each UTC calendar day that has
at least one observation (its *close*) and divide each close by the previous close. Days without
an observation are skipped, not filled: a weekend without account events adds no zero returns
that would dilute volatility. Annualisation assumes 252 return periods a year.

| statistic            | input          | unit                         | undefined (``nan``) when  |
| -------------------- | -------------- | ---------------------------- | ------------------------- |
| `win_rate`           | PnLs           | fraction in [0, 1]           | no trades                 |
| `expectancy`         | PnLs           | currency per trade           | no trades                 |
| `profit_factor`      | PnLs           | ratio, ``inf`` if no losses  | no trades, or no profit   |
|                      |                | but some profit              | and no loss               |
| `avg_winner`         | PnLs           | currency, > 0                | no winners                |
| `avg_loser`          | PnLs           | currency, < 0                | no losers                 |
| `max_winner`         | PnLs           | currency, > 0                | no winners                |
| `max_loser`          | PnLs           | currency, < 0 (most negative)| no losers                 |
| `long_ratio`         | long flags     | fraction in [0, 1]           | no trades                 |
| `sharpe_ratio`       | daily returns  | annualised, dimensionless    | < 2 returns or zero std   |
| `sortino_ratio`      | daily returns  | annualised, ``inf`` if no    | < 2 returns, or all       |
|                      |                | negative return and mean > 0 | returns zero              |
| `returns_volatility` | daily returns  | annualised fraction          | < 2 returns               |
| `max_drawdown`       | equity curve   | fraction of peak, <= 0       | never (0.0 if < 2 points) |
| `total_pnl`          | equity curve   | currency                     | never                     |
| `total_pnl_pct`      | equity curve   | percent of starting balance  | never                     |
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.errors import ValidationError

__all__ = [
    "NS_PER_DAY",
    "PERIODS_PER_YEAR",
    "STATISTIC_KEYS",
    "avg_loser",
    "avg_winner",
    "compute_statistics",
    "daily_closes",
    "daily_returns",
    "expectancy",
    "long_ratio",
    "max_drawdown",
    "max_loser",
    "max_winner",
    "profit_factor",
    "returns_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "total_pnl",
    "total_pnl_pct",
    "win_rate",
]

NS_PER_DAY = 86_400_000_000_000
"""Nanoseconds in one UTC calendar day (UTC has no daylight saving; leap seconds are ignored)."""

PERIODS_PER_YEAR = 252
"""Trading days a year, used to annualise daily statistics."""

STATISTIC_KEYS: tuple[str, ...] = (
    "Currency",
    "Trades",
    "PnL (total)",
    "PnL% (total)",
    "Win Rate",
    "Expectancy",
    "Profit Factor",
    "Avg Winner",
    "Avg Loser",
    "Max Winner",
    "Max Loser",
    "Max Drawdown",
    "Returns Volatility (252 days)",
    "Sharpe Ratio (252 days)",
    "Sortino Ratio (252 days)",
)
"""The keys of `compute_statistics`, in the order it returns them."""


# -- validation ------------------------------------------------------------------------------


def _float_array(name: str, values: Any) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValidationError(
            f"{name}: cannot convert to a float64 array ({err}); expected a 1-D sequence of numbers"
        ) from err
    if array.ndim != 1:
        raise ValidationError(
            f"{name}: array has shape {array.shape}, expected a 1-D array (one value per entry)"
        )
    finite = np.isfinite(array)
    if not finite.all():
        index = int(np.argmin(finite))
        raise ValidationError(
            f"{name}[{index}] is {array[index]}, expected a finite number "
            "(drop or fill missing values before computing statistics)"
        )
    return array


def _ts_array(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values)
    if array.size == 0:
        array = array.astype(np.int64)
    if array.ndim != 1:
        raise ValidationError(
            f"{name}: array has shape {array.shape}, expected a 1-D array of int64 nanoseconds"
        )
    if array.dtype.kind not in "iu":
        raise ValidationError(
            f"{name}: dtype is {array.dtype}, expected int64 nanoseconds since the UNIX epoch "
            "(convert with `numpy.asarray(ts, dtype=numpy.int64)`)"
        )
    if array.dtype.kind == "u" and array.size and int(array.max()) > np.iinfo(np.int64).max:
        raise ValidationError(
            f"{name}: value {int(array.max())} exceeds the int64 range of nanosecond timestamps"
        )
    array = array.astype(np.int64, copy=False)
    if array.size > 1:
        steps = np.diff(array)
        if (steps < 0).any():
            i = int(np.argmax(steps < 0)) + 1
            raise ValidationError(
                f"{name}[{i}] = {array[i]} is before {name}[{i - 1}] = {array[i - 1]}; "
                "expected non-decreasing timestamps (sort the curve by time)"
            )
    return array


def _equity_curve(equity_ts_ns: Any, equity_values: Any) -> tuple[np.ndarray, np.ndarray]:
    ts = _ts_array("equity_ts_ns", equity_ts_ns)
    values = _float_array("equity_values", equity_values)
    if ts.size != values.size:
        raise ValidationError(
            f"equity_ts_ns has {ts.size} values but equity_values has {values.size}; "
            "expected one timestamp per equity value"
        )
    return ts, values


def _positive_float(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise ValidationError(f"{name}: {value!r} is not a number, expected a float > 0") from err
    if not (math.isfinite(number) and number > 0.0):
        raise ValidationError(f"{name}: {value!r}, expected a finite number > 0")
    return number


def _non_negative_float(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise ValidationError(f"{name}: {value!r} is not a number, expected a float >= 0") from err
    if not (math.isfinite(number) and number >= 0.0):
        raise ValidationError(f"{name}: {value!r}, expected a finite number >= 0")
    return number


# -- realized PnLs ---------------------------------------------------------------------------


def win_rate(realized_pnls: Any) -> float:
    """Return the fraction of trades that made money.

    ``win_rate = count(pnl > 0) / count(pnl)``. Break-even trades (``pnl == 0``) count as trades
    but not as winners.

    Parameters
    ----------
    realized_pnls : array_like of float
        One realized PnL per closed position or round trip, in the account currency.

    Returns
    -------
    float
        A fraction in [0, 1]; ``nan`` if there are no trades.

    Raises
    ------
    ValidationError
        If `realized_pnls` is not 1-D or holds a non-finite value.
    """
    pnls = _float_array("realized_pnls", realized_pnls)
    if pnls.size == 0:
        return math.nan
    return float(np.count_nonzero(pnls > 0.0)) / pnls.size


def expectancy(realized_pnls: Any) -> float:
    """Return the mean realized PnL per trade.

    ``expectancy = sum(pnl) / count(pnl)``, in the account currency per trade. This equals
    ``win_rate * avg_winner + loss_rate * avg_loser`` (break-even trades add zero).

    Parameters
    ----------
    realized_pnls : array_like of float
        One realized PnL per closed position or round trip, in the account currency.

    Returns
    -------
    float
        Currency per trade; ``nan`` if there are no trades.

    Raises
    ------
    ValidationError
        If `realized_pnls` is not 1-D or holds a non-finite value.
    """
    pnls = _float_array("realized_pnls", realized_pnls)
    if pnls.size == 0:
        return math.nan
    return float(pnls.mean())


def profit_factor(realized_pnls: Any) -> float:
    """Return gross profit divided by the absolute gross loss.

    ``profit_factor = sum(pnl where pnl > 0) / |sum(pnl where pnl < 0)|``, dimensionless.

    Parameters
    ----------
    realized_pnls : array_like of float
        One realized PnL per closed position or round trip, in the account currency.

    Returns
    -------
    float
        ``>= 0``. ``inf`` if there are no losses but some profit (the ratio grows without bound
        as the losses shrink); ``0.0`` if there are losses but no profit; ``nan`` if there are
        no trades, or only break-even trades (0 / 0).

    Raises
    ------
    ValidationError
        If `realized_pnls` is not 1-D or holds a non-finite value.
    """
    pnls = _float_array("realized_pnls", realized_pnls)
    gross_profit = float(pnls[pnls > 0.0].sum())
    gross_loss = float(-pnls[pnls < 0.0].sum())
    if gross_loss == 0.0:
        return math.inf if gross_profit > 0.0 else math.nan
    return gross_profit / gross_loss


def avg_winner(realized_pnls: Any) -> float:
    """Return the mean PnL of the winning trades (``pnl > 0``), in the account currency.

    Parameters
    ----------
    realized_pnls : array_like of float
        One realized PnL per closed position or round trip, in the account currency.

    Returns
    -------
    float
        ``> 0``; ``nan`` if no trade won.

    Raises
    ------
    ValidationError
        If `realized_pnls` is not 1-D or holds a non-finite value.
    """
    pnls = _float_array("realized_pnls", realized_pnls)
    winners = pnls[pnls > 0.0]
    return float(winners.mean()) if winners.size else math.nan


def avg_loser(realized_pnls: Any) -> float:
    """Return the mean PnL of the losing trades (``pnl < 0``), in the account currency.

    Parameters
    ----------
    realized_pnls : array_like of float
        One realized PnL per closed position or round trip, in the account currency.

    Returns
    -------
    float
        ``< 0`` (a loss keeps its sign); ``nan`` if no trade lost.

    Raises
    ------
    ValidationError
        If `realized_pnls` is not 1-D or holds a non-finite value.
    """
    pnls = _float_array("realized_pnls", realized_pnls)
    losers = pnls[pnls < 0.0]
    return float(losers.mean()) if losers.size else math.nan


def max_winner(realized_pnls: Any) -> float:
    """Return the largest winning PnL, in the account currency.

    Parameters
    ----------
    realized_pnls : array_like of float
        One realized PnL per closed position or round trip, in the account currency.

    Returns
    -------
    float
        ``max(pnl)`` over winners, ``> 0``; ``nan`` if no trade won.

    Raises
    ------
    ValidationError
        If `realized_pnls` is not 1-D or holds a non-finite value.
    """
    pnls = _float_array("realized_pnls", realized_pnls)
    winners = pnls[pnls > 0.0]
    return float(winners.max()) if winners.size else math.nan


def max_loser(realized_pnls: Any) -> float:
    """Return the largest loss, as the most negative PnL, in the account currency.

    Parameters
    ----------
    realized_pnls : array_like of float
        One realized PnL per closed position or round trip, in the account currency.

    Returns
    -------
    float
        ``min(pnl)`` over losers, ``< 0``; ``nan`` if no trade lost.

    Raises
    ------
    ValidationError
        If `realized_pnls` is not 1-D or holds a non-finite value.
    """
    pnls = _float_array("realized_pnls", realized_pnls)
    losers = pnls[pnls < 0.0]
    return float(losers.min()) if losers.size else math.nan


def long_ratio(is_long: Any) -> float:
    """Return the fraction of trades (positions) that were long.

    ``long_ratio = count(is_long) / count(trades)``.

    Parameters
    ----------
    is_long : array_like of bool
        One flag per closed position or round trip: True if it was opened by a buy.

    Returns
    -------
    float
        A fraction in [0, 1]; ``nan`` if there are no trades.

    Raises
    ------
    ValidationError
        If `is_long` is not a 1-D array of booleans.
    """
    flags = np.asarray(is_long)
    if flags.size == 0:
        return math.nan
    if flags.ndim != 1 or flags.dtype != np.bool_:
        raise ValidationError(
            f"is_long: array of dtype {flags.dtype} and shape {flags.shape}, "
            "expected a 1-D array of booleans (True for a long trade)"
        )
    return float(np.count_nonzero(flags)) / flags.size


# -- equity curve ----------------------------------------------------------------------------


def daily_closes(equity_ts_ns: Any, equity_values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return the last equity value of each UTC calendar day that has an observation.

    Day ``d`` holds the timestamps ``d * NS_PER_DAY <= ts < (d + 1) * NS_PER_DAY`` (floor
    division, so timestamps before 1970 fall on the right day too). Within a day, the last
    observation wins; observations with equal timestamps keep their given order.

    Parameters
    ----------
    equity_ts_ns : array_like of int64
        Observation times, nanoseconds since the UNIX epoch (UTC), non-decreasing.
    equity_values : array_like of float
        Account equity at each time, in the account currency, finite.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(days, closes)``: int64 day numbers since the epoch (ascending, unique) and float64
        closing equity of each day.

    Raises
    ------
    ValidationError
        If the arrays differ in length, a timestamp is before its predecessor, a timestamp is
        not an integer, or a value is not finite.
    """
    ts, values = _equity_curve(equity_ts_ns, equity_values)
    days = ts // NS_PER_DAY
    if days.size == 0:
        return days, values
    is_last_of_day = np.empty(days.size, dtype=np.bool_)
    is_last_of_day[:-1] = days[1:] != days[:-1]
    is_last_of_day[-1] = True
    return days[is_last_of_day], values[is_last_of_day]


def daily_returns(equity_ts_ns: Any, equity_values: Any) -> np.ndarray:
    """Return the simple returns between consecutive daily closes of an equity curve.

    ``r[i] = close[i + 1] / close[i] - 1`` over the closes of `daily_closes`, a fraction per
    observed day. A curve spanning ``D`` observed days yields ``D - 1`` returns: movement on the
    first day before its close is in the total PnL, not in any return. Days without an
    observation are skipped (not filled), so a gap of several days yields a single return.

    Parameters
    ----------
    equity_ts_ns : array_like of int64
        Observation times, nanoseconds since the UNIX epoch (UTC), non-decreasing.
    equity_values : array_like of float
        Account equity at each time, in the account currency, finite.

    Returns
    -------
    numpy.ndarray
        float64 returns, one fewer than the observed days (empty for zero or one day).

    Raises
    ------
    ValidationError
        If the curve is invalid (see `daily_closes`), or a close that a return divides by is
        ``<= 0`` (a return from a wiped-out account is undefined).
    """
    days, closes = daily_closes(equity_ts_ns, equity_values)
    if closes.size < 2:
        return np.empty(0, dtype=np.float64)
    bases = closes[:-1]
    if (bases <= 0.0).any():
        i = int(np.argmax(bases <= 0.0))
        raise ValidationError(
            f"equity_values: daily close of day {int(days[i])} (UTC, since 1970-01-01) is "
            f"{bases[i]}, expected > 0 to compute the next day's return"
        )
    return closes[1:] / bases - 1.0


def sharpe_ratio(returns: Any, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """Return the annualised Sharpe ratio of periodic returns, with a risk-free rate of 0.

    ``sharpe = mean(r) / std(r, ddof=1) * sqrt(periods_per_year)``, dimensionless.

    Parameters
    ----------
    returns : array_like of float
        Simple returns per period (fractions), e.g. from `daily_returns`.
    periods_per_year : int, default 252
        Periods in a year, to annualise.

    Returns
    -------
    float
        The ratio; ``nan`` for fewer than two returns or when all returns are equal (zero
        standard deviation, so the ratio has no finite value).

    Raises
    ------
    ValidationError
        If `returns` is not 1-D or holds a non-finite value, or `periods_per_year` < 1.
    """
    r = _float_array("returns", returns)
    periods = _periods(periods_per_year)
    # Equal returns can leave a std of ~1e-18 from rounding; test equality, not std == 0.
    if r.size < 2 or np.ptp(r) == 0.0:
        return math.nan
    std = float(r.std(ddof=1))
    if std == 0.0:
        return math.nan
    return float(r.mean()) / std * math.sqrt(periods)


def sortino_ratio(returns: Any, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """Return the annualised Sortino ratio of periodic returns, with a target return of 0.

    ``downside = sqrt(sum(r[i]**2 for r[i] < 0) / n)`` (the root lower partial moment of order 2
    over all ``n`` returns, so positive returns count as zero deviation), then
    ``sortino = mean(r) / downside * sqrt(periods_per_year)``, dimensionless.

    Parameters
    ----------
    returns : array_like of float
        Simple returns per period (fractions), e.g. from `daily_returns`.
    periods_per_year : int, default 252
        Periods in a year, to annualise.

    Returns
    -------
    float
        The ratio; ``inf`` when no return is negative and the mean is positive (like
        `profit_factor` with no losses); ``nan`` for fewer than two returns or when no return
        is negative and the mean is zero (all returns zero).

    Raises
    ------
    ValidationError
        If `returns` is not 1-D or holds a non-finite value, or `periods_per_year` < 1.
    """
    r = _float_array("returns", returns)
    periods = _periods(periods_per_year)
    if r.size < 2:
        return math.nan
    mean = float(r.mean())
    negative = r[r < 0.0]
    if negative.size == 0:
        return math.inf if mean > 0.0 else math.nan
    # Scale by the largest loss before squaring, so tiny losses do not underflow to a zero
    # downside deviation (which would turn a finite ratio into a division by zero).
    largest = float(-negative.min())
    downside = largest * math.sqrt(float(np.square(negative / largest).sum()) / r.size)
    return mean / downside * math.sqrt(periods)


def returns_volatility(returns: Any, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """Return the annualised standard deviation of periodic returns.

    ``volatility = std(r, ddof=1) * sqrt(periods_per_year)``, a fraction per year.

    Parameters
    ----------
    returns : array_like of float
        Simple returns per period (fractions), e.g. from `daily_returns`.
    periods_per_year : int, default 252
        Periods in a year, to annualise.

    Returns
    -------
    float
        ``>= 0``; ``nan`` for fewer than two returns.

    Raises
    ------
    ValidationError
        If `returns` is not 1-D or holds a non-finite value, or `periods_per_year` < 1.
    """
    r = _float_array("returns", returns)
    periods = _periods(periods_per_year)
    if r.size < 2:
        return math.nan
    if np.ptp(r) == 0.0:
        return 0.0
    return float(r.std(ddof=1)) * math.sqrt(periods)


def max_drawdown(equity_values: Any) -> float:
    """Return the deepest fall of equity below its running peak, as a fraction of that peak.

    ``drawdown[i] = equity[i] / max(equity[0..i]) - 1`` and ``max_drawdown = min(drawdown)``,
    e.g. ``-0.12`` for a 12 % fall. Computed on every observation, not on daily closes, so an
    intraday trough counts. Below ``-1`` only if equity goes negative.

    Parameters
    ----------
    equity_values : array_like of float
        Account equity in time order, in the account currency; the first value must be > 0.

    Returns
    -------
    float
        ``<= 0``; ``0.0`` for fewer than two observations or a curve that never falls.

    Raises
    ------
    ValidationError
        If `equity_values` is not 1-D, holds a non-finite value, or starts at a value ``<= 0``
        (a drawdown relative to a non-positive peak is undefined).
    """
    values = _float_array("equity_values", equity_values)
    if values.size == 0:
        return 0.0
    if values[0] <= 0.0:
        raise ValidationError(
            f"equity_values[0] is {values[0]}, expected > 0 (a drawdown is a fraction of the "
            "running peak, which must be positive)"
        )
    peaks = np.maximum.accumulate(values)
    return min(0.0, float((values / peaks - 1.0).min()))


def total_pnl(equity_values: Any, starting_balance: float) -> float:
    """Return the final equity minus the starting balance, in the account currency.

    Parameters
    ----------
    equity_values : array_like of float
        Account equity in time order, in the account currency.
    starting_balance : float
        Equity at the start of the run, in the account currency, > 0.

    Returns
    -------
    float
        ``equity[-1] - starting_balance``; ``0.0`` for an empty curve (equity never changed).

    Raises
    ------
    ValidationError
        If `equity_values` is invalid or `starting_balance` is not a finite number > 0.
    """
    values = _float_array("equity_values", equity_values)
    balance = _positive_float("starting_balance", starting_balance)
    if values.size == 0:
        return 0.0
    return float(values[-1]) - balance


def total_pnl_pct(equity_values: Any, starting_balance: float) -> float:
    """Return the total PnL as a percentage of the starting balance.

    ``total_pnl_pct = (equity[-1] - starting_balance) / starting_balance * 100``, in percent
    (``12.5`` means +12.5 %).

    Parameters
    ----------
    equity_values : array_like of float
        Account equity in time order, in the account currency.
    starting_balance : float
        Equity at the start of the run, in the account currency, > 0.

    Returns
    -------
    float
        Percent; ``0.0`` for an empty curve.

    Raises
    ------
    ValidationError
        If `equity_values` is invalid or `starting_balance` is not a finite number > 0.
    """
    balance = _positive_float("starting_balance", starting_balance)
    return total_pnl(equity_values, balance) / balance * 100.0


def _periods(periods_per_year: Any) -> int:
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int | np.integer):
        raise ValidationError(
            f"periods_per_year: {periods_per_year!r} is not an int, expected e.g. 252"
        )
    if periods_per_year < 1:
        raise ValidationError(f"periods_per_year: {periods_per_year}, expected an int >= 1")
    return int(periods_per_year)


# -- summary ---------------------------------------------------------------------------------


def compute_statistics(
    realized_pnls: Any,
    equity_ts_ns: Any,
    equity_values: Any,
    starting_balance: float,
    currency_code: str,
) -> dict[str, Any]:
    """Return the summary statistics of one run in one currency, keyed by display name.

    The keys are `STATISTIC_KEYS`, always all of them, in that order:

    | key                             | value                                  | unit         |
    | ------------------------------- | -------------------------------------- | ------------ |
    | ``Currency``                    | `currency_code`                        | str          |
    | ``Trades``                      | number of realized PnLs                | int          |
    | ``PnL (total)``                 | `total_pnl`                            | currency     |
    | ``PnL% (total)``                | `total_pnl_pct`                        | percent      |
    | ``Win Rate``                    | `win_rate`                             | fraction     |
    | ``Expectancy``                  | `expectancy`                           | currency     |
    | ``Profit Factor``               | `profit_factor`                        | ratio        |
    | ``Avg Winner``                  | `avg_winner`                           | currency     |
    | ``Avg Loser``                   | `avg_loser`                            | currency     |
    | ``Max Winner``                  | `max_winner`                           | currency     |
    | ``Max Loser``                   | `max_loser`                            | currency     |
    | ``Max Drawdown``                | `max_drawdown` of the equity curve     | fraction     |
    | ``Returns Volatility (252 days)``| `returns_volatility` of daily returns | fraction/yr  |
    | ``Sharpe Ratio (252 days)``     | `sharpe_ratio` of daily returns        | annualised   |
    | ``Sortino Ratio (252 days)``    | `sortino_ratio` of daily returns       | annualised   |

    Edge cases: no trades gives ``Trades`` 0 and ``nan`` for every PnL-based value; a curve
    of zero or one observation, or within one UTC day, gives no returns, so volatility,
    Sharpe and Sortino are ``nan`` and the drawdown is that of the points given (``0.0`` for
    one point); an empty curve means equity stayed at `starting_balance` (PnL 0.0).
    A run whose equity reaches ``<= 0`` is not an error here: statistics that would divide by
    that equity (drawdown if the curve starts ``<= 0``; the return-based three if a daily
    close before the last is ``<= 0``) are ``nan``, the others are computed. A
    `starting_balance` of 0 (a currency a multi-currency account started without and that
    moved during the run) gives ``PnL% (total)`` ``nan``.

    Parameters
    ----------
    realized_pnls : array_like of float
        One realized PnL per closed position or round trip, in `currency_code`.
    equity_ts_ns : array_like of int64
        Equity observation times, nanoseconds since the UNIX epoch (UTC), non-decreasing.
    equity_values : array_like of float
        Account equity at each time, in `currency_code`.
    starting_balance : float
        Equity at the start of the run, in `currency_code`, >= 0.
    currency_code : str
        The account currency's code, 1 to 12 characters without spaces, e.g. ``"USD"``.

    Returns
    -------
    dict[str, Any]
        Statistic name to value, ordered as `STATISTIC_KEYS`.

    Raises
    ------
    ValidationError
        If any input is invalid: arrays not 1-D or holding non-finite values, timestamps not
        int64 or decreasing, the two curve arrays of different lengths, `starting_balance` not
        a finite number >= 0, or `currency_code` not 1-12 characters without spaces.
    """
    if (
        not isinstance(currency_code, str)
        or not 1 <= len(currency_code) <= 12
        or any(c.isspace() for c in currency_code)
    ):
        raise ValidationError(
            f"currency_code: {currency_code!r}, expected 1-12 characters without spaces, e.g. 'USD'"
        )
    pnls = _float_array("realized_pnls", realized_pnls)
    ts, values = _equity_curve(equity_ts_ns, equity_values)
    balance = _non_negative_float("starting_balance", starting_balance)

    _, closes = daily_closes(ts, values)
    if closes.size >= 2 and (closes[:-1] <= 0.0).any():
        returns = None
    else:
        returns = daily_returns(ts, values)
    drawdown = math.nan if values.size and values[0] <= 0.0 else max_drawdown(values)

    def on_returns(statistic) -> float:
        return math.nan if returns is None else statistic(returns)

    return {
        "Currency": currency_code,
        "Trades": int(pnls.size),
        # A currency the account started without (balance 0) has a PnL but no PnL%.
        "PnL (total)": float(values[-1]) - balance if values.size else 0.0,
        "PnL% (total)": total_pnl_pct(values, balance) if balance > 0.0 else math.nan,
        "Win Rate": win_rate(pnls),
        "Expectancy": expectancy(pnls),
        "Profit Factor": profit_factor(pnls),
        "Avg Winner": avg_winner(pnls),
        "Avg Loser": avg_loser(pnls),
        "Max Winner": max_winner(pnls),
        "Max Loser": max_loser(pnls),
        "Max Drawdown": drawdown,
        "Returns Volatility (252 days)": on_returns(returns_volatility),
        "Sharpe Ratio (252 days)": on_returns(sharpe_ratio),
        "Sortino Ratio (252 days)": on_returns(sortino_ratio),
    }
