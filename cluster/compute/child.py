"""The broker and worker processes that ``flotilla cluster compute up`` and ``flotilla worker
--concurrency N`` start: ``python -m cluster.compute.child`` with a JSON spec on stdin.

The spec travels on stdin, not argv, so the worker token never shows in ``ps``. A child dies
with its parent: it asks the kernel for SIGKILL when the parent exits (``PR_SET_PDEATHSIG``)
and then checks that its parent is still the one that started it (the parent may have died
before the request took effect). Children run in a process group of their own: a terminal's
Ctrl-C reaches the parent only, which stops them in order.

A broker child reports on stdout, one line: ``ready <frontend> <backend>`` once bound, or
``error <message>`` (e.g. a busy port), after which it exits 1.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

import msgspec

from core.errors import FlotillaError

__all__ = ["set_parent_death_signal", "spawn"]

_PR_SET_PDEATHSIG = 1


def set_parent_death_signal(expected_parent: int) -> None:
    """Have the kernel SIGKILL this process when its parent exits (Linux); exit at once if the
    parent is already gone (it is no longer `expected_parent`)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(err)}")
    if os.getppid() != expected_parent:
        os._exit(1)  # orphaned before the death signal was armed: nobody would stop us


def spawn(role: str, config, stdout=None) -> subprocess.Popen:
    """Start a child running `config` (a `BrokerConfig` or `WorkerConfig`) as `role`."""
    spec = msgspec.json.encode({"role": role, "parent_pid": os.getpid(), "config": config})
    env = dict(os.environ)
    # the child imports what the parent could (handlers given as "module:function")
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cluster.compute.child"],
        stdin=subprocess.PIPE,
        stdout=stdout,
        env=env,
        process_group=0,
    )
    proc.stdin.write(spec)
    proc.stdin.close()
    return proc


def _broker(config, parent_pid: int) -> int:
    from cluster.compute.broker import Broker

    broker = Broker(config)
    try:
        broker.bind()
    except FlotillaError as err:
        print(f"error {err}", flush=True)
        return 1
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: broker.stop())
    print(f"ready {broker.frontend_endpoint} {broker.backend_endpoint}", flush=True)
    try:
        broker.run()
    finally:
        broker.close()
    return 0


def _worker(config) -> int:
    from cluster.compute.worker import run_worker

    run_worker(config)
    return 0


def main() -> int:
    """Run the child described by the JSON spec on stdin; return its exit code."""
    from cluster.compute.config import BrokerConfig, WorkerConfig

    # until our own handlers are set, a stray SIGINT must not print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    spec = msgspec.json.decode(sys.stdin.buffer.read())
    set_parent_death_signal(spec["parent_pid"])
    role = spec["role"]
    try:
        if role == "broker":
            return _broker(msgspec.convert(spec["config"], BrokerConfig), spec["parent_pid"])
        if role == "worker":
            return _worker(msgspec.convert(spec["config"], WorkerConfig))
    except (FlotillaError, OSError) as err:
        print(f"flotilla {role}: error: {err}", file=sys.stderr, flush=True)
        return 1
    print(f"flotilla child: role {role!r} unknown, expected 'broker' or 'worker'", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
