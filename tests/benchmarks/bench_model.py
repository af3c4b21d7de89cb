"""Benchmark the model value types against baselines measured in the same run.

Run with ``python tests/benchmarks/bench_model.py`` from the repository root (``make bench``).
Every case drives the operation from a plain Python ``for`` loop, which is how strategy code
calls it; the figure is the best of 5 repeats. A new case (e.g. ``QuoteTick.from_raw``) is one
more `Case` in `CASES`.
"""

from __future__ import annotations

import datetime
import decimal
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.model.currency import Currency  # noqa: E402
from core.model.objects import Money, Price, Quantity  # noqa: E402

N = 200_000
REPEATS = 5


@dataclass(frozen=True)
class Case:
    """One measured operation: `make` returns a zero-argument loop running `N` operations."""

    name: str
    make: Callable[[], Callable[[], None]]
    baselines: tuple[tuple[str, Callable[[], Callable[[], None]]], ...] = ()
    target_per_sec: float | None = None


def _strings():
    return [f"{1000 + i % 9000}.{i % 100_000:05d}" for i in range(N)]


def price_from_str():
    items = _strings()
    from_str = Price.from_str

    def run():
        for s in items:
            from_str(s)

    return run


def decimal_from_str():
    items = _strings()
    dec = decimal.Decimal

    def run():
        for s in items:
            dec(s)

    return run


def _pairs(factory):
    left = [factory(i) for i in range(N)]
    right = [factory(N - i) for i in range(N)]
    return list(zip(left, right, strict=True))


def price_lt():
    pairs = _pairs(lambda i: Price.from_raw(i * 10_000, 5))

    def run():
        for a, b in pairs:
            a < b  # noqa: B015

    return run


def decimal_lt():
    pairs = _pairs(lambda i: decimal.Decimal(i).scaleb(-5))

    def run():
        for a, b in pairs:
            a < b  # noqa: B015

    return run


def int_lt():
    pairs = _pairs(lambda i: i * 10_000)

    def run():
        for a, b in pairs:
            a < b  # noqa: B015

    return run


def price_add():
    pairs = _pairs(lambda i: Price.from_raw(i * 10_000, 5))

    def run():
        for a, b in pairs:
            a + b

    return run


def decimal_add():
    pairs = _pairs(lambda i: decimal.Decimal(i).scaleb(-5))

    def run():
        for a, b in pairs:
            a + b

    return run


def quantity_from_raw():
    raws = [i * 1_000_000 for i in range(N)]
    from_raw = Quantity.from_raw

    def run():
        for raw in raws:
            from_raw(raw, 3)

    return run


def decimal_scaleb():
    raws = [i * 1_000_000 for i in range(N)]
    dec = decimal.Decimal

    def run():
        for raw in raws:
            dec(raw).scaleb(-9)

    return run


def quote_from_raw():
    from core.model.data import QuoteTick
    from core.model.identifiers import InstrumentId

    instrument_id = InstrumentId.from_str("EUR/USD.SIM")
    bids = [1_100_000_000 + i * 10_000 for i in range(N)]
    from_raw = QuoteTick.from_raw

    def run():
        for bid in bids:
            from_raw(instrument_id, bid, bid + 10_000, 5, 5, 10**15, 10**15, 0, 0, bid, bid)

    return run


def tuple_quote():
    bids = [1_100_000_000 + i * 10_000 for i in range(N)]

    def run():
        for bid in bids:
            ("EUR/USD.SIM", bid, bid + 10_000, 5, 5, 10**15, 10**15, 0, 0, bid, bid)

    return run


def money_add():
    usd = Currency.from_str("USD")
    pairs = _pairs(lambda i: Money.from_raw(i * 10_000_000, usd))

    def run():
        for a, b in pairs:
            a + b

    return run


CASES: list[Case] = [
    Case("Price.from_str", price_from_str, (("Decimal(str)", decimal_from_str),), 3e6),
    Case(
        "Price < Price", price_lt, (("Decimal < Decimal", decimal_lt), ("int < int", int_lt)), 15e6
    ),
    Case("Price + Price", price_add, (("Decimal + Decimal", decimal_add),)),
    Case("Quantity.from_raw", quantity_from_raw, (("Decimal(raw).scaleb(-9)", decimal_scaleb),)),
    Case("Money + Money", money_add, (("Decimal + Decimal", decimal_add),)),
    Case("QuoteTick.from_raw", quote_from_raw, (("11-tuple", tuple_quote),), 8e6),
]


def best_rate(make: Callable[[], Callable[[], None]]) -> float:
    """Return the best of `REPEATS` rates (operations per second) of the loop `make` builds."""
    run = make()
    run()  # warm up: freelists, caches
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return N / best


def machine_info() -> list[str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = [f"Python {platform.python_version()}"]
    for module in ("Cython", "numpy"):
        try:
            versions.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            versions.append(f"{module} absent")
    return [
        f"date      {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"platform  {platform.platform()}",
        f"cpu       {cpu}",
        f"cores     {os.cpu_count()} logical",
        f"versions  {', '.join(versions)}",
        f"method    plain for loop over {N:_} items, best of {REPEATS}",
    ]


def main() -> int:
    for line in machine_info():
        print(line)
    print()
    header = f"{'case':<26} {'rate':>12}  {'vs baseline':<36} {'target':>10}  result"
    print(header)
    print("-" * len(header))
    missed = 0
    for case in CASES:
        rate = best_rate(case.make)
        ratios = []
        for name, make in case.baselines:
            base = best_rate(make)
            ratios.append(f"{rate / base:.2f}x {name} ({base / 1e6:.2f} M/s)")
        if case.target_per_sec is None:
            target, result = "-", "-"
        else:
            target = f"{case.target_per_sec / 1e6:.0f} M/s"
            result = "PASS" if rate >= case.target_per_sec else "MISS"
            missed += result == "MISS"
        print(
            f"{case.name:<26} {rate / 1e6:>8.2f} M/s  {ratios[0] if ratios else '-':<36} {target:>10}  {result}"
        )
        for extra in ratios[1:]:
            print(f"{'':<26} {'':>12}  {extra:<36}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
