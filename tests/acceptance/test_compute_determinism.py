"""Determinism of compute offload in backtests: the same fill digest in-process, through a
broker and 2 workers with random 0–50 ms delays, and with a worker SIGKILLed mid-run."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from cluster.compute import ZmqComputeBackend
from core.backtest.config import BacktestEngineConfig
from core.backtest.engine import BacktestEngine
from core.common.compute import ComputeLatencyModel, InProcessComputeBackend
from core.model import AccountType, Money, OmsType, Venue
from core.model.currencies import USD
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from tests.kit.compute import Processes, eventually, wait_workers
from tests.kit.compute_strategy import ComputeSignalConfig, ComputeSignalStrategy

BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
HANDLER = "tests.kit.compute_handlers:momentum_signal"
# 90 s +- 60 s: replies land one to three bars later, several requests in flight at once
LATENCY = ComputeLatencyModel(base_latency_ns=30_000_000_000, jitter_ns=120_000_000_000, seed=11)


def run_backtest(backend, n_requests: int):
    engine = BacktestEngine(BacktestEngineConfig(trader_id="BACKTESTER-001", log_level="ERROR"))
    engine.add_venue(
        Venue("SIM"),
        OmsType.NETTING,
        AccountType.MARGIN,
        starting_balances=[Money(1_000_000, USD)],
        base_currency=USD,
    )
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    engine.add_instrument(instrument)
    engine.add_data(random_walk_bars(n_requests + 20, seed=5), bar_type=BAR_TYPE)
    strategy = ComputeSignalStrategy(
        ComputeSignalConfig(
            instrument_id=str(instrument.id), bar_type=BAR_TYPE, max_requests=n_requests
        )
    )
    engine.add_strategy(strategy)
    engine.add_compute_backend(backend, LATENCY, wait_timeout_secs=60)
    engine.run()
    result = engine.get_result()
    answered = len(strategy.outcomes)
    failures = list(strategy.failures)
    engine.dispose()
    return result.digest, result.total_fills, answered, failures


@pytest.fixture
def procs(tmp_path):
    processes = Processes(tmp_path)
    yield processes
    processes.stop_all()


def _determinism(procs, tmp_path, n_requests: int, delay_ms: str):
    reference, fills, answered, failures = run_backtest(
        InProcessComputeBackend({"signal": HANDLER}), n_requests
    )
    assert fills > 20 and not failures
    assert answered >= n_requests - 5  # the last replies may fall after the last bar
    # the digest does depend on when replies arrive: another latency seed changes it
    global LATENCY
    saved, LATENCY = LATENCY, LATENCY.copy(seed=LATENCY.seed + 1)
    try:
        other = run_backtest(InProcessComputeBackend({"signal": HANDLER}), n_requests)[0]
    finally:
        LATENCY = saved
    assert other != reference

    log_dir = tmp_path / "exec"
    log_dir.mkdir()
    env = {"FLOTILLA_TEST_DELAY_MS": delay_ms, "FLOTILLA_TEST_EXEC_LOG": str(log_dir)}
    _, fe, be = procs.broker()
    workers = [procs.worker(be, "signal", HANDLER, env=env) for _ in range(2)]
    backend = ZmqComputeBackend(fe, heartbeat_interval_ms=100)
    try:
        wait_workers(backend, "signal", 2)
        assert run_backtest(backend, n_requests) == (reference, fills, answered, [])

        # again, and SIGKILL a worker when half the requests have run, then restart it
        for path in log_dir.glob("*.log"):
            path.unlink()
        killed = []

        def chaos():
            def executed():
                return sum(len(p.read_text().split()) for p in log_dir.glob("*.log"))

            eventually(lambda: executed() >= n_requests // 2, 120, 0.005)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(10)
            killed.append(time.monotonic())
            workers[0] = procs.worker(be, "signal", HANDLER, env=env)

        thread = threading.Thread(target=chaos, daemon=True)
        thread.start()
        assert run_backtest(backend, n_requests) == (reference, fills, answered, [])
        thread.join(10)
        assert killed, "the worker was not killed during the run"
    finally:
        backend.close()


def test_compute_backtest_digest_same_in_process_via_workers_and_after_sigkill(procs, tmp_path):
    _determinism(procs, tmp_path, 200, "0,10")


@pytest.mark.slow
def test_compute_backtest_1000_requests_digest_same_with_0_50ms_delays_and_sigkill(procs, tmp_path):
    _determinism(procs, tmp_path, 1000, "0,50")
