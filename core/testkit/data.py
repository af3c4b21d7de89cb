"""Deterministic synthetic market data for demos, tests and benchmarks."""

from __future__ import annotations

import numpy as np

__all__ = ["random_walk_bars", "random_walk_quotes"]

NS_PER_MINUTE = 60_000_000_000
DEMO_START_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z


def random_walk_bars(
    n: int,
    *,
    seed: int = 7,
    start_ns: int = DEMO_START_NS,
    interval_ns: int = NS_PER_MINUTE,
    start_price: float = 1.10,
    price_precision: int = 5,
    volatility_ticks: float = 3.0,
    volume: int = 1_000_000,
) -> dict[str, np.ndarray]:
    """Return `n` one-interval bars of a seeded random walk as raw int64 columns.

    Columns ``ts_event``, ``ts_init`` (both the bar's close time), ``open``, ``high``, ``low``,
    ``close``, ``volume``; prices raw (value × 10**9) on the ``10**-price_precision`` tick,
    consistent (low ≤ open, close ≤ high). The same arguments give the same arrays on every
    machine (numpy's PCG64).
    """
    if n <= 0:
        raise ValueError(f"random_walk_bars: n {n} invalid, expected > 0")
    rng = np.random.Generator(np.random.PCG64(seed))
    tick = 10 ** (9 - price_precision)
    steps = np.rint(rng.normal(0.0, volatility_ticks, size=n)).astype(np.int64)
    start = int(round(start_price * 10**price_precision)) * tick
    close = start + np.cumsum(steps) * tick
    open_ = np.empty_like(close)
    open_[0] = start
    open_[1:] = close[:-1]
    wick_up = np.abs(np.rint(rng.normal(0.0, volatility_ticks, size=n))).astype(np.int64) * tick
    wick_dn = np.abs(np.rint(rng.normal(0.0, volatility_ticks, size=n))).astype(np.int64) * tick
    high = np.maximum(open_, close) + wick_up
    low = np.minimum(open_, close) - wick_dn
    floor = tick * 10
    low = np.maximum(low, floor)
    open_ = np.maximum(open_, floor)
    close = np.maximum(close, floor)
    high = np.maximum(high, np.maximum(open_, close))
    ts = start_ns + interval_ns * np.arange(1, n + 1, dtype=np.int64)
    return {
        "ts_event": ts,
        "ts_init": ts.copy(),
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "volume": np.full(n, volume * 10**9, dtype=np.int64),
    }


def random_walk_quotes(
    n: int,
    *,
    seed: int = 7,
    start_ns: int = DEMO_START_NS,
    interval_ns: int = 1_000_000_000,
    start_price: float = 1.10,
    price_precision: int = 5,
    volatility_ticks: float = 1.0,
    size: int = 1_000_000,
) -> dict[str, np.ndarray]:
    """Return `n` quotes of a seeded random walk (spread one tick) as raw int64 columns."""
    if n <= 0:
        raise ValueError(f"random_walk_quotes: n {n} invalid, expected > 0")
    rng = np.random.Generator(np.random.PCG64(seed))
    tick = 10 ** (9 - price_precision)
    steps = np.rint(rng.normal(0.0, volatility_ticks, size=n)).astype(np.int64)
    start = int(round(start_price * 10**price_precision)) * tick
    bid = np.maximum(start + np.cumsum(steps) * tick, tick * 10)
    ts = start_ns + interval_ns * np.arange(n, dtype=np.int64)
    sizes = np.full(n, size * 10**9, dtype=np.int64)
    return {
        "ts_event": ts,
        "ts_init": ts.copy(),
        "bid": bid,
        "ask": bid + tick,
        "bid_size": sizes,
        "ask_size": sizes.copy(),
    }
