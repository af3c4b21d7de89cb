"""Compute broker, workers and the ZeroMQ client as real processes on loopback.

Each acceptance scenario of the compute issue has a test here, at full size (each takes a few
seconds); the backtest determinism scenario is in tests/acceptance/test_compute_determinism.py.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import msgspec
import numpy as np
import psutil
import pytest
import zmq

from cluster.compute import BrokerConfig, ZmqComputeBackend
from cluster.compute import protocol as p
from core.errors import ConfigError
from tests.kit.compute import HEARTBEAT_MS, LIVENESS, Processes, eventually, wait_workers

SQUARE = "tests.kit.compute_handlers:square"
ENC = msgspec.msgpack.encode
DEC = msgspec.msgpack.decode


@pytest.fixture
def procs(tmp_path):
    processes = Processes(tmp_path)
    yield processes
    processes.stop_all()


@pytest.fixture
def clients():
    made = []

    def make(address, **kwargs):
        backend = ZmqComputeBackend(address, heartbeat_interval_ms=100, **kwargs)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


def collect(backend, expected: int, timeout: float, on_poll=None) -> dict:
    """Poll until `expected` outcomes arrived; fail on any request id seen twice."""
    outcomes = {}
    deadline = time.monotonic() + timeout
    while len(outcomes) < expected:
        for outcome in backend.poll():
            assert outcome.request_id not in outcomes, f"{outcome.request_id} delivered twice"
            outcomes[outcome.request_id] = outcome
        if on_poll is not None:
            on_poll(outcomes)
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(outcomes)}/{expected} outcomes after {timeout} s")
        time.sleep(0.002)
    return outcomes


def executions(log_dir: Path) -> dict[int, list[int]]:
    """tag -> pids that executed it (from the handlers' logs)."""
    found: dict[int, list[int]] = {}
    for path in log_dir.glob("*.log"):
        pid = int(path.stem)
        for line in path.read_text().split():
            found.setdefault(int(line), []).append(pid)
    return found


def assert_square_reply(outcome, tag: int) -> None:
    assert outcome.kind == "reply", outcome
    assert DEC(outcome.payload) == {"tag": tag, "y": tag * tag}


# -- basics --------------------------------------------------------------------------------


def test_compute_roundtrip_payload_and_arrays_arrive_intact(procs, clients):
    _, fe, be = procs.broker()
    procs.worker(be, "stats", "tests.kit.compute_handlers:array_stats")
    client = clients(fe)
    wait_workers(client, "stats", 1)
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    b = np.array([True, False, True])
    c = np.array(7, dtype=np.int32)  # 0-d
    client.submit("r1", "stats", ENC(None), [a, b, c])
    outcome = client.wait("r1", 10)
    assert outcome.kind == "reply", outcome
    assert DEC(outcome.payload) == {"sums": [66.0, 2.0, 7.0]}
    np.testing.assert_array_equal(outcome.arrays[0], a * 2)
    np.testing.assert_array_equal(outcome.arrays[1], b * 2)
    assert outcome.arrays[2].shape == () and outcome.arrays[2] == 14
    assert not outcome.arrays[0].flags.writeable  # a view on the received frame


def test_compute_handler_exception_becomes_error_with_message(procs, clients):
    _, fe, be = procs.broker()
    worker = procs.worker(be, "fail", "tests.kit.compute_handlers:fail")
    client = clients(fe)
    wait_workers(client, "fail", 1)
    client.submit("r1", "fail", ENC({"x": 1}), [])
    outcome = client.wait("r1", 10)
    assert outcome.kind == "error"
    assert outcome.message == "ValueError: cannot compute {'x': 1}"
    client.submit("r2", "fail", ENC(2), [])  # the worker survived
    assert client.wait("r2", 10).message == "ValueError: cannot compute 2"
    assert worker.poll() is None


# -- worker death --------------------------------------------------------------------------


def _worker_death(procs, clients, tmp_path, n_requests: int, kill_every: int, seed: int):
    log_dir = tmp_path / "exec"
    log_dir.mkdir()
    env = {"FLOTILLA_TEST_EXEC_LOG": str(log_dir), "FLOTILLA_TEST_DELAY_MS": "0,4"}
    _, fe, be = procs.broker(
        "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "--liveness", "3", "--max-retries", "10"
    )
    workers = [procs.worker(be, "square", SQUARE, env=env) for _ in range(2)]
    client = clients(fe)
    wait_workers(client, "square", 2)
    rng = random.Random(seed)
    killed: set[int] = set()
    next_kill = [kill_every]

    def chaos(outcomes):
        if len(outcomes) >= next_kill[0] and len(outcomes) < n_requests:
            next_kill[0] += kill_every
            victim = rng.randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait(10)
            killed.add(workers[victim].pid)
            workers[victim] = procs.worker(be, "square", SQUARE, env=env)

    for tag in range(n_requests):
        client.submit(f"q-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
    outcomes = collect(client, n_requests, 90, chaos)
    assert len(killed) == n_requests // kill_every - (n_requests % kill_every == 0)
    for tag in range(n_requests):
        assert_square_reply(outcomes[f"q-{tag}"], tag)
    ran = executions(log_dir)
    assert sorted(ran) == list(range(n_requests))
    for tag, pids in ran.items():
        # executed once, plus once more per death of a worker that held it
        assert len(pids) - 1 <= sum(1 for pid in pids if pid in killed), (tag, pids, killed)
    metrics = client.metrics()
    assert metrics.counters["workers_purged"] >= len(killed)
    assert metrics.counters["worker_lost"] == 0

    def duplicates_accounted():
        # every answer beyond the first per request reached the client and was dropped
        assert client.poll() == []
        m = client.metrics().counters
        return client.duplicates_dropped == m["replies"] + m["late_replies"] - n_requests

    eventually(duplicates_accounted, 10)


def test_compute_worker_sigkill_every_200_of_1000_all_answered_once(procs, clients, tmp_path):
    # ~2 s on a 2-core machine: no slow variant needed
    _worker_death(procs, clients, tmp_path, 1000, 200, seed=7)


def test_compute_frozen_worker_purged_and_its_late_reply_dropped_as_duplicate(procs, clients):
    # SIGSTOP freezes the busy worker (heartbeat thread included): the broker purges it after
    # 300 ms and re-queues; a second worker answers; after SIGCONT the first answers late.
    _, fe, be = procs.broker()
    frozen = procs.worker(be, "square", SQUARE, env={"FLOTILLA_TEST_SLOW_FIRST_MS": "500"})
    client = clients(fe)
    wait_workers(client, "square", 1)
    client.submit("q-5", "square", ENC({"tag": 5, "x": 5}), [])
    eventually(lambda: client.metrics().services["square"]["in_flight"] == 1)
    frozen.send_signal(signal.SIGSTOP)
    try:
        procs.worker(be, "square", SQUARE)
        outcome = client.wait("q-5", 10)
        assert_square_reply(outcome, 5)
        assert client.metrics().counters["retries"] == 1
    finally:
        frozen.send_signal(signal.SIGCONT)
    eventually(lambda: client.poll() == [] and client.duplicates_dropped == 1, 10)
    metrics = client.metrics()
    assert metrics.counters["late_replies"] == 1
    assert metrics.counters["replies"] == 1
    eventually(lambda: client.metrics().services["square"]["workers"] == 2)  # it rejoined


# -- broker outage -------------------------------------------------------------------------


def test_compute_broker_outage_2s_every_request_ends_within_bound(procs, clients):
    bound = 12.0
    broker, fe, be = procs.broker()
    env = {"FLOTILLA_TEST_DELAY_MS": "5,15"}
    procs.worker(be, "square", SQUARE, env=env)
    procs.worker(be, "square", SQUARE, env=env)
    client = clients(fe, request_timeout_secs=bound)
    wait_workers(client, "square", 2)
    started = time.monotonic()
    for tag in range(200):
        client.submit(f"q-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
    outages = []

    def outage(outcomes):
        if len(outcomes) >= 40 and not outages:
            broker.send_signal(signal.SIGKILL)
            broker.wait(10)
            outages.append(time.monotonic())
            time.sleep(2.0)
            outages.append(procs.broker(fe, be)[0])

    outcomes = collect(client, 200, bound + 5, outage)
    assert time.monotonic() - started < bound + 2
    assert len(outages) == 2
    assert client.outstanding == 0
    replies = [o for o in outcomes.values() if o.kind == "reply"]
    errors = [o for o in outcomes.values() if o.kind != "reply"]
    assert len(replies) + len(errors) == 200
    for outcome in replies:
        tag = int(outcome.request_id.split("-")[1])
        assert_square_reply(outcome, tag)
    assert all(o.kind in ("timeout", "broker_lost", "worker_lost") for o in errors)
    assert client.broker_restarts == 1
    assert len(replies) >= 160  # resent after the restart, not just timed out


# -- backpressure --------------------------------------------------------------------------


def _backpressure(procs, clients, n: int):
    broker, fe, be = procs.broker(
        "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "--max-queue", "50", "--hwm", "100"
    )
    procs.worker(be, "square", SQUARE, env={"FLOTILLA_TEST_DELAY_MS": "1,1"})
    client = clients(fe, sndhwm=1000)
    wait_workers(client, "square", 1)
    outcomes = {}
    peak_rss = 0
    broker_ps = psutil.Process(broker.pid)
    for tag in range(n):
        client.submit(f"q-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
        if tag % 500 == 0:
            for outcome in client.poll():
                outcomes[outcome.request_id] = outcome
            peak_rss = max(peak_rss, broker_ps.memory_info().rss)
    rest = collect(client, n - len(outcomes), 120)
    assert not set(rest) & set(outcomes)
    outcomes.update(rest)
    peak_rss = max(peak_rss, broker_ps.memory_info().rss)
    kinds = {}
    for outcome in outcomes.values():
        kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
    assert set(kinds) <= {"reply", "rejected"}
    assert kinds["reply"] + kinds["rejected"] == n  # sent = replied + rejected
    assert kinds["rejected"] > n // 2  # the sender saw backpressure
    metrics = client.metrics()
    assert metrics.counters["requests"] == client.sent
    assert (
        metrics.counters["requests"] == metrics.counters["replies"] + metrics.counters["rejected"]
    )
    assert metrics.counters["undeliverable"] == 0
    assert client.rejected_locally + metrics.counters["rejected"] == kinds["rejected"]
    assert peak_rss < 200 * 1024 * 1024, peak_rss


def test_compute_backpressure_100k_requests_sent_equals_replied_plus_rejected_rss_below_200mb(
    procs, clients
):
    # ~2 s on a 2-core machine: no slow variant needed
    _backpressure(procs, clients, 100_000)


# -- hostile input -------------------------------------------------------------------------

MAX_MESSAGE = 65_536


def _valid_request(tag: int, arrays=()) -> list[bytes]:
    metas, buffers = p.array_frames(arrays)
    return [
        p.encode(p.Request(1, f"h-{tag}", "square", ENC({"tag": tag, "x": tag}), metas)),
        *[bytes(b) for b in buffers],
    ]


def _malformed():
    from hypothesis import strategies as st

    good = p.encode(p.Request(1, "r", "square", ENC({"tag": 1, "x": 1}), []))
    with_array = _valid_request(1, [np.arange(4, dtype=np.int64)])
    return st.one_of(
        st.integers(-(2**63), 2**63 - 1)
        .filter(lambda v: v != 1)
        .map(lambda v: [ENC(["request", v, "r", "square", b"", []])]),
        st.text(max_size=20)
        .filter(
            lambda k: (
                k
                not in (
                    "request",
                    "reply",
                    "error",
                    "heartbeat",
                    "ready",
                    "disconnect",
                    "metrics_request",
                    "metrics",
                )
            )
        )
        .map(lambda k: [ENC([k, 1, "r"])]),
        st.integers(0, 3)
        .filter(lambda n: n != 1)
        .map(lambda n: [with_array[0]] + [with_array[1]] * n),
        st.lists(st.binary(max_size=64), min_size=1, max_size=3).map(lambda extra: [good, *extra]),
        st.integers(1, len(good) - 1).map(lambda cut: [good[:cut]]),
        st.integers(MAX_MESSAGE + 1, 2 * MAX_MESSAGE - 64).map(
            lambda size: [p.encode(p.Request(1, "r", "square", b"\x00" * size, []))]
        ),
        st.binary(min_size=0, max_size=200)
        .filter(
            lambda b: (
                b[:1]
                not in (b"\x95", b"\x96", b"\x97", b"\x94", b"\x93", b"\x92", b"\x91", b"\x98")
            )
        )
        .map(lambda b: [b]),
        st.sampled_from(["|O", "|V8", "<U4", "f8", "xx", "<m8[s]"]).map(
            lambda dt: [ENC(["request", 1, "r", "square", b"", [[dt, [1]]]]), b"\x00" * 8]
        ),
        st.integers(0, 100)
        .filter(lambda n: n != 32)
        .map(lambda n: [ENC(["request", 1, "r", "square", b"", [["<i8", [4]]]]), b"\x00" * n]),
        st.sampled_from(["reply", "ready", "disconnect"]).map(
            lambda k: [
                p.encode(
                    {
                        "reply": p.Reply(1, "r", b"", []),
                        "ready": p.Ready(1, "square", 1),
                        "disconnect": p.Disconnect(1, "x"),
                    }[k]
                )
            ]
        ),
    )


def _hostile(procs, clients, examples: int):
    from hypothesis import HealthCheck, given, settings

    _, fe, be = procs.broker(
        "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "--max-message-bytes", str(MAX_MESSAGE)
    )
    procs.worker(be, "square", SQUARE)
    good = clients(fe)
    wait_workers(good, "square", 1)
    context = zmq.Context.instance()
    hostile = context.socket(zmq.DEALER)
    hostile.identity = b"hostile-1"
    hostile.linger = 0
    hostile.sndtimeo = 10_000  # a dead broker fails the test instead of hanging it
    hostile.connect(fe)
    sent = [0]
    good_replies = []
    stop = threading.Event()

    def well_formed_client():
        client = ZmqComputeBackend(fe, heartbeat_interval_ms=100)
        try:
            tag = 0
            while not stop.is_set():
                client.submit(f"g-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
                outcome = client.wait(f"g-{tag}", 10)
                good_replies.append((tag, outcome))
                tag += 1
        finally:
            client.close()

    thread = threading.Thread(target=well_formed_client, daemon=True)
    thread.start()

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(_malformed())
    def send(frames):
        hostile.send_multipart(frames)
        sent[0] += 1
        while hostile.poll(0):
            hostile.recv_multipart()

    send()
    stop.set()
    thread.join(20)
    peer = b"hostile-1".hex()
    eventually(lambda: good.metrics().protocol_errors_by_peer.get(peer, 0) >= sent[0], 60)
    metrics = good.metrics()
    assert metrics.protocol_errors_by_peer == {peer: sent[0]}
    assert metrics.counters["protocol_errors"] == sent[0]
    assert metrics.counters["internal_errors"] == 0
    assert len(good_replies) > 0
    for tag, outcome in good_replies:
        assert_square_reply(outcome, tag)
    hostile.close(0)


def test_compute_10k_hostile_frames_counted_no_crash_good_client_served(procs, clients):
    # ~7 s on a 2-core machine: no slow variant needed
    _hostile(procs, clients, 10_000)


# -- security ------------------------------------------------------------------------------


def test_compute_non_loopback_bind_without_keys_is_refused():
    with pytest.raises(
        ConfigError,
        match=r"BrokerConfig.frontend: binding 'tcp://0.0.0.0:5555' \(not loopback\) without CURVE keys is refused",
    ):
        BrokerConfig(frontend="tcp://0.0.0.0:5555")
    with pytest.raises(ConfigError, match="BrokerConfig.backend"):
        BrokerConfig(backend="tcp://*:5556")
    BrokerConfig(frontend="tcp://[::1]:5555", backend="ipc:///tmp/x")  # loopback: fine


def test_compute_cli_broker_refuses_public_bind_without_keys(procs):
    proc = procs.flotilla("cluster", "compute", "broker", "--frontend", "tcp://0.0.0.0:0")
    assert proc.wait(20) == 1
    assert "without CURVE keys is refused" in Path(proc.log_path).read_text()


def test_compute_curve_unknown_client_key_gets_nothing_processed(procs, tmp_path, clients):
    keys = tmp_path / "keys"
    for name in ("broker", "worker", "node", "intruder"):
        assert procs.flotilla("keys", "--dir", str(keys), name).wait(20) == 0
    config = tmp_path / "compute.toml"
    config.write_text(
        f'[broker]\nfrontend = "tcp://127.0.0.1:*"\nbackend = "tcp://127.0.0.1:*"\n'
        f'heartbeat_interval_ms = 100\ncurve_secret_key_file = "{keys}/broker.key_secret"\n'
        f'allowed_client_keys = ["{keys}/node.key"]\nallowed_worker_keys = ["{keys}/worker.key"]\n'
    )
    ready = tmp_path / "ready"
    procs.flotilla(
        "cluster", "compute", "broker", "--config", str(config), "--ready-file", str(ready)
    )
    eventually(ready.exists, 20)
    fe, be = ready.read_text().split()
    log_dir = tmp_path / "exec"
    log_dir.mkdir()
    procs.worker(
        be,
        "square",
        SQUARE,
        "--curve-secret-key-file",
        f"{keys}/worker.key_secret",
        "--broker-public-key",
        f"{keys}/broker.key",
        env={"FLOTILLA_TEST_EXEC_LOG": str(log_dir)},
    )
    intruder = clients(
        fe,
        curve_secret_key_file=f"{keys}/intruder.key_secret",
        broker_public_key=f"{keys}/broker.key",
    )
    for tag in range(20):
        intruder.submit(f"i-{tag}", "square", ENC({"tag": 1000 + tag, "x": 1}), [])
    node = clients(
        fe, curve_secret_key_file=f"{keys}/node.key_secret", broker_public_key=f"{keys}/broker.key"
    )
    wait_workers(node, "square", 1)
    node.submit("n-1", "square", ENC({"tag": 1, "x": 1}), [])
    assert_square_reply(node.wait("n-1", 10), 1)
    time.sleep(1.0)
    assert intruder.poll() == [] and intruder.outstanding == 20
    metrics = node.metrics()
    assert metrics.counters["requests"] == 1
    assert metrics.counters["curve_denied"] >= 1
    ran = executions(log_dir)
    assert list(ran) == [1] and len(ran[1]) == 1  # nothing of the intruder's ran
    # a client's key is not a worker's: the backend's allow-list is its own
    denied = node.metrics().counters["curve_denied"]
    procs.worker(
        be,
        "square",
        SQUARE,
        "--curve-secret-key-file",
        f"{keys}/node.key_secret",
        "--broker-public-key",
        f"{keys}/broker.key",
    )
    eventually(lambda: node.metrics().counters["curve_denied"] > denied, 20)
    assert node.metrics().services["square"]["workers"] == 1
    assert node.metrics().counters["workers_registered"] == 1


# -- graceful drain and the CLI ------------------------------------------------------------


def test_compute_worker_sigterm_drains_in_flight_then_exits_0(procs, clients, tmp_path):
    log_dir = tmp_path / "exec"
    log_dir.mkdir()
    env = {"FLOTILLA_TEST_EXEC_LOG": str(log_dir), "FLOTILLA_TEST_DELAY_MS": "400,400"}
    _, fe, be = procs.broker()
    first = procs.worker(be, "square", SQUARE, env=env)
    client = clients(fe)
    wait_workers(client, "square", 1)
    for tag in range(3):
        client.submit(f"q-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
    eventually(lambda: (log_dir / f"{first.pid}.log").exists())
    first.send_signal(signal.SIGTERM)
    assert first.wait(15) == 0
    assert_square_reply(client.wait("q-0", 5), 0)  # answered before it left
    procs.worker(be, "square", SQUARE, env=env)
    outcomes = collect(client, 2, 20)
    assert_square_reply(outcomes["q-1"], 1)
    assert_square_reply(outcomes["q-2"], 2)
    assert {tag: len(pids) for tag, pids in executions(log_dir).items()} == {0: 1, 1: 1, 2: 1}


def test_compute_cli_cluster_up_serves_then_stops_cleanly_on_sigterm(procs, clients, tmp_path):
    config = tmp_path / "compute.toml"
    config.write_text(
        '[broker]\nfrontend = "tcp://127.0.0.1:*"\nbackend = "tcp://127.0.0.1:*"\n'
        "heartbeat_interval_ms = 100\n\n"
        f'[[workers]]\nservice = "square"\nhandler = "{SQUARE}"\ncount = 2\n'
    )
    ready = tmp_path / "ready"
    up = procs.flotilla("cluster", "compute", "up", str(config), "--ready-file", str(ready))
    eventually(ready.exists, 30)
    client = clients(ready.read_text().split()[0])
    wait_workers(client, "square", 2, 30)
    for tag in range(50):
        client.submit(f"q-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
    outcomes = collect(client, 50, 20)
    for tag in range(50):
        assert_square_reply(outcomes[f"q-{tag}"], tag)
    up.send_signal(signal.SIGTERM)
    assert up.wait(30) == 0, Path(up.log_path).read_text()


def test_compute_cli_keys_writes_a_pair_and_refuses_to_overwrite(procs, tmp_path):
    assert procs.flotilla("keys", "--dir", str(tmp_path), "node").wait(20) == 0
    public, secret = zmq.auth.load_certificate(tmp_path / "node.key_secret")
    assert len(public) == 40 and len(secret) == 40
    assert oct(os.stat(tmp_path / "node.key_secret").st_mode & 0o777) == "0o600"
    again = procs.flotilla("keys", "--dir", str(tmp_path), "node")
    assert again.wait(20) == 1
    assert "exists" in Path(again.log_path).read_text()


# -- caps, expiry, idle services (issue 11.7) ------------------------------------------------


def _raw_client(endpoint: str, identity: bytes) -> zmq.Socket:
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.identity = identity
    sock.linger = 0
    sock.rcvtimeo = 20_000  # a dead broker fails the test instead of hanging it
    sock.connect(endpoint)
    return sock


def _until_heartbeat(sock: zmq.Socket) -> list:
    """Send a heartbeat and return every message the broker sent before its answer (the
    broker answers one peer in order, so nothing decided earlier can arrive later)."""
    sock.send(p.encode(p.Heartbeat(1, "")))
    before = []
    while True:
        message, _ = p.decode_message(sock.recv_multipart())
        if type(message) is p.Heartbeat:
            return before
        before.append(message)


def test_compute_caps_per_service_and_total_reject_with_reason_counter_and_log(procs, clients):
    broker, fe, be = procs.broker(
        "tcp://127.0.0.1:*",
        "tcp://127.0.0.1:*",
        *("--max-queue", "5", "--max-queue-bytes", "4096", "--max-message-bytes", "4096"),
        *("--max-total-queue", "8", "--max-total-queue-bytes", "8192"),
    )
    client = clients(fe)
    small = ENC({"tag": 0, "x": 0})
    for tag in range(6):  # no worker yet: 5 wait, the 6th is over the service's count cap
        client.submit(f"a-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
    assert client.wait("a-5", 10).kind == "rejected"
    big = np.zeros(3000, dtype=np.uint8)
    client.submit("b-0", "bytes", small, [big])
    client.submit("b-1", "bytes", small, [big])  # 2 x 3000 B > 4096 B for one service
    outcome = client.wait("b-1", 10)
    assert outcome.kind == "rejected"
    assert "service 'bytes' full" in outcome.message and "max_queue_bytes=4096" in outcome.message
    client.submit("c-0", "other", small, [])
    client.submit("c-1", "other", small, [])  # 5 + 1 + 2 = 8 requests held: the total cap
    client.submit("d-0", "more", small, [])
    outcome = client.wait("d-0", 10)
    assert outcome.kind == "rejected" and "max_total_queue=8" in outcome.message
    metrics = client.metrics()
    counters = metrics.counters
    assert counters["rejected"] == 3
    assert counters["rejected_service_full"] == 2
    assert counters["rejected_broker_full"] == 1
    assert counters["held"] == 8 and counters["held_bytes"] <= 8192
    assert metrics.services["bytes"]["held_bytes"] <= 4096
    log = Path(broker.log_path).read_text()
    assert log.count("flotilla broker: rejected request") == 3, log
    # a worker appears: what was held is served, nothing lost
    procs.worker(be, "square", SQUARE)
    outcomes = collect(client, 5, 20)
    for tag in range(5):
        assert_square_reply(outcomes[f"a-{tag}"], tag)


def test_compute_queued_request_expires_at_its_deadline_and_its_service_is_forgotten(
    procs, clients
):
    broker, fe, _ = procs.broker(
        "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "--queue-timeout-ms", "300"
    )
    client = clients(fe)
    client.submit("q-0", "nobody", ENC(1), [np.zeros(1000, dtype=np.uint8)])
    outcome = client.wait("q-0", 20)
    assert outcome.kind == "timeout"
    assert "no worker of service 'nobody' took the request before its deadline" in outcome.message
    # a request's own deadline (timeout_ms) is shorter than the broker's 300 ms... or longer
    raw = _raw_client(fe, b"raw-1")
    raw.send(p.encode(p.Request(1, "own", "nobody2", ENC(1), [], timeout_ms=50)))
    answer, _ = p.decode_message(raw.recv_multipart())
    assert (answer.request_id, answer.error_kind) == ("own", "timeout")
    raw.close(0)
    metrics = client.metrics()
    assert metrics.counters["expired"] == 2
    assert metrics.counters["held"] == 0 and metrics.counters["held_bytes"] == 0
    eventually(lambda: client.metrics().services == {}, 20)  # idle, no workers: forgotten
    assert client.metrics().counters["services_forgotten"] == 2
    assert "expired in the queue" in Path(broker.log_path).read_text()


def test_compute_made_up_services_cannot_lock_out_a_real_worker(procs, clients):
    broker, fe, be = procs.broker(
        "tcp://127.0.0.1:*",
        "tcp://127.0.0.1:*",
        "--max-services",
        "10",
        "--queue-timeout-ms",
        "300",
    )
    client = clients(fe)
    for i in range(30):
        client.submit(f"m-{i}", f"made-up-{i}", ENC(i), [])
    outcomes = collect(client, 30, 30)
    kinds = sorted(o.kind for o in outcomes.values())
    assert kinds == ["rejected"] * 20 + ["timeout"] * 10
    assert client.metrics().counters["rejected_too_many_services"] == 20
    eventually(lambda: client.metrics().services == {}, 20)
    for i in range(10):  # the table is full again, of made-up names
        client.submit(f"n-{i}", f"made-up-{i}", ENC(i), [])
    procs.worker(be, "square", SQUARE)  # a worker's service is accepted all the same
    wait_workers(client, "square", 1)
    client.submit("real", "square", ENC({"tag": 3, "x": 3}), [])
    assert_square_reply(client.wait("real", 20), 3)


# -- worker authentication (issue 11.7) -------------------------------------------------------


def test_compute_fake_worker_without_token_registers_nothing_and_forged_replies_never_arrive(
    procs, clients
):
    broker, fe, be = procs.broker()
    procs.worker(be, "square", SQUARE)
    client = clients(fe)
    wait_workers(client, "square", 1)
    # the victim's request waits in the queue of a service nobody serves
    victim = _raw_client(fe, b"victim")
    victim.send(p.encode(p.Request(1, "v-1", "pending", ENC(1), [])))
    eventually(lambda: client.metrics().services.get("pending", {}).get("queue_depth") == 1)
    fake = _raw_client(be, b"fake-worker")
    for token in ("", "wrong-token-0123456789"):
        fake.send_multipart([b"", p.encode(p.Ready(1, "pending", 1, token))])
        message, _ = p.decode_message(fake.recv_multipart()[1:])
        assert message == p.Disconnect(1, "refused: worker token mismatch")
    forged = p.encode(p.Reply(1, "v-1", ENC("forged"), []))
    fake.send_multipart([b"victim", forged])
    eventually(lambda: client.metrics().counters["unregistered_answers"] == 1)
    assert _until_heartbeat(victim) == []  # nothing forged reached the victim
    metrics = client.metrics()
    assert metrics.counters["workers_refused"] == 2
    assert metrics.services["pending"]["workers"] == 0
    assert metrics.services["square"]["workers"] == 1
    client.submit("r-1", "square", ENC({"tag": 2, "x": 2}), [])  # the real worker still serves
    assert_square_reply(client.wait("r-1", 20), 2)
    log = Path(broker.log_path).read_text()
    assert log.count("flotilla broker: refused worker") == 2
    assert "dropped an answer to request 'v-1'" in log
    fake.close(0)
    victim.close(0)


def test_compute_worker_with_wrong_token_exits_1_with_one_line(procs, clients):
    _, fe, be = procs.broker()
    worker = procs.worker(
        be, "square", SQUARE, env={"FLOTILLA_COMPUTE_TOKEN": "not-the-token-0123456789"}
    )
    assert worker.wait(30) == 1
    lines = Path(worker.log_path).read_text().strip().splitlines()
    assert len(lines) == 1 and "refused this worker (refused: worker token mismatch)" in lines[0]
    assert clients(fe).metrics().counters["workers_refused"] == 1


def test_compute_broker_without_any_worker_authentication_refuses_to_start(procs):
    proc = procs.flotilla(
        "cluster",
        "compute",
        "broker",
        "--frontend",
        "tcp://127.0.0.1:0",
        env={"FLOTILLA_COMPUTE_TOKEN": ""},
    )
    assert proc.wait(20) == 1
    lines = Path(proc.log_path).read_text().strip().splitlines()
    assert len(lines) == 1 and "no worker authentication configured" in lines[0]


# -- process lifetime: kill -9, busy ports, Ctrl-C (issue 11.8) -------------------------------


def _cluster_config(tmp_path: Path, frontend: str = "tcp://127.0.0.1:*", count: int = 2) -> Path:
    config = tmp_path / "compute-up.toml"
    config.write_text(
        f'[broker]\nfrontend = "{frontend}"\nbackend = "tcp://127.0.0.1:*"\n'
        f"heartbeat_interval_ms = {HEARTBEAT_MS}\nheartbeat_liveness = {LIVENESS}\n\n"
        f'[[workers]]\nservice = "square"\nhandler = "{SQUARE}"\ncount = {count}\n'
    )
    return config


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _start_up(procs, clients, tmp_path, count: int = 2):
    ready = tmp_path / "up.ready"
    up = procs.flotilla(
        "cluster",
        "compute",
        "up",
        str(_cluster_config(tmp_path, count=count)),
        "--ready-file",
        str(ready),
        new_session=True,
    )
    eventually(lambda: ready.exists() or up.poll() is not None, 30)
    assert up.poll() is None, Path(up.log_path).read_text()
    fe, be = ready.read_text().split()
    client = clients(fe)
    wait_workers(client, "square", count, 30)
    children = [c.pid for c in psutil.Process(up.pid).children()]
    assert len(children) == 1 + count
    return up, fe, be, children


def test_compute_cluster_up_sigkill_takes_broker_and_workers_down_and_frees_ports(
    procs, clients, tmp_path
):
    up, fe, be, children = _start_up(procs, clients, tmp_path)
    up.send_signal(signal.SIGKILL)
    up.wait(10)
    eventually(lambda: all(_gone(pid) for pid in children), 20)
    context = zmq.Context.instance()
    for endpoint in (fe, be):  # the ports are free: bind them again
        sock = context.socket(zmq.ROUTER)
        sock.linger = 0
        sock.bind(endpoint)
        sock.close(0)


def test_compute_second_broker_on_a_busy_port_exits_1_with_one_line(procs, tmp_path):
    _, fe, _ = procs.broker()
    second = procs.flotilla(
        "cluster", "compute", "broker", "--frontend", fe, "--backend", "tcp://127.0.0.1:*"
    )
    assert second.wait(20) == 1
    lines = Path(second.log_path).read_text().strip().splitlines()
    assert lines == [
        f"flotilla cluster: error: BrokerConfig.frontend: cannot bind '{fe}': address already "
        f"in use (is another broker running?)"
    ]
    up = procs.flotilla("cluster", "compute", "up", str(_cluster_config(tmp_path, frontend=fe)))
    assert up.wait(30) == 1
    lines = Path(up.log_path).read_text().strip().splitlines()
    assert len(lines) == 1 and f"cannot bind '{fe}': address already in use" in lines[0], lines


def test_compute_cluster_up_ctrl_c_prints_one_line_exits_130_children_gone(
    procs, clients, tmp_path
):
    up, _, _, children = _start_up(procs, clients, tmp_path)
    os.killpg(up.pid, signal.SIGINT)  # what a terminal's Ctrl-C does to the foreground job
    assert up.wait(30) == 130, Path(up.log_path).read_text()
    assert Path(up.log_path).read_text().splitlines() == ["flotilla cluster compute: interrupted"]
    assert all(_gone(pid) for pid in children)


def test_compute_cluster_up_ctrl_c_while_starting_prints_one_line_exits_130(procs, tmp_path):
    ready = tmp_path / "up.ready"
    up = procs.flotilla(
        "cluster",
        "compute",
        "up",
        str(_cluster_config(tmp_path)),
        "--ready-file",
        str(ready),
        new_session=True,
    )
    eventually(lambda: ready.exists() or up.poll() is not None, 30)
    os.killpg(up.pid, signal.SIGINT)  # workers are still importing their handlers
    assert up.wait(30) == 130, Path(up.log_path).read_text()
    assert Path(up.log_path).read_text().splitlines() == ["flotilla cluster compute: interrupted"]


@pytest.mark.parametrize("concurrency", ["1", "2"])
def test_compute_worker_ctrl_c_prints_one_line_exits_130(procs, clients, concurrency):
    _, fe, be = procs.broker()
    worker = procs.flotilla(
        "worker",
        "--broker",
        be,
        "--service",
        "square",
        "--handler",
        SQUARE,
        "--concurrency",
        concurrency,
        new_session=True,
    )
    wait_workers(clients(fe), "square", int(concurrency))
    os.killpg(worker.pid, signal.SIGINT)
    assert worker.wait(30) == 130, Path(worker.log_path).read_text()
    assert Path(worker.log_path).read_text().splitlines() == ["flotilla worker: interrupted"]


def test_compute_broker_ctrl_c_prints_one_line_exits_130(procs):
    ready = procs.tmp_path / "b.ready"
    broker = procs.flotilla(
        "cluster",
        "compute",
        "broker",
        "--frontend",
        "tcp://127.0.0.1:*",
        "--backend",
        "tcp://127.0.0.1:*",
        "--ready-file",
        str(ready),
        new_session=True,
    )
    eventually(ready.exists, 20)
    os.killpg(broker.pid, signal.SIGINT)
    assert broker.wait(20) == 130, Path(broker.log_path).read_text()
    lines = Path(broker.log_path).read_text().splitlines()
    assert lines == ["flotilla cluster compute broker: interrupted"]


# -- flotilla worker --concurrency / --credit (issue 11.13) -----------------------------------


def test_compute_worker_concurrency_3_serves_from_3_processes_and_drains_on_sigterm(
    procs, clients, tmp_path
):
    log_dir = tmp_path / "exec"
    log_dir.mkdir()
    gate = tmp_path / "gate"
    _, fe, be = procs.broker()
    worker = procs.worker(
        be,
        "square",
        "tests.kit.compute_handlers:gated",
        "--concurrency",
        "3",
        env={"FLOTILLA_TEST_EXEC_LOG": str(log_dir), "FLOTILLA_TEST_GATE": str(gate)},
    )
    client = clients(fe)
    wait_workers(client, "square", 3)
    for tag in range(3):
        client.submit(f"q-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
    # credit 1 each: the three requests are held by three different processes at once
    eventually(lambda: len(executions(log_dir)) == 3)
    gate.touch()
    outcomes = collect(client, 3, 20)
    for tag in range(3):
        assert_square_reply(outcomes[f"q-{tag}"], tag)
    pids = {pid for pids in executions(log_dir).values() for pid in pids}
    children = {c.pid for c in psutil.Process(worker.pid).children()}
    assert len(pids) == 3 and pids == children
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert all(_gone(pid) for pid in children)


@pytest.mark.parametrize("credit", [1, 4])
def test_compute_worker_credit_is_how_many_requests_the_broker_sends_ahead(
    procs, clients, tmp_path, credit
):
    gate = tmp_path / "gate"
    _, fe, be = procs.broker()
    procs.worker(
        be,
        "square",
        "tests.kit.compute_handlers:gated",
        "--credit",
        str(credit),
        env={"FLOTILLA_TEST_GATE": str(gate)},
    )
    client = clients(fe)
    wait_workers(client, "square", 1)
    for tag in range(10):
        client.submit(f"q-{tag}", "square", ENC({"tag": tag, "x": tag}), [])
    # the handler holds the first request until the gate opens: nothing can race here
    eventually(lambda: client.metrics().services["square"]["in_flight"] == credit)
    assert client.metrics().services["square"] == {
        "queue_depth": 10 - credit,
        "held_bytes": client.metrics().services["square"]["held_bytes"],
        "in_flight": credit,
        "workers": 1,
    }
    gate.touch()
    outcomes = collect(client, 10, 30)
    for tag in range(10):
        assert_square_reply(outcomes[f"q-{tag}"], tag)
