"""A local Ray head that dies with the grid driver that started it, however the driver ends.

With a local ``ray.init()`` the driver itself starts the head: gcs_server, raylet, the monitors
and, under the raylet, the dashboard and runtime-env agents. Ray binds the driver's direct
children to it (``PR_SET_PDEATHSIG``), but when the driver is SIGKILLed the raylet's agents
outlive it and keep running; and they share the process group of the user's shell job, so
nothing can reap them by group without hitting the user's other processes.

So the driver does not start Ray itself. It starts this warden as a child in a new session
(`start_warden`); the warden starts the head (so every head process is in the warden's process
group, and none is in the user's terminal group, so a Ctrl-C reaches the driver only), prints
the GCS address, and blocks reading its stdin, a pipe whose only writer is the driver. The
kernel closes that pipe when the driver exits for any reason, SIGKILL included; the warden then
sends SIGTERM to its process group, waits up to `GRACE_S` for it to empty and SIGKILLs what is
left (itself included). Ray workers run in process groups of their own; they exit when their
raylet is gone.

Killing the warden itself by SIGKILL is the one way to leave the head running; like any
supervisor, it is not something to kill by hand.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["GRACE_S", "Warden", "session_processes", "start_warden"]

GRACE_S = 5.0
_REPO_ROOT = str(Path(__file__).resolve().parents[2])


def session_processes(temp_dir: str | Path) -> list[int]:
    """Return the pids of the processes that hold a file open under a Ray temp dir.

    Every Ray process (head, agents, workers) keeps its log files open under the session
    folder, so this finds a session's processes without relying on names or process groups.
    """
    root = os.path.realpath(temp_dir) + os.sep
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:  # gone, or not ours to look at
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{entry}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(root):
                found.append(int(entry))
                break
    return sorted(found)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.getpgid(int(entry)) == pgid:
                members.append(int(entry))
        except OSError:
            continue
    return members


def _reap_group(temp_dir: str | None = None) -> None:
    """SIGTERM the warden's process group, wait for it to empty, SIGKILL what is left, then
    remove the session's temp dir (`temp_dir`, when the head had started) and exit.

    The dir holds Ray's sockets, logs and spilled objects of a session nobody can join again;
    kept, every grid run would leave one more under /tmp.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pgid = os.getpgid(0)
    os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in _group_members(pgid):  # everyone but the warden, which still has work to do
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + GRACE_S
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if temp_dir is not None:
        shutil.rmtree(temp_dir, ignore_errors=True)
    os.killpg(pgid, signal.SIGKILL)  # the warden too (and anything that escaped the wait)


def main(argv: list[str] | None = None) -> int:
    """Start a local Ray head, print its GCS address, reap it when stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m cluster.grid.warden")
    parser.add_argument("--temp-dir", required=True)
    parser.add_argument("--num-cpus", type=int, required=True)
    args = parser.parse_args(argv)
    # The warden is in its own session; a stray SIGINT must not stop it before the reaping.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import ray

    started = False
    try:
        ray.init(
            num_cpus=args.num_cpus,
            include_dashboard=False,
            # Ray 2.60 rewrites a loopback node address to the host's reachable one and binds
            # its servers there: the session token (_session_auth) is what keeps others out.
            _node_ip_address="127.0.0.1",
            _temp_dir=args.temp_dir,
            log_to_driver=False,
        )
        started = True
        sys.stdout.write(ray.get_runtime_context().gcs_address + "\n")
        sys.stdout.flush()
        while sys.stdin.buffer.read(65536):  # the driver never writes: this waits for EOF
            pass
    finally:  # EOF, or the driver gone before the address could be written
        # A head that never started keeps its folder: warden.log there says why.
        _reap_group(args.temp_dir if started else None)
    return 0


class Warden:
    """The driver's handle on a running warden: the GCS address, close to stop the head."""

    def __init__(self, process: subprocess.Popen, address: str, temp_dir: str) -> None:
        self.process = process
        self.address = address
        self.temp_dir = temp_dir

    def close(self, timeout: float = GRACE_S + 10) -> None:
        """Close the pipe (the warden reaps the head) and wait for the warden to exit."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()


def _session_auth() -> dict[str, str]:
    """Return the environment that makes this process and its warden share a Ray token.

    Ray enables token authentication for a new local cluster, but a driver connecting to an
    explicit address only sends a token when told to; a fresh token per session, given to
    both through the environment, keeps the head closed to everyone else.
    """
    if os.environ.get("RAY_AUTH_MODE", "token") != "token" or not os.environ.get("RAY_AUTH_TOKEN"):
        if os.environ.get("RAY_AUTH_MODE") not in (None, "token"):
            return {"RAY_AUTH_MODE": os.environ["RAY_AUTH_MODE"]}
        os.environ["RAY_AUTH_MODE"] = "token"
        os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
        if "ray._raylet" in sys.modules:  # Ray read its config at import: make it read again
            from ray._raylet import AuthenticationTokenLoader, Config

            Config.initialize("")
            AuthenticationTokenLoader.instance().reset_cache()
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": os.environ["RAY_AUTH_TOKEN"]}


def start_warden(temp_dir: str, num_cpus: int) -> Warden:
    """Start the warden of a local Ray head in `temp_dir`; return once the head is up.

    Raises
    ------
    RuntimeError
        If the head did not start (the warden's log is named in the message).
    """
    log_path = Path(temp_dir) / "warden.log"
    env = dict(os.environ)
    env.update(_session_auth())
    env["PYTHONPATH"] = os.pathsep.join(p for p in [_REPO_ROOT, env.get("PYTHONPATH", "")] if p)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cluster.grid.warden",
                "--temp-dir",
                temp_dir,
                "--num-cpus",
                str(num_cpus),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
            cwd=_REPO_ROOT,
            env=env,
        )
    address = process.stdout.readline().decode().strip()
    if not address:
        process.stdin.close()
        process.wait(timeout=GRACE_S + 10)
        tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(
            f"local Ray did not start (warden exit code {process.returncode}): {tail[0]}; "
            f"see {log_path}"
        )
    return Warden(process, address, temp_dir)


if __name__ == "__main__":
    sys.exit(main())
