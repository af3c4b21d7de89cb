"""Overfitting diagnostics over a finished backtest grid.

A grid that tries many parameter sets will find a good-looking one by chance. These functions
say how much of the best cell's result to believe:

| function                        | answers                                                     |
| ------------------------------- | ----------------------------------------------------------- |
| `probability_of_backtest_overfitting` | how often the in-sample best cell ranks below the median out of sample (CSCV) |
| `expected_max_sharpe`           | the best Sharpe ratio N skill-less trials would show         |
| `probabilistic_sharpe_ratio`    | P(true Sharpe > a benchmark), given skew, kurtosis, length   |
| `deflated_sharpe_ratio`         | the PSR against `expected_max_sharpe` of the grid's trials   |
| `neighbour_statistic`           | the statistic of each cell's neighbours on the axes grid    |

References: D. H. Bailey, J. M. Borwein, M. López de Prado, Q. J. Zhu, "The probability of
backtest overfitting", Journal of Computational Finance 20(4), 2017 (CSCV); D. H. Bailey,
M. López de Prado, "The deflated Sharpe ratio: correcting for selection bias, backtest
overfitting and non-normality", Journal of Portfolio Management 40(5), 2014.

Sharpe ratios here are per observation (not annualised): mean / standard deviation of the
returns at their own frequency, as both papers use them. Kurtosis is the raw fourth standardised
moment (3 for a normal distribution), not the excess.
"""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist
from typing import Any

import msgspec
import numpy as np

from core.errors import ValidationError

__all__ = [
    "EULER_MASCHERONI",
    "PBOResult",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "neighbour_statistic",
    "normal_cdf",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
    "sharpe_ratio_moments",
]

EULER_MASCHERONI = 0.5772156649015329
_NORMAL = NormalDist()
_PERFORMANCE = ("sharpe", "mean", "sum")
_REDUCERS = ("mean", "median", "min", "max")


def normal_cdf(x: float) -> float:
    """Return the standard normal cumulative distribution at `x`."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


# -- deflated Sharpe ratio ----------------------------------------------------------------------


def expected_max_sharpe(n_trials: int, sharpe_variance: float, mean_sharpe: float = 0.0) -> float:
    """Return the expected maximum Sharpe ratio of `n_trials` independent trials.

    Uses the approximation of Bailey and López de Prado (2014), eq. (6), with the
    Euler-Mascheroni constant γ::

        E[max SR] ≈ mean + sqrt(V) * ((1 - γ) Φ⁻¹(1 - 1/N) + γ Φ⁻¹(1 - 1/(N e)))

    Parameters
    ----------
    n_trials : int
        N >= 1, the number of (independent) trials; 1 gives `mean_sharpe`.
    sharpe_variance : float
        V >= 0, the variance of the trials' Sharpe ratios.
    mean_sharpe : float, default 0
        The trials' mean Sharpe ratio under the null hypothesis.

    Raises
    ------
    ValidationError
        If `n_trials` < 1 or `sharpe_variance` is negative or not finite.
    """
    if isinstance(n_trials, bool) or not isinstance(n_trials, int | np.integer) or n_trials < 1:
        raise ValidationError(f"n_trials {n_trials!r} invalid, expected an int >= 1")
    if not math.isfinite(sharpe_variance) or sharpe_variance < 0:
        raise ValidationError(f"sharpe_variance {sharpe_variance!r} invalid, expected >= 0")
    if n_trials == 1:
        return float(mean_sharpe)
    g = EULER_MASCHERONI
    z = (1.0 - g) * _NORMAL.inv_cdf(1.0 - 1.0 / n_trials) + g * _NORMAL.inv_cdf(
        1.0 - 1.0 / (n_trials * math.e)
    )
    return float(mean_sharpe + math.sqrt(sharpe_variance) * z)


def probabilistic_sharpe_ratio(
    sharpe: float,
    n_observations: int,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
    benchmark_sharpe: float = 0.0,
) -> float:
    """Return the probability that the true Sharpe ratio exceeds `benchmark_sharpe`.

    Bailey and López de Prado's PSR::

        Φ( (SR - SR*) sqrt(T - 1) / sqrt(1 - γ₃ SR + (γ₄ - 1)/4 SR²) )

    Parameters
    ----------
    sharpe : float
        The observed per-observation Sharpe ratio SR.
    n_observations : int
        T >= 2, the number of returns SR was estimated from.
    skewness : float, default 0
        γ₃ of the returns.
    kurtosis : float, default 3
        γ₄ of the returns (raw, 3 for normal returns).
    benchmark_sharpe : float, default 0
        SR*.

    Raises
    ------
    ValidationError
        If T < 2, or the moments make the variance of SR non-positive.
    """
    if isinstance(n_observations, bool) or n_observations < 2:
        raise ValidationError(f"n_observations {n_observations!r} invalid, expected >= 2")
    for name, value in (("sharpe", sharpe), ("skewness", skewness), ("kurtosis", kurtosis)):
        if not math.isfinite(value):
            raise ValidationError(f"{name} {value!r} invalid, expected a finite number")
    denominator = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe
    if denominator <= 0:
        raise ValidationError(
            f"skewness {skewness} and kurtosis {kurtosis} with sharpe {sharpe} give a "
            f"non-positive Sharpe variance ({denominator:.6g}), expected moments of real returns"
        )
    z = (sharpe - benchmark_sharpe) * math.sqrt(n_observations - 1) / math.sqrt(denominator)
    return normal_cdf(z)


def deflated_sharpe_ratio(
    sharpe: float,
    n_observations: int,
    n_trials: int,
    sharpe_variance: float,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
) -> float:
    """Return the deflated Sharpe ratio: the PSR against the expected maximum of the trials.

    Parameters
    ----------
    sharpe : float
        The selected (best) trial's per-observation Sharpe ratio.
    n_observations : int
        T, its number of returns.
    n_trials : int
        N, the number of trials the selection was made from.
    sharpe_variance : float
        The variance of the trials' per-observation Sharpe ratios.
    skewness, kurtosis : float
        Moments of the selected trial's returns (raw kurtosis).

    Notes
    -----
    The paper's numerical example (N = 100, V = 1/2 annualised, T = 1250 daily returns,
    annualised SR 2.5, γ₃ = -3, γ₄ = 10) gives E[max SR] ≈ 0.1132 per day and DSR ≈ 0.9004;
    a test pins both.
    """
    threshold = expected_max_sharpe(n_trials, sharpe_variance)
    return probabilistic_sharpe_ratio(sharpe, n_observations, skewness, kurtosis, threshold)


def sharpe_ratio_moments(returns: Any) -> tuple[float, int, float, float]:
    """Return (Sharpe ratio, observations, skewness, raw kurtosis) of a return series.

    The Sharpe ratio is mean / sample standard deviation (ddof 1); the moments are the
    population standardised moments. A constant series has Sharpe 0, skewness 0, kurtosis 3.

    Raises
    ------
    ValidationError
        If there are fewer than 2 returns or any is not finite.
    """
    values = np.asarray(returns, dtype=np.float64)
    if values.ndim != 1 or values.size < 2:
        raise ValidationError(f"returns of shape {values.shape} invalid, expected >= 2 values")
    if not np.all(np.isfinite(values)):
        raise ValidationError("returns invalid: contain NaN or infinity, expected finite values")
    centred = values - values.mean()
    sd = values.std(ddof=1)
    if sd == 0:
        return 0.0, int(values.size), 0.0, 3.0
    population_sd = values.std(ddof=0)
    skewness = float(np.mean(centred**3) / population_sd**3)
    kurtosis = float(np.mean(centred**4) / population_sd**4)
    return float(values.mean() / sd), int(values.size), skewness, kurtosis


# -- probability of backtest overfitting (CSCV) -------------------------------------------------


class PBOResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of `probability_of_backtest_overfitting`.

    Attributes
    ----------
    pbo : float
        The share of combinations whose logit is <= 0: the in-sample best trial ranked at or
        below the median out of sample.
    logits : list of float
        λ = ln(ω / (1 - ω)) per combination, ω the relative out-of-sample rank of the in-sample
        best trial.
    is_best_performance, oos_performance : list of float
        Per combination: the in-sample best trial's in-sample and out-of-sample performance
        (their regression is the "performance degradation").
    probability_of_loss : float
        The share of combinations where that out-of-sample performance is < 0.
    n_combinations : int
    n_splits : int
    """

    pbo: float
    logits: list[float]
    is_best_performance: list[float]
    oos_performance: list[float]
    probability_of_loss: float
    n_combinations: int
    n_splits: int


def _performance(block: np.ndarray, metric: str) -> np.ndarray:
    if metric == "mean":
        return block.mean(axis=0)
    if metric == "sum":
        return block.sum(axis=0)
    sd = block.std(axis=0, ddof=1)
    mean = block.mean(axis=0)
    out = np.zeros(block.shape[1])
    np.divide(mean, sd, out=out, where=sd > 0)
    return out


def probability_of_backtest_overfitting(
    performance: Any, n_splits: int = 16, metric: str = "sharpe"
) -> PBOResult:
    """Return the probability of backtest overfitting by combinatorially symmetric CV.

    The T × N matrix holds one column per trial (grid cell) and one row per period (for
    example daily returns). Its rows are cut into `n_splits` contiguous blocks of equal size
    (the last T mod S rows are dropped). For every choice of S/2 blocks as the in-sample set
    (the other half out of sample), the trial with the best in-sample `metric` is found, and
    its out-of-sample rank r among the N trials (1 = worst; ties count half) gives
    ω = r / (N + 1) and λ = ln(ω / (1 - ω)). PBO is the share of combinations with λ <= 0.

    Parameters
    ----------
    performance : array-like, shape (T, N)
        N >= 2 trials, T >= `n_splits` periods, finite values.
    n_splits : int, default 16
        S, even, >= 2; C(S, S/2) combinations are evaluated (12,870 for 16).
    metric : {"sharpe", "mean", "sum"}
        The performance of a trial over a set of blocks.

    Notes
    -----
    A tie for the in-sample best goes to the lowest column index, so the result does not
    depend on anything but the matrix.

    Raises
    ------
    ValidationError
        If the matrix, `n_splits` or `metric` is invalid.
    """
    matrix = np.asarray(performance, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise ValidationError(
            f"performance of shape {matrix.shape} invalid, expected (periods, trials) with "
            f">= 2 trials"
        )
    if not np.all(np.isfinite(matrix)):
        raise ValidationError("performance invalid: contains NaN or infinity, expected finite")
    if isinstance(n_splits, bool) or not isinstance(n_splits, int) or n_splits < 2 or n_splits % 2:
        raise ValidationError(f"n_splits {n_splits!r} invalid, expected an even int >= 2")
    if metric not in _PERFORMANCE:
        raise ValidationError(
            f"metric {metric!r} invalid, expected one of {', '.join(_PERFORMANCE)}"
        )
    rows_per_block = matrix.shape[0] // n_splits
    if rows_per_block < 1 or (metric == "sharpe" and rows_per_block * n_splits // 2 < 2):
        raise ValidationError(
            f"performance has {matrix.shape[0]} periods, expected at least {2 * n_splits} for "
            f"{n_splits} splits"
        )
    n_trials = matrix.shape[1]
    blocks = [matrix[i * rows_per_block : (i + 1) * rows_per_block] for i in range(n_splits)]
    logits: list[float] = []
    is_best: list[float] = []
    oos: list[float] = []
    for chosen in itertools.combinations(range(n_splits), n_splits // 2):
        chosen_set = set(chosen)
        train = np.concatenate([blocks[i] for i in chosen])
        test = np.concatenate([blocks[i] for i in range(n_splits) if i not in chosen_set])
        train_perf = _performance(train, metric)
        test_perf = _performance(test, metric)
        best = int(np.argmax(train_perf))
        value = test_perf[best]
        rank = 1.0 + np.sum(test_perf < value) + 0.5 * (np.sum(test_perf == value) - 1)
        omega = rank / (n_trials + 1)
        logits.append(float(math.log(omega / (1.0 - omega))))
        is_best.append(float(train_perf[best]))
        oos.append(float(value))
    logit_array = np.asarray(logits)
    return PBOResult(
        pbo=float(np.mean(logit_array <= 0)),
        logits=logits,
        is_best_performance=is_best,
        oos_performance=oos,
        probability_of_loss=float(np.mean(np.asarray(oos) < 0)),
        n_combinations=len(logits),
        n_splits=n_splits,
    )


# -- parameter stability ------------------------------------------------------------------------


def neighbour_statistic(
    values: Any, reducer: str = "mean", include_self: bool = False
) -> np.ndarray:
    """Return, for each cell of an axes grid, a statistic of its neighbours' values.

    The neighbours of a cell are the cells one step away along exactly one axis (2 per axis in
    the interior, fewer on the edges). NaN marks a missing cell (excluded by a constraint, or
    failed) and is skipped; a cell with no finite neighbour gets NaN. A stable optimum is one
    whose neighbours score close to it: compare `values` with the result.

    Parameters
    ----------
    values : array-like
        The statistic of every cell, shaped like the axes (one dimension per axis).
    reducer : {"mean", "median", "min", "max"}
    include_self : bool, default False
        Count the cell itself among its neighbours.

    Raises
    ------
    ValidationError
        If `values` has no dimension or `reducer` is unknown.
    """
    grid = np.asarray(values, dtype=np.float64)
    if grid.ndim < 1 or grid.size == 0:
        raise ValidationError(f"values of shape {grid.shape} invalid, expected >= 1 axis")
    if reducer not in _REDUCERS:
        raise ValidationError(
            f"reducer {reducer!r} invalid, expected one of {', '.join(_REDUCERS)}"
        )
    function = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max}[reducer]
    out = np.full(grid.shape, np.nan)
    for index in np.ndindex(grid.shape):
        found = [grid[index]] if include_self else []
        for axis in range(grid.ndim):
            for step in (-1, 1):
                position = index[axis] + step
                if 0 <= position < grid.shape[axis]:
                    neighbour = list(index)
                    neighbour[axis] = position
                    found.append(grid[tuple(neighbour)])
        finite = [v for v in found if math.isfinite(v)]
        if finite:
            out[index] = float(function(finite))
    return out
