"""Statistics and reports over the results of a run (plain Python, numpy and pandas).

Nothing here holds kernel state: functions take arrays or rows produced at the end of a run.
"""

from core.analysis.reports import rows_to_frame
from core.analysis.statistics import (
    NS_PER_DAY,
    PERIODS_PER_YEAR,
    STATISTIC_KEYS,
    avg_loser,
    avg_winner,
    compute_statistics,
    daily_closes,
    daily_returns,
    expectancy,
    long_ratio,
    max_drawdown,
    max_loser,
    max_winner,
    profit_factor,
    returns_volatility,
    sharpe_ratio,
    sortino_ratio,
    total_pnl,
    total_pnl_pct,
    win_rate,
)

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
    "rows_to_frame",
    "sharpe_ratio",
    "sortino_ratio",
    "total_pnl",
    "total_pnl_pct",
    "win_rate",
]
