"""A real `redis-server` for tests: free loopback port, its own temp dir, ACL, fsync'd AOF.

Debian's `redis-server` (installed by `make system`, which `make test` runs) is started as a
child process:

- bound to 127.0.0.1 on a free port (retried when another process takes the port first);
- ``appendonly yes`` with ``appendfsync always``: a write acknowledged to a client is on disk,
  so a `kill` (SIGKILL) loses nothing that was acknowledged;
- the ``default`` user off; an ``admin`` user for the harness itself and one user per trader
  (`add_trader`) limited to the keys and channels under ``trader:{trader_id}:`` and without
  the dangerous and admin commands (``FLUSHALL``, ``CONFIG``, ``KEYS``, ``SCAN``, ...).

`kill`, `stop` (SIGSTOP: the server hangs, connections stall), `cont` (SIGCONT) and `restart`
(same port, dir and users: the AOF brings the data back) act on the PID, as a chaos test does.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

__all__ = ["RedisServer", "TRADER_COMMANDS", "free_port", "trader_acl_rule"]

#: what a trader's user may run: reads, writes, streams, transactions, its own connection;
#: never the dangerous or admin commands, nor the key-space walks that would show the key
#: names of other traders (KEYS, SCAN, RANDOMKEY)
TRADER_COMMANDS = (
    "-@all +@read +@write +@stream +@transaction +@connection +@scripting +@pubsub "
    "-@dangerous -@admin -scan -keys -randomkey -eval -evalsha -script -function -fcall"
)


def trader_acl_rule(trader_id: str, password: str) -> str:
    """The ``ACL SETUSER`` rule of trader `trader_id`'s user (see the module docstring)."""
    prefix = f"trader:{trader_id}:"
    return (
        f"on resetpass >{password} resetkeys ~{prefix}* resetchannels &{prefix}* {TRADER_COMMANDS}"
    )


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (the caller retries if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary() -> str:
    path = shutil.which("redis-server")
    if path is None:
        raise RuntimeError(
            "redis-server not found: the live node's tests start a real one; run 'make system' "
            "(Debian's redis-server package) or 'make test', which does"
        )
    return path


class RedisServer:
    """One redis-server child process (see the module docstring). Use as a context manager or
    call `start` and `close`."""

    ADMIN = "admin"

    def __init__(self, *, root: str | os.PathLike | None = None, start_timeout: float = 10.0):
        self._own_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="flotilla-redis-") if root is None else root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.start_timeout = start_timeout
        self.admin_password = secrets.token_hex(16)
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._users: dict[str, str] = {}  # trader id -> password

    # -- life cycle -----------------------------------------------------------------------------

    def _write_acl(self) -> Path:
        lines = [
            "user default off resetpass nopass -@all",
            f"user {self.ADMIN} on >{self.admin_password} ~* &* +@all",
        ]
        lines += [f"user trader-{t} {trader_acl_rule(t, p)}" for t, p in self._users.items()]
        path = self.root / "users.acl"
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o600)
        return path

    def _spawn(self, port: int) -> subprocess.Popen:
        acl = self._write_acl()
        log = open(self.root / "redis.log", "ab")  # noqa: SIM115 - the child keeps it
        try:
            return subprocess.Popen(
                [
                    _binary(),
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--dir",
                    str(self.root),
                    "--aclfile",
                    str(acl),
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--save",
                    "",
                    "--daemonize",
                    "no",
                    "--protected-mode",
                    "yes",
                    "--logfile",
                    "",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the test runner does not reach it
            )
        finally:
            log.close()

    def _wait_ready(self, process: subprocess.Popen) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                client = redis.Redis(
                    host="127.0.0.1",
                    port=self.port,
                    username=self.ADMIN,
                    password=self.admin_password,
                    socket_timeout=1,
                )
                try:
                    if client.ping():
                        return True
                finally:
                    client.close()
            except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
                time.sleep(0.02)
        raise RuntimeError(
            f"redis-server on port {self.port} not ready after {self.start_timeout} s; "
            f"its log: {self.root / 'redis.log'}"
        )

    def start(self) -> RedisServer:
        """Start on a free port (or the port it had, after `kill`/`terminate`)."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"redis-server already running (pid {self.process.pid})")
        keep_port = self.port != 0
        for _ in range(1 if keep_port else 5):
            if not keep_port:
                self.port = free_port()
            process = self._spawn(self.port)
            if self._wait_ready(process):
                self.process = process
                return self
            process.wait(timeout=5)
        raise RuntimeError(
            f"redis-server could not start on 127.0.0.1:{self.port}; its log: "
            f"{self.root / 'redis.log'}"
        )

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("redis-server not started")
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing is flushed beyond what ``appendfsync always`` did."""
        self._signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGSTOP: the server hangs (clients time out) until `cont`."""
        self._signal(signal.SIGSTOP)

    def cont(self) -> None:
        """SIGCONT after `stop`."""
        self._signal(signal.SIGCONT)

    def terminate(self) -> None:
        """SIGTERM: a clean shutdown (the AOF is flushed)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def restart(self) -> None:
        """Start again on the same port and dir: the AOF brings the data back."""
        if self.process is not None and self.process.poll() is None:
            self.terminate()
        self.start()

    def _signal(self, signum: int) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError("redis-server is not running")
        os.kill(self.process.pid, signum)

    def close(self) -> None:
        self.terminate()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- users and clients ----------------------------------------------------------------------

    def add_trader(self, trader_id: str) -> str:
        """Create (or reset) trader `trader_id`'s user; return its password. Kept across
        restarts (the ACL file is rewritten)."""
        password = secrets.token_hex(16)
        self._users[trader_id] = password
        admin = self.admin()
        try:
            admin.execute_command(
                "ACL",
                "SETUSER",
                f"trader-{trader_id}",
                *trader_acl_rule(trader_id, password).split(),
            )
            admin.execute_command("ACL", "SAVE")
        finally:
            admin.close()
        return password

    def password(self, trader_id: str) -> str:
        return self._users[trader_id]

    def url(self, trader_id: str | None = None, db: int = 0) -> str:
        """``redis://user:password@127.0.0.1:port/db``: the admin's, or `trader_id`'s."""
        if trader_id is None:
            user, password = self.ADMIN, self.admin_password
        else:
            user, password = f"trader-{trader_id}", self._users[trader_id]
        return f"redis://{user}:{password}@127.0.0.1:{self.port}/{db}"

    def admin(self, **kwargs) -> redis.Redis:
        return redis.Redis.from_url(self.url(), **kwargs)

    def client(self, trader_id: str, **kwargs) -> redis.Redis:
        return redis.Redis.from_url(self.url(trader_id), **kwargs)
