"""API lock: the names `core.analysis` exports."""

import core.analysis


def test_core_analysis_exports_exactly_these_names():
    assert sorted(core.analysis.__all__) == [
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
        "rows_to_frame",
        "sharpe_ratio",
        "sortino_ratio",
        "total_pnl",
        "total_pnl_pct",
        "win_rate",
    ]
    for name in core.analysis.__all__:
        assert hasattr(core.analysis, name), name
