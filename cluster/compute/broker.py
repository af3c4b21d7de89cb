"""The compute broker: load-balances clients' requests over the workers of each named service.

Two ROUTER sockets: the frontend for clients, the backend for workers. A worker announces its
service and credit (`Ready`); the broker keeps a FIFO queue of requests per service and sends
each to the next worker with credit (round robin). Heartbeats go both ways; a worker silent
for ``heartbeat_liveness`` intervals is purged and its in-flight requests go back to the front
of the queue, at most ``max_retries`` times each, after which the client gets
``Error(worker_lost)``. Nothing is dropped silently:

* a full service queue answers ``Error(rejected)`` (backpressure), so
  ``requests == replies + errors + rejected + worker_lost + queued + in flight``;
* a malformed message is counted (per peer) and answered with ``Error(protocol)``;
* a late reply (its worker was purged but answered after all) is forwarded and counted; the
  client drops the duplicate by request id.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque

import zmq

from cluster.compute import protocol as p
from cluster.compute.config import BrokerConfig
from cluster.compute.security import (
    CurveAllowList,
    load_public_key,
    load_secret_key,
    make_curve_server,
)
from core.errors import ConfigError, ProtocolError

__all__ = ["Broker", "run_broker"]

_MAX_PEERS_TRACKED = 10_000


class _Job:
    __slots__ = ("attempts", "client", "frames", "key", "request_id", "service")

    def __init__(self, client: bytes, request_id: str, service: str, frames: list) -> None:
        self.client = client
        self.request_id = request_id
        self.service = service
        self.frames = frames
        self.key = (client, request_id)
        self.attempts = 0


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
    __slots__ = ("name", "queue", "ready", "workers")

    def __init__(self, name: str) -> None:
        self.name = name
        self.queue: deque[_Job] = deque()
        self.ready: deque[_Worker] = deque()
        self.workers = 0


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
                "worker_lost",
                "retries",
                "late_replies",
                "protocol_errors",
                "internal_errors",
                "undeliverable",
                "workers_registered",
                "workers_purged",
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
        self.frontend.bind(cfg.frontend)
        self.backend.bind(cfg.backend)
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
        poller = zmq.Poller()
        poller.register(self.frontend, zmq.POLLIN)
        poller.register(self.backend, zmq.POLLIN)
        frontend, backend = self.frontend, self.backend
        timeout_ms = max(1, int(self._interval * 1000 / 2))
        next_tick = 0.0
        while not self._stop.is_set():
            events = dict(poller.poll(timeout_ms))
            if events.get(backend):
                for _ in range(1000):  # drain, bounded so the frontend gets its turn
                    # EVENTS, not recv until zmq.Again: raising Again is costly per message
                    if not backend.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                        break
                    self._guard(self._on_backend, backend.recv_multipart(zmq.NOBLOCK, copy=False))
            if events.get(frontend):
                for _ in range(1000):
                    if not frontend.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                        break
                    self._guard(self._on_frontend, frontend.recv_multipart(zmq.NOBLOCK, copy=False))
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
        client = frames[0].bytes
        try:
            message, array_frames = p.decode_message(frames[1:], self.config.max_message_bytes)
            kind = type(message)
            if kind is p.Request:
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
        self.counters["requests"] += 1
        service = self._services.get(message.service)
        if service is None:
            if len(self._services) >= self.config.max_services:
                self._reject(client, message.request_id, "rejected", "too many services")
                return
            service = self._services[message.service] = _Service(message.service)
        if len(service.queue) >= self.config.max_queue:
            self._reject(
                client,
                message.request_id,
                "rejected",
                f"service {message.service!r} queue full ({self.config.max_queue} requests)",
            )
            return
        service.queue.append(_Job(client, message.request_id, message.service, frames))
        self._dispatch(service)

    def _reject(self, client: bytes, request_id: str, kind: str, reason: str) -> None:
        self.counters["rejected" if kind == "rejected" else kind] += 1
        error = p.Error(p.PROTOCOL_VERSION, request_id, kind, reason)
        self._send_client(client, [p.encode(error)])

    def _send_client(self, client: bytes, frames: list) -> None:
        try:
            self.frontend.send_multipart([client, *frames], zmq.NOBLOCK, copy=False)
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
        identity = frames[0].bytes
        worker = self._workers.get(identity)
        if worker is not None:
            worker.expiry = time.monotonic() + self._liveness
        try:
            if len(frames) < 3:
                raise ProtocolError(
                    f"{len(frames) - 1} frames from a worker, expected [client id or empty, "
                    f"header, *arrays]"
                )
            client = frames[1].bytes
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
            p.decode_arrays(message.arrays, array_frames)
        elif kind is not p.Error:
            raise ProtocolError(
                f"a worker answered with {message.__struct_config__.tag!r}, expected reply or error"
            )
        job = worker.in_flight.pop((client, message.request_id), None) if worker else None
        if job is None:
            self.counters["late_replies"] += 1
        else:
            self.counters["replies" if kind is p.Reply else "errors"] += 1
        self._send_client(client, frames)
        if worker is None:
            self._send_worker_raw(
                identity, [p.encode(p.Disconnect(p.PROTOCOL_VERSION, "unknown worker, send Ready"))]
            )
            return
        if job is not None:
            worker.credit += 1
            service = self._services[worker.service]
            if worker.draining:
                self._maybe_release(worker)
            elif not worker.in_ready:
                worker.in_ready = True
                service.ready.append(worker)
            self._dispatch(service)

    def _on_ready(self, identity: bytes, message: p.Ready) -> None:
        old = self._workers.get(identity)
        if old is not None:
            self._purge(old, "re-registered")
        service = self._services.get(message.service)
        if service is None:
            if len(self._services) >= self.config.max_services:
                self._send_worker_raw(
                    identity, [p.encode(p.Disconnect(p.PROTOCOL_VERSION, "too many services"))]
                )
                return
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
            self.backend.send_multipart([identity, client, *frames], zmq.NOBLOCK, copy=False)
            return True
        except zmq.Again:
            return False
        except zmq.ZMQError as err:
            if err.errno != zmq.EHOSTUNREACH:
                raise
            return False

    def _dispatch(self, service: _Service) -> None:
        queue, ready = service.queue, service.ready
        while queue and ready:
            worker = ready[0]
            if worker.credit <= 0 or worker.draining or worker.identity not in self._workers:
                ready.popleft()
                worker.in_ready = False
                continue
            job = queue.popleft()
            if not self._send_worker(worker.identity, job.client, job.frames):
                queue.appendleft(job)
                ready.popleft()
                worker.in_ready = False
                self._purge(worker, "unreachable")
                continue
            worker.in_flight[job.key] = job
            worker.credit -= 1
            if worker.credit == 0:
                ready.popleft()
                worker.in_ready = False
            else:
                ready.rotate(-1)

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
        for job in reversed(list(worker.in_flight.values())):
            job.attempts += 1
            if job.attempts > self.config.max_retries:
                self.counters["worker_lost"] += 1
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
                service.queue.appendleft(job)
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

    # -- metrics ---------------------------------------------------------------------------

    def metrics(self) -> p.Metrics:
        """Return the counters, per-service queue depth / in flight / workers, errors by peer."""
        in_flight: dict[str, int] = {}
        for worker in self._workers.values():
            in_flight[worker.service] = in_flight.get(worker.service, 0) + len(worker.in_flight)
        services = {
            name: {
                "queue_depth": len(s.queue),
                "in_flight": in_flight.get(name, 0),
                "workers": s.workers,
            }
            for name, s in self._services.items()
        }
        counters = dict(self.counters)
        counters["workers"] = len(self._workers)
        if self._auth is not None:
            counters["curve_denied"] = self._auth.denied
        return p.Metrics(p.PROTOCOL_VERSION, counters, services, dict(self.protocol_errors_by_peer))


def run_broker(config: BrokerConfig, ready_file: str | None = None) -> None:
    """Run a broker in this process until SIGTERM/SIGINT (the CLI and local clusters).

    Parameters
    ----------
    ready_file : str, optional
        Written with ``"<frontend> <backend>"`` once bound (for supervisors and tests).
    """
    broker = Broker(config)
    broker.bind()
    previous = {
        sig: signal.signal(sig, lambda *_: broker.stop()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
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
