"""Process fixtures for the compute tests: a broker and workers as real `flotilla` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The worker token every test process gets through ``$FLOTILLA_COMPUTE_TOKEN`` (not argv).
TEST_TOKEN = "test-token-0123456789abcdef"
#: Heartbeat timing of the test brokers and workers. A live worker is purged only after
#: ``HEARTBEAT_MS * LIVENESS`` of silence: 1 s by default, wide enough for a loaded 2-core
#: machine (scale both with FLOTILLA_TEST_HEARTBEAT_MS / FLOTILLA_TEST_LIVENESS). Tests that
#: need a purge cause it (SIGKILL, SIGSTOP) and wait for it by metrics, never by a sleep.
HEARTBEAT_MS = int(os.environ.get("FLOTILLA_TEST_HEARTBEAT_MS", "100"))
LIVENESS = int(os.environ.get("FLOTILLA_TEST_LIVENESS", "10"))


def eventually(predicate, timeout: float = 10.0, interval: float = 0.02):
    """Return the first truthy value of `predicate()`; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {predicate}")
        time.sleep(interval)


class Processes:
    """Starts `flotilla` processes and kills whatever is left at teardown."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen] = []
        self._n = 0

    def _env(self, extra: dict | None) -> dict:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env.setdefault("FLOTILLA_COMPUTE_TOKEN", TEST_TOKEN)
        env.update(extra or {})
        return env

    def flotilla(
        self, *args: str, env: dict | None = None, new_session: bool = False
    ) -> subprocess.Popen:
        """Start ``flotilla ARGS``; `new_session` gives it a process group of its own (as a
        shell job), so a test can signal the group like a terminal's Ctrl-C."""
        self._n += 1
        log = open(self.tmp_path / f"proc-{self._n}.log", "w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "node.cli", *args],
            cwd=ROOT,
            env=self._env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
        proc.log_path = log.name
        self.started.append(proc)
        return proc

    def broker(
        self,
        frontend: str = "tcp://127.0.0.1:*",
        backend: str = "tcp://127.0.0.1:*",
        *extra: str,
        heartbeat_ms: int = HEARTBEAT_MS,
        env: dict | None = None,
    ) -> tuple[subprocess.Popen, str, str]:
        """Start a broker; return (process, frontend endpoint, backend endpoint)."""
        self._n += 1
        ready = self.tmp_path / f"broker-{self._n}.ready"
        proc = self.flotilla(
            "cluster",
            "compute",
            "broker",
            "--frontend",
            frontend,
            "--backend",
            backend,
            "--heartbeat-ms",
            str(heartbeat_ms),
            "--liveness",
            str(LIVENESS),
            "--ready-file",
            str(ready),
            *extra,
            env=env,
        )
        eventually(lambda: ready.exists() or proc.poll() is not None, 20)
        if proc.poll() is not None:
            raise AssertionError(f"broker exited: {Path(proc.log_path).read_text()}")
        fe, be = ready.read_text().split()
        return proc, fe, be

    def worker(
        self,
        backend: str,
        service: str,
        handler: str,
        *extra: str,
        heartbeat_ms: int = HEARTBEAT_MS,
        env: dict | None = None,
    ) -> subprocess.Popen:
        return self.flotilla(
            "worker",
            "--broker",
            backend,
            "--service",
            service,
            "--handler",
            handler,
            "--heartbeat-ms",
            str(heartbeat_ms),
            "--liveness",
            str(LIVENESS),
            *extra,
            env=env,
        )

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        for proc in self.started:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass


def wait_workers(backend, service: str, count: int, timeout: float = 20.0) -> None:
    """Wait until the broker (via a ZmqComputeBackend) reports `count` workers of `service`."""

    def ready():
        services = backend.metrics().services
        return services.get(service, {}).get("workers", 0) == count

    eventually(ready, timeout, 0.05)
