"""The compute commands: ``flotilla worker``, ``flotilla keys``, ``flotilla cluster compute``.

``flotilla cluster compute up CONFIG`` starts a broker and the configured worker processes for
local use, restarts a worker that crashes (1 s back-off) and stops them all, workers first
(drained), on SIGTERM/SIGINT. The children die with it, even on ``kill -9`` (see
`cluster.compute.child`). Without CURVE keys or a configured worker token it makes a random
token for its own broker and workers. The full cluster supervisor is the launcher's job.

Ctrl-C (SIGINT) stops every compute command cleanly, prints one line and exits 130.
"""

from __future__ import annotations

import argparse
import os
import secrets
import selectors
import signal
import subprocess
import sys
import threading
import time

from core.errors import ConfigError

__all__ = ["register", "run_cluster"]


def _subparsers(commands, name: str, **kwargs):
    """Return the sub-command group of command `name`, creating the command if needed (several
    modules add to ``flotilla cluster``)."""
    parser = commands.choices.get(name)
    if parser is None:
        parser = commands.add_parser(name, **kwargs)
    if parser._subparsers is None:
        return parser.add_subparsers(dest=f"{name}_command", required=True)
    return parser._subparsers._group_actions[0]


def register(commands) -> None:
    """Add ``worker``, ``keys`` and ``cluster compute {up,broker}`` to the command line."""
    worker = commands.add_parser(
        "worker",
        help="run compute worker processes for one service",
        description="Connect to a compute broker's backend and serve one service with a "
        "handler function handler(payload, arrays). SIGTERM drains: in-flight requests are "
        "answered before the worker exits.",
        epilog="examples:\n"
        "  flotilla worker --service price --handler mypkg.pricing:price_option\n"
        "  flotilla worker --broker tcp://10.0.0.5:5556 --service price \\\n"
        "      --handler mypkg.pricing:price_option --concurrency 4 \\\n"
        "      --curve-secret-key-file keys/worker.key_secret --broker-public-key keys/broker.key",
    )
    worker.add_argument("--broker", default="tcp://127.0.0.1:5556", help="broker backend endpoint")
    worker.add_argument("--service", required=True, help="the service name to serve")
    worker.add_argument("--handler", required=True, help="'package.module:function'")
    worker.add_argument("--concurrency", type=int, default=1, help="worker processes (default 1)")
    worker.add_argument("--credit", type=int, default=1, help="requests sent ahead per worker")
    worker.add_argument("--heartbeat-ms", type=int, default=1000, help="heartbeat interval")
    worker.add_argument("--liveness", type=int, default=3, help="heartbeats missed = dead")
    worker.add_argument("--curve-secret-key-file", help="this worker's .key_secret file")
    worker.add_argument("--broker-public-key", help="the broker's public key (text or file)")
    worker.add_argument(
        "--token-file",
        help="file holding the broker's worker token (default: $FLOTILLA_COMPUTE_TOKEN)",
    )
    worker.set_defaults(func=_worker_command)

    keys = commands.add_parser(
        "keys",
        help="generate a CURVE key pair for a broker, worker or client",
        description="Write <name>.key (public, share it) and <name>.key_secret (keep it) into "
        "a directory.",
        epilog="examples:\n  flotilla keys broker\n  flotilla keys --dir /etc/flotilla node-1",
    )
    keys.add_argument("name", help="file name of the pair, e.g. broker")
    keys.add_argument("--dir", default="keys", help="directory to write into (default ./keys)")
    keys.set_defaults(func=_keys_command)

    cluster = _subparsers(
        commands,
        "cluster",
        help="run cluster services locally",
        description="Run the cluster's services (broker, workers) as local processes.",
        epilog="examples:\n  flotilla cluster compute up configs/compute.toml",
    )
    compute = cluster.add_parser(
        "compute",
        help="the compute broker and workers",
        description="Start the compute broker and its workers.",
        epilog="examples:\n  flotilla cluster compute up configs/compute.toml\n"
        "  flotilla cluster compute broker --frontend tcp://127.0.0.1:5555",
    )
    actions = compute.add_subparsers(dest="compute_command", required=True)
    up = actions.add_parser(
        "up",
        help="start a broker and the configured workers until SIGTERM",
        description="Start the broker and every worker group of CONFIG (TOML/YAML/JSON) as "
        "processes; restart crashed workers; stop all on SIGTERM/SIGINT.",
        epilog="examples:\n  flotilla cluster compute up configs/compute.toml",
    )
    up.add_argument("config", help="a ComputeClusterConfig file")
    up.add_argument("--ready-file", help="write the broker endpoints here once bound")
    up.set_defaults(func=_up_command)
    broker = actions.add_parser(
        "broker",
        help="run a broker only",
        description="Run a compute broker in the foreground until SIGTERM/SIGINT.",
        epilog="examples:\n  flotilla cluster compute broker\n"
        "  flotilla cluster compute broker --frontend tcp://127.0.0.1:7000 "
        "--backend tcp://127.0.0.1:7001",
    )
    broker.add_argument("--config", help="a ComputeClusterConfig file (its [broker] table)")
    broker.add_argument("--frontend", help="client endpoint (overrides the config)")
    broker.add_argument("--backend", help="worker endpoint (overrides the config)")
    broker.add_argument("--heartbeat-ms", type=int, help="heartbeat interval")
    broker.add_argument("--liveness", type=int, help="heartbeats missed = worker dead")
    broker.add_argument("--max-retries", type=int, help="re-queues after worker deaths")
    broker.add_argument("--max-queue", type=int, help="requests held per service")
    broker.add_argument("--max-queue-bytes", type=int, help="bytes held per service")
    broker.add_argument("--max-total-queue", type=int, help="requests held in total")
    broker.add_argument("--max-total-queue-bytes", type=int, help="bytes held in total")
    broker.add_argument("--queue-timeout-ms", type=int, help="longest wait for a worker")
    broker.add_argument("--max-services", type=int, help="services clients may open")
    broker.add_argument("--hwm", type=int, help="socket high-water mark (messages)")
    broker.add_argument("--max-message-bytes", type=int, help="larger messages are refused")
    broker.add_argument(
        "--worker-token-file",
        help="file holding the workers' shared token (default: $FLOTILLA_COMPUTE_TOKEN)",
    )
    broker.add_argument("--ready-file", help="write the endpoints here once bound")
    broker.set_defaults(func=_broker_command)


def _convert(factory, **kwargs):
    import msgspec

    try:
        return msgspec.convert(kwargs, factory)
    except msgspec.ValidationError as err:
        raise ConfigError(str(err)) from err


def _worker_command(args: argparse.Namespace) -> int:
    from cluster.compute.config import WorkerConfig
    from cluster.compute.worker import run_workers

    if args.concurrency < 1:
        raise ConfigError(f"--concurrency {args.concurrency} invalid, expected >= 1")
    config = _convert(
        WorkerConfig,
        broker=args.broker,
        service=args.service,
        handler=args.handler,
        credit=args.credit,
        heartbeat_interval_ms=args.heartbeat_ms,
        heartbeat_liveness=args.liveness,
        curve_secret_key_file=args.curve_secret_key_file,
        broker_public_key=args.broker_public_key,
        token_file=args.token_file,
    )
    from core.common.compute import load_handler

    load_handler(config.handler)
    return run_workers(config, args.concurrency)


def _keys_command(args: argparse.Namespace) -> int:
    import zmq.auth

    from cluster.compute.security import generate_keys

    public, secret = generate_keys(args.dir, args.name)
    print(f"public key  {public}  ({zmq.auth.load_certificate(public)[0].decode()})")
    print(f"secret key  {secret}  (keep it private)")
    return 0


def _broker_command(args: argparse.Namespace) -> int:
    import msgspec

    from cluster.compute.broker import run_broker
    from cluster.compute.config import BrokerConfig, load_cluster_config

    base = load_cluster_config(args.config).broker if args.config else BrokerConfig()
    overrides = {
        "frontend": args.frontend,
        "backend": args.backend,
        "heartbeat_interval_ms": args.heartbeat_ms,
        "heartbeat_liveness": args.liveness,
        "max_retries": args.max_retries,
        "max_queue": args.max_queue,
        "max_queue_bytes": args.max_queue_bytes,
        "max_total_queue": args.max_total_queue,
        "max_total_queue_bytes": args.max_total_queue_bytes,
        "queue_timeout_ms": args.queue_timeout_ms,
        "max_services": args.max_services,
        "hwm": args.hwm,
        "max_message_bytes": args.max_message_bytes,
        "worker_token_file": args.worker_token_file,
    }
    fields = msgspec.structs.asdict(base)
    fields.update({k: v for k, v in overrides.items() if v is not None})
    if run_broker(_convert(BrokerConfig, **fields), args.ready_file):
        print("flotilla cluster compute broker: interrupted", file=sys.stderr)
        return 130
    return 0


def _up_command(args: argparse.Namespace) -> int:
    from cluster.compute.config import load_cluster_config

    return run_cluster(load_cluster_config(args.config), args.ready_file)


def _wait_ready(broker: subprocess.Popen, stop: threading.Event) -> tuple[str, str] | str:
    """Return the broker child's endpoints, or the one-line reason it did not bind."""
    with selectors.DefaultSelector() as selector:
        selector.register(broker.stdout, selectors.EVENT_READ)
        while not stop.is_set():
            if not selector.select(0.2):
                continue
            line = broker.stdout.readline().decode().strip()
            if line.startswith("ready "):
                fe, be = line.split()[1:3]
                return fe, be
            if line.startswith("error "):
                return line[len("error ") :]
            broker.wait(10)
            return f"the broker exited ({broker.returncode}) before binding its endpoints"
    return "interrupted"


def _stop(procs: list, timeout: float) -> None:
    """SIGTERM `procs`, wait up to `timeout` s for all, SIGKILL the rest."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_cluster(config, ready_file: str | None = None) -> int:
    """Run a broker and `config`'s workers as child processes until SIGTERM/SIGINT.

    Returns
    -------
    int
        0 if everything stopped cleanly, 130 after Ctrl-C (one line printed), 1 otherwise (one
        line printed, e.g. the broker's port is in use).
    """
    import msgspec

    from cluster.compute.child import spawn
    from cluster.compute.config import WorkerConfig, resolve_token
    from core.common.compute import load_handler

    for group in config.workers:
        load_handler(group.handler)
    broker_config = config.broker
    token = resolve_token(
        broker_config.worker_token, broker_config.worker_token_file, "BrokerConfig"
    )
    if token is None and broker_config.curve_secret_key_file is None:
        # a private secret between this process's broker and workers (never on argv)
        token = secrets.token_hex(16).encode()
    if token is not None:
        broker_config = msgspec.structs.replace(
            broker_config, worker_token=token.decode(), worker_token_file=None
        )
    stop = threading.Event()
    interrupted = threading.Event()

    def on_signal(signum, _frame):
        if signum == signal.SIGINT:
            interrupted.set()
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    broker = None
    workers: list = []
    failure = None
    try:
        broker = spawn("broker", broker_config, stdout=subprocess.PIPE)
        ready = _wait_ready(broker, stop)
        if isinstance(ready, str):
            if not stop.is_set():
                failure = ready
        else:
            if ready_file:
                tmp = f"{ready_file}.tmp"
                with open(tmp, "w") as handle:
                    handle.write(f"{ready[0]} {ready[1]}\n")
                os.replace(tmp, ready_file)
            specs = []
            for group in config.workers:
                worker_config = WorkerConfig(
                    broker=ready[1],
                    service=group.service,
                    handler=group.handler,
                    credit=group.credit,
                    heartbeat_interval_ms=broker_config.heartbeat_interval_ms,
                    heartbeat_liveness=broker_config.heartbeat_liveness,
                    curve_secret_key_file=group.curve_secret_key_file,
                    broker_public_key=group.broker_public_key,
                    token=token.decode() if token is not None else None,
                )
                specs.extend([worker_config] * group.count)
            workers = [spawn("worker", spec) for spec in specs]
            restart_at = [0.0] * len(workers)
            while not stop.wait(0.2):
                if broker.poll() is not None:
                    failure = f"the broker exited ({broker.returncode})"
                    break
                now = time.monotonic()
                for i, worker in enumerate(workers):
                    if worker.poll() is None:
                        continue
                    if not restart_at[i]:
                        restart_at[i] = now + 1.0  # back-off, without blocking the others
                        print(
                            f"flotilla cluster compute: worker {i} ({specs[i].service}) exited "
                            f"({worker.returncode}); restarting in 1 s",
                            file=sys.stderr,
                        )
                    elif now >= restart_at[i]:
                        restart_at[i] = 0.0
                        workers[i] = spawn("worker", specs[i])
    finally:
        _stop(workers, 15)
        if broker is not None:
            _stop([broker], 10)
            if broker.stdout is not None:
                broker.stdout.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if interrupted.is_set():
        print("flotilla cluster compute: interrupted", file=sys.stderr)
        return 130
    if failure is not None:
        print(f"flotilla cluster compute: error: {failure}", file=sys.stderr)
        return 1
    clean = broker.returncode == 0 and all(w.returncode == 0 for w in workers)
    return 0 if clean else 1
