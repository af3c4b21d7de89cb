"""Overfitting diagnostics against values computed by hand and the DSR paper's example."""

import itertools
import math

import numpy as np
import pytest

from cluster.grid.diagnostics import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    neighbour_statistic,
    normal_cdf,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    sharpe_ratio_moments,
)
from core.errors import ValidationError


def test_normal_cdf_known_points():
    assert normal_cdf(0.0) == 0.5
    assert normal_cdf(1.959963984540054) == pytest.approx(0.975, abs=1e-12)
    assert normal_cdf(-1.0) == pytest.approx(0.15865525393145707, abs=1e-12)


# -- deflated Sharpe ratio: the published numerical example --------------------------------------
# Bailey & López de Prado (2014), "A numerical example": N = 100 trials, variance of the trials'
# annualised Sharpe ratios 1/2, T = 1250 daily returns (5 years at 250/year), annualised SR 2.5,
# skewness -3, kurtosis 10  ->  E[max SR] ~ 0.1132 (per day), DSR ~ 0.9004.


def test_expected_max_sharpe_paper_example():
    assert expected_max_sharpe(100, 0.5 / 250) == pytest.approx(0.1132, abs=5e-5)


def test_deflated_sharpe_ratio_paper_example():
    dsr = deflated_sharpe_ratio(
        sharpe=2.5 / math.sqrt(250),
        n_observations=1250,
        n_trials=100,
        sharpe_variance=0.5 / 250,
        skewness=-3.0,
        kurtosis=10.0,
    )
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_expected_max_sharpe_by_hand():
    # N = 2: Φ⁻¹(1/2) = 0 and 1 - 1/(2e) = 0.8160603; from the table Φ(0.90) = 0.8159399 with
    # density 0.2660852 there, Φ⁻¹(0.8160603) ≈ 0.90 + 0.0001204/0.2660852 = 0.9004525.
    # E = γ · 0.9004525 · sqrt(V).
    assert expected_max_sharpe(2, 4.0) == pytest.approx(0.5772156649 * 0.9004525 * 2.0, rel=2e-6)
    assert expected_max_sharpe(1, 4.0, mean_sharpe=0.3) == 0.3
    assert expected_max_sharpe(50, 0.0, mean_sharpe=0.1) == 0.1


def test_expected_max_sharpe_grows_with_trials():
    values = [expected_max_sharpe(n, 1.0) for n in (2, 10, 100, 1000)]
    assert values == sorted(values) and len(set(values)) == 4


def test_probabilistic_sharpe_ratio_by_hand():
    # SR 0.1, T 101, normal moments: z = 0.1 * 10 / sqrt(1 + 2/4 * 0.01) = 1 / sqrt(1.005).
    expected = normal_cdf(1.0 / math.sqrt(1.005))
    assert probabilistic_sharpe_ratio(0.1, 101) == pytest.approx(expected, rel=1e-12)
    # At the benchmark the probability is one half.
    assert probabilistic_sharpe_ratio(0.2, 50, -1.0, 6.0, benchmark_sharpe=0.2) == 0.5
    # Negative skew and fat tails lower the PSR of a positive Sharpe ratio.
    assert probabilistic_sharpe_ratio(0.1, 101, -2.0, 9.0) < probabilistic_sharpe_ratio(0.1, 101)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_trials": 0, "sharpe_variance": 1.0}, "n_trials 0 invalid, expected an int >= 1"),
        ({"n_trials": 2.5, "sharpe_variance": 1.0}, "n_trials 2.5 invalid"),
        ({"n_trials": 10, "sharpe_variance": -1.0}, "sharpe_variance -1.0 invalid"),
        ({"n_trials": 10, "sharpe_variance": math.nan}, "sharpe_variance nan invalid"),
    ],
)
def test_expected_max_sharpe_bad_input_raises(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        expected_max_sharpe(**kwargs)


def test_probabilistic_sharpe_ratio_bad_input_raises():
    with pytest.raises(ValidationError, match="n_observations 1 invalid, expected >= 2"):
        probabilistic_sharpe_ratio(0.1, 1)
    with pytest.raises(ValidationError, match="non-positive Sharpe variance"):
        probabilistic_sharpe_ratio(2.0, 100, skewness=1.0, kurtosis=1.0)
    with pytest.raises(ValidationError, match="sharpe nan invalid"):
        probabilistic_sharpe_ratio(math.nan, 100)


def test_sharpe_ratio_moments_by_hand():
    # returns 1, 2, 3, 4: mean 2.5, sample sd sqrt(5/3), symmetric, kurtosis 1.64.
    sharpe, n, skew, kurt = sharpe_ratio_moments([1.0, 2.0, 3.0, 4.0])
    assert sharpe == pytest.approx(2.5 / math.sqrt(5 / 3), rel=1e-12)
    assert n == 4
    assert skew == pytest.approx(0.0, abs=1e-12)
    assert kurt == pytest.approx(1.64, rel=1e-12)  # E[(x-m)^4] = 10.25/4, sigma^4 = 1.5625
    assert sharpe_ratio_moments([0.5, 0.5, 0.5]) == (0.0, 3, 0.0, 3.0)
    with pytest.raises(ValidationError, match="expected >= 2 values"):
        sharpe_ratio_moments([1.0])
    with pytest.raises(ValidationError, match="NaN or infinity"):
        sharpe_ratio_moments([1.0, math.inf])


# -- PBO by CSCV ---------------------------------------------------------------------------------


def test_pbo_two_splits_by_hand():
    # Two blocks of 2 rows, 3 trials, metric "sum". Block A favours trial 0, block B trial 2.
    #   A: sums (10, 5, 0); B: sums (0, 5, 10).
    # Train A -> best 0, test B: trial 0 has sum 0, the lowest: rank 1, ω = 1/4, λ = ln(1/3).
    # Train B -> best 2, test A: trial 2 has sum 0: rank 1, λ = ln(1/3). PBO = 1.
    m = np.array([[5, 2, 0], [5, 3, 0], [0, 2, 5], [0, 3, 5]], dtype=float)
    result = probability_of_backtest_overfitting(m, n_splits=2, metric="sum")
    assert result.n_combinations == 2
    assert result.logits == pytest.approx([math.log(1 / 3), math.log(1 / 3)])
    assert result.pbo == 1.0
    assert result.is_best_performance == [10.0, 10.0]
    assert result.oos_performance == [0.0, 0.0]
    assert result.probability_of_loss == 0.0


def test_pbo_persistent_winner_is_zero():
    # Trial 1 is best in every block: it is chosen in-sample and ranks top (3 of 3)
    # out of sample: ω = 3/4, λ = ln 3 > 0 for all C(4, 2) = 6 combinations.
    m = np.array([[1, 4, 2], [0, 5, 1], [2, 6, 0], [1, 3, -1]], dtype=float)
    result = probability_of_backtest_overfitting(m, n_splits=4, metric="sum")
    assert result.n_combinations == 6
    assert result.logits == pytest.approx([math.log(3)] * 6)
    assert result.pbo == 0.0


def test_pbo_matches_brute_force_on_random_matrix():
    rng = np.random.default_rng(3)
    m = rng.normal(0.0, 1.0, size=(48, 7))
    result = probability_of_backtest_overfitting(m, n_splits=6, metric="mean")
    blocks = np.split(m, 6)
    below = 0
    for chosen in itertools.combinations(range(6), 3):
        train = np.vstack([blocks[i] for i in chosen]).mean(axis=0)
        test = np.vstack([blocks[i] for i in range(6) if i not in chosen]).mean(axis=0)
        best = int(np.argmax(train))
        rank = sorted(test).index(test[best]) + 1
        below += math.log(rank / 8 / (1 - rank / 8)) <= 0
    assert result.n_combinations == 20
    assert result.pbo == below / 20


def test_pbo_pure_noise_is_about_half_and_skill_is_low():
    # Without skill the in-sample best is a coin toss out of sample: PBO averages 1/2
    # (one matrix alone swings widely, its combinations share data).
    pbos = [
        probability_of_backtest_overfitting(
            np.random.default_rng(seed).normal(0.0, 0.01, size=(160, 10)), n_splits=6
        ).pbo
        for seed in range(40)
    ]
    assert 0.4 < float(np.mean(pbos)) < 0.6
    noise = np.random.default_rng(11).normal(0.0, 0.01, size=(400, 20))
    skilled = noise.copy()
    skilled[:, 5] += 0.01  # one trial with a real edge in every period
    assert probability_of_backtest_overfitting(skilled, n_splits=8).pbo < 0.05


def test_pbo_ties_in_test_count_half():
    # All trials equal out of sample: rank (N + 1) / 2, ω = 1/2, λ = 0 -> counted as overfit.
    m = np.array([[1, 0], [1, 0], [1, 1], [1, 1]], dtype=float)
    result = probability_of_backtest_overfitting(m, n_splits=2, metric="sum")
    # Train rows 0-1: best trial 0 (2 vs 0); test rows 2-3: (2, 2) tie -> λ = 0.
    # Train rows 2-3: tie (2, 2), lowest index 0 wins; test (2, 0): rank 2, ω = 2/3.
    assert result.logits == pytest.approx([0.0, math.log(2)])
    assert result.pbo == 0.5


@pytest.mark.parametrize(
    ("matrix", "kwargs", "match"),
    [
        (np.zeros((10, 1)), {}, r"shape \(10, 1\) invalid, expected \(periods, trials\)"),
        (np.zeros(10), {}, r"shape \(10,\) invalid"),
        (np.full((8, 2), np.nan), {"n_splits": 2}, "NaN or infinity"),
        (np.zeros((8, 2)), {"n_splits": 3}, "n_splits 3 invalid, expected an even int >= 2"),
        (np.zeros((8, 2)), {"n_splits": 2, "metric": "calmar"}, "metric 'calmar' invalid"),
        (np.zeros((3, 2)), {"n_splits": 4}, "has 3 periods, expected at least 8 for 4 splits"),
    ],
)
def test_pbo_bad_input_raises(matrix, kwargs, match):
    with pytest.raises(ValidationError, match=match):
        probability_of_backtest_overfitting(matrix, **kwargs)


# -- parameter stability -------------------------------------------------------------------------


def test_neighbour_statistic_2d_by_hand():
    grid = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = neighbour_statistic(grid)
    # (0,0): 2, 4 -> 3; (0,1): 1, 3, 5 -> 3; (1,1): 4, 6, 2 -> 4; (1,2): 5, 3 -> 4.
    assert out.tolist() == [[3.0, 3.0, 4.0], [3.0, 4.0, 4.0]]
    with_self = neighbour_statistic(grid, reducer="min", include_self=True)
    assert with_self.tolist() == [[1.0, 1.0, 2.0], [1.0, 2.0, 3.0]]


def test_neighbour_statistic_skips_missing_cells():
    grid = np.array([[np.nan, 2.0], [np.nan, np.nan]])
    out = neighbour_statistic(grid, reducer="max")
    assert out[0, 0] == 2.0 and out[1, 1] == 2.0
    assert math.isnan(out[0, 1]) and math.isnan(out[1, 0])


def test_neighbour_statistic_1d_and_3d():
    assert neighbour_statistic([1.0, 3.0, 8.0], reducer="median").tolist() == [3.0, 4.5, 3.0]
    cube = np.arange(8, dtype=float).reshape(2, 2, 2)
    # (0,0,0) neighbours: (1,0,0)=4, (0,1,0)=2, (0,0,1)=1.
    assert neighbour_statistic(cube)[0, 0, 0] == pytest.approx(7 / 3)


def test_neighbour_statistic_bad_input_raises():
    with pytest.raises(ValidationError, match="reducer 'mode' invalid"):
        neighbour_statistic([1.0, 2.0], reducer="mode")
    with pytest.raises(ValidationError, match=r"shape \(0,\) invalid"):
        neighbour_statistic([])
