"""The compute commands: ``flotilla worker``, ``flotilla keys``, ``flotilla cluster compute``.

``flotilla cluster compute up CONFIG`` starts a broker and the configured worker processes for
local use, restarts a worker that crashes (1 s back-off) and stops them all, workers first
(drained), on SIGTERM/SIGINT. The full cluster supervisor is the launcher's job.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
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
    broker.add_argument("--max-queue", type=int, help="requests queued per service")
    broker.add_argument("--hwm", type=int, help="socket high-water mark (messages)")
    broker.add_argument("--max-message-bytes", type=int, help="larger messages are refused")
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
        "hwm": args.hwm,
        "max_message_bytes": args.max_message_bytes,
    }
    fields = msgspec.structs.asdict(base)
    fields.update({k: v for k, v in overrides.items() if v is not None})
    run_broker(_convert(BrokerConfig, **fields), args.ready_file)
    return 0


def _up_command(args: argparse.Namespace) -> int:
    from cluster.compute.config import load_cluster_config

    return run_cluster(load_cluster_config(args.config), args.ready_file)


def _broker_main(config, ready_file) -> None:
    from cluster.compute.broker import run_broker

    run_broker(config, ready_file)


def _worker_main(config) -> None:
    from cluster.compute.worker import run_worker

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent sends SIGTERM
    run_worker(config)


def run_cluster(config, ready_file: str | None = None) -> int:
    """Run a broker and `config`'s workers as processes until SIGTERM/SIGINT; return 0 if
    everything stopped cleanly."""
    import os

    from cluster.compute.config import WorkerConfig
    from core.common.compute import load_handler

    for group in config.workers:
        load_handler(group.handler)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    broker_ready = ready_file or None
    broker = context.Process(target=_broker_main, args=(config.broker, broker_ready))
    broker.start()
    backend = config.broker.backend
    if broker_ready:
        deadline = time.monotonic() + 10
        while not os.path.exists(broker_ready) and time.monotonic() < deadline:
            time.sleep(0.02)
        if os.path.exists(broker_ready):
            backend = open(broker_ready).read().split()[1]
    specs = []
    for group in config.workers:
        worker_config = WorkerConfig(
            broker=backend,
            service=group.service,
            handler=group.handler,
            credit=group.credit,
            heartbeat_interval_ms=config.broker.heartbeat_interval_ms,
            heartbeat_liveness=config.broker.heartbeat_liveness,
            curve_secret_key_file=group.curve_secret_key_file,
            broker_public_key=group.broker_public_key,
        )
        specs.extend([worker_config] * group.count)
    workers = [context.Process(target=_worker_main, args=(spec,)) for spec in specs]
    for worker in workers:
        worker.start()
    restarts = 0
    try:
        while not stop.wait(0.2):
            if not broker.is_alive():
                print(
                    f"flotilla cluster compute: broker exited ({broker.exitcode})", file=sys.stderr
                )
                stop.set()
                break
            for i, worker in enumerate(workers):
                if not worker.is_alive():
                    restarts += 1
                    print(
                        f"flotilla cluster compute: worker {i} ({specs[i].service}) exited "
                        f"({worker.exitcode}); restarting",
                        file=sys.stderr,
                    )
                    time.sleep(1.0)
                    workers[i] = context.Process(target=_worker_main, args=(specs[i],))
                    workers[i].start()
    finally:
        for worker in workers:
            if worker.is_alive():
                os.kill(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.join(15)
            if worker.is_alive():
                worker.kill()
                worker.join()
        if broker.is_alive():
            os.kill(broker.pid, signal.SIGTERM)
        broker.join(10)
        if broker.is_alive():
            broker.kill()
            broker.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    clean = broker.exitcode == 0 and all(w.exitcode == 0 for w in workers)
    return 0 if clean else 1
