"""Backtest grids on Ray: grid spec, runner, results, walk-forward, overfitting diagnostics."""
