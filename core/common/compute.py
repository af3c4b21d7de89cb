"""Heavy-compute requests from an actor: the backend protocol, the latency model and the client.

An actor hands maths too heavy for the kernel's thread to a `ComputeBackend` (another process,
normally: ``cluster.compute.ZmqComputeBackend``) and gets the answer back as an event on its
own thread. The kernel never blocks on the network in live mode; in a backtest the answer
enters the event stream at a modelled time, so results do not depend on worker speed:

| mode                      | request                          | reply delivered                  |
| ------------------------- | -------------------------------- | -------------------------------- |
| backtest (`TestClock`)    | submit; one-shot alert at        | when the alert fires; the        |
|                           | ``ts_request + modelled latency``| backend is waited for (bounded)  |
| live (any other clock)    | submit; optional timeout alert   | when `ComputeClient.poll` sees it|

Backtest determinism holds whatever the workers' speed, as long as each request is answered
within ``wait_timeout_secs`` of wall time. A request that never gets an answer (every worker
gone) yields a ``ComputeFailed(kind="timeout")`` at its modelled time, which is deterministic
only if it never gets one in any run: do not let a backtest depend on lost workers.

Payloads are msgspec-encodable values (structs, dicts, lists, numbers, strings) plus a list of
numpy arrays that travel as raw buffers. Both backends encode and decode the payload the same
way, so a strategy sees the same values in-process and through ZeroMQ.
"""

from __future__ import annotations

import importlib
import inspect
import random
import typing
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import numpy as np

from core.common.clock import TestClock
from core.errors import ConfigError, InvalidTypeError, ValidationError

__all__ = [
    "ComputeBackend",
    "ComputeClient",
    "ComputeFailed",
    "ComputeLatencyModel",
    "ComputeOutcome",
    "ComputeReply",
    "FAILURE_KINDS",
    "InProcessComputeBackend",
    "invoke_handler",
    "load_handler",
    "payload_nbytes",
    "split_result",
]

# Why a request failed (``ComputeFailed.kind``, ``ComputeOutcome.kind``).
FAILURE_KINDS = (
    "error",  # the handler raised; the message is its exception
    "timeout",  # no answer within the request's timeout (or the backtest's wall-clock bound)
    "worker_lost",  # its workers died more often than the broker's retry bound
    "rejected",  # backpressure: a queue or high-water mark is full; nothing was executed
    "unknown_service",  # no handler for the service (in-process backend)
    "protocol",  # a peer found the message malformed
    "broker_lost",  # the broker restarted more often than the client's resend bound
    "cancelled",  # the client cancelled it (e.g. the run ended)
)

_ENCODER = msgspec.msgpack.Encoder()
_ANY_DECODER = msgspec.msgpack.Decoder()


class ComputeReply(msgspec.Struct, frozen=True):
    """A compute request's answer, delivered to the requesting actor.

    Parameters
    ----------
    request_id : str
    service : str
    payload : object
        The handler's result, decoded as the request's ``reply_type``.
    arrays : list[numpy.ndarray]
        The arrays the handler returned (read-only when they came over the network).
    ts_request : int
        When the request was made (UNIX ns, the actor's clock).
    ts_event : int
        When the reply was delivered (UNIX ns, the actor's clock).
    """

    request_id: str
    service: str
    payload: Any
    arrays: list
    ts_request: int
    ts_event: int


class ComputeFailed(msgspec.Struct, frozen=True):
    """A compute request that ended without an answer.

    Parameters
    ----------
    request_id, service : str
    kind : str
        One of `FAILURE_KINDS`.
    message : str
        What happened (for ``"error"``, the handler's exception).
    ts_request, ts_event : int
        When the request was made and when this event was delivered (UNIX ns).
    """

    request_id: str
    service: str
    kind: str
    message: str
    ts_request: int
    ts_event: int


class ComputeOutcome(msgspec.Struct):
    """What a backend hands back for one request: ``kind == "reply"`` or a failure kind."""

    request_id: str
    kind: str
    payload: bytes = b""
    arrays: list = []
    message: str = ""


# -- handlers ------------------------------------------------------------------------------


def load_handler(spec: str) -> Callable:
    """Return the function named by ``"package.module:function"``.

    Raises
    ------
    ConfigError
        If `spec` is malformed, the module cannot be imported or has no such callable.
    """
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise ConfigError(f"handler {spec!r} invalid, expected 'package.module:function'")
    module_name, attr = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ConfigError(f"handler {spec!r}: cannot import module {module_name!r}: {err}") from err
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ConfigError(f"handler {spec!r}: module {module_name!r} has no callable {attr!r}")
    return fn


_DECODERS: dict[int, tuple[Callable, msgspec.msgpack.Decoder]] = {}


def _payload_decoder(handler: Callable) -> msgspec.msgpack.Decoder:
    """Decode payloads as the annotation of the handler's first parameter (Any if none)."""
    cached = _DECODERS.get(id(handler))
    if cached is not None and cached[0] is handler:
        return cached[1]
    payload_type: Any = Any
    try:
        params = list(inspect.signature(handler).parameters.values())
        if params:
            hints = typing.get_type_hints(handler)
            payload_type = hints.get(params[0].name, Any)
    except (TypeError, ValueError, NameError):
        payload_type = Any
    try:
        decoder = msgspec.msgpack.Decoder(payload_type)
    except TypeError:
        decoder = _ANY_DECODER
    _DECODERS[id(handler)] = (handler, decoder)
    return decoder


def split_result(result: Any) -> tuple[Any, list]:
    """Split a handler's return value into (payload, arrays).

    A handler returns a payload, or ``(payload, [array, ...])``, or a single numpy array
    (payload None). Numpy scalars in the list become 0-d arrays.
    """
    if isinstance(result, np.ndarray):
        return None, [result]
    if (
        isinstance(result, tuple)
        and len(result) == 2
        and isinstance(result[1], list | tuple)
        and all(isinstance(a, np.ndarray | np.generic) for a in result[1])
    ):
        return result[0], [np.asarray(a) for a in result[1]]
    return result, []


def invoke_handler(handler: Callable, payload: bytes, arrays: list) -> tuple[bytes, list]:
    """Decode `payload` for `handler`, call ``handler(payload, arrays)``, encode its result.

    Returns
    -------
    tuple[bytes, list[numpy.ndarray]]
        The encoded result and the (C-contiguous) arrays returned.

    Raises
    ------
    Exception
        Whatever the handler raises, and msgspec errors if the payload does not match the
        handler's annotation or the result is not encodable.
    """
    value = _payload_decoder(handler).decode(payload)
    result, out_arrays = split_result(handler(value, arrays))
    return _ENCODER.encode(result), [_contiguous(a) for a in out_arrays]


def _contiguous(array: np.ndarray) -> np.ndarray:
    # np.ascontiguousarray would turn a 0-d array into a 1-d one
    return array if array.flags.c_contiguous else np.require(array, requirements="C")


def payload_nbytes(payload: bytes, arrays: Sequence[np.ndarray]) -> int:
    """Return the size a request has on the wire: encoded payload plus array buffers."""
    return len(payload) + sum(int(a.nbytes) for a in arrays)


# -- latency model -------------------------------------------------------------------------


class ComputeLatencyModel:
    """The modelled time between a compute request and its reply in a backtest.

    ``latency = base_latency_ns + floor(latency_per_byte_ns * nbytes) + jitter``, where the
    jitter is drawn uniformly from ``[0, jitter_ns]`` by a generator seeded with `seed`, one
    draw per request, in request order.

    Parameters
    ----------
    base_latency_ns : int, default 1_000_000
        Fixed part (ns, >= 0).
    latency_per_byte_ns : float, default 0.0
        Added per byte of encoded payload and arrays (ns, >= 0).
    jitter_ns : int, default 0
        Maximum uniform jitter (ns, >= 0).
    seed : int, default 0
    """

    def __init__(
        self,
        base_latency_ns: int = 1_000_000,
        latency_per_byte_ns: float = 0.0,
        jitter_ns: int = 0,
        seed: int = 0,
    ) -> None:
        for name, value in (("base_latency_ns", base_latency_ns), ("jitter_ns", jitter_ns)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationError(
                    f"ComputeLatencyModel.{name}: invalid value {value!r}, expected an int >= 0"
                )
        if not isinstance(latency_per_byte_ns, int | float) or not latency_per_byte_ns >= 0:
            raise ValidationError(
                f"ComputeLatencyModel.latency_per_byte_ns: invalid value "
                f"{latency_per_byte_ns!r}, expected a number >= 0"
            )
        self.base_latency_ns = base_latency_ns
        self.latency_per_byte_ns = float(latency_per_byte_ns)
        self.jitter_ns = jitter_ns
        self.seed = int(seed)
        self._rng = random.Random(self.seed)

    @classmethod
    def fixed(cls, latency_ns: int) -> ComputeLatencyModel:
        """Return a model whose every request takes `latency_ns`."""
        return cls(base_latency_ns=latency_ns)

    def copy(self, seed: int | None = None) -> ComputeLatencyModel:
        """Return a fresh model with the same parameters (and `seed`, if given)."""
        return ComputeLatencyModel(
            self.base_latency_ns,
            self.latency_per_byte_ns,
            self.jitter_ns,
            self.seed if seed is None else seed,
        )

    def next_latency_ns(self, nbytes: int) -> int:
        """Return the latency of the next request of `nbytes` bytes (draws the jitter)."""
        latency = self.base_latency_ns + int(self.latency_per_byte_ns * nbytes)
        if self.jitter_ns:
            latency += self._rng.randint(0, self.jitter_ns)
        return latency

    def __repr__(self) -> str:
        return (
            f"ComputeLatencyModel(base_latency_ns={self.base_latency_ns}, "
            f"latency_per_byte_ns={self.latency_per_byte_ns}, jitter_ns={self.jitter_ns}, "
            f"seed={self.seed})"
        )


# -- backends ------------------------------------------------------------------------------


class ComputeBackend:
    """Where compute requests go. Subclasses implement every method.

    A backend is used from one thread (the kernel's). Each submitted request ends in exactly
    one `ComputeOutcome`, returned once by `poll` or `wait`; a backend drops (and counts)
    duplicate answers.
    """

    def submit(self, request_id: str, service: str, payload: bytes, arrays: list) -> None:
        """Send a request; never blocks (a full queue becomes a ``"rejected"`` outcome)."""
        raise NotImplementedError(f"{type(self).__name__}.submit")

    def poll(self) -> list[ComputeOutcome]:
        """Return the outcomes that arrived since the last call, without blocking."""
        raise NotImplementedError(f"{type(self).__name__}.poll")

    def wait(self, request_id: str, timeout_secs: float) -> ComputeOutcome | None:
        """Block until `request_id`'s outcome arrives (None after `timeout_secs`)."""
        raise NotImplementedError(f"{type(self).__name__}.wait")

    def cancel(self, request_id: str) -> None:
        """Forget `request_id`; a later answer is dropped."""
        raise NotImplementedError(f"{type(self).__name__}.cancel")

    def close(self) -> None:
        """Release the backend's resources."""


class InProcessComputeBackend(ComputeBackend):
    """Runs handlers directly in the calling thread (tests, backtests without workers).

    Parameters
    ----------
    handlers : dict[str, callable or str]
        Service name -> handler function or ``"module:function"``.
    """

    def __init__(self, handlers: dict[str, Callable | str]) -> None:
        if not isinstance(handlers, dict) or not handlers:
            raise ValidationError(
                f"InProcessComputeBackend.handlers: invalid value {handlers!r}, expected a "
                f"non-empty dict of service name -> handler"
            )
        self._handlers = {
            name: load_handler(h) if isinstance(h, str) else h for name, h in handlers.items()
        }
        self._ready: dict[str, ComputeOutcome] = {}
        self.executed = 0

    def submit(self, request_id: str, service: str, payload: bytes, arrays: list) -> None:
        handler = self._handlers.get(service)
        if handler is None:
            outcome = ComputeOutcome(
                request_id,
                "unknown_service",
                message=f"no handler for service {service!r}, expected one of "
                f"{sorted(self._handlers)}",
            )
        else:
            self.executed += 1
            try:
                out, out_arrays = invoke_handler(handler, payload, arrays)
                outcome = ComputeOutcome(request_id, "reply", out, out_arrays)
            except Exception as err:  # a handler boundary: the error becomes the outcome
                outcome = ComputeOutcome(
                    request_id, "error", message=f"{type(err).__name__}: {err}"
                )
        self._ready[request_id] = outcome

    def poll(self) -> list[ComputeOutcome]:
        outcomes = list(self._ready.values())
        self._ready.clear()
        return outcomes

    def wait(self, request_id: str, timeout_secs: float) -> ComputeOutcome | None:
        return self._ready.pop(request_id, None)

    def cancel(self, request_id: str) -> None:
        self._ready.pop(request_id, None)


# -- the client an actor uses --------------------------------------------------------------


class _Pending:
    __slots__ = ("callback", "reply_decoder", "service", "timed_out", "ts_request")

    def __init__(self, service, callback, reply_decoder, ts_request) -> None:
        self.service = service
        self.callback = callback
        self.reply_decoder = reply_decoder
        self.ts_request = ts_request
        self.timed_out = False


_ALERT_PREFIX = "compute:"
_TIMEOUT_PREFIX = "compute-timeout:"


class ComputeClient:
    """Sends an actor's compute requests and delivers their outcomes as events.

    Parameters
    ----------
    backend : ComputeBackend
    clock : Clock
        The actor's clock; a `TestClock` selects backtest mode (see the module docstring).
    owner_id : str
        Unique within the node (the trader and component ids); request ids are
        ``"<owner_id>-<n>"`` with n counting from 1, so they repeat run after run.
    latency_model : ComputeLatencyModel, optional
        Backtest mode only; ``ComputeLatencyModel()`` (1 ms) if omitted.
    wait_timeout_secs : float, default 30.0
        Backtest mode: the wall-clock bound on waiting for a reply.
    dispatch : callable, optional
        ``dispatch(callback, event)`` runs a callback (the actor's fault handling); by
        default the callback is called directly.
    """

    def __init__(
        self,
        backend: ComputeBackend,
        clock,
        owner_id: str,
        latency_model: ComputeLatencyModel | None = None,
        wait_timeout_secs: float = 30.0,
        dispatch: Callable | None = None,
    ) -> None:
        if not isinstance(backend, ComputeBackend):
            raise InvalidTypeError(
                f"ComputeClient.backend: invalid type {type(backend).__name__}, expected a "
                f"ComputeBackend"
            )
        if latency_model is not None and not isinstance(latency_model, ComputeLatencyModel):
            raise InvalidTypeError(
                f"ComputeClient.latency_model: invalid type {type(latency_model).__name__}, "
                f"expected ComputeLatencyModel"
            )
        if not wait_timeout_secs > 0:
            raise ValidationError(
                f"ComputeClient.wait_timeout_secs: invalid value {wait_timeout_secs!r}, "
                f"expected > 0"
            )
        self.backend = backend
        self.is_simulated = isinstance(clock, TestClock)
        self._clock = clock
        self._owner_id = owner_id
        self._latency = latency_model if latency_model is not None else ComputeLatencyModel()
        self._wait_timeout_secs = float(wait_timeout_secs)
        self._dispatch = dispatch if dispatch is not None else _call
        self._pending: dict[str, _Pending] = {}
        self._counter = 0
        self.requests = 0
        self.replies = 0
        self.failures = 0
        self.duplicates_dropped = 0

    @property
    def pending_count(self) -> int:
        """The number of requests not yet delivered."""
        return len(self._pending)

    def request(
        self,
        service: str,
        payload: Any,
        callback: Callable,
        arrays: Sequence[np.ndarray] = (),
        timeout_ns: int | None = None,
        reply_type: Any = Any,
    ) -> str:
        """Send a request; return its id. See `Actor.request_compute`."""
        if not isinstance(service, str) or not service:
            raise ValidationError(
                f"request_compute.service: invalid value {service!r}, expected a non-empty str"
            )
        if not callable(callback):
            raise InvalidTypeError(
                f"request_compute.callback: invalid type {type(callback).__name__}, expected "
                f"a callable taking ComputeReply | ComputeFailed"
            )
        if timeout_ns is not None and (not isinstance(timeout_ns, int) or timeout_ns <= 0):
            raise ValidationError(
                f"request_compute.timeout_ns: invalid value {timeout_ns!r}, expected an int > 0 "
                f"or None"
            )
        out_arrays = []
        for i, array in enumerate(arrays):
            if not isinstance(array, np.ndarray) or array.dtype.hasobject:
                raise InvalidTypeError(
                    f"request_compute.arrays[{i}]: invalid value of type {type(array).__name__}, "
                    f"expected a numpy array of a numeric or bool dtype"
                )
            out_arrays.append(_contiguous(array))
        try:
            encoded = _ENCODER.encode(payload)
        except (TypeError, msgspec.EncodeError) as err:
            raise InvalidTypeError(
                f"request_compute.payload: cannot encode a {type(payload).__name__} ({err}), "
                f"expected msgspec-encodable values (structs, dicts, lists, numbers, str); pass "
                f"numpy arrays in `arrays`"
            ) from err
        try:
            reply_decoder = (
                _ANY_DECODER if reply_type is Any else msgspec.msgpack.Decoder(reply_type)
            )
        except TypeError as err:
            raise InvalidTypeError(
                f"request_compute.reply_type: {reply_type!r} is not a msgspec type ({err})"
            ) from err
        self._counter += 1
        request_id = f"{self._owner_id}-{self._counter}"
        ts_request = self._clock.timestamp_ns()
        pending = _Pending(service, callback, reply_decoder, ts_request)
        self._pending[request_id] = pending
        self.requests += 1
        if self.is_simulated:
            latency = self._latency.next_latency_ns(payload_nbytes(encoded, out_arrays))
            if timeout_ns is not None and latency > timeout_ns:
                # The modelled reply comes too late: the timeout is what the actor sees.
                pending.timed_out = True
                latency = timeout_ns
            else:
                self.backend.submit(request_id, service, encoded, out_arrays)
            self._clock.set_time_alert_ns(
                _ALERT_PREFIX + request_id, ts_request + latency, self._on_alert
            )
        else:
            self.backend.submit(request_id, service, encoded, out_arrays)
            if timeout_ns is not None:
                self._clock.set_time_alert_ns(
                    _TIMEOUT_PREFIX + request_id, ts_request + timeout_ns, self._on_timeout
                )
        return request_id

    def poll(self) -> int:
        """Deliver every outcome that has arrived (live mode); return how many were delivered.

        Call it from the kernel's thread (the node's loop); it never blocks.
        """
        if self.is_simulated:
            return 0
        delivered = 0
        for outcome in self.backend.poll():
            pending = self._pending.pop(outcome.request_id, None)
            if pending is None:
                self.duplicates_dropped += 1
                continue
            self._clock.cancel_timer(_TIMEOUT_PREFIX + outcome.request_id)
            self._deliver(outcome.request_id, pending, outcome)
            delivered += 1
        return delivered

    def cancel_all(self) -> None:
        """Cancel every pending request (their alerts and backend state); deliver nothing."""
        for request_id in list(self._pending):
            self._clock.cancel_timer(_ALERT_PREFIX + request_id)
            self._clock.cancel_timer(_TIMEOUT_PREFIX + request_id)
            self.backend.cancel(request_id)
        self._pending.clear()

    # -- internals -------------------------------------------------------------------------

    def _on_alert(self, event) -> None:
        request_id = event.name[len(_ALERT_PREFIX) :]
        pending = self._pending.pop(request_id, None)
        if pending is None:
            return
        if pending.timed_out:
            outcome = ComputeOutcome(
                request_id, "timeout", message="modelled latency exceeds the request's timeout"
            )
        else:
            outcome = self.backend.wait(request_id, self._wait_timeout_secs)
            if outcome is None:
                self.backend.cancel(request_id)
                outcome = ComputeOutcome(
                    request_id,
                    "timeout",
                    message=f"no answer from the compute backend within "
                    f"{self._wait_timeout_secs} s of wall time (workers lost?)",
                )
        self._deliver(request_id, pending, outcome)

    def _on_timeout(self, event) -> None:
        request_id = event.name[len(_TIMEOUT_PREFIX) :]
        pending = self._pending.pop(request_id, None)
        if pending is None:
            return
        self.backend.cancel(request_id)
        outcome = ComputeOutcome(request_id, "timeout", message="no answer within timeout_ns")
        self._deliver(request_id, pending, outcome)

    def _deliver(self, request_id: str, pending: _Pending, outcome: ComputeOutcome) -> None:
        ts_event = self._clock.timestamp_ns()
        if outcome.kind == "reply":
            try:
                value = pending.reply_decoder.decode(outcome.payload)
            except msgspec.DecodeError as err:
                event = ComputeFailed(
                    request_id,
                    pending.service,
                    "protocol",
                    f"reply does not match reply_type: {err}",
                    pending.ts_request,
                    ts_event,
                )
                self.failures += 1
            else:
                event = ComputeReply(
                    request_id,
                    pending.service,
                    value,
                    list(outcome.arrays),
                    pending.ts_request,
                    ts_event,
                )
                self.replies += 1
        else:
            event = ComputeFailed(
                request_id,
                pending.service,
                outcome.kind,
                outcome.message,
                pending.ts_request,
                ts_event,
            )
            self.failures += 1
        self._dispatch(pending.callback, event)


def _call(callback: Callable, event) -> None:
    callback(event)
