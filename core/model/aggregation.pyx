"""`BarAggregation`: how a bar's interval is measured (its own module; see the .pxd)."""
