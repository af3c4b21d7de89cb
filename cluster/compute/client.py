"""`ZmqComputeBackend`: the node side of the compute broker, a `ComputeBackend` over ZeroMQ.

One DEALER socket to the broker's frontend, used from the kernel's thread only. Sends never
block: a full send queue becomes a ``"rejected"`` outcome at once. `poll` drains arrived
answers without blocking (live); `wait` blocks for one request (backtests, bounded).

Reliability:

* every request ends in exactly one outcome; a second answer for an id (a late reply from a
  worker the broker had given up on, or a resend after a broker restart) is dropped and
  counted in `duplicates_dropped`;
* the client heartbeats the broker; when the broker's id changes (it restarted and lost its
  queues) every outstanding request is resent, at most ``max_resends`` times, after which it
  ends as ``"broker_lost"``;
* with ``request_timeout_secs`` set, a request unanswered that long ends as ``"timeout"``.
"""

from __future__ import annotations

import collections
import time

import msgspec
import zmq

from cluster.compute import protocol as p
from cluster.compute._fastpath import FastSocket
from cluster.compute.security import load_public_key, load_secret_key, make_curve_client
from core.common.compute import ComputeBackend, ComputeOutcome
from core.errors import ConfigError, ProtocolError, ValidationError

__all__ = ["ZmqComputeBackend"]

_COMPLETED_MEMORY = 100_000


class _Outstanding:
    __slots__ = ("deadline", "frames", "resends")

    def __init__(self, frames: list, deadline: float) -> None:
        self.frames = frames
        self.deadline = deadline
        self.resends = 0


class ZmqComputeBackend(ComputeBackend):
    """Compute requests through a broker (see the module docstring).

    Parameters
    ----------
    address : str
        The broker's frontend endpoint.
    heartbeat_interval_ms : int, default 1000
    heartbeat_liveness : int, default 3
        Broker silence (in intervals) after which `broker_alive` turns False.
    max_resends : int, default 3
        Resends of an outstanding request after broker restarts.
    request_timeout_secs : float, optional
        End unanswered requests as ``"timeout"`` after this long (wall time).
    sndhwm : int, default 10000
        Messages queued towards the broker before sends are rejected locally.
    curve_secret_key_file, broker_public_key : str, optional
        This client's ``.key_secret`` file and the broker's public key, for CURVE.
    context : zmq.Context, optional
    """

    def __init__(
        self,
        address: str,
        *,
        heartbeat_interval_ms: int = 1000,
        heartbeat_liveness: int = 3,
        max_resends: int = 3,
        request_timeout_secs: float | None = None,
        sndhwm: int = 10_000,
        curve_secret_key_file: str | None = None,
        broker_public_key: str | None = None,
        context: zmq.Context | None = None,
    ) -> None:
        if heartbeat_interval_ms <= 0 or heartbeat_liveness <= 0:
            raise ValidationError(
                f"ZmqComputeBackend: heartbeat_interval_ms={heartbeat_interval_ms}, "
                f"heartbeat_liveness={heartbeat_liveness} invalid, expected both > 0"
            )
        if request_timeout_secs is not None and not request_timeout_secs > 0:
            raise ValidationError(
                f"ZmqComputeBackend.request_timeout_secs: invalid value {request_timeout_secs!r}, "
                f"expected > 0 or None"
            )
        if (curve_secret_key_file is None) != (broker_public_key is None):
            raise ConfigError(
                "ZmqComputeBackend: curve_secret_key_file and broker_public_key go together, "
                "expected both (CURVE) or neither (loopback)"
            )
        self.address = address
        self._interval = heartbeat_interval_ms / 1000.0
        self._liveness = self._interval * heartbeat_liveness
        self._max_resends = max_resends
        self._timeout = request_timeout_secs
        # the broker drops a request still queued after this long (it would time out here)
        self._timeout_ms = int(request_timeout_secs * 1000) if request_timeout_secs else 0
        self._context = context or zmq.Context.instance()
        sock = self._context.socket(zmq.DEALER)
        sock.linger = 0
        sock.sndhwm = sndhwm
        sock.rcvhwm = 0  # answers are never refused: they are bounded by what we sent
        if curve_secret_key_file is not None:
            public, secret = load_secret_key(curve_secret_key_file, "curve_secret_key_file")
            make_curve_client(
                sock, public, secret, load_public_key(broker_public_key, "broker_public_key")
            )
        sock.connect(address)
        self.socket = sock
        self._fast = FastSocket(sock)
        self._outstanding: dict[str, _Outstanding] = {}
        self._arrived: dict[str, ComputeOutcome] = {}
        self._completed: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._heartbeat = p.encode(p.Heartbeat(p.PROTOCOL_VERSION, ""))
        self._next_heartbeat = 0.0
        self._broker_seen = time.monotonic()
        self.broker_id: str | None = None
        self._metrics: p.Metrics | None = None
        self.sent = 0
        self.rejected_locally = 0
        self.duplicates_dropped = 0
        self.protocol_errors = 0
        self.resends = 0
        self.broker_restarts = 0

    # -- ComputeBackend --------------------------------------------------------------------

    def submit(self, request_id: str, service: str, payload: bytes, arrays: list) -> None:
        metas, buffers = p.array_frames(arrays) if arrays else ([], ())
        header = p.encode(
            p.Request(p.PROTOCOL_VERSION, request_id, service, payload, metas, self._timeout_ms)
        )
        frames = [header, *buffers]
        deadline = time.monotonic() + self._timeout if self._timeout else float("inf")
        try:
            self._fast.send_frames(frames)
        except zmq.Again:
            self.rejected_locally += 1
            self._arrived[request_id] = ComputeOutcome(
                request_id,
                "rejected",
                message=f"backpressure: the send queue to {self.address} is full",
            )
            return
        self.sent += 1
        self._outstanding[request_id] = _Outstanding(frames, deadline)

    def poll(self) -> list[ComputeOutcome]:
        self._service(0)
        outcomes = list(self._arrived.values())
        self._arrived.clear()
        return outcomes

    def wait(self, request_id: str, timeout_secs: float) -> ComputeOutcome | None:
        deadline = time.monotonic() + timeout_secs
        while request_id not in self._arrived:
            if request_id not in self._outstanding:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._service(min(remaining, self._interval / 2))
        return self._arrived.pop(request_id)

    def cancel(self, request_id: str) -> None:
        if self._outstanding.pop(request_id, None) is not None:
            self._remember(request_id)
        self._arrived.pop(request_id, None)

    def close(self) -> None:
        if not self.socket.closed:
            self.socket.close(0)

    # -- extras ----------------------------------------------------------------------------

    @property
    def outstanding(self) -> int:
        """Requests sent and not answered yet."""
        return len(self._outstanding)

    @property
    def broker_alive(self) -> bool:
        """Whether the broker was heard from within the liveness window."""
        return time.monotonic() - self._broker_seen <= self._liveness

    def metrics(self, timeout_secs: float = 5.0) -> p.Metrics:
        """Ask the broker for its `Metrics` (blocks up to `timeout_secs`).

        Raises
        ------
        TimeoutError
            If the broker does not answer in time.
        """
        self._metrics = None
        self.socket.send(p.encode(p.MetricsRequest(p.PROTOCOL_VERSION)))
        deadline = time.monotonic() + timeout_secs
        while self._metrics is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"no metrics from the broker at {self.address} in {timeout_secs} s"
                )
            self._service(min(remaining, 0.05))
        return self._metrics

    # -- internals -------------------------------------------------------------------------

    def _remember(self, request_id: str) -> None:
        self._completed[request_id] = None
        if len(self._completed) > _COMPLETED_MEMORY:
            self._completed.popitem(last=False)

    def _service(self, timeout_secs: float) -> None:
        """Receive what is there (waiting up to `timeout_secs` for the first), heartbeat,
        expire timeouts."""
        sock = self.socket
        fast = self._fast
        if timeout_secs > 0:
            # a waiter takes one message per poll: after the reply it waits for, it returns
            # without one more readiness query (each costs a syscall, ~4 µs here)
            if fast.poll(int(timeout_secs * 1000) or 1):
                try:
                    self._on_message(fast.recv_frames())
                except zmq.Again:
                    pass
        else:
            frames = fast.try_recv()
            while frames is not None:
                self._on_message(frames)
                frames = fast.try_recv()
        now = time.monotonic()
        if now >= self._next_heartbeat:
            try:
                sock.send(self._heartbeat, zmq.NOBLOCK)
            except zmq.Again:
                pass
            self._next_heartbeat = now + self._interval
        if self._timeout:
            expired = [rid for rid, o in self._outstanding.items() if now > o.deadline]
            for rid in expired:
                del self._outstanding[rid]
                self._remember(rid)
                self._arrived[rid] = ComputeOutcome(
                    rid, "timeout", message=f"no answer within {self._timeout} s"
                )

    def _on_message(self, frames: list) -> None:
        self._broker_seen = time.monotonic()
        try:
            message, array_frames = p.decode_message(frames)
            kind = type(message)
            if kind is p.Reply:
                arrays = p.decode_arrays(message.arrays, array_frames)
                self._complete(ComputeOutcome(message.request_id, "reply", message.payload, arrays))
            elif kind is p.Error:
                if message.request_id:
                    outcome = ComputeOutcome(
                        message.request_id, message.error_kind, message=message.message
                    )
                    self._complete(outcome)
                else:
                    self.protocol_errors += 1  # the broker refused something we sent
            elif kind is p.Heartbeat:
                self._on_broker_heartbeat(message.sender_id)
            elif kind is p.Metrics:
                self._metrics = message
            else:
                raise ProtocolError(f"a broker may not send {message.__struct_config__.tag!r}")
        except (ProtocolError, msgspec.DecodeError):
            self.protocol_errors += 1

    def _complete(self, outcome: ComputeOutcome) -> None:
        if self._outstanding.pop(outcome.request_id, None) is None:
            self.duplicates_dropped += 1
            return
        self._remember(outcome.request_id)
        self._arrived[outcome.request_id] = outcome

    def _on_broker_heartbeat(self, broker_id: str) -> None:
        if self.broker_id is not None and broker_id != self.broker_id:
            self.broker_restarts += 1
            self._resend_all()
        self.broker_id = broker_id

    def _resend_all(self) -> None:
        """The broker restarted and lost its queues: send every outstanding request again."""
        for rid in list(self._outstanding):
            entry = self._outstanding[rid]
            entry.resends += 1
            if entry.resends > self._max_resends:
                del self._outstanding[rid]
                self._remember(rid)
                self._arrived[rid] = ComputeOutcome(
                    rid, "broker_lost", message=f"the broker restarted {entry.resends} times"
                )
                continue
            try:
                self._fast.send_frames(entry.frames)
                self.resends += 1
            except zmq.Again:
                del self._outstanding[rid]
                self._remember(rid)
                self._arrived[rid] = ComputeOutcome(
                    rid, "rejected", message="backpressure while resending after a broker restart"
                )
