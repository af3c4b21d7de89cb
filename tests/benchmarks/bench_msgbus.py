"""Benchmark the MessageBus fast paths against a plain-Python bus measured in the same run.

Run: ``python tests/benchmarks/bench_msgbus.py`` (a script, not a pytest test). Each case is
driven from a plain Python ``for`` loop with pre-bound methods; the figure is the best of
5 repeats of ``N`` iterations.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import Cython  # noqa: E402

from core.common.clock import TestClock  # noqa: E402
from core.common.msgbus import MessageBus  # noqa: E402
from core.model.identifiers import TraderId  # noqa: E402

N = 1_000_000
REPEATS = 5
TARGETS = {"publish": 4e6, "send": 8e6}
TOPIC = "data.quotes.SIM.EURUSD"
ENDPOINT = "ExecEngine.execute"


class PyBus:
    """The minimal pure-Python baseline: a dict of handler lists, exact topics only."""

    def __init__(self):
        self._subs = {}
        self._endpoints = {}

    def subscribe(self, topic, handler):
        self._subs.setdefault(topic, []).append(handler)

    def publish(self, topic, msg):
        for handler in self._subs.get(topic, ()):
            handler(msg)

    def register(self, endpoint, handler):
        self._endpoints[endpoint] = handler

    def send(self, endpoint, msg):
        self._endpoints[endpoint](msg)


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _handler(msg):
    return None


def _handler2(msg):
    return None


def _handler3(msg):
    return None


def _rate(call, arg):
    msg = object()
    best = 0.0
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(N):
            call(arg, msg)
        best = max(best, N / (time.perf_counter() - start))
    return best


def main():
    print("== bench_msgbus")
    print(f"date      {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}")
    print(f"platform  {platform.platform()}")
    print(f"cpu       {_cpu_model()} ({os.cpu_count()} cores)")
    print(f"python    {sys.version.split()[0]}  cython {Cython.__version__}")
    print(f"method    best of {REPEATS} x {N:,} iterations, Python for-loop, pre-bound methods")
    print()

    trader_id = TraderId("TRADER-001")
    cases = []

    bus1, py1 = MessageBus(trader_id, TestClock()), PyBus()
    for bus in (bus1, py1):
        bus.subscribe(TOPIC, _handler)
    cases.append(("publish, 1 subscriber", "publish", bus1.publish, py1.publish, TOPIC))

    bus3, py3 = MessageBus(trader_id, TestClock()), PyBus()
    for bus in (bus3, py3):
        for handler in (_handler, _handler2, _handler3):
            bus.subscribe(TOPIC, handler)
    cases.append(("publish, 3 subscribers", None, bus3.publish, py3.publish, TOPIC))

    bus_p, py_p = MessageBus(trader_id, TestClock()), PyBus()
    bus_p.subscribe("data.quotes.*", _handler)
    py_p.subscribe(TOPIC, _handler)  # the baseline has no patterns: exact topic
    cases.append(("publish, '*' pattern", "publish", bus_p.publish, py_p.publish, TOPIC))

    bus_s, py_s = MessageBus(trader_id, TestClock()), PyBus()
    for bus in (bus_s, py_s):
        bus.register(ENDPOINT, _handler)
    cases.append(("send, registered endpoint", "send", bus_s.send, py_s.send, ENDPOINT))

    print(f"{'case':28s} {'flotilla':>12s} {'py baseline':>12s} {'ratio':>7s}  target")
    misses = 0
    for label, target_key, call, baseline, arg in cases:
        rate = _rate(call, arg)
        base = _rate(baseline, arg)
        verdict = ""
        if target_key is not None:
            target = TARGETS[target_key]
            ok = rate >= target
            misses += not ok
            verdict = f">= {target / 1e6:.0f} M/s {'PASS' if ok else 'MISS'}"
        print(
            f"{label:28s} {rate / 1e6:9.2f} M/s {base / 1e6:9.2f} M/s {rate / base:6.2f}x  {verdict}"
        )
    print()
    print(
        f"targets: publish >= {TARGETS['publish'] / 1e6:.0f} M/s, send >= "
        f"{TARGETS['send'] / 1e6:.0f} M/s; {'all PASS' if not misses else f'{misses} MISS'}"
    )
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
