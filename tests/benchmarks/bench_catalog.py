"""Catalog benchmark: a backtest streaming 1 M and 10 M quotes from the Parquet catalog.

Each scenario runs in a fresh process (peak RSS is the process's ``ru_maxrss``):

- catalog read: every row of the 10 M quotes through `ParquetDataCatalog.stream` (rows/s);
- catalog backtest over 1 M and 10 M quotes (`run_backtest`, EMA cross on quote mids, indicators
  and the Python handler on every quote, no orders so the run's own state stays flat);
- the same backtest from in-memory int64 columns (`BacktestEngine.add_data(columns)`), the
  baseline of the ≤ 25 % catalog overhead target.

Targets (issue 5): peak RSS ≤ 300 MiB at 10 M; RSS at 1 M and 10 M within 20 %; the catalog
path ≤ 25 % slower than the in-memory columnar path. ``--quick`` uses 1 M / 2 M quotes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks._machine import header  # noqa: E402

CHUNK = 1_000_000
INTERVAL_NS = 1_000_000_000
START_NS = 1_704_067_200_000_000_000

WRITE = r"""
import sys
sys.path.insert(0, {root!r})
import pyarrow as pa
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_quotes
from node.persistence import ParquetDataCatalog
catalog = ParquetDataCatalog({catalog!r})
catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
for k in range({chunks}):
    q = random_walk_quotes({chunk}, seed=k + 1, start_ns={start} + k * {chunk} * {interval},
                           interval_ns={interval})
    catalog.write_table("quote_tick", "EUR/USD.SIM", pa.table(q))
"""

CONFIG = """{{
  "name": "bench-catalog",
  "engine": {{"log_level": "ERROR"}},
  "chunk_size": 65536,
  "end": {end},
  "venues": [{{"name": "SIM", "oms_type": "NETTING", "account_type": "MARGIN",
              "starting_balances": ["1000000 USD"], "base_currency": "USD"}}],
  "data": [{{"catalog_path": {catalog}, "data_cls": "QuoteTick",
             "instrument_ids": ["EUR/USD.SIM"]}}],
  "strategies": [{{"strategy_path": "configs.strategies.ema_cross_quotes:EMACrossQuotes",
                   "config": {{"instrument_id": "EUR/USD.SIM", "trade": false}}}}]
}}"""

READ = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from core.model import QuoteTick
from node.persistence import ParquetDataCatalog
catalog = ParquetDataCatalog({catalog!r})
t0 = time.perf_counter()
rows = sum(b.num_rows for b in catalog.stream(QuoteTick, "EUR/USD.SIM", batch_size=65536))
elapsed = time.perf_counter() - t0
print(json.dumps({{"rows": rows, "elapsed": elapsed,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

CATALOG_RUN = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from node.backtest import run_backtest
from node.config import config_from_dict
config = config_from_dict(json.loads({config!r}))
t0 = time.perf_counter()
result = run_backtest(config)
elapsed = time.perf_counter() - t0
print(json.dumps({{"events": result.iterations, "elapsed": elapsed, "engine": result.elapsed_s,
                  "digest": result.digest,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

MEMORY_RUN = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from configs.strategies.ema_cross_quotes import EMACrossQuotes, EMACrossQuotesConfig
from core.backtest import BacktestEngine, BacktestEngineConfig
from core.model import AccountType, Money, OmsType, Venue
from core.model.currencies import USD
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_quotes
parts = [random_walk_quotes({chunk}, seed=k + 1, start_ns={start} + k * {chunk} * {interval},
                            interval_ns={interval}) for k in range({chunks})]
columns = {{name: np.concatenate([p[name] for p in parts]) for name in parts[0]}}
del parts
t0 = time.perf_counter()
engine = BacktestEngine(BacktestEngineConfig(log_level="ERROR"))
engine.add_venue(Venue("SIM"), OmsType.NETTING, AccountType.MARGIN, [Money(1_000_000, USD)],
                 base_currency=USD)
engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))
engine.add_data(columns, instrument_id="EUR/USD.SIM")
engine.add_strategy(EMACrossQuotes(EMACrossQuotesConfig(instrument_id="EUR/USD.SIM", trade=False)))
engine.run()
elapsed = time.perf_counter() - t0
result = engine.get_result()
print(json.dumps({{"events": result.iterations, "elapsed": elapsed, "engine": result.elapsed_time,
                  "digest": result.digest,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
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


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    quick = "--quick" in sys.argv
    small, large = (1, 2) if quick else (1, 10)
    fmt = {"root": str(ROOT), "chunk": CHUNK, "start": START_NS, "interval": INTERVAL_NS}
    print(header("catalog: backtests streaming quotes from the Parquet catalog"))
    with tempfile.TemporaryDirectory(prefix="flotilla-bench-catalog-") as tmp:
        catalog = str(Path(tmp) / "catalog")
        subprocess.run(
            [sys.executable, "-c", WRITE.format(catalog=catalog, chunks=large, **fmt)],
            check=True,
            cwd=ROOT,
        )
        size = sum(f.stat().st_size for f in Path(catalog).rglob("*.parquet"))
        print(f"catalog   {large * CHUNK:,} quotes in {size / 2**20:,.0f} MiB of Parquet")
        read = run(READ.format(catalog=catalog, **fmt))
        print(
            f"  catalog read (stream, 65,536-row batches): {read['rows'] / read['elapsed']:,.0f}"
            f" rows/s, peak RSS {read['rss_mib']:.0f} MiB"
        )
        rows = {}
        for chunks in (small, large):
            end = START_NS + (chunks * CHUNK - 1) * INTERVAL_NS
            config = CONFIG.format(end=end, catalog=json.dumps(catalog))
            rows[("catalog", chunks)] = run(CATALOG_RUN.format(config=config, **fmt))
            rows[("memory", chunks)] = run(MEMORY_RUN.format(chunks=chunks, **fmt))
        print(
            f"  {'path':<9} {'quotes':>11} {'events/s (run)':>15} {'engine s':>9} "
            f"{'peak RSS':>9}  digest"
        )
        for (path, _chunks), r in rows.items():
            print(
                f"  {path:<9} {r['events']:>11,} {r['events'] / r['elapsed']:>15,.0f} "
                f"{r['engine']:>9.2f} {r['rss_mib']:>7.0f} MiB  {r['digest'][:12]}"
            )
        cat_l, mem_l = rows[("catalog", large)], rows[("memory", large)]
        cat_s = rows[("catalog", small)]
        assert cat_l["digest"] == mem_l["digest"], "catalog and in-memory runs differ"
        overhead = cat_l["elapsed"] / mem_l["elapsed"] - 1
        growth = cat_l["rss_mib"] / cat_s["rss_mib"] - 1
        print("targets")
        print(
            f"  peak RSS at {large * CHUNK // 10**6} M quotes <= 300 MiB:   "
            f"{cat_l['rss_mib']:.0f} MiB  {verdict(cat_l['rss_mib'] <= 300)}"
        )
        print(
            f"  RSS {small} M vs {large} M within 20 %:        {growth:+.1%}  "
            f"{verdict(abs(growth) <= 0.20)}"
        )
        print(
            f"  catalog path overhead <= 25 %:          {overhead:+.1%}  "
            f"{verdict(overhead <= 0.25)}  (run time incl. set-up, same data, same digest)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
