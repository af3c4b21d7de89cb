"""Compute workers: processes that run one service's handler on the requests a broker sends.

A handler is a plain function ``handler(payload, arrays)``: `payload` is decoded as the
annotation of its first parameter (a msgspec Struct, dict, ... or anything if unannotated),
`arrays` is a list of read-only numpy arrays. It returns a payload, ``(payload, [arrays])`` or
an array. An exception becomes ``Error(kind="error")`` with its message; the worker goes on.

The worker heartbeats the broker and reconnects (with a fresh socket, so nothing stale is
re-sent) after ``heartbeat_liveness`` intervals of broker silence. On SIGTERM it drains: it
tells the broker to send no more, answers what it holds, and exits when the broker releases it
(or after ``drain_timeout_ms``).

The worker presents the cluster's worker token in its ``Ready`` (`WorkerConfig.token`,
``token_file`` or ``$FLOTILLA_COMPUTE_TOKEN``). A broker that refuses it (``Disconnect`` with
a reason starting ``"refused"``) ends the worker with a `ConfigError` naming the reason; other
re-registration requests are answered at most once per heartbeat interval, never in a loop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import zmq

from cluster.compute import protocol as p
from cluster.compute._fastpath import FastSocket
from cluster.compute.config import WorkerConfig, resolve_token
from cluster.compute.security import load_public_key, load_secret_key, make_curve_client
from core.common.compute import invoke_handler, load_handler
from core.errors import ConfigError, ProtocolError

__all__ = ["Worker", "run_worker", "run_workers"]


class Worker:
    """One worker connected to a broker's backend (see the module docstring).

    Parameters
    ----------
    config : WorkerConfig
    handler : callable, optional
        Overrides ``config.handler`` (tests, embedding).
    context : zmq.Context, optional
    """

    def __init__(self, config: WorkerConfig, handler=None, context: zmq.Context | None = None):
        self.config = config
        self.handler = handler if handler is not None else load_handler(config.handler)
        self.worker_id = os.urandom(8).hex()
        self._context = context or zmq.Context.instance()
        self._interval = config.heartbeat_interval_ms / 1000.0
        self._liveness = self._interval * config.heartbeat_liveness
        self._stop = threading.Event()
        self._curve = None
        if config.curve_secret_key_file is not None:
            public, secret = load_secret_key(
                config.curve_secret_key_file, "WorkerConfig.curve_secret_key_file"
            )
            server = load_public_key(config.broker_public_key, "WorkerConfig.broker_public_key")
            self._curve = (public, secret, server)
        token = resolve_token(config.token, config.token_file, "WorkerConfig")
        self._token = token.decode() if token is not None else ""
        self._next_ready = 0.0
        self.socket: zmq.Socket | None = None
        self.executed = 0
        self.handler_errors = 0
        self.protocol_errors = 0
        self.reconnects = 0

    def stop(self) -> None:
        """Start draining (thread- and signal-safe)."""
        self._stop.set()

    def _connect(self) -> None:
        if self.socket is not None:
            self.socket.close(0)
            self.reconnects += 1
        self.worker_id = os.urandom(8).hex()
        sock = self._context.socket(zmq.DEALER)
        sock.linger = 0
        sock.identity = bytes.fromhex(self.worker_id)
        if self._curve is not None:
            make_curve_client(sock, *self._curve)
        sock.connect(self.config.broker)
        self.socket = sock
        self._fast = FastSocket(sock)
        self._send_ready()

    def _send_ready(self) -> None:
        self._next_ready = time.monotonic() + self._interval
        self._send_control(
            p.Ready(p.PROTOCOL_VERSION, self.config.service, self.config.credit, self._token)
        )

    def _send_control(self, message) -> None:
        try:
            self.socket.send_multipart([b"", p.encode(message)], zmq.NOBLOCK)
        except zmq.Again:
            pass  # the broker is unreachable; heartbeat expiry reconnects

    def _heartbeat_loop(self, done: threading.Event) -> None:
        """Heartbeat the broker from a thread of its own, so a handler running for minutes
        does not get its worker purged (the broker matches ``sender_id`` to the worker)."""
        sock = self._context.socket(zmq.DEALER)
        sock.linger = 0
        sock.rcvhwm = 1
        if self._curve is not None:
            make_curve_client(sock, *self._curve)
        sock.connect(self.config.broker)
        try:
            while not done.wait(self._interval):
                heartbeat = p.encode(p.Heartbeat(p.PROTOCOL_VERSION, self.worker_id))
                try:
                    sock.send_multipart([b"", heartbeat], zmq.NOBLOCK)
                except zmq.Again:
                    pass
        finally:
            sock.close(0)

    def run(self) -> None:
        """Serve until drained after `stop`."""
        done = threading.Event()
        beats = threading.Thread(target=self._heartbeat_loop, args=(done,), daemon=True)
        beats.start()
        try:
            self._serve_loop()
        finally:
            done.set()
            beats.join(5)

    def _serve_loop(self) -> None:
        self._connect()
        broker_expiry = time.monotonic() + self._liveness
        drain_deadline = None
        timeout_ms = max(1, int(self._interval * 1000 / 2))
        while True:
            if self._stop.is_set() and drain_deadline is None:
                drain_deadline = time.monotonic() + self.config.drain_timeout_ms / 1000.0
                self._send_control(p.Disconnect(p.PROTOCOL_VERSION, "draining"))
            fast = self._fast
            if fast.poll(timeout_ms):
                while True:
                    frames = fast.try_recv()
                    if frames is None:
                        break
                    broker_expiry = time.monotonic() + self._liveness
                    if self._on_message(frames) and drain_deadline is not None:
                        return
                    if fast is not self._fast:  # reconnected: the old socket is closed
                        break
            now = time.monotonic()
            if drain_deadline is not None and now > drain_deadline:
                return
            if now > broker_expiry:
                if drain_deadline is not None:
                    return  # nobody to drain to
                self._connect()
                broker_expiry = now + self._liveness

    def _on_message(self, frames: list) -> bool:
        """Handle one message; return True if the broker released a draining worker."""
        try:
            if len(frames) < 2:
                raise ProtocolError(f"{len(frames)} frames, expected [client, header, *arrays]")
            client = frames[0]
            message, array_frames = p.decode_message(frames[1:])
        except ProtocolError:
            self.protocol_errors += 1
            return False
        kind = type(message)
        if kind is p.Request and client:
            self._serve(client, message, array_frames)
        elif kind is p.Disconnect:
            if self._stop.is_set():
                return True
            if message.reason.startswith("refused"):
                raise ConfigError(
                    f"the broker at {self.config.broker} refused this worker "
                    f"({message.reason}); check WorkerConfig.token / token_file / "
                    f"$FLOTILLA_COMPUTE_TOKEN or the CURVE keys"
                )
            if time.monotonic() >= self._next_ready:  # never a Ready storm
                self._send_ready()
        elif kind is p.Heartbeat or kind is p.Error:
            pass
        else:
            self.protocol_errors += 1
        return False

    def _serve(self, client: bytes, message: p.Request, array_frames: list) -> None:
        self.executed += 1
        try:
            arrays = p.decode_arrays(message.arrays, array_frames)
        except ProtocolError as err:
            self.protocol_errors += 1
            answer = [
                p.encode(p.Error(p.PROTOCOL_VERSION, message.request_id, "protocol", str(err)))
            ]
        else:
            try:
                payload, out_arrays = invoke_handler(self.handler, message.payload, arrays)
            except Exception as err:  # a handler boundary: the error goes back to the client
                self.handler_errors += 1
                text = f"{type(err).__name__}: {err}"[:4096]
                answer = [p.encode(p.Error(p.PROTOCOL_VERSION, message.request_id, "error", text))]
            else:
                metas, buffers = p.array_frames(out_arrays)
                reply = p.Reply(p.PROTOCOL_VERSION, message.request_id, payload, metas)
                answer = [p.encode(reply), *buffers]
        self._fast.send_frames([client, *answer], 0)

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close(0)
            self.socket = None


def run_worker(config: WorkerConfig) -> bool:
    """Run one worker in this process until drained after SIGTERM/SIGINT; return whether it
    was SIGINT (Ctrl-C)."""
    worker = Worker(config)
    interrupted = []

    def on_signal(signum, _frame):
        if signum == signal.SIGINT:
            interrupted.append(signum)
        worker.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.run()
    finally:
        worker.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return bool(interrupted)


def run_workers(config: WorkerConfig, concurrency: int) -> int:
    """Run `concurrency` workers (child processes when more than one, which die with this
    one); SIGTERM/SIGINT drain them all. Return 0 when all exited cleanly, 130 after Ctrl-C
    (one line on stderr), 1 otherwise."""
    from cluster.compute.child import spawn

    if concurrency == 1:
        if run_worker(config):
            print("flotilla worker: interrupted", file=sys.stderr)
            return 130
        return 0
    load_handler(config.handler)  # fail here, once, on a bad handler
    stopping = threading.Event()
    interrupted = threading.Event()
    children: list = []

    def forward(signum, _frame):
        if signum == signal.SIGINT:
            interrupted.set()
        stopping.set()
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(concurrency):
            if stopping.is_set():
                break
            children.append(spawn("worker", config))
        for child in children:
            while child.poll() is None:
                try:
                    child.wait(0.2)
                except subprocess.TimeoutExpired:
                    pass
    finally:
        for child in children:  # only reached early on an error: do not leave them behind
            if child.poll() is None:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if interrupted.is_set():
        print("flotilla worker: interrupted", file=sys.stderr)
        return 130
    codes = [child.returncode for child in children]
    if any(code != 0 for code in codes):
        print(f"flotilla worker: worker exit codes {codes}", file=sys.stderr)
        return 1
    return 0
