"""Process fixtures for the compute tests: a broker and workers as real `flotilla` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
        env.update(extra or {})
        return env

    def flotilla(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        self._n += 1
        log = open(self.tmp_path / f"proc-{self._n}.log", "w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "node.cli", *args],
            cwd=ROOT,
            env=self._env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proc.log_path = log.name
        self.started.append(proc)
        return proc

    def broker(
        self,
        frontend: str = "tcp://127.0.0.1:*",
        backend: str = "tcp://127.0.0.1:*",
        *extra: str,
        heartbeat_ms: int = 100,
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
            "--ready-file",
            str(ready),
            *extra,
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
        heartbeat_ms: int = 100,
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
