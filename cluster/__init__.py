"""Many processes around the nodes: compute offload, backtest grids on Ray, the launcher."""
