"""One node = one process: configs, backtest and trading nodes, persistence, the CLI."""
