"""Compute requests from the kernel: latency model, in-process backend, ComputeClient modes."""

import asyncio
import threading

import msgspec
import numpy as np
import pytest

from core.common.clock import LiveClock, TestClock
from core.common.compute import (
    ComputeBackend,
    ComputeClient,
    ComputeFailed,
    ComputeLatencyModel,
    ComputeOutcome,
    ComputeReply,
    InProcessComputeBackend,
    load_handler,
)
from core.errors import ConfigError, InvalidTypeError, ValidationError


class Point(msgspec.Struct):
    x: int
    y: int


def add(payload: Point, arrays):
    return {"sum": payload.x + payload.y}, [a + 1 for a in arrays]


def boom(payload, arrays):
    raise RuntimeError(f"no {payload}")


def test_latency_model_fixed_per_byte_and_seeded_jitter():
    assert ComputeLatencyModel.fixed(5).next_latency_ns(10**6) == 5
    assert ComputeLatencyModel(10, 0.5).next_latency_ns(7) == 13
    a = ComputeLatencyModel(0, jitter_ns=1000, seed=3)
    b = ComputeLatencyModel(0, jitter_ns=1000, seed=3)
    draws = [a.next_latency_ns(0) for _ in range(50)]
    assert draws == [b.next_latency_ns(0) for _ in range(50)]
    assert all(0 <= d <= 1000 for d in draws) and len(set(draws)) > 10
    fresh = a.copy()
    assert [fresh.next_latency_ns(0) for _ in range(3)] == draws[:3]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_latency_ns": -1}, "base_latency_ns: invalid value -1, expected an int >= 0"),
        ({"jitter_ns": 1.5}, "jitter_ns: invalid value 1.5"),
        ({"latency_per_byte_ns": float("nan")}, "latency_per_byte_ns: invalid value nan"),
    ],
)
def test_latency_model_bad_parameter_raises(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        ComputeLatencyModel(**kwargs)


def test_load_handler_bad_spec_raises_config_error():
    with pytest.raises(ConfigError, match="expected 'package.module:function'"):
        load_handler("no_colon")
    with pytest.raises(ConfigError, match="has no callable 'nope'"):
        load_handler("tests.unit.common.test_compute:nope")
    assert load_handler("tests.unit.common.test_compute:add") is add


def _client(backend, clock, **kwargs):
    events = []
    client = ComputeClient(backend, clock, "T.A", **kwargs)
    return client, events


def test_client_backtest_reply_delivered_at_request_time_plus_modelled_latency():
    clock = TestClock(1_000)
    backend = InProcessComputeBackend({"add": add})
    client, events = _client(backend, clock, latency_model=ComputeLatencyModel.fixed(500))
    rid = client.request("add", Point(x=2, y=3), events.append, [np.arange(3)], reply_type=dict)
    assert rid == "T.A-1" and events == []
    for handler in clock.advance_time(1_499):
        handler.handle()
    assert events == []
    for handler in clock.advance_time(1_500):
        clock.set_time(handler.event.ts_event)
        handler.handle()
    (event,) = events
    assert isinstance(event, ComputeReply)
    assert (event.payload, event.ts_request, event.ts_event) == ({"sum": 5}, 1_000, 1_500)
    np.testing.assert_array_equal(event.arrays[0], [1, 2, 3])
    assert client.pending_count == 0 and client.replies == 1


def test_client_backtest_handler_error_unknown_service_and_timeout_events():
    clock = TestClock(0)
    backend = InProcessComputeBackend({"boom": boom})
    client, events = _client(backend, clock, latency_model=ComputeLatencyModel.fixed(100))
    client.request("boom", 7, events.append)
    client.request("missing", 1, events.append)
    client.request("boom", 1, events.append, timeout_ns=50)  # modelled 100 > 50
    for handler in clock.advance_time(1_000):
        clock.set_time(handler.event.ts_event)
        handler.handle()
    kinds = [(e.request_id, e.kind, e.ts_event) for e in events]
    assert kinds == [
        ("T.A-3", "timeout", 50),
        ("T.A-1", "error", 100),
        ("T.A-2", "unknown_service", 100),
    ]
    assert events[1].message == "RuntimeError: no 7"
    assert "no handler for service 'missing'" in events[2].message
    assert backend.executed == 1  # the timed-out request was never sent


class _NeverAnswers(ComputeBackend):
    def __init__(self):
        self.cancelled = []

    def submit(self, request_id, service, payload, arrays):
        pass

    def poll(self):
        return []

    def wait(self, request_id, timeout_secs):
        return None

    def cancel(self, request_id):
        self.cancelled.append(request_id)


def test_client_backtest_lost_reply_becomes_timeout_after_wall_bound():
    clock = TestClock(0)
    backend = _NeverAnswers()
    client, events = _client(backend, clock, wait_timeout_secs=0.01)
    client.request("svc", 1, events.append)
    for handler in clock.advance_time(10**9):
        handler.handle()
    assert [e.kind for e in events] == ["timeout"]
    assert "wall time" in events[0].message and backend.cancelled == ["T.A-1"]


def test_client_request_bad_arguments_raise_naming_the_field():
    client, events = _client(InProcessComputeBackend({"add": add}), TestClock(0))
    with pytest.raises(ValidationError, match="request_compute.service: invalid value ''"):
        client.request("", 1, events.append)
    with pytest.raises(InvalidTypeError, match="request_compute.callback"):
        client.request("add", 1, None)
    with pytest.raises(ValidationError, match="request_compute.timeout_ns: invalid value 0"):
        client.request("add", 1, events.append, timeout_ns=0)
    with pytest.raises(InvalidTypeError, match=r"request_compute.arrays\[0\]"):
        client.request("add", 1, events.append, [[1, 2]])
    with pytest.raises(InvalidTypeError, match="request_compute.payload: cannot encode a ndarray"):
        client.request("add", np.zeros(2), events.append)
    assert client.requests == 0


class _ScriptedBackend(ComputeBackend):
    """Answers what the test pushes, including a duplicate."""

    def __init__(self):
        self.ready = []

    def submit(self, request_id, service, payload, arrays):
        pass

    def poll(self):
        out, self.ready = self.ready, []
        return out

    def cancel(self, request_id):
        pass


def test_client_live_poll_delivers_on_the_loop_thread_drops_duplicates_and_times_out():
    loop = asyncio.new_event_loop()
    clock = LiveClock(loop)
    backend = _ScriptedBackend()
    client, events = _client(backend, clock)
    threads = []

    def on_event(event):
        threads.append(threading.get_ident())
        events.append(event)

    async def scenario():
        first = client.request("svc", 1, on_event, timeout_ns=10_000_000_000)
        second = client.request("svc", 2, on_event, timeout_ns=20_000_000)  # 20 ms
        reply = ComputeOutcome(first, "reply", msgspec.msgpack.encode({"ok": True}))
        backend.ready = [reply, reply]
        assert client.poll() == 1
        await asyncio.sleep(0.1)
        backend.ready = [ComputeOutcome(second, "reply", b"\xc0")]  # after its timeout
        assert client.poll() == 0
        return first, second

    first, second = loop.run_until_complete(scenario())
    loop.close()
    assert [(type(e), e.request_id) for e in events] == [
        (ComputeReply, first),
        (ComputeFailed, second),
    ]
    assert events[0].payload == {"ok": True} and events[1].kind == "timeout"
    assert client.duplicates_dropped == 2
    assert set(threads) == {threading.get_ident()}
    assert clock.timer_count == 0  # the first request's timeout alert was cancelled


def test_in_process_backend_requires_handlers():
    with pytest.raises(ValidationError, match="expected a non-empty dict"):
        InProcessComputeBackend({})


def test_reply_type_mismatch_becomes_protocol_failure():
    clock = TestClock(0)
    client, events = _client(InProcessComputeBackend({"add": add}), clock)
    client.request("add", {"x": 1, "y": 2}, events.append, reply_type=list[int])
    for handler in clock.advance_time(10**9):
        handler.handle()
    assert events[0].kind == "protocol" and "reply does not match reply_type" in events[0].message
