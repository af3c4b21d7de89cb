"""A sandbox node with its state in a real Redis (issue 12 point 3): a restarted node gets back
the orders, positions and account it had, field for field; Redis stopped during trading denies
new orders (fail closed) without a crash, and the store converges when Redis answers again."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from node.config import config_from_dict
from node.live import TradingNode, TradingNodeConfig
from node.persistence import ParquetDataCatalog
from node.persistence.state import RedisStateStore, StateStoreConfig, StateStoreError
from tests.harness.redis import RedisServer
from tests.kit.compute import eventually
from tests.kit.run_config import BAR_TYPE, ema_run_config
from tests.unit.node.persistence.test_codec import fields

N_BARS = 2000
FAST_RISK = {"risk_engine": {"max_order_submit_rate": "100000000/00:00:01"}}


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(N_BARS, seed=21)))
    return path


@pytest.fixture(scope="module")
def server():
    with RedisServer() as server:
        server.add_trader("TRADER-001")
        yield server


def _state(server, **changes) -> dict:
    return {
        "url": f"redis://127.0.0.1:{server.port}/0",
        "username": "trader-TRADER-001",
        "password": server.password("TRADER-001"),
        **changes,
    }


def _config(catalog, server, node=None, state=None, **changes) -> TradingNodeConfig:
    data = ema_run_config(catalog, name="stateful", **changes)
    data["engine"] = {"log_level": "ERROR", "trader_id": "TRADER-001", **FAST_RISK}
    data["node"] = {
        "environment": "sandbox",
        "state": _state(server, **(state or {})),
        **(node or {}),
    }
    return config_from_dict(data, TradingNodeConfig)


def _snapshot(kernel) -> dict:
    cache = kernel.cache
    orders = {o.client_order_id.value: [fields(e) for e in o.events] for o in cache.orders()}
    positions = {
        p.id.value: (p.signed_raw, p.realized_pnl_raw, p.is_closed, p.entry, p.peak_raw)
        for p in cache.positions()
    }
    accounts = {
        a.id.value: sorted((str(b.total), str(b.free), str(b.locked)) for b in a.balances())
        for a in cache.accounts()
    }
    return {"orders": orders, "positions": positions, "accounts": accounts}


def test_a_restarted_node_gets_back_its_orders_positions_and_account(catalog_path, server):
    half = int(random_walk_bars(N_BARS, seed=21)["ts_init"][N_BARS // 2])
    # the first life: trades half the data (the EMA cross closes its position at stop)
    first = TradingNode(
        _config(
            catalog_path,
            server,
            node={"on_stop": "keep"},
            state={"flush_on_start": True},
            end=half,
        )
    )
    try:
        summary = first.run(handle_signals=False)
        before = _snapshot(first.kernel)
    finally:
        first.dispose()
    assert summary.stopped_by == "end of data" and summary.state_available
    assert summary.state_commits > 0 and summary.orders > 20
    assert before["positions"] and before["accounts"]
    # the second life: nothing to trade (stopped before the data), everything restored
    second = TradingNode(_config(catalog_path, server, node={"on_stop": "keep"}))
    second.stop()
    try:
        summary = second.run(handle_signals=False)
        after = _snapshot(second.kernel)
        counts = [s.order_factory.count for s in second.kernel.trader.strategies()]
    finally:
        second.dispose()
    assert summary.restored_events == sum(len(v) for v in before["orders"].values())
    assert summary.unresolved_intents == 0
    assert after == before
    assert counts == [len(before["orders"])]  # new client order ids go on from there
    # the third life trades the rest: its new events join the journal, none lost or merged
    third = TradingNode(_config(catalog_path, server, start=half + 1))
    try:
        summary = third.run(handle_signals=False)
        memory = [e.id for o in third.kernel.cache.orders() for e in o.events]
        new_orders = summary.orders - len(before["orders"])
    finally:
        third.dispose()
    assert new_orders > 10
    assert len(set(memory)) == len(memory)
    stored = RedisStateStore(StateStoreConfig(**_state(server)), "TRADER-001").open()
    assert stored.duplicates == 0
    assert sorted(map(str, (e.id for e in stored.events))) == sorted(map(str, memory))


def test_flush_on_start_starts_from_nothing(catalog_path, server):
    node = TradingNode(_config(catalog_path, server, state={"flush_on_start": True}))
    node.stop()
    try:
        summary = node.run(handle_signals=False)
    finally:
        node.dispose()
    assert summary.restored_events == 0 and summary.orders == 0


def test_redis_stopped_during_trading_denies_new_orders_and_converges(catalog_path, server):
    config = _config(
        catalog_path,
        server,
        node={"replay_speed": 20_000},  # 1-minute bars: 2000 in about 6 s
        state={"flush_on_start": True, "timeout_secs": 0.2, "retry_secs": 0.1},
    )
    node = TradingNode(config)
    strategy = node.kernel.trader.strategies()[0]
    seen = {}

    def chaos():
        eventually(lambda: node.dispatcher is not None and node.dispatcher.events >= 400, 30)
        server.stop()
        try:
            eventually(lambda: node.dispatcher.events >= 1000, 30)
            seen["denied_while_down"] = node.state_store.denied
        finally:
            server.cont()

    thread = threading.Thread(target=chaos)
    thread.start()
    try:
        summary = node.run(handle_signals=False)
        memory = {e.id for o in node.kernel.cache.orders() for e in o.events}
        denied = [
            e
            for o in node.kernel.cache.orders()
            for e in o.events
            if type(e).__name__ == "OrderDenied"
        ]
    finally:
        thread.join()
        node.dispose()
    assert summary.stopped_by == "end of data"  # no crash
    assert summary.events == N_BARS
    assert seen["denied_while_down"] > 0
    assert denied and all(e.reason == "state store unavailable" for e in denied)
    assert summary.denied_orders == len(denied)
    assert summary.state_available  # recovered
    # converged: the journal holds every event the node has in memory, once
    stored = RedisStateStore(StateStoreConfig(**_state(server)), "TRADER-001").open()
    assert {e.id for e in stored.events} == memory
    assert len(stored.events) == len(memory)
    assert strategy.id.value  # the strategy ran through it all


def test_a_node_does_not_start_without_its_state(catalog_path, server):
    config = _config(
        catalog_path, server, state={"url": "redis://127.0.0.1:1/0", "timeout_secs": 0.2}
    )
    node = TradingNode(config)
    try:
        with pytest.raises(StateStoreError, match="unreachable"):
            node.run(handle_signals=False)
    finally:
        node.dispose()
