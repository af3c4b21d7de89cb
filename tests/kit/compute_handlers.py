"""Compute handlers the compute tests run in worker processes (``tests.kit.compute_handlers:X``).

Environment knobs (read per call, so one module serves every scenario):

* ``FLOTILLA_TEST_EXEC_LOG``: a directory; each execution appends ``<request tag>`` to
  ``<dir>/<pid>.log`` (counts executions per request across worker deaths);
* ``FLOTILLA_TEST_DELAY_MS``: ``"lo,hi"``, sleep a random time in [lo, hi] ms per request;
* ``FLOTILLA_TEST_SLOW_FIRST_MS``: sleep this long on this process's first request only.
"""

from __future__ import annotations

import os
import random
import time

import msgspec
import numpy as np

_state = {"calls": 0, "rng": None}


class Signal(msgspec.Struct):
    tag: int
    closes: list[float]


def _knobs(tag) -> None:
    _state["calls"] += 1
    log_dir = os.environ.get("FLOTILLA_TEST_EXEC_LOG")
    if log_dir:
        with open(os.path.join(log_dir, f"{os.getpid()}.log"), "a") as handle:
            handle.write(f"{tag}\n")
    slow_first = os.environ.get("FLOTILLA_TEST_SLOW_FIRST_MS")
    if slow_first and _state["calls"] == 1:
        time.sleep(int(slow_first) / 1000)
    delay = os.environ.get("FLOTILLA_TEST_DELAY_MS")
    if delay:
        if _state["rng"] is None:
            _state["rng"] = random.Random(os.getpid())
        lo, hi = (int(x) for x in delay.split(","))
        time.sleep(_state["rng"].uniform(lo, hi) / 1000)


def echo(payload, arrays):
    """Return the payload and the arrays unchanged."""
    if arrays:
        return payload, list(arrays)
    return payload


def square(payload: dict, arrays):
    """``{"tag": t, "x": x}`` -> ``{"tag": t, "y": x * x}`` (logs and delays per the knobs)."""
    _knobs(payload["tag"])
    return {"tag": payload["tag"], "y": payload["x"] * payload["x"]}


def fail(payload, arrays):
    """Raise with a message naming the payload."""
    raise ValueError(f"cannot compute {payload!r}")


def array_stats(payload, arrays):
    """Return the sum of each array and the arrays doubled."""
    return {"sums": [float(a.sum()) for a in arrays]}, [a * 2 for a in arrays]


def momentum_signal(payload: Signal, arrays):
    """+1 if the mean of the last closes is below the last close, -1 otherwise (and knobs)."""
    _knobs(payload.tag)
    closes = np.asarray(payload.closes)
    return {"tag": payload.tag, "side": 1 if closes[-1] > closes.mean() else -1}


def gated(payload: dict, arrays):
    """`square`, but log, then wait (at most 60 s) until the file ``$FLOTILLA_TEST_GATE`` exists,
    so a test holds requests in a worker for as long as it needs, without timing."""
    _knobs(payload["tag"])  # logged on arrival, before the wait
    gate = os.environ["FLOTILLA_TEST_GATE"]
    deadline = time.monotonic() + 60
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.01)
    return {"tag": payload["tag"], "y": payload["x"] * payload["x"]}
