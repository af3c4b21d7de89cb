"""The compute broker: load-balances clients' requests over the workers of each named service.

Two ROUTER sockets: the frontend for clients, the backend for workers. A worker announces its
service and credit (`Ready`); the broker keeps a FIFO queue of requests per service and sends
each to the next worker with credit (round robin). Heartbeats go both ways; a worker silent
for ``heartbeat_liveness`` intervals is purged and its in-flight requests go back to the front
of the queue, at most ``max_retries`` times each, after which the client gets
``Error(worker_lost)``. Nothing is dropped silently:

* a request over a cap (count or bytes, per service or in total, see `BrokerConfig`) or for
  one service too many is answered ``Error(rejected)``; a request still queued at its deadline
  is answered ``Error(timeout)`` and its memory freed, so ``requests == replies + errors +
  rejected + expired + worker_lost + queued + in flight``;
* a malformed message is counted (per peer) and answered with ``Error(protocol)``;
* a late reply (its worker was purged but answered after all) is forwarded and counted; the
  client drops the duplicate by request id.

Workers authenticate apart from clients: by CURVE key (the backend's ZAP allow-list) when keys
are configured, and by the shared worker token in their ``Ready`` (compared in constant time)
when one is configured; one of the two is required. A peer that has not registered cannot get
an answer to a client: its answers are dropped and counted.

Every refusal increments a counter (`metrics`) and is logged on stderr, one line each; beyond
20 lines a second the rest are summed up in one line per second, so a flood cannot fill the
disk. Services are forgotten once they hold no request and have no worker.
"""

from __future__ import annotations

import errno
import heapq
import hmac
import os
import signal
import sys
import threading
import time
from collections import OrderedDict, deque

import zmq

from cluster.compute import protocol as p
from cluster.compute._fastpath import FastSocket, poll2
from cluster.compute.config import BrokerConfig, resolve_token
from cluster.compute.security import (
    CurveAllowList,
    load_public_key,
    load_secret_key,
    make_curve_server,
)
from core.errors import ConfigError, ProtocolError

__all__ = ["Broker", "run_broker"]

_MAX_PEERS_TRACKED = 10_000
_LATE_MEMORY = 100_000  # answers of purged workers that may still be forwarded
_LOG_LINES_PER_SEC = 20

_QUEUED, _IN_FLIGHT, _DONE = 0, 1, 2


class _Job:
    __slots__ = (
        "attempts",
        "client",
        "deadline",
        "frames",
        "key",
        "nbytes",
        "request_id",
        "service",
        "state",
        "wait_secs",
    )

    def __init__(
        self, client: bytes, request_id: str, service, frames: list, nbytes: int, wait_secs: float
    ) -> None:
        self.client = client
        self.request_id = request_id
        self.service = service
        self.frames = frames
        self.key = (client, request_id)
        self.attempts = 0
        self.nbytes = nbytes
        self.wait_secs = wait_secs  # longest wait in a queue, from arrival or re-queueing
        self.deadline = time.monotonic() + wait_secs
        self.state = _QUEUED


class _Worker:
    __slots__ = (
        "credit",
        "draining",
        "expiry",
        "identity",
        "in_flight",
        "in_ready",
        "next_heartbeat",
        "service",
    )

    def __init__(self, identity: bytes, service: str, credit: int, expiry: float) -> None:
        self.identity = identity
        self.service = service
        self.credit = credit
        self.expiry = expiry
        self.next_heartbeat = 0.0
        self.in_flight: dict[tuple, _Job] = {}
        self.in_ready = False
        self.draining = False


class _Service:
    __slots__ = ("held", "held_bytes", "name", "queue", "queued", "ready", "workers")

    def __init__(self, name: str) -> None:
        self.name = name
        # may hold jobs that expired (state _DONE, frames dropped): skipped when dispatching
        self.queue: deque[_Job] = deque()
        self.ready: deque[_Worker] = deque()
        self.workers = 0
        self.queued = 0  # live jobs in `queue`
        self.held = 0  # requests queued or in flight
        self.held_bytes = 0


class Broker:
    """The broker of `BrokerConfig` (see the module docstring).

    Parameters
    ----------
    config : BrokerConfig
    context : zmq.Context, optional

    Notes
    -----
    `bind` then `run` (or `serve`). One thread; `run` returns when `stop` is called from
    another thread or a signal handler.
    """

    def __init__(self, config: BrokerConfig, context: zmq.Context | None = None) -> None:
        if not isinstance(config, BrokerConfig):
            raise ConfigError(
                f"Broker.config: invalid type {type(config).__name__}, expected BrokerConfig"
            )
        self.config = config
        self.broker_id = os.urandom(8).hex()
        self._context = context or zmq.Context.instance()
        self._interval = config.heartbeat_interval_ms / 1000.0
        self._liveness = self._interval * config.heartbeat_liveness
        self._stop = threading.Event()
        self._services: dict[str, _Service] = {}
        self._workers: dict[bytes, _Worker] = {}
        self._held = 0
        self._held_bytes = 0
        self._expiry: list[tuple[float, int, _Job]] = []  # heap of queued jobs' deadlines
        self._expiry_seq = 0
        self._late: OrderedDict[tuple, None] = OrderedDict()
        self._log_budget = _LOG_LINES_PER_SEC
        self._log_suppressed = 0
        self._log_window = 0.0
        self._token = resolve_token(config.worker_token, config.worker_token_file, "BrokerConfig")
        if self._token is None and config.curve_secret_key_file is None:
            raise ConfigError(
                "BrokerConfig: no worker authentication configured, expected worker_token_file "
                "(a file holding a shared secret), the FLOTILLA_COMPUTE_TOKEN environment "
                "variable or CURVE keys (curve_secret_key_file, allowed_worker_keys)"
            )
        self._auth: CurveAllowList | None = None
        self.frontend: zmq.Socket | None = None
        self.backend: zmq.Socket | None = None
        self.frontend_endpoint = ""
        self.backend_endpoint = ""
        self.protocol_errors_by_peer: dict[str, int] = {}
        self.counters = dict.fromkeys(
            (
                "requests",
                "replies",
                "errors",
                "rejected",
                "rejected_service_full",
                "rejected_broker_full",
                "rejected_too_many_services",
                "expired",
                "worker_lost",
                "retries",
                "late_replies",
                "protocol_errors",
                "internal_errors",
                "undeliverable",
                "workers_registered",
                "workers_purged",
                "workers_refused",
                "unregistered_answers",
                "unregistered_messages",
                "services_forgotten",
            ),
            0,
        )

    # -- sockets ---------------------------------------------------------------------------

    def bind(self) -> tuple[str, str]:
        """Bind both sockets; return the actual ``(frontend, backend)`` endpoints."""
        cfg = self.config
        self.frontend = self._context.socket(zmq.ROUTER)
        self.backend = self._context.socket(zmq.ROUTER)
        for sock in (self.frontend, self.backend):
            sock.linger = 0
            sock.sndhwm = cfg.hwm
            sock.rcvhwm = cfg.hwm
            sock.router_mandatory = 1
            # libzmq drops a peer sending a frame above maxmsgsize before we see it; the
            # margin lets our own check count (and answer) moderately oversized messages.
            sock.maxmsgsize = 2 * cfg.max_message_bytes
        self.frontend.sndhwm = cfg.client_sndhwm
        if cfg.curve_secret_key_file is not None:
            _, secret = load_secret_key(
                cfg.curve_secret_key_file, "BrokerConfig.curve_secret_key_file"
            )
            allowed = {
                "frontend": {
                    load_public_key(k, "BrokerConfig.allowed_client_keys")
                    for k in cfg.allowed_client_keys
                },
                "backend": {
                    load_public_key(k, "BrokerConfig.allowed_worker_keys")
                    for k in cfg.allowed_worker_keys
                },
            }
            self._auth = CurveAllowList(self._context, allowed)
            make_curve_server(self.frontend, secret, "frontend")
            make_curve_server(self.backend, secret, "backend")
        for field, sock in (("frontend", self.frontend), ("backend", self.backend)):
            address = getattr(cfg, field)
            try:
                sock.bind(address)
            except zmq.ZMQError as err:
                self.close()
                reason = (
                    "address already in use (is another broker running?)"
                    if err.errno == errno.EADDRINUSE
                    else err.strerror
                )
                raise ConfigError(
                    f"BrokerConfig.{field}: cannot bind {address!r}: {reason}"
                ) from None
        self._fe = FastSocket(self.frontend)
        self._be = FastSocket(self.backend)
        self.frontend_endpoint = self.frontend.last_endpoint.decode()
        self.backend_endpoint = self.backend.last_endpoint.decode()
        return self.frontend_endpoint, self.backend_endpoint

    def close(self) -> None:
        """Close the sockets (and the ZAP thread)."""
        for sock in (self.frontend, self.backend):
            if sock is not None:
                sock.close(0)
        if self._auth is not None:
            self._auth.stop()
            self._auth = None

    def stop(self) -> None:
        """Make `run` return (thread- and signal-safe)."""
        self._stop.set()

    # -- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        """Serve until `stop` is called."""
        if self.frontend is None:
            self.bind()
        fe, be = self._fe, self._be
        timeout_ms = max(1, int(self._interval * 1000 / 2))
        next_tick = 0.0
        guard = self._guard
        on_backend, on_frontend = self._on_backend, self._on_frontend
        be_recv, fe_recv = be.try_recv, fe.try_recv
        while not self._stop.is_set():
            ready = poll2(be, fe, timeout_ms)
            if ready & 1:
                # drain what is there, bounded so the frontend gets its turn
                for _ in range(1000):
                    frames = be_recv()
                    if frames is None:
                        break
                    guard(on_backend, frames)
            if ready & 2:
                for _ in range(1000):
                    frames = fe_recv()
                    if frames is None:
                        break
                    guard(on_frontend, frames)
            now = time.monotonic()
            if now >= next_tick:
                self._tick(now)
                next_tick = now + self._interval / 2

    def _guard(self, handler, frames: list) -> None:
        """Run a message handler; a bug triggered by one message must not stop the broker."""
        try:
            handler(frames)
        except Exception as err:  # the component boundary: count, report, go on
            self.counters["internal_errors"] += 1
            print(
                f"flotilla broker: {type(err).__name__} handling a message: {err}", file=sys.stderr
            )

    # -- clients ---------------------------------------------------------------------------

    def _on_frontend(self, frames: list) -> None:
        client = frames[0]
        try:
            message, array_frames = p.decode_message(frames[1:], self.config.max_message_bytes)
            kind = type(message)
            if kind is p.Request:
                if array_frames:
                    p.decode_arrays(message.arrays, array_frames)  # validates dtype/shape/size
                self._on_request(client, message, frames[1:])
            elif kind is p.Heartbeat:
                self._send_client(
                    client, [p.encode(p.Heartbeat(p.PROTOCOL_VERSION, self.broker_id))]
                )
            elif kind is p.MetricsRequest:
                self._send_client(client, [p.encode(self.metrics())])
            else:
                raise ProtocolError(f"a client may not send {message.__struct_config__.tag!r}")
        except ProtocolError as err:
            self._protocol_error(client, err, self.frontend)

    def _on_request(self, client: bytes, message: p.Request, frames: list) -> None:
        counters = self.counters
        counters["requests"] += 1
        cfg = self.config
        name = message.service
        service = self._services.get(name)
        if service is None:
            if len(self._services) >= cfg.max_services:
                self._refuse(
                    client,
                    message.request_id,
                    "rejected_too_many_services",
                    f"service {name!r} refused: {len(self._services)} services open, "
                    f"max_services={cfg.max_services}",
                )
                return
            service = self._services[name] = _Service(name)
        nbytes = 0
        for frame in frames:
            nbytes += len(frame)
        if service.held >= cfg.max_queue or service.held_bytes + nbytes > cfg.max_queue_bytes:
            self._refuse(
                client,
                message.request_id,
                "rejected_service_full",
                f"service {name!r} full: {service.held} requests / {service.held_bytes} bytes "
                f"held, a request of {nbytes} bytes exceeds max_queue={cfg.max_queue} or "
                f"max_queue_bytes={cfg.max_queue_bytes}",
            )
            return
        if (
            self._held >= cfg.max_total_queue
            or self._held_bytes + nbytes > cfg.max_total_queue_bytes
        ):
            self._refuse(
                client,
                message.request_id,
                "rejected_broker_full",
                f"broker full: {self._held} requests / {self._held_bytes} bytes held, a request "
                f"of {nbytes} bytes for {name!r} exceeds max_total_queue={cfg.max_total_queue} "
                f"or max_total_queue_bytes={cfg.max_total_queue_bytes}",
            )
            return
        wait_ms = cfg.queue_timeout_ms
        if 0 < message.timeout_ms < wait_ms:
            wait_ms = message.timeout_ms
        job = _Job(
            client,
            message.request_id,
            service,
            frames,
            nbytes,
            wait_ms / 1000.0,
        )
        service.held += 1
        service.held_bytes += nbytes
        self._held += 1
        self._held_bytes += nbytes
        if service.queued or not self._send_to_ready(service, job):
            self._enqueue(service, job, front=False)
            self._dispatch(service)

    def _enqueue(self, service: _Service, job: _Job, front: bool) -> None:
        job.state = _QUEUED
        service.queued += 1
        if front:
            service.queue.appendleft(job)
        else:
            service.queue.append(job)
        self._expiry_seq += 1
        heapq.heappush(self._expiry, (job.deadline, self._expiry_seq, job))

    def _release(self, job: _Job) -> None:
        """Forget a job's frames and its share of the caps (answered, expired or lost)."""
        if job.state == _QUEUED:
            job.service.queued -= 1
        job.state = _DONE
        job.frames = None
        service = job.service
        service.held -= 1
        service.held_bytes -= job.nbytes
        self._held -= 1
        self._held_bytes -= job.nbytes

    def _refuse(self, client: bytes, request_id: str, counter: str, reason: str) -> None:
        """Answer ``Error(rejected)``; count it (in total and by `counter`) and log it."""
        self.counters["rejected"] += 1
        self.counters[counter] += 1
        self._log(f"rejected request {request_id!r}: {reason}")
        error = p.Error(p.PROTOCOL_VERSION, request_id, "rejected", reason[:4096])
        self._send_client(client, [p.encode(error)])

    def _log(self, line: str) -> None:
        """One stderr line per refusal, at most `_LOG_LINES_PER_SEC`; the rest are summed up."""
        now = time.monotonic()
        if now >= self._log_window:
            self._flush_log(now)
        if self._log_budget > 0:
            self._log_budget -= 1
            print(f"flotilla broker: {line}", file=sys.stderr, flush=True)
        else:
            self._log_suppressed += 1

    def _flush_log(self, now: float) -> None:
        if now < self._log_window:
            return
        if self._log_suppressed:
            print(
                f"flotilla broker: {self._log_suppressed} more refusals in the last second not "
                f"shown one by one (see the counters in the broker's metrics)",
                file=sys.stderr,
                flush=True,
            )
        self._log_suppressed = 0
        self._log_budget = _LOG_LINES_PER_SEC
        self._log_window = now + 1.0

    def _send_client(self, client: bytes, frames: list) -> None:
        try:
            self._fe.send_frames([client, *frames])
        except zmq.Again:
            self.counters["undeliverable"] += 1  # the client stopped reading: counted
        except zmq.ZMQError as err:
            if err.errno != zmq.EHOSTUNREACH:
                raise
            self.counters["undeliverable"] += 1  # the client is gone

    def _protocol_error(self, peer: bytes, err: ProtocolError, sock) -> None:
        self.counters["protocol_errors"] += 1
        name = peer.hex()
        if (
            name in self.protocol_errors_by_peer
            or len(self.protocol_errors_by_peer) < _MAX_PEERS_TRACKED
        ):
            self.protocol_errors_by_peer[name] = self.protocol_errors_by_peer.get(name, 0) + 1
        else:
            self.protocol_errors_by_peer["other"] = self.protocol_errors_by_peer.get("other", 0) + 1
        reply = p.encode(p.Error(p.PROTOCOL_VERSION, "", "protocol", str(err)[:4096]))
        if sock is self.frontend:
            self._send_client(peer, [reply])
        else:
            self._send_worker_raw(peer, [reply])

    # -- workers ---------------------------------------------------------------------------

    def _on_backend(self, frames: list) -> None:
        identity = frames[0]
        worker = self._workers.get(identity)
        if worker is not None:
            worker.expiry = time.monotonic() + self._liveness
        try:
            if len(frames) < 3:
                raise ProtocolError(
                    f"{len(frames) - 1} frames from a worker, expected [client id or empty, "
                    f"header, *arrays]"
                )
            client = frames[1]
            if client:  # an answer to a request of that client
                self._on_answer(identity, worker, client, frames[2:])
                return
            message, _ = p.decode_message(frames[2:], self.config.max_message_bytes)
        except ProtocolError as err:
            self._protocol_error(identity, err, self.backend)
            return
        kind = type(message)
        if kind is p.Heartbeat and worker is None:
            # from a worker's heartbeat thread: its own socket, the worker's id inside
            try:
                target = self._workers.get(bytes.fromhex(message.sender_id))
            except ValueError:
                target = None
            if target is not None:
                target.expiry = time.monotonic() + self._liveness
            return
        if kind is p.Ready:
            self._on_ready(identity, message)
        elif worker is None:
            self.counters["unregistered_messages"] += 1
            self._send_worker_raw(
                identity, [p.encode(p.Disconnect(p.PROTOCOL_VERSION, "unknown worker, send Ready"))]
            )
        elif kind is p.Heartbeat:
            pass
        elif kind is p.Disconnect:
            worker.draining = True
            self._maybe_release(worker)
        else:
            self._protocol_error(
                identity,
                ProtocolError(f"a worker may not send {message.__struct_config__.tag!r} alone"),
                self.backend,
            )

    def _on_answer(
        self, identity: bytes, worker: _Worker | None, client: bytes, frames: list
    ) -> None:
        message, array_frames = p.decode_message(frames, self.config.max_message_bytes)
        kind = type(message)
        if kind is p.Reply:
            if array_frames:
                p.decode_arrays(message.arrays, array_frames)
        elif kind is not p.Error:
            raise ProtocolError(
                f"a worker answered with {message.__struct_config__.tag!r}, expected reply or error"
            )
        key = (client, message.request_id)
        job = worker.in_flight.pop(key, None) if worker is not None else None
        if job is None:
            # Only a request the broker gave this very peer may be answered late (its worker
            # was purged meanwhile); anything else is forged or stale and never reaches a client.
            if self._late.pop((identity, *key), 0) is None:
                self.counters["late_replies"] += 1
                self._send_client(client, frames)
            else:
                self.counters["unregistered_answers"] += 1
                self._log(
                    f"dropped an answer to request {message.request_id!r} from worker "
                    f"{identity.hex()}: it was not sent that request"
                )
            if worker is None:
                self._send_worker_raw(
                    identity,
                    [p.encode(p.Disconnect(p.PROTOCOL_VERSION, "unknown worker, send Ready"))],
                )
            return
        self.counters["replies" if kind is p.Reply else "errors"] += 1
        self._release(job)
        self._send_client(client, frames)
        worker.credit += 1
        service = job.service
        if worker.draining:
            self._maybe_release(worker)
        elif not worker.in_ready:
            worker.in_ready = True
            service.ready.append(worker)
        if service.queued:
            self._dispatch(service)

    def _on_ready(self, identity: bytes, message: p.Ready) -> None:
        if self._token is not None and not hmac.compare_digest(message.token.encode(), self._token):
            self.counters["workers_refused"] += 1
            self._log(
                f"refused worker {identity.hex()} for service {message.service!r}: "
                f"{'no' if not message.token else 'wrong'} worker token"
            )
            self._send_worker_raw(
                identity,
                [p.encode(p.Disconnect(p.PROTOCOL_VERSION, "refused: worker token mismatch"))],
            )
            return
        old = self._workers.get(identity)
        if old is not None:
            self._purge(old, "re-registered")
        service = self._services.get(message.service)
        if service is None:
            # an authenticated worker's service is always accepted (max_services guards
            # against clients)
            service = self._services[message.service] = _Service(message.service)
        worker = _Worker(
            identity, message.service, message.credit, time.monotonic() + self._liveness
        )
        self._workers[identity] = worker
        self.counters["workers_registered"] += 1
        service.workers += 1
        worker.in_ready = True
        service.ready.append(worker)
        self._send_worker_raw(identity, [p.encode(p.Heartbeat(p.PROTOCOL_VERSION, self.broker_id))])
        self._dispatch(service)

    def _send_worker_raw(self, identity: bytes, frames: list) -> bool:
        """Send a control message (`frames` = [header]) to a worker."""
        return self._send_worker(identity, b"", frames)

    def _send_worker(self, identity: bytes, client: bytes, frames: list) -> bool:
        try:
            self._be.send_frames([identity, client, *frames])
            return True
        except zmq.Again:
            return False
        except zmq.ZMQError as err:
            if err.errno != zmq.EHOSTUNREACH:
                raise
            return False

    def _send_to_ready(self, service: _Service, job: _Job) -> bool:
        """Hand `job` to the next worker with credit; return False if there is none (the
        caller queues it)."""
        ready = service.ready
        while ready:
            worker = ready[0]
            if worker.credit <= 0 or worker.draining or worker.identity not in self._workers:
                ready.popleft()
                worker.in_ready = False
                continue
            if not self._send_worker(worker.identity, job.client, job.frames):
                ready.popleft()
                worker.in_ready = False
                self._purge(worker, "unreachable")
                continue
            job.state = _IN_FLIGHT
            worker.in_flight[job.key] = job
            worker.credit -= 1
            if worker.credit == 0:
                ready.popleft()
                worker.in_ready = False
            else:
                ready.rotate(-1)
            return True
        return False

    def _dispatch(self, service: _Service) -> None:
        queue = service.queue
        now = None
        while queue and service.ready:
            job = queue[0]
            if job.state != _QUEUED:  # expired while queued
                queue.popleft()
                continue
            if now is None:
                now = time.monotonic()
            if now > job.deadline:
                queue.popleft()
                self._expire(job)
                continue
            queue.popleft()
            service.queued -= 1
            job.state = _IN_FLIGHT
            if not self._send_to_ready(service, job):
                job.state = _QUEUED
                service.queued += 1
                queue.appendleft(job)
                return

    def _expire(self, job: _Job) -> None:
        self.counters["expired"] += 1
        self._log(
            f"request {job.request_id!r} for {job.service.name!r} expired in the queue "
            f"(no worker took it in time)"
        )
        client, request_id = job.client, job.request_id
        self._release(job)
        error = p.Error(
            p.PROTOCOL_VERSION,
            request_id,
            "timeout",
            f"no worker of service {job.service.name!r} took the request before its deadline",
        )
        self._send_client(client, [p.encode(error)])

    def _maybe_release(self, worker: _Worker) -> None:
        """Let a draining worker go once its in-flight requests are answered."""
        if worker.in_flight:
            return
        self._send_worker_raw(
            worker.identity, [p.encode(p.Disconnect(p.PROTOCOL_VERSION, "drained"))]
        )
        self._remove(worker)

    def _remove(self, worker: _Worker) -> None:
        if self._workers.pop(worker.identity, None) is not None:
            self._services[worker.service].workers -= 1

    def _purge(self, worker: _Worker, why: str) -> None:
        """Forget a dead worker; re-queue its in-flight requests (bounded) at the front."""
        self._remove(worker)
        self.counters["workers_purged"] += 1
        service = self._services[worker.service]
        late = self._late
        for job in reversed(list(worker.in_flight.values())):
            late[(worker.identity, *job.key)] = None
            job.attempts += 1
            if job.attempts > self.config.max_retries:
                self.counters["worker_lost"] += 1
                self._release(job)
                error = p.Error(
                    p.PROTOCOL_VERSION,
                    job.request_id,
                    "worker_lost",
                    f"its worker died {job.attempts} times ({why}); max_retries="
                    f"{self.config.max_retries}",
                )
                self._send_client(job.client, [p.encode(error)])
            else:
                self.counters["retries"] += 1
                job.deadline = time.monotonic() + job.wait_secs
                self._enqueue(service, job, front=True)
        while len(late) > _LATE_MEMORY:
            late.popitem(last=False)
        worker.in_flight.clear()
        self._dispatch(service)

    def _tick(self, now: float) -> None:
        heartbeat = None
        for worker in list(self._workers.values()):
            if now > worker.expiry:
                self._purge(worker, "heartbeat expired")
                continue
            if now >= worker.next_heartbeat:
                if heartbeat is None:
                    heartbeat = p.encode(p.Heartbeat(p.PROTOCOL_VERSION, self.broker_id))
                self._send_worker_raw(worker.identity, [heartbeat])
                worker.next_heartbeat = now + self._interval
        expiry = self._expiry
        while expiry and expiry[0][0] < now:
            job = heapq.heappop(expiry)[2]
            if job.state == _QUEUED:
                self._expire(job)
        # compact queues full of expired entries, then forget idle services without workers
        for name in [n for n, s in self._services.items() if not s.workers and not s.held]:
            del self._services[name]
            self.counters["services_forgotten"] += 1
        for service in self._services.values():
            if len(service.queue) > 2 * service.queued + 64:
                service.queue = deque(j for j in service.queue if j.state == _QUEUED)
        self._flush_log(now)

    # -- metrics ---------------------------------------------------------------------------

    def metrics(self) -> p.Metrics:
        """Return the counters, per-service queue depth / in flight / workers, errors by peer."""
        in_flight: dict[str, int] = {}
        for worker in self._workers.values():
            in_flight[worker.service] = in_flight.get(worker.service, 0) + len(worker.in_flight)
        services = {
            name: {
                "queue_depth": s.queued,
                "held_bytes": s.held_bytes,
                "in_flight": in_flight.get(name, 0),
                "workers": s.workers,
            }
            for name, s in self._services.items()
        }
        counters = dict(self.counters)
        counters["workers"] = len(self._workers)
        counters["held"] = self._held
        counters["held_bytes"] = self._held_bytes
        if self._auth is not None:
            counters["curve_denied"] = self._auth.denied
        return p.Metrics(p.PROTOCOL_VERSION, counters, services, dict(self.protocol_errors_by_peer))


def run_broker(config: BrokerConfig, ready_file: str | None = None) -> bool:
    """Run a broker in this process until SIGTERM/SIGINT (the CLI); return whether it was
    SIGINT (Ctrl-C).

    Parameters
    ----------
    ready_file : str, optional
        Written with ``"<frontend> <backend>"`` once bound (for supervisors and tests).

    Raises
    ------
    ConfigError
        If an endpoint cannot be bound (one line naming it, e.g. a port in use).
    """
    broker = Broker(config)
    broker.bind()
    interrupted = []

    def on_signal(signum, _frame):
        if signum == signal.SIGINT:
            interrupted.append(signum)
        broker.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if ready_file:
            tmp = f"{ready_file}.tmp"
            with open(tmp, "w") as handle:
                handle.write(f"{broker.frontend_endpoint} {broker.backend_endpoint}\n")
            os.replace(tmp, ready_file)
        broker.run()
    finally:
        broker.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return bool(interrupted)
