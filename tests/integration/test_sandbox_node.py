"""The sandbox `TradingNode`: paper trading on a replayed catalog feed (issue 12, points 2, 6).

Real asyncio loops and, for the CLI and signals, real `flotilla node run` processes. Nothing
here asserts speed: pacing is checked as a lower bound (a replay at N× never delivers faster
than the recorded gaps / N), which no machine load can make fail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from core.backtest.stream import ListStream
from core.common.clock import LiveClock
from core.errors import ConfigError, ValidationError
from core.live.dispatch import LiveDispatcher, StreamMerger
from core.model.data import Bar
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from node.backtest.node import build_engine
from node.config import config_from_dict
from node.live import TradingNode, TradingNodeConfig
from node.live.clients import LiveDataClient
from node.persistence import ParquetDataCatalog
from tests.kit.compute import eventually
from tests.kit.run_config import BAR_TYPE, ema_run_config

ROOT = Path(__file__).resolve().parents[2]
PROBE = "tests.kit.node_strategies:NodeProbe"
FAST_RISK = {"risk_engine": {"max_order_submit_rate": "100000000/00:00:01"}}


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(3000, seed=21)))
    return path


@pytest.fixture(scope="module")
def short_catalog(tmp_path_factory):
    path = tmp_path_factory.mktemp("short")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(30, seed=4)))
    return path


def _node_config(catalog, node=None, engine=None, **changes) -> dict:
    data = ema_run_config(catalog, name="sandbox", **changes)
    data["engine"] = {"log_level": "ERROR", **FAST_RISK, **(engine or {})}
    data["node"] = {"environment": "sandbox", **(node or {})}
    return data


def _probe(catalog, mode="watch", node=None, **extra) -> dict:
    return _node_config(
        catalog,
        node=node,
        strategy_path=PROBE,
        strategy_config={
            "instrument_id": "EUR/USD.SIM",
            "bar_type": BAR_TYPE,
            "mode": mode,
            **extra,
        },
    )


def _key(fill):
    return (int(fill.order_side), fill.last_qty.raw, fill.last_px.raw, fill.commission.raw)


def _run(data: dict):
    node = TradingNode(config_from_dict(data, TradingNodeConfig))
    try:
        summary = node.run(handle_signals=False)
        return summary, node.fills, node
    finally:
        node.dispose()


# -- parity with the backtest -------------------------------------------------------------------


def test_sandbox_node_on_replayed_bars_makes_the_backtests_fills(catalog_path):
    data = _node_config(catalog_path, node={"replay_speed": "max"})
    summary, fills, _ = _run(data)
    backtest = {k: v for k, v in data.items() if k != "node"}
    engine, _ = build_engine(config_from_dict(backtest))
    try:
        engine.run()
        expected = engine.fills
    finally:
        engine.dispose()
    assert len(expected) > 100  # the EMA cross trades on this data
    assert [_key(f) for f in fills] == [_key(f) for f in expected]
    assert summary.stopped_by == "end of data"
    assert summary.events == summary.accepted == 3000
    assert summary.fills == len(expected)
    assert summary.handler_errors == 0 and summary.denied_orders == 0
    # the node is flat at stop, like the backtest (the strategy closes in on_stop)
    assert summary.positions_open == 0


def test_sandbox_fills_and_data_carry_wall_clock_timestamps(short_catalog):
    before = time.time_ns()
    summary, fills, node = _run(_probe(short_catalog, mode="timer", timer_delay_ms=1))
    after = time.time_ns()
    bars = node.kernel.trader.strategies()[0].bars
    assert len(bars) == 30
    for ts_init, ts_event, _ in bars:
        assert before <= ts_init <= after  # restamped on arrival
        assert ts_event < before  # the recorded time is kept
    assert all(before <= f.ts_event <= after for f in fills)


# -- pacing and backpressure --------------------------------------------------------------------


def test_paced_replay_never_delivers_faster_than_recorded_gaps_over_speed(short_catalog):
    speed = 3000.0  # 1-minute bars: 20 ms apart
    _, _, node = _run(_probe(short_catalog, node={"replay_speed": speed}))
    bars = node.kernel.trader.strategies()[0].bars
    first_event, first_wall = bars[0][1], bars[0][2]
    for _, ts_event, wall in bars[1:]:
        assert wall - first_wall >= (ts_event - first_event) / speed
    # and the whole run spans at least the data's span over the speed
    assert bars[-1][2] - first_wall >= (bars[-1][1] - first_event) / speed


def test_full_queue_makes_the_feed_wait_and_nothing_is_dropped(catalog_path):
    summary, _, _ = _run(_node_config(catalog_path, node={"queue_size": 1}))
    assert summary.backpressure_waits > 0
    assert summary.events == summary.accepted == 3000


# -- commands outside a data event ----------------------------------------------------------------


def test_an_order_sent_from_a_timer_reaches_the_venue_before_more_data(short_catalog):
    # 20 ms between bars; the alert fires 5 ms after the first: its order fills on the first
    # bar's book, not when the second bar arrives
    _, fills, node = _run(
        _probe(short_catalog, mode="timer", timer_delay_ms=5, node={"replay_speed": 3000})
    )
    probe = node.kernel.trader.strategies()[0]
    assert probe.timer_fired_ns > 0
    assert len(fills) >= 1
    second_bar_wall = probe.bars[1][2]
    assert fills[0].ts_event < second_bar_wall
    first_close = random_walk_bars(30, seed=4)["close"][0]
    assert fills[0].last_px.raw == first_close


# -- stopping -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("on_stop", "cancelled", "still_open"), [("cancel", 1, 0), ("keep", 0, 1)])
def test_on_stop_cancels_or_keeps_open_orders(short_catalog, on_stop, cancelled, still_open):
    summary, _, node = _run(_probe(short_catalog, mode="rest", node={"on_stop": on_stop}))
    assert summary.orders == 1
    assert summary.orders_cancelled_at_stop == cancelled
    assert summary.open_orders == still_open
    order = node.kernel.cache.orders()[0]
    assert order.is_canceled == (on_stop == "cancel")


def test_stop_from_another_thread_ends_a_paced_run_early(catalog_path):
    node = TradingNode(
        config_from_dict(_probe(catalog_path, node={"replay_speed": 60}), TradingNodeConfig)
    )
    probe = node.kernel.trader.strategies()[0]
    stopper = threading.Thread(
        target=lambda: (eventually(lambda: len(probe.bars) >= 2, 20), node.stop())
    )
    stopper.start()
    try:
        summary = node.run(handle_signals=False)
    finally:
        stopper.join()
        node.dispose()
    assert summary.stopped_by == "stop"
    assert 2 <= summary.events < 3000


def test_a_handler_error_stops_the_node_and_names_the_component(catalog_path):
    data = _node_config(
        catalog_path,
        strategy_path="tests.kit.grid:FragileEMACross",
        strategy_config={
            "instrument_id": "EUR/USD.SIM",
            "bar_type": BAR_TYPE,
            "raise_on_fast_period": 10,
        },
    )
    summary, _, _ = _run(data)
    assert summary.stopped_by == "error"
    assert "FragileEMACross" in summary.error and "on_bar" in summary.error
    assert "deliberate failure at bar 50" in summary.error
    assert summary.events == 50
    assert summary.handler_errors == 1


def test_carry_on_mode_counts_handler_errors_and_runs_to_the_end(catalog_path):
    data = _node_config(
        catalog_path,
        engine={"raise_handler_errors": False},
        strategy_path="tests.kit.grid:FragileEMACross",
        strategy_config={
            "instrument_id": "EUR/USD.SIM",
            "bar_type": BAR_TYPE,
            "raise_on_fast_period": 10,
        },
    )
    summary, _, _ = _run(data)
    assert summary.stopped_by == "end of data"
    assert summary.handler_errors == 1
    assert summary.events == 3000


# -- data clients -------------------------------------------------------------------------------


class ListClient(LiveDataClient):
    """A data client of our own: the catalog's bars, fed as an adapter would, optionally
    failing after `fail_after` of them."""

    def __init__(self, catalog, fail_after=None):
        self.bars = ParquetDataCatalog(catalog).query(Bar, [BAR_TYPE])
        self.fail_after = fail_after

    async def run(self, queue, end_ns=None):
        for i, bar in enumerate(self.bars):
            if i == self.fail_after:
                raise ConnectionError("feed lost")
            await self.put(queue, bar)


def test_a_data_client_of_our_own_feeds_the_node_like_the_replay(catalog_path):
    data = _node_config(catalog_path, node={"queue_size": 4})
    _, expected, _ = _run(data)
    client = ListClient(catalog_path)
    node = TradingNode(config_from_dict(data, TradingNodeConfig), data_client=client)
    try:
        summary = node.run(handle_signals=False)
        fills = node.fills
    finally:
        node.dispose()
    assert node.feed is client
    assert summary.stopped_by == "end of data"
    assert summary.events == client.sent == 3000
    assert client.waits > 0  # a queue of 4: the client waited, nothing was dropped
    assert len(expected) > 100
    assert [_key(f) for f in fills] == [_key(f) for f in expected]


def test_a_failing_data_client_stops_the_node_and_says_why(catalog_path):
    data = _node_config(catalog_path)
    node = TradingNode(
        config_from_dict(data, TradingNodeConfig), data_client=ListClient(catalog_path, 40)
    )
    try:
        summary = node.run(handle_signals=False)
    finally:
        node.dispose()
    assert summary.stopped_by == "error"
    assert summary.error == "data client ListClient failed: ConnectionError: feed lost"
    assert summary.events == 40


def test_a_data_client_must_be_a_live_data_client(catalog_path):
    config = config_from_dict(_node_config(catalog_path), TradingNodeConfig)
    with pytest.raises(ConfigError, match="TradingNode.data_client: invalid value 'feed'"):
        TradingNode(config, data_client="feed")


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"replay_speed": "fast"}, "node.replay_speed: invalid value 'fast'"),
        ({"replay_speed": 0}, "node.replay_speed: invalid value 0"),
        ({"replay_speed": -2.5}, "node.replay_speed: invalid value -2.5"),
        ({"queue_size": 0}, "node.queue_size"),
        ({"on_stop": "flatten"}, "node.on_stop"),
        ({"environment": "live"}, "node.environment"),
        ({"speed": 2}, "node.speed"),
    ],
)
def test_bad_node_settings_are_located_one_line_errors(catalog_path, node, expected):
    with pytest.raises(ConfigError) as err:
        config_from_dict(_node_config(catalog_path, node=node), TradingNodeConfig)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_the_kernel_parts_refuse_what_they_cannot_run():
    clock = LiveClock()
    with pytest.raises(TypeError):
        LiveDispatcher(None, clock, [])
    with pytest.raises(ValidationError, match="in-memory list"):
        StreamMerger([ListStream(random_walk_bars_objects(), 0)])
    with pytest.raises(ValidationError, match=r"streams\[0\]"):
        StreamMerger(["not a stream"])
    with pytest.raises(ConfigError, match="expected TradingNodeConfig"):
        TradingNode({"venues": []})


def random_walk_bars_objects():
    from core.model.data import Bar, BarType

    columns = random_walk_bars(3, seed=1)
    bar_type = BarType.from_str(BAR_TYPE)
    return [
        Bar.from_raw(
            bar_type,
            int(columns["open"][i]),
            int(columns["high"][i]),
            int(columns["low"][i]),
            int(columns["close"][i]),
            5,
            int(columns["volume"][i]),
            0,
            int(columns["ts_event"][i]),
            int(columns["ts_init"][i]),
        )
        for i in range(3)
    ]


# -- the command line ---------------------------------------------------------------------------


def _cli(args, cwd=ROOT, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "node.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_cli_node_run_prints_fills_and_summary(catalog_path, tmp_path):
    path = tmp_path / "node.json"
    path.write_text(json.dumps(_node_config(catalog_path)))
    proc = _cli(["node", "run", str(path), "--replay-speed", "max", "--fills", "5"])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert sum(1 for line in lines if " @ " in line) == 5
    assert any(line.startswith("... ") and "more fills" in line for line in lines)
    assert "stopped_by                end of data" in out
    assert "Traceback" not in err


def test_cli_bad_replay_speed_is_one_line_exit_1(catalog_path, tmp_path):
    path = tmp_path / "node.json"
    path.write_text(json.dumps(_node_config(catalog_path)))
    proc = _cli(["node", "run", str(path), "--replay-speed", "warp"])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.strip().count("\n") == 0
    assert "flotilla node run: error:" in err and "replay_speed" in err and "'warp'" in err


@pytest.mark.parametrize(
    ("sig", "code", "stopped_by"), [("SIGTERM", 0, "SIGTERM"), ("SIGINT", 130, "SIGINT")]
)
def test_cli_signal_stops_gracefully_and_cancels_open_orders(
    short_catalog, tmp_path, sig, code, stopped_by
):
    record = tmp_path / "record.txt"
    data = _probe(short_catalog, mode="rest", node={"replay_speed": 1}, record_file=str(record))
    path = tmp_path / "node.json"
    path.write_text(json.dumps(data))
    proc = _cli(["node", "run", str(path)])
    try:
        # the first bar arrives at once; the next a minute later (real pace)
        eventually(lambda: _node_started(proc, record), 60)
        proc.send_signal(getattr(signal, sig))
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err
    assert f"stopped_by                {stopped_by}" in out
    assert "orders_cancelled_at_stop  1" in out
    assert "open_orders               0" in out
    if sig == "SIGINT":
        assert err.strip() == "flotilla node run: interrupted"
    assert "Traceback" not in err
    assert record.read_text().count("bar ") >= 1  # on_stop ran


def _node_started(proc, record: Path) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"node exited early: {proc.communicate()}")
    return Path(f"{record}.started").exists()


def test_configs_sandbox_toml_is_a_valid_node_config():
    from node.config import load_config

    config = load_config(ROOT / "configs" / "sandbox.toml", TradingNodeConfig)
    assert config.node.environment == "sandbox"
    assert config.node.speed == float("inf")
    assert os.path.basename(config.data[0].catalog_path) == "catalog"
