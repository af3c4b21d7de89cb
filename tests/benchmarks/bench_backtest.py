"""Backtest benchmark: the EMA(10/20) cross on seeded random-walk bars and quotes.

Each scenario runs in a fresh subprocess (so peak RSS is its own): 100 k and 1 M one-minute
bars, 100 k and 1 M quotes, each with trading (one 100,000-unit market order to close and one
to open on every cross; NETTING, MARGIN, 1,000,000 USD, default_fx_ccy) and with trading
switched off (same strategy and indicators, no orders). Per-order cost =
(run − no-order run) / orders. Baseline: a plain-Python loop computing the same two EMAs over
the same arrays, measured in the same run.

Usage: python tests/benchmarks/bench_backtest.py [--quick]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from _machine import header  # noqa: E402

SCENARIO = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from configs.strategies.ema_cross import EMACross, EMACrossConfig
from core.backtest.config import BacktestEngineConfig
from core.backtest.engine import BacktestEngine
from core.indicators import ExponentialMovingAverage
from core.model import AccountType, Money, OmsType, PriceType, Venue
from core.model.currencies import USD
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars, random_walk_quotes

kind, n, trade = {kind!r}, {n}, {trade}

class NoTrade(EMACross):
    def enter(self, side):
        pass
    def on_stop(self):
        pass

class QuoteCross(EMACross):
    def __init__(self, config):
        super().__init__(config)
        self.fast_ema = ExponentialMovingAverage(10, PriceType.MID)
        self.slow_ema = ExponentialMovingAverage(20, PriceType.MID)
    def on_start(self):
        self.instrument = self.cache.instrument(self.instrument_id)
        self.trade_size = self.instrument.make_qty(self.config.trade_size)
        self.register_indicator_for_quote_ticks(self.instrument_id, self.fast_ema)
        self.register_indicator_for_quote_ticks(self.instrument_id, self.slow_ema)
        self.subscribe_quote_ticks(self.instrument_id)
    def on_quote_tick(self, tick):
        self.on_bar(tick)

class QuoteNoTrade(QuoteCross):
    def enter(self, side):
        pass
    def on_stop(self):
        pass

class QuoteHandlerOnly(QuoteCross):
    # The engine data path: two EMAs updated in C, an empty Python handler.
    def on_quote_tick(self, tick):
        pass
    def on_stop(self):
        pass

bar_type = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
engine = BacktestEngine(BacktestEngineConfig(log_level="ERROR"))
engine.add_venue(Venue("SIM"), OmsType.NETTING, AccountType.MARGIN, [Money(1_000_000, USD)],
                 base_currency=USD)
instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
engine.add_instrument(instrument)
config = EMACrossConfig(instrument_id="EUR/USD.SIM", bar_type=bar_type)
if kind == "bars":
    engine.add_data(random_walk_bars(n), bar_type=bar_type)
    engine.add_strategy((EMACross if trade else NoTrade)(config))
elif kind == "quotes":
    engine.add_data(random_walk_quotes(n), instrument_id="EUR/USD.SIM")
    engine.add_strategy((QuoteCross if trade else QuoteNoTrade)(config))
else:
    engine.add_data(random_walk_quotes(n), instrument_id="EUR/USD.SIM")
    engine.add_strategy(QuoteHandlerOnly(config))
t0 = time.perf_counter()
engine.run()
elapsed = time.perf_counter() - t0
result = engine.get_result()
print(json.dumps({{"elapsed": elapsed, "orders": result.total_orders,
                  "events": result.iterations, "digest": result.digest,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

BASELINE = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from core.testkit.data import random_walk_bars
cols = random_walk_bars({n})
closes = (cols["close"] / 1e9).tolist()
t0 = time.perf_counter()
a_f, a_s = 2 / 11, 2 / 21
fast = slow = None
crosses = 0
last = None
for i, c in enumerate(closes):
    fast = c if fast is None else a_f * c + (1 - a_f) * fast
    slow = c if slow is None else a_s * c + (1 - a_s) * slow
    if i >= 20:
        side = fast >= slow
        if side != last:
            crosses += 1
            last = side
print(json.dumps({{"elapsed": time.perf_counter() - t0}}))
"""


def run(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONHASHSEED="0"),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def scenario(kind: str, n: int, trade: bool, repeats: int) -> dict:
    best = None
    for _ in range(repeats):
        r = run(SCENARIO.format(root=str(ROOT), kind=kind, n=n, trade=trade))
        if best is None or r["elapsed"] < best["elapsed"]:
            best = r
    return best


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    quick = "--quick" in sys.argv
    repeats = 1 if quick else 3
    print(header("bench_backtest: EMA(10/20) cross, NETTING, MARGIN, default_fx_ccy"))
    sizes = [100_000] if quick else [100_000, 1_000_000]
    rows = {}
    for kind in ("bars", "quotes"):
        for n in sizes:
            for trade in (True, False):
                rows[(kind, n, trade)] = scenario(kind, n, trade, repeats if n <= 100_000 else 1)
    handler_only = scenario("quotes-empty-handler", sizes[-1], False, repeats)
    base = run(BASELINE.format(root=str(ROOT), n=100_000))
    print(
        f"\nbaseline  plain-Python EMA loop over 100k closes: "
        f"{100_000 / base['elapsed']:,.0f} bars/s"
    )
    print(
        f"\n{'scenario':<28}{'events/s':>14}{'time s':>10}{'orders':>9}{'peak RSS MiB':>14}"
        f"{'vs baseline':>13}"
    )
    for (kind, n, trade), r in rows.items():
        rate = r["events"] / r["elapsed"]
        label = f"{n // 1000}k {kind} {'with orders' if trade else 'no orders'}"
        print(
            f"{label:<28}{rate:>14,.0f}{r['elapsed']:>10.3f}{r['orders']:>9,}"
            f"{r['rss_mib']:>14.0f}{(100_000 / base['elapsed']) / rate:>12.1f}x"
        )
    rate = handler_only["events"] / handler_only["elapsed"]
    label = f"{sizes[-1] // 1000}k quotes, empty handler"
    print(
        f"{label:<28}{rate:>14,.0f}{handler_only['elapsed']:>10.3f}{0:>9,}"
        f"{handler_only['rss_mib']:>14.0f}{(100_000 / base['elapsed']) / rate:>12.1f}x"
    )
    print("\nper-order cost ((run - no-order run) / orders):")
    costs = {}
    for kind in ("bars", "quotes"):
        for n in sizes:
            with_orders, without = rows[(kind, n, True)], rows[(kind, n, False)]
            if with_orders["orders"]:
                cost = (with_orders["elapsed"] - without["elapsed"]) / with_orders["orders"]
                costs[(kind, n)] = cost
                print(
                    f"  {n // 1000}k {kind}: {with_orders['orders']:,} orders, "
                    f"{cost * 1e6:.2f} us/order"
                )
    print("\ntargets:")
    r100 = rows[("bars", 100_000, True)]
    rate100 = r100["events"] / r100["elapsed"]
    print(f"  100k bars with orders >= 300,000 bars/s: {rate100:,.0f}  {verdict(rate100 >= 3e5)}")
    q = rows[("quotes", sizes[-1], False)]
    qrate = q["events"] / q["elapsed"]
    print(
        f"  quotes without orders >= 2,000,000/s:    {qrate:,.0f}  {verdict(qrate >= 2e6)}"
        f"  (EMA cross logic in Python)"
    )
    hrate = handler_only["events"] / handler_only["elapsed"]
    print(f"  quotes, empty Python handler >= 2 M/s:   {hrate:,.0f}  {verdict(hrate >= 2e6)}")
    c9 = costs.get(("bars", 100_000))
    if c9 is not None:
        print(
            f"  per-order cost <= 5 us (~9k orders):     {c9 * 1e6:.2f} us  {verdict(c9 <= 5e-6)}"
        )
    if not quick:
        r1m = rows[("bars", 1_000_000, True)]
        print(
            f"  1M bars with ~90k orders <= 5 s:         {r1m['elapsed']:.2f} s  "
            f"{verdict(r1m['elapsed'] <= 5)}"
        )
        c90 = costs.get(("bars", 1_000_000))
        if c9 is not None and c90 is not None:
            ratio = c90 / c9
            print(
                f"  per-order cost at 90k within 30% of 9k:  {ratio:.2f}x  "
                f"{verdict(0.7 <= ratio <= 1.3)}"
            )
        print(
            f"  peak RSS 1M bars with orders <= 250 MiB: {r1m['rss_mib']:.0f} MiB  "
            f"{verdict(r1m['rss_mib'] <= 250)}"
        )
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"\n(bench_backtest took {time.perf_counter() - started:.0f} s)")
    sys.exit(code)
