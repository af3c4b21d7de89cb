"""Benchmark the moving averages fed from a Python loop, against a pure-Python EMA.

Run with ``python tests/benchmarks/bench_indicators.py`` (``make bench``); not collected by
pytest. Each figure is the best of several repeats over the same inputs, in updates per second;
ratios compare with the pure-Python EMA measured in the same run, so they carry across machines
better than the absolute figures. A Python loop calling a method costs most of the time here:
the kernel calls the handlers through C and is faster still.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import random
import sys
import time
from pathlib import Path

if __package__ is None:  # run as a script from anywhere: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import Cython

from core.indicators import ExponentialMovingAverage, SimpleMovingAverage
from core.model.data import Bar, BarType

PERIOD = 20


class PyExponentialMovingAverage:
    """The same EMA in plain Python: the baseline."""

    def __init__(self, period: int) -> None:
        self.period = period
        self.alpha = 2.0 / (period + 1.0)
        self.value = 0.0
        self.count = 0
        self.has_inputs = False
        self.initialized = False

    def update_raw(self, value: float) -> None:
        if self.has_inputs:
            self.value = self.alpha * value + (1.0 - self.alpha) * self.value
        else:
            self.has_inputs = True
            self.value = value
        self.count += 1
        if not self.initialized and self.count >= self.period:
            self.initialized = True

    def handle_bar(self, bar: Bar) -> None:
        self.update_raw(bar.close_raw * 1e-9)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _machine() -> list[str]:
    return [
        f"date      {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}",
        f"platform  {platform.platform()}",
        f"cpu       {_cpu_model()}",
        f"python    {platform.python_implementation()} {platform.python_version()}",
        f"cython    {Cython.__version__}",
    ]


def _best_rate(method, inputs, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for x in inputs:
            method(x)
        best = min(best, time.perf_counter() - start)
    return len(inputs) / best


def _bars(n: int) -> list[Bar]:
    bar_type = BarType.from_str("EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL")
    rng = random.Random(7)
    bars, raw = [], 1_100_000_000
    for i in range(n):
        raw = max(10_000, raw + rng.randint(-50, 50) * 10_000)
        bars.append(Bar.from_raw(bar_type, raw, raw + 20_000, raw - 20_000, raw, 5, 10**9, 0, i, i))
    return bars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500_000, help="inputs per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    values = [bar.close_raw * 1e-9 for bar in _bars(args.n)]
    bars = _bars(args.n)
    cases = [
        ("pure-Python EMA.update_raw", PyExponentialMovingAverage(PERIOD).update_raw, values),
        ("EMA.update_raw", ExponentialMovingAverage(PERIOD).update_raw, values),
        ("SMA.update_raw", SimpleMovingAverage(PERIOD).update_raw, values),
        ("pure-Python EMA.handle_bar", PyExponentialMovingAverage(PERIOD).handle_bar, bars),
        ("EMA.handle_bar", ExponentialMovingAverage(PERIOD).handle_bar, bars),
        ("SMA.handle_bar", SimpleMovingAverage(PERIOD).handle_bar, bars),
    ]
    print("\n".join(_machine()))
    print(f"inputs    {args.n:,} per repeat, best of {args.repeats}, period {PERIOD}\n")
    rates = {name: _best_rate(method, inputs, args.repeats) for name, method, inputs in cases}
    print(f"{'case':<30} {'updates/s':>14} {'vs pure-Python':>15}")
    for name, rate in rates.items():
        baseline = (
            "pure-Python EMA.handle_bar" if "handle_bar" in name else "pure-Python EMA.update_raw"
        )
        print(f"{name:<30} {rate:>14,.0f} {rate / rates[baseline]:>14.2f}x")


if __name__ == "__main__":
    main()
