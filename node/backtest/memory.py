"""`InMemoryData`: a backtest's instruments and columnar data held in memory, not a catalog.

A grid ships it once to its workers (it pickles); `node.backtest.build_engine` reads it instead
of the catalog the config names, slicing each stream to its data config's time bounds.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np

__all__ = ["InMemoryData", "sliced"]


class InMemoryData(msgspec.Struct, frozen=True, kw_only=True):
    """Data held in memory instead of a catalog: instruments and columnar streams.

    Attributes
    ----------
    instruments : list
        Instrument objects (they pickle).
    streams : dict
        Identifier (a bar type, or an instrument id for quotes/trades) to columns
        (a mapping of int64 arrays, see `BacktestEngine.add_data`).
    """

    instruments: list[Any]
    streams: dict[str, Any]


def sliced(columns: Any, start: int | None, end: int | None) -> Any:
    """Return the rows of `columns` with ``start <= ts_init <= end`` (bounds optional)."""
    if start is None and end is None:
        return columns
    ts = np.asarray(columns["ts_init"])
    mask = np.ones(ts.shape, dtype=bool)
    if start is not None:
        mask &= ts >= start
    if end is not None:
        mask &= ts <= end
    return {k: np.asarray(v)[mask] for k, v in columns.items()}
