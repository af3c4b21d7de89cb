"""Statistics over realized PnLs and equity curves, checked against values computed by hand."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.analysis import statistics as stats
from core.errors import ValidationError

D = 86_400_000_000_000  # one day in ns
H = 3_600_000_000_000  # one hour in ns

# Five trades: two winners (10, 20), two losers (-5, -15), one break-even.
PNLS = [10.0, -5.0, 0.0, 20.0, -15.0]

# Intraday points on days 0, 1, 3, 4 (day 2 has none). Daily closes: 100, 110, 99, 108.9,
# so the returns are +10 %, -10 %, +10 %. The 200 on day 1 is an intraday peak that the
# drawdown must see but the returns must not.
CURVE_TS = [0, 12 * H, 23 * H, D + H, D + 20 * H, 3 * D + 5 * H, 4 * D]
CURVE_VALUES = [100.0, 90.0, 100.0, 200.0, 110.0, 99.0, 108.9]
RETURNS = [0.1, -0.1, 0.1]


# -- realized PnLs ---------------------------------------------------------------------------


def test_win_rate_counts_positive_pnls_over_all_trades():
    assert stats.win_rate(PNLS) == 0.4  # 2 winners / 5 trades


def test_expectancy_is_mean_pnl_per_trade():
    assert stats.expectancy(PNLS) == 2.0  # (10 - 5 + 0 + 20 - 15) / 5


def test_profit_factor_is_gross_profit_over_gross_loss():
    assert stats.profit_factor(PNLS) == 1.5  # (10 + 20) / |-5 - 15|


def test_winner_and_loser_statistics_keep_sign():
    assert stats.avg_winner(PNLS) == 15.0  # (10 + 20) / 2
    assert stats.avg_loser(PNLS) == -10.0  # (-5 - 15) / 2
    assert stats.max_winner(PNLS) == 20.0
    assert stats.max_loser(PNLS) == -15.0


def test_long_ratio_is_fraction_of_long_trades():
    assert stats.long_ratio(np.array([True, False, True, True])) == 0.75


@pytest.mark.parametrize(
    ("pnls", "expected"),
    [
        # no trades: every statistic is undefined
        (
            [],
            dict(
                win=math.nan,
                exp=math.nan,
                pf=math.nan,
                aw=math.nan,
                al=math.nan,
                mw=math.nan,
                ml=math.nan,
            ),
        ),
        # all winners: no loss, so profit factor is unbounded and loser stats are undefined
        (
            [5.0, 15.0],
            dict(win=1.0, exp=10.0, pf=math.inf, aw=10.0, al=math.nan, mw=15.0, ml=math.nan),
        ),
        # all losers: no profit, so profit factor is zero and winner stats are undefined
        ([-4.0, -6.0], dict(win=0.0, exp=-5.0, pf=0.0, aw=math.nan, al=-5.0, mw=math.nan, ml=-6.0)),
        # only break-even trades: 0 / 0 profit factor
        (
            [0.0, 0.0],
            dict(win=0.0, exp=0.0, pf=math.nan, aw=math.nan, al=math.nan, mw=math.nan, ml=math.nan),
        ),
        # one trade
        ([7.5], dict(win=1.0, exp=7.5, pf=math.inf, aw=7.5, al=math.nan, mw=7.5, ml=math.nan)),
    ],
    ids=["no-trades", "all-winners", "all-losers", "break-even", "one-trade"],
)
def test_pnl_statistics_edge_cases(pnls, expected):
    got = dict(
        win=stats.win_rate(pnls),
        exp=stats.expectancy(pnls),
        pf=stats.profit_factor(pnls),
        aw=stats.avg_winner(pnls),
        al=stats.avg_loser(pnls),
        mw=stats.max_winner(pnls),
        ml=stats.max_loser(pnls),
    )
    assert got == pytest.approx(expected, nan_ok=True)


def test_long_ratio_of_no_trades_is_nan():
    assert math.isnan(stats.long_ratio([]))


# -- equity curve ----------------------------------------------------------------------------


def test_daily_closes_take_last_value_per_utc_day_and_skip_empty_days():
    days, closes = stats.daily_closes(CURVE_TS, CURVE_VALUES)
    assert days.tolist() == [0, 1, 3, 4]
    assert closes.tolist() == [100.0, 110.0, 99.0, 108.9]


def test_daily_closes_split_days_at_utc_midnight_including_before_1970():
    ts = [-D - 1, -1, 0, D - 1, D]
    days, closes = stats.daily_closes(ts, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert days.tolist() == [-2, -1, 0, 1]
    assert closes.tolist() == [1.0, 2.0, 4.0, 5.0]


def test_daily_closes_with_equal_timestamps_keep_the_last_given():
    days, closes = stats.daily_closes([5, 5, 5], [1.0, 2.0, 3.0])
    assert days.tolist() == [0]
    assert closes.tolist() == [3.0]


def test_daily_returns_divide_consecutive_closes():
    returns = stats.daily_returns(CURVE_TS, CURVE_VALUES)
    assert returns == pytest.approx(RETURNS, rel=1e-12)


def test_daily_returns_of_one_day_are_empty():
    assert stats.daily_returns([0, H, 2 * H], [100.0, 120.0, 90.0]).size == 0


def test_sharpe_ratio_annualises_mean_over_sample_std():
    # mean = 0.1/3; sample variance = (2 * (0.2/3)**2 + (0.4/3)**2) / 2 = 0.04/3;
    # sharpe = (0.1/3) / sqrt(0.04/3) * sqrt(252) = sqrt(252/12) = sqrt(21)
    assert stats.sharpe_ratio(RETURNS) == pytest.approx(4.58257569495584, rel=1e-12)


def test_sortino_ratio_uses_downside_deviation_over_all_returns():
    # downside = sqrt((-0.1)**2 / 3) = sqrt(0.01/3); sortino = (0.1/3) / downside * sqrt(252)
    # = sqrt(252/3) = sqrt(84)
    assert stats.sortino_ratio(RETURNS) == pytest.approx(9.16515138991168, rel=1e-12)


def test_returns_volatility_is_annualised_sample_std():
    # sqrt(0.04/3 * 252) = sqrt(3.36)
    assert stats.returns_volatility(RETURNS) == pytest.approx(1.83303027798234, rel=1e-12)


def test_periods_per_year_scales_by_its_square_root():
    # sqrt(21) / sqrt(252) * sqrt(12) = 1.0
    assert stats.sharpe_ratio(RETURNS, periods_per_year=12) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("returns", "sharpe", "sortino", "volatility"),
    [
        ([], math.nan, math.nan, math.nan),
        ([0.05], math.nan, math.nan, math.nan),
        ([0.0, 0.0, 0.0], math.nan, math.nan, 0.0),  # flat equity
        ([0.01, 0.01, 0.01], math.nan, math.inf, 0.0),  # zero std, no downside
        # no downside, positive mean: sortino unbounded; sharpe = 0.015 / 0.00707107 * sqrt(252)
        ([0.01, 0.02], 33.6749164809655, math.inf, 0.112249721603218),
        # all negative: downside = sqrt((0.01**2 + 0.03**2) / 2) = sqrt(0.0005);
        # sortino = -0.02 / 0.0223607 * sqrt(252) = -sqrt(0.0004 / 0.0005 * 252)
        ([-0.01, -0.03], -22.4499443206436, -14.1986, 0.224499443206436),
    ],
    ids=["none", "one", "flat", "constant", "no-downside", "all-negative"],
)
def test_return_statistics_edge_cases(returns, sharpe, sortino, volatility):
    assert stats.sharpe_ratio(returns) == pytest.approx(sharpe, rel=1e-9, nan_ok=True)
    assert stats.sortino_ratio(returns) == pytest.approx(sortino, rel=1e-4, nan_ok=True)
    assert stats.returns_volatility(returns) == pytest.approx(volatility, rel=1e-9, nan_ok=True)


def test_sortino_ratio_with_a_tiny_loss_stays_finite():
    # downside = sqrt((1e-226)**2 / 2) underflows if squared directly; the ratio does not:
    # 0.25 / (1e-226 / sqrt(2)) * sqrt(252) = sqrt(2 * 252) / 4 * 1e226
    assert stats.sortino_ratio([0.5, -1e-226]) == pytest.approx(5.61248608016091e226, rel=1e-12)


def test_max_drawdown_is_deepest_fall_from_running_peak_including_intraday():
    # peak 200 (day 1, intraday), trough 99: 99 / 200 - 1
    assert stats.max_drawdown(CURVE_VALUES) == pytest.approx(-0.505, rel=1e-12)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], 0.0),
        ([100.0], 0.0),
        ([100.0, 100.0, 100.0], 0.0),
        ([100.0, 110.0, 120.0], 0.0),
        ([100.0, 88.0, 120.0], -0.12),
        ([100.0, 0.0], -1.0),
        ([100.0, -50.0], -1.5),  # equity below zero: deeper than -1
    ],
    ids=["empty", "single", "flat", "rising", "dip", "wiped-out", "negative"],
)
def test_max_drawdown_edge_cases(values, expected):
    assert stats.max_drawdown(values) == pytest.approx(expected, rel=1e-12)


def test_total_pnl_and_percent_are_relative_to_starting_balance():
    assert stats.total_pnl(CURVE_VALUES, 100.0) == pytest.approx(8.9, rel=1e-12)
    assert stats.total_pnl_pct(CURVE_VALUES, 100.0) == pytest.approx(8.9, rel=1e-12)
    assert stats.total_pnl([950.0], 1_000.0) == -50.0
    assert stats.total_pnl_pct([950.0], 1_000.0) == -5.0
    assert stats.total_pnl([], 1_000.0) == 0.0


# -- compute_statistics ----------------------------------------------------------------------


def test_compute_statistics_returns_every_key_in_documented_order():
    result = stats.compute_statistics(PNLS, CURVE_TS, CURVE_VALUES, 100.0, "USD")
    assert tuple(result) == stats.STATISTIC_KEYS
    assert stats.STATISTIC_KEYS == (
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


def test_compute_statistics_of_a_run_matches_hand_values():
    result = stats.compute_statistics(PNLS, CURVE_TS, CURVE_VALUES, 100.0, "USD")
    assert result.pop("Currency") == "USD"
    assert result == pytest.approx(
        {
            "Trades": 5,
            "PnL (total)": 8.9,
            "PnL% (total)": 8.9,
            "Win Rate": 0.4,
            "Expectancy": 2.0,
            "Profit Factor": 1.5,
            "Avg Winner": 15.0,
            "Avg Loser": -10.0,
            "Max Winner": 20.0,
            "Max Loser": -15.0,
            "Max Drawdown": -0.505,
            "Returns Volatility (252 days)": 1.83303027798234,
            "Sharpe Ratio (252 days)": 4.58257569495584,
            "Sortino Ratio (252 days)": 9.16515138991168,
        },
        rel=1e-12,
    )
    assert isinstance(result["Trades"], int)


NAN = math.nan


@pytest.mark.parametrize(
    ("pnls", "ts", "values", "expected"),
    [
        # no trades, no curve: equity stayed at the starting balance
        (
            [],
            [],
            [],
            {
                "Trades": 0,
                "PnL (total)": 0.0,
                "PnL% (total)": 0.0,
                "Win Rate": NAN,
                "Expectancy": NAN,
                "Profit Factor": NAN,
                "Max Drawdown": 0.0,
                "Returns Volatility (252 days)": NAN,
                "Sharpe Ratio (252 days)": NAN,
                "Sortino Ratio (252 days)": NAN,
            },
        ),
        # single point: PnL from the balance, no returns
        (
            [50.0],
            [0],
            [1_050.0],
            {
                "Trades": 1,
                "PnL (total)": 50.0,
                "PnL% (total)": 5.0,
                "Win Rate": 1.0,
                "Profit Factor": math.inf,
                "Avg Loser": NAN,
                "Max Drawdown": 0.0,
                "Returns Volatility (252 days)": NAN,
                "Sharpe Ratio (252 days)": NAN,
                "Sortino Ratio (252 days)": NAN,
            },
        ),
        # flat equity over three days: zero returns, zero volatility, undefined ratios
        (
            [],
            [0, D, 2 * D],
            [1_000.0, 1_000.0, 1_000.0],
            {
                "Trades": 0,
                "PnL (total)": 0.0,
                "Max Drawdown": 0.0,
                "Returns Volatility (252 days)": 0.0,
                "Sharpe Ratio (252 days)": NAN,
                "Sortino Ratio (252 days)": NAN,
            },
        ),
        # all losers, equity falling 10 % a day: 1000 -> 900 -> 810
        (
            [-100.0, -90.0],
            [0, D, 2 * D],
            [1_000.0, 900.0, 810.0],
            {
                "Trades": 2,
                "PnL (total)": -190.0,
                "PnL% (total)": -19.0,
                "Win Rate": 0.0,
                "Profit Factor": 0.0,
                "Avg Winner": NAN,
                "Avg Loser": -95.0,
                "Max Loser": -100.0,
                "Max Drawdown": -0.19,
                "Returns Volatility (252 days)": 0.0,
                "Sharpe Ratio (252 days)": NAN,
            },
        ),
        # wiped out: returns after a zero close are undefined; the rest is computed
        (
            [-1_000.0, 200.0],
            [0, D, 2 * D],
            [1_000.0, 0.0, 200.0],
            {
                "Trades": 2,
                "PnL (total)": -800.0,
                "PnL% (total)": -80.0,
                "Max Drawdown": -1.0,
                "Returns Volatility (252 days)": NAN,
                "Sharpe Ratio (252 days)": NAN,
                "Sortino Ratio (252 days)": NAN,
            },
        ),
        # curve starting at zero equity: no drawdown is defined
        (
            [],
            [0],
            [0.0],
            {"PnL (total)": -1_000.0, "Max Drawdown": NAN},
        ),
    ],
    ids=["empty", "single-point", "flat", "all-losers", "wiped-out", "starts-at-zero"],
)
def test_compute_statistics_edge_cases(pnls, ts, values, expected):
    result = stats.compute_statistics(pnls, ts, values, 1_000.0, "USD")
    assert {k: result[k] for k in expected} == pytest.approx(expected, rel=1e-12, nan_ok=True)


def test_compute_statistics_accepts_numpy_arrays():
    result = stats.compute_statistics(
        np.array(PNLS), np.array(CURVE_TS, dtype=np.int64), np.array(CURVE_VALUES), 100, "USDT"
    )
    assert result["Currency"] == "USDT"
    assert result["Sharpe Ratio (252 days)"] == pytest.approx(4.58257569495584, rel=1e-12)


# -- properties ------------------------------------------------------------------------------

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)
# Rounded to 1e-9 so scaling by 0.01 never lands in subnormals, where relative precision is lost.
small_return = st.floats(min_value=-0.5, max_value=0.5).map(lambda r: round(r, 9))


@given(st.lists(positive, max_size=50))
def test_max_drawdown_of_positive_equity_is_between_minus_one_and_zero(values):
    assert -1.0 <= stats.max_drawdown(values) <= 0.0


@given(st.lists(finite, min_size=1, max_size=50))
def test_win_rate_is_a_fraction_and_expectancy_times_trades_is_the_sum(pnls):
    assert 0.0 <= stats.win_rate(pnls) <= 1.0
    assert stats.expectancy(pnls) * len(pnls) == pytest.approx(math.fsum(pnls), abs=1e-3)


@given(st.lists(small_return, min_size=2, max_size=50), st.floats(min_value=0.01, max_value=100.0))
def test_sharpe_and_sortino_are_invariant_to_positive_scaling(returns, scale):
    assume(np.ptp(returns) > 1e-6)
    scaled = [r * scale for r in returns]
    assert stats.sharpe_ratio(scaled) == pytest.approx(stats.sharpe_ratio(returns), rel=1e-6)
    assert stats.sortino_ratio(scaled) == pytest.approx(stats.sortino_ratio(returns), rel=1e-6)


@given(
    st.lists(st.tuples(st.integers(0, 20 * D), positive), min_size=1, max_size=40),
)
def test_daily_returns_compound_to_last_close_over_first_close(points):
    points.sort(key=lambda p: p[0])
    ts = [p[0] for p in points]
    values = [p[1] for p in points]
    _, closes = stats.daily_closes(ts, values)
    growth = np.prod(1.0 + stats.daily_returns(ts, values))
    # 1 + r loses ~eps/|1 + r| relative precision when a day nearly wipes out the equity
    # (e.g. 57,344,298 -> 1): 1e-9 is too tight for float64, 1e-6 still catches a wrong close.
    assert growth == pytest.approx(closes[-1] / closes[0], rel=1e-6)


# -- errors ----------------------------------------------------------------------------------


def test_mismatched_curve_lengths_raise():
    with pytest.raises(
        ValidationError,
        match=r"equity_ts_ns has 3 values but equity_values has 2; expected one timestamp per",
    ):
        stats.compute_statistics([], [0, 1, 2], [1.0, 2.0], 100.0, "USD")


def test_decreasing_timestamps_raise_naming_the_index():
    with pytest.raises(
        ValidationError,
        match=r"equity_ts_ns\[2\] = 5 is before equity_ts_ns\[1\] = 7; expected non-decreasing",
    ):
        stats.daily_returns([1, 7, 5], [1.0, 2.0, 3.0])


def test_float_timestamps_raise():
    with pytest.raises(ValidationError, match=r"equity_ts_ns: dtype is float64, expected int64"):
        stats.daily_closes([0.0, 1.5], [1.0, 2.0])


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: stats.win_rate([1.0, math.nan]), r"realized_pnls\[1\] is nan, expected a finite"),
        (lambda: stats.profit_factor([math.inf]), r"realized_pnls\[0\] is inf, expected a finite"),
        (
            lambda: stats.compute_statistics([], [0, 1], [1.0, math.nan], 1.0, "USD"),
            r"equity_values\[1\] is nan, expected a finite",
        ),
        (lambda: stats.sharpe_ratio([0.1, -math.inf]), r"returns\[1\] is -inf, expected a finite"),
        (
            lambda: stats.expectancy([[1.0, 2.0]]),
            r"realized_pnls: array has shape \(1, 2\), expected a 1-D",
        ),
        (lambda: stats.expectancy(["x"]), r"realized_pnls: cannot convert to a float64 array"),
    ],
    ids=["nan-pnl", "inf-pnl", "nan-equity", "inf-return", "2-d", "not-numbers"],
)
def test_non_finite_or_malformed_arrays_raise(call, pattern):
    with pytest.raises(ValidationError, match=pattern):
        call()


@pytest.mark.parametrize(
    ("balance", "pattern"),
    [
        (-5.0, r"starting_balance: -5.0, expected a finite number >= 0"),
        (math.nan, r"starting_balance: nan, expected a finite number >= 0"),
        ("lots", r"starting_balance: 'lots' is not a number"),
    ],
)
def test_bad_starting_balance_raises(balance, pattern):
    with pytest.raises(ValidationError, match=pattern):
        stats.compute_statistics([], [0], [1.0], balance, "USD")


def test_compute_statistics_of_a_currency_started_at_zero_has_pnl_but_no_pnl_pct():
    # A multi-currency account that started without JPY: -299 JPY commission, then +127,399.
    ts = [0, 60_000_000_000]
    result = stats.compute_statistics([127_399.0], ts, [-299.0, 127_399.0], 0.0, "JPY")
    assert result["Trades"] == 1
    assert result["PnL (total)"] == 127_399.0
    assert math.isnan(result["PnL% (total)"])
    assert math.isnan(result["Max Drawdown"])  # the curve starts <= 0
    assert result["Win Rate"] == 1.0
    # total_pnl and total_pnl_pct themselves still need a positive starting balance.
    with pytest.raises(ValidationError, match=r"starting_balance: 0.0, expected a finite"):
        stats.total_pnl([1.0], 0.0)


@pytest.mark.parametrize("code", ["", "US D", "A" * 13, None])
def test_bad_currency_code_raises(code):
    with pytest.raises(ValidationError, match=r"currency_code: .*expected 1-12 characters"):
        stats.compute_statistics([], [], [], 100.0, code)


@pytest.mark.parametrize(
    ("periods", "pattern"),
    [
        (0, r"periods_per_year: 0, expected an int >= 1"),
        (252.0, r"periods_per_year: 252.0 is not an int"),
    ],
)
def test_bad_periods_per_year_raises(periods, pattern):
    with pytest.raises(ValidationError, match=pattern):
        stats.sharpe_ratio(RETURNS, periods_per_year=periods)


def test_daily_return_from_non_positive_close_raises():
    with pytest.raises(
        ValidationError, match=r"equity_values: daily close of day 1 .* is 0.0, expected > 0"
    ):
        stats.daily_returns([0, D, 2 * D], [100.0, 0.0, 50.0])


def test_max_drawdown_from_non_positive_start_raises():
    with pytest.raises(ValidationError, match=r"equity_values\[0\] is -1.0, expected > 0"):
        stats.max_drawdown([-1.0, 2.0])


def test_long_ratio_of_non_booleans_raises():
    with pytest.raises(
        ValidationError, match=r"is_long: array of dtype int64 .* expected a 1-D array of booleans"
    ):
        stats.long_ratio([1, 0, 1])


def test_validation_errors_are_value_errors():
    with pytest.raises(ValueError):
        stats.win_rate([math.nan])
