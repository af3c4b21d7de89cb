"""Benchmark of the compute offload: our broker against plain ZeroMQ baselines, same run.

* round trip (p50/p99) of a 64-byte echo: direct REQ/REP, a ``zmq.proxy`` ROUTER/DEALER broker
  with a Python echo worker, and our broker + worker + client backend (target <= 1.5x proxy);
* pipelined throughput of 64-byte requests with 1 and 2 workers (target >= 20,000 req/s)
  against ``zmq.proxy`` with one echo worker;
* a 1 MB numpy round trip through our broker against a raw PAIR echo (target <= 3x).

Every process is a separate OS process (spawn); the client runs in this one.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import msgspec  # noqa: E402
import numpy as np  # noqa: E402
import zmq  # noqa: E402

from tests.benchmarks._machine import header  # noqa: E402

PAYLOAD = b"x" * 64
TOKEN = "bench-token-0123456789abcdef"  # workers authenticate as in production
MB = np.random.default_rng(1).integers(0, 255, 1 << 20, dtype=np.uint8)


# -- baselines (child processes) -----------------------------------------------------------


def _rep_echo(endpoint, connect):
    sock = zmq.Context().socket(zmq.REP)
    (sock.connect if connect else sock.bind)(endpoint)
    while True:
        sock.send_multipart(sock.recv_multipart(copy=False), copy=False)


def _proxy(frontend, backend):
    ctx = zmq.Context()
    fe, be = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER)
    fe.bind(frontend)
    be.bind(backend)
    zmq.proxy(fe, be)


def _pair_echo(endpoint):
    sock = zmq.Context().socket(zmq.PAIR)
    sock.connect(endpoint)
    while True:
        sock.send(sock.recv(copy=False), copy=False)


def _broker(frontend, backend):
    from cluster.compute import Broker, BrokerConfig

    broker = Broker(
        BrokerConfig(frontend=frontend, backend=backend, hwm=100_000, worker_token=TOKEN)
    )
    broker.bind()
    broker.run()


def _worker(backend, credit):
    from cluster.compute import Worker, WorkerConfig

    Worker(
        WorkerConfig(
            broker=backend,
            service="echo",
            handler="cluster.compute.handlers:echo",
            credit=credit,
            token=TOKEN,
        )
    ).run()


def _start(target, *args):
    proc = mp.get_context("spawn").Process(target=target, args=args, daemon=True)
    proc.start()
    return proc


def _ports(n):
    ctx = zmq.Context.instance()
    socks = [ctx.socket(zmq.ROUTER) for _ in range(n)]
    ports = [s.bind_to_random_port("tcp://127.0.0.1") for s in socks]
    for s in socks:
        s.close(0)
    return [f"tcp://127.0.0.1:{p}" for p in ports]


def _percentiles(samples):
    us = np.array(samples) * 1e6
    return float(np.percentile(us, 50)), float(np.percentile(us, 99))


# -- measurements --------------------------------------------------------------------------


def rt_raw(sock, n, multipart):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        sock.send_multipart(multipart)
        sock.recv_multipart()
        times.append(time.perf_counter() - t)
    return times


def rt_ours(client, n, payload, arrays=()):
    times = []
    for i in range(n):
        t = time.perf_counter()
        client.submit(f"r{i}", "echo", payload, list(arrays))
        outcome = client.wait(f"r{i}", 10)
        times.append(time.perf_counter() - t)
        assert outcome.kind == "reply", outcome
    return times


def throughput_ours(client, n, window=500):
    payload = msgspec.msgpack.encode(PAYLOAD)
    sent = done = 0
    t = time.perf_counter()
    while done < n:
        while sent < n and sent - done < window:
            client.submit(f"t{sent}", "echo", payload, [])
            sent += 1
        outcomes = client.poll()
        done += len(outcomes)
        if not outcomes:
            client.socket.poll(1)
    return n / (time.perf_counter() - t)


def throughput_proxy(sock, n, window=500):
    sent = done = 0
    t = time.perf_counter()
    while done < n:
        while sent < n and sent - done < window:
            sock.send_multipart([b"", PAYLOAD])
            sent += 1
        sock.recv_multipart()
        done += 1
    return n / (time.perf_counter() - t)


def main() -> None:
    from cluster.compute import ZmqComputeBackend

    print(header("compute offload: broker vs zmq.proxy, pipelined throughput, 1 MB numpy"))
    n = 3000
    ctx = zmq.Context.instance()
    procs = []
    try:
        # all ports at once: a port handed back early could be taken before a child binds it
        direct, pfe, pbe, bfe, bbe = _ports(5)
        # direct REQ/REP
        procs.append(_start(_rep_echo, direct, False))
        req = ctx.socket(zmq.REQ)
        req.connect(direct)
        rt_raw(req, 200, [PAYLOAD])
        d50, d99 = _percentiles(rt_raw(req, n, [PAYLOAD]))
        req.close(0)

        # zmq.proxy ROUTER/DEALER + REP echo worker
        procs.append(_start(_proxy, pfe, pbe))
        procs.append(_start(_rep_echo, pbe, True))
        dealer = ctx.socket(zmq.DEALER)
        dealer.rcvhwm = 0  # a ROUTER drops replies to a peer at its high-water mark
        dealer.connect(pfe)
        rt_raw(dealer, 200, [b"", PAYLOAD])
        p50, p99 = _percentiles(rt_raw(dealer, n, [b"", PAYLOAD]))
        proxy_tp = throughput_proxy(dealer, 50_000)

        # ours: broker + 1 worker
        procs.append(_start(_broker, bfe, bbe))
        workers = [_start(_worker, bbe, 16)]
        client = ZmqComputeBackend(bfe)
        deadline = time.time() + 30
        while client.metrics().services.get("echo", {}).get("workers", 0) < 1:
            if time.time() > deadline:
                raise RuntimeError("worker did not register")
            time.sleep(0.05)
        payload = msgspec.msgpack.encode(PAYLOAD)
        rt_ours(client, 200, payload)
        o50, o99 = _percentiles(rt_ours(client, n, payload))
        tp1 = throughput_ours(client, 50_000)
        workers.append(_start(_worker, bbe, 16))
        while client.metrics().services["echo"]["workers"] < 2:
            time.sleep(0.05)
        tp2 = throughput_ours(client, 50_000)

        # 1 MB numpy: ours vs a raw PAIR echo
        pair = ctx.socket(zmq.PAIR)
        pair_ep = f"tcp://127.0.0.1:{pair.bind_to_random_port('tcp://127.0.0.1')}"
        procs.append(_start(_pair_echo, pair_ep))
        big_n = 300
        for _ in range(20):
            pair.send(MB, copy=False)
            pair.recv(copy=False)
        times = []
        for _ in range(big_n):
            t = time.perf_counter()
            pair.send(MB, copy=False)
            np.frombuffer(pair.recv(copy=False).buffer, dtype=np.uint8)
            times.append(time.perf_counter() - t)
        r50, r99 = _percentiles(times)
        empty = msgspec.msgpack.encode(None)
        rt_ours(client, 20, empty, [MB])
        m50, m99 = _percentiles(rt_ours(client, big_n, empty, [MB]))
        client.close()
        dealer.close(0)
        pair.close(0)
        procs.extend(workers)
    finally:
        for proc in procs:
            proc.kill()

    print(f"round trip, 64 B echo, {n} sequential requests (µs)")
    print(f"  direct REQ/REP                p50 {d50:8.1f}  p99 {d99:8.1f}")
    print(f"  zmq.proxy ROUTER/DEALER       p50 {p50:8.1f}  p99 {p99:8.1f}")
    print(f"  flotilla broker               p50 {o50:8.1f}  p99 {o99:8.1f}")
    print(
        f"  ratio flotilla / zmq.proxy    p50 {o50 / p50:8.2f}x p99 {o99 / p99:7.2f}x  (target <= 1.5x)"
    )
    print("pipelined throughput, 64 B requests, window 500 (req/s)")
    print(f"  zmq.proxy, 1 echo worker      {proxy_tp:10,.0f}")
    print(f"  flotilla, 1 worker            {tp1:10,.0f}  (target >= 20,000)")
    print(f"  flotilla, 2 workers           {tp2:10,.0f}")
    print(f"round trip, 1 MB uint8 array, {big_n} requests (µs)")
    print(f"  raw PAIR echo                 p50 {r50:8.1f}  p99 {r99:8.1f}")
    print(f"  flotilla broker               p50 {m50:8.1f}  p99 {m99:8.1f}")
    print(f"  ratio flotilla / PAIR         p50 {m50 / r50:8.2f}x  (target <= 3x)")


if __name__ == "__main__":
    main()
