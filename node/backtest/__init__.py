"""Backtests from configs: `BacktestNode`, `run_backtest` and their results folders."""

from node.backtest.node import (
    BacktestNode,
    BacktestRunResult,
    build_engine,
    load_run_result,
    run_backtest,
)

__all__ = [
    "BacktestNode",
    "BacktestRunResult",
    "build_engine",
    "load_run_result",
    "run_backtest",
]
