"""Tick to order inside a sandbox `TradingNode`, warm and after the loop idled for a second.

A data client hands a quote to the node's queue (the clock starts); the node's loop takes it,
the kernel publishes it, the strategy submits a market order, and the clock stops when the
order has reached the execution client (`submit_order` returned: the risk and execution
engines passed it to the venue client). Alternating sides keep the account flat.

Targets (issue 12): warm p50 <= 15 µs, p99 <= 60 µs; after 1 s of idle loop no 10x slowdown
(idle p50 <= 10x warm p50). Baseline in the same run: an asyncio queue hand-over alone
(put, the consumer wakes, a no-op), the floor every node on asyncio pays.

Run: ``python tests/benchmarks/bench_node.py``; exits 1 when a target is missed.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from core.trading.strategy import Strategy  # noqa: E402

from core.model.data import QuoteTick  # noqa: E402
from core.model.enums import OrderSide  # noqa: E402
from core.trading.config import StrategyConfig  # noqa: E402
from node.live.clients import LiveDataClient  # noqa: E402
from tests.benchmarks._machine import header  # noqa: E402

WARM = int(__import__("os").environ.get("BENCH_NODE_WARM", "20000"))
IDLE = 8
TARGET_P50_US = 15.0
TARGET_P99_US = 60.0
IDLE_FACTOR = 10.0
STAMPS: list[int] = []  # when the order reached the execution client, per quote


class TickToOrderConfig(StrategyConfig, frozen=True):
    instrument_id: str = "EUR/USD.SIM"


class TickToOrder(Strategy):
    """Submits a market order on every quote, alternating sides."""

    def __init__(self, config: TickToOrderConfig) -> None:
        super().__init__(config)

    def on_start(self) -> None:
        from core.model.identifiers import InstrumentId

        self.iid = InstrumentId.from_str(self.config.instrument_id)
        self.subscribe_quote_ticks(self.iid)
        instrument = self.cache.instrument(self.iid)
        self.qty = instrument.make_qty(100_000)
        self.side = OrderSide.BUY
        self.market = self.order_factory.market
        self.submit = self.submit_order

    def on_quote_tick(self, tick) -> None:
        self.submit(self.market(self.iid, self.side, self.qty))
        STAMPS.append(time.perf_counter_ns())
        self.side = OrderSide.SELL if self.side == OrderSide.BUY else OrderSide.BUY


class QuoteHandOver(LiveDataClient):
    """Puts one quote at a time and lets the node take it before the next (latency, not
    throughput); every `IDLE` samples at the end are preceded by a second of idle loop."""

    def __init__(self, instrument_id) -> None:
        self.iid = instrument_id
        self.put_ns: list[int] = []

    def _quote(self, i: int) -> QuoteTick:
        bid = 1_100_000_000 + (i % 7) * 10_000
        return QuoteTick.from_raw(self.iid, bid, bid + 20_000, 5, 5, 10**15, 10**15, 0, 0, i, i)

    async def _one(self, queue, i: int) -> None:
        quote = self._quote(i)
        self.put_ns.append(time.perf_counter_ns())
        await self.put(queue, quote)
        await asyncio.sleep(0)  # the node takes it now
        await asyncio.sleep(0)

    async def run(self, queue, end_ns=None) -> None:
        for i in range(WARM):
            await self._one(queue, i)
        for i in range(IDLE):
            await asyncio.sleep(1.0)
            await self._one(queue, WARM + i)


async def _queue_floor(n: int) -> list[int]:
    """The hand-over alone: put on an asyncio.Queue, a consumer coroutine wakes and stamps."""
    queue: asyncio.Queue = asyncio.Queue(10_000)
    stamps: list[int] = []

    async def consumer():
        while True:
            item = await queue.get()
            if item is None:
                return
            stamps.append(time.perf_counter_ns())

    task = asyncio.create_task(consumer())
    puts = []
    for _ in range(n):
        puts.append(time.perf_counter_ns())
        queue.put_nowait(1)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    queue.put_nowait(None)
    await task
    return [s - p for p, s in zip(puts, stamps, strict=True)]


def _catalog(path: Path) -> None:
    from core.testkit import TestInstrumentProvider
    from core.testkit.data import random_walk_bars
    from node.persistence import ParquetDataCatalog

    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table(
        "bar", "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL", pa.table(random_walk_bars(10, seed=1))
    )


def main() -> int:
    from core.model.identifiers import InstrumentId
    from node.config import config_from_dict
    from node.live import TradingNode, TradingNodeConfig

    print(header("sandbox node: tick to order, warm and after 1 s idle"))
    with tempfile.TemporaryDirectory() as tmp:
        _catalog(Path(tmp))
        config = config_from_dict(
            {
                "engine": {
                    "log_level": "ERROR",
                    "risk_engine": {"max_order_submit_rate": "100000000/00:00:01"},
                },
                "venues": [
                    {
                        "name": "SIM",
                        "oms_type": "NETTING",
                        "account_type": "MARGIN",
                        "starting_balances": ["100000000 USD"],
                        "base_currency": "USD",
                    }
                ],
                "data": [
                    {
                        "catalog_path": tmp,
                        "data_cls": "Bar",
                        "bar_types": ["EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"],
                    }
                ],
                "strategies": [
                    {
                        "strategy_path": "tests.benchmarks.bench_node:TickToOrder",
                        "config": {"instrument_id": "EUR/USD.SIM"},
                    }
                ],
                "node": {"environment": "sandbox"},
            },
            TradingNodeConfig,
        )
        client = QuoteHandOver(InstrumentId.from_str("EUR/USD.SIM"))
        node = TradingNode(config, data_client=client)
        try:
            summary = node.run(handle_signals=False)
        finally:
            node.dispose()
        floor = asyncio.run(_queue_floor(WARM))
    # STAMPS lives in this module as imported by the node (tests.benchmarks.bench_node)
    stamps = sys.modules["tests.benchmarks.bench_node"].STAMPS
    if summary.stopped_by != "end of data" or len(stamps) != WARM + IDLE:
        print(f"the run did not complete: {summary}")
        return 1
    lat = (np.array(stamps) - np.array(client.put_ns)) / 1e3
    warm = lat[WARM // 10 : WARM]  # the first 10 % warm up
    idle = lat[WARM:]
    p50, p99 = np.percentile(warm, 50), np.percentile(warm, 99)
    i50 = np.percentile(idle, 50)
    f50 = np.percentile(np.array(floor[WARM // 10 :]) / 1e3, 50)
    print(f"orders {summary.orders:,}, fills {summary.fills:,}, denied {summary.denied_orders}")
    print("tick to order (µs)")
    print(f"  asyncio queue hand-over alone  p50 {f50:7.1f}")
    print(
        f"  warm ({len(warm):,} quotes)          p50 {p50:7.1f}  p99 {p99:7.1f}  "
        f"(targets <= {TARGET_P50_US:.0f} / <= {TARGET_P99_US:.0f})"
    )
    print(
        f"  after 1 s idle ({IDLE} quotes)      p50 {i50:7.1f}  = {i50 / p50:.1f}x warm "
        f"(target <= {IDLE_FACTOR:.0f}x)"
    )
    print(f"  ratio warm p50 / queue hand-over   {p50 / f50:.1f}x")
    missed = []
    if p50 > TARGET_P50_US:
        missed.append("warm p50")
    if p99 > TARGET_P99_US:
        missed.append("warm p99")
    if i50 > IDLE_FACTOR * p50:
        missed.append("idle slowdown")
    if missed:
        print(f"missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
