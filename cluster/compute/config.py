"""Configs of the compute broker, its workers and a local compute cluster (TOML/YAML/JSON).

>>> BrokerConfig(frontend="tcp://127.0.0.1:5555", backend="tcp://127.0.0.1:5556")
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec

from core.errors import ConfigError
from node.config import NodeConfig

__all__ = [
    "TOKEN_ENV",
    "BrokerConfig",
    "ComputeClusterConfig",
    "WorkerConfig",
    "WorkerGroupConfig",
    "load_cluster_config",
    "resolve_token",
]

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]

#: The environment variable holding the shared worker token when no config field sets it.
TOKEN_ENV = "FLOTILLA_COMPUTE_TOKEN"
MiB = 1024 * 1024


def resolve_token(token: str | None, token_file: str | None, where: str) -> bytes | None:
    """Return the worker token of a config: the field, else the file, else ``$FLOTILLA_COMPUTE_TOKEN``.

    Raises
    ------
    ConfigError
        If the file cannot be read or the token is shorter than 16 characters.
    """
    import os

    source = f"{where}.token"
    if token is None and token_file is not None:
        source = f"{where}.token_file {token_file!r}"
        try:
            token = Path(token_file).read_text().strip()
        except OSError as err:
            raise ConfigError(f"{source}: cannot read the token file ({err.strerror})") from err
    if token is None:
        token = os.environ.get(TOKEN_ENV) or None
        source = f"${TOKEN_ENV}"
    if token is None:
        return None
    if len(token) < 16:
        raise ConfigError(
            f"{source}: worker token of {len(token)} characters, expected at least 16 (e.g. "
            f"`python -c 'import secrets; print(secrets.token_hex(16))'`)"
        )
    return token.encode()


class BrokerConfig(NodeConfig, frozen=True, kw_only=True):
    """The compute broker.

    Parameters
    ----------
    frontend : str
        Endpoint clients connect to (bound by the broker).
    backend : str
        Endpoint workers connect to (bound by the broker).
    heartbeat_interval_ms : int, default 1000
        How often the broker and its workers tell each other they are alive.
    heartbeat_liveness : int, default 3
        Heartbeat intervals of silence after which a worker is purged.
    max_retries : int, default 2
        How many times a request whose worker died is re-queued before the client gets
        ``Error(worker_lost)``.
    max_queue, max_queue_bytes : int, default 1000, 64 MiB
        Requests (and their bytes) a service may hold, queued or in flight; beyond either a
        request is answered ``Error(rejected)`` (backpressure).
    max_total_queue, max_total_queue_bytes : int, default 10000, 256 MiB
        The same caps over all services together.
    queue_timeout_ms : int, default 60000
        Longest a request waits in a queue for a worker (a request's own ``timeout_ms`` may be
        shorter); then it is answered ``Error(timeout)`` and its memory freed.
    hwm : int, default 1000
        ZeroMQ high-water mark (messages per peer) of both sockets, except answers to clients.
    client_sndhwm : int, default 100000
        High-water mark of answers queued towards one client: larger, since every request is
        answered (a rejection too) and a client reads its answers in bursts.
    max_message_bytes : int, default 64 MiB
        Larger messages are protocol errors (at most `max_queue_bytes`).
    max_services : int, default 1024
        Distinct service names clients may have open at once (a guard against hostile
        clients); a service is forgotten when it holds no request and has no worker. Workers'
        services are always accepted.
    worker_token, worker_token_file : str, optional
        The shared secret a worker must present in its ``Ready`` (the token itself, or a file
        holding it); else ``$FLOTILLA_COMPUTE_TOKEN``. Without CURVE keys a token is required,
        so an unknown process cannot register as a worker.
    curve_secret_key_file : str, optional
        The broker's ``.key_secret`` file (``flotilla keys``); required to bind non-loopback.
    allowed_client_keys, allowed_worker_keys : list[str]
        Public keys (Z85 text or key files) admitted on the frontend and the backend when
        CURVE is on.
    """

    frontend: str = "tcp://127.0.0.1:5555"
    backend: str = "tcp://127.0.0.1:5556"
    heartbeat_interval_ms: PositiveInt = 1000
    heartbeat_liveness: PositiveInt = 3
    max_retries: Annotated[int, msgspec.Meta(ge=0)] = 2
    max_queue: PositiveInt = 1000
    max_queue_bytes: PositiveInt = 64 * MiB
    max_total_queue: PositiveInt = 10_000
    max_total_queue_bytes: PositiveInt = 256 * MiB
    queue_timeout_ms: PositiveInt = 60_000
    hwm: PositiveInt = 1000
    client_sndhwm: PositiveInt = 100_000
    max_message_bytes: PositiveInt = 64 * MiB
    max_services: PositiveInt = 1024
    worker_token: str | None = None
    worker_token_file: str | None = None
    curve_secret_key_file: str | None = None
    allowed_client_keys: list[str] = []
    allowed_worker_keys: list[str] = []

    def __post_init__(self) -> None:
        from cluster.compute.security import is_loopback

        for field in ("frontend", "backend"):
            address = getattr(self, field)
            if not address.startswith(("tcp://", "ipc://", "inproc://")):
                raise ConfigError(
                    f"BrokerConfig.{field}: invalid value {address!r}, expected a ZeroMQ "
                    f"endpoint like 'tcp://127.0.0.1:5555'"
                )
            if not is_loopback(address) and self.curve_secret_key_file is None:
                raise ConfigError(
                    f"BrokerConfig.{field}: binding {address!r} (not loopback) without CURVE "
                    f"keys is refused; set curve_secret_key_file (generate one with "
                    f"`flotilla keys`) and allowed_client_keys/allowed_worker_keys"
                )
        for small, large in (
            ("max_queue", "max_total_queue"),
            ("max_message_bytes", "max_queue_bytes"),
            ("max_queue_bytes", "max_total_queue_bytes"),
        ):
            if getattr(self, small) > getattr(self, large):
                raise ConfigError(
                    f"BrokerConfig.{small}: {getattr(self, small)} exceeds {large}="
                    f"{getattr(self, large)}, expected {small} <= {large}"
                )
        if self.curve_secret_key_file is not None:
            for field in ("allowed_client_keys", "allowed_worker_keys"):
                if not getattr(self, field):
                    raise ConfigError(
                        f"BrokerConfig.{field}: empty with CURVE on, expected the public keys "
                        f"(Z85 text or .key files) allowed to connect"
                    )


class WorkerConfig(NodeConfig, frozen=True, kw_only=True):
    """One worker process.

    Parameters
    ----------
    broker : str
        The broker's backend endpoint.
    service : str
        The service name this worker serves.
    handler : str
        ``"package.module:function"``; called ``handler(payload, arrays)``.
    credit : int, default 1
        Requests the broker may send ahead (>1 pipelines, at the cost of more re-queued work
        when the worker dies).
    heartbeat_interval_ms, heartbeat_liveness : int
        As the broker's; the worker reconnects after that much broker silence.
    drain_timeout_ms : int, default 10000
        On SIGTERM, the longest wait for in-flight requests before exiting.
    curve_secret_key_file : str, optional
        The worker's own ``.key_secret`` file.
    broker_public_key : str, optional
        The broker's public key (Z85 text or key file); with `curve_secret_key_file`.
    token, token_file : str, optional
        The broker's worker token (or a file holding it); else ``$FLOTILLA_COMPUTE_TOKEN``.
    """

    broker: str = "tcp://127.0.0.1:5556"
    service: str
    handler: str
    credit: Annotated[int, msgspec.Meta(ge=1, le=1024)] = 1
    heartbeat_interval_ms: PositiveInt = 1000
    heartbeat_liveness: PositiveInt = 3
    drain_timeout_ms: PositiveInt = 10_000
    curve_secret_key_file: str | None = None
    broker_public_key: str | None = None
    token: str | None = None
    token_file: str | None = None

    def __post_init__(self) -> None:
        if (self.curve_secret_key_file is None) != (self.broker_public_key is None):
            raise ConfigError(
                "WorkerConfig: curve_secret_key_file and broker_public_key go together, "
                "expected both (CURVE) or neither (loopback)"
            )


class WorkerGroupConfig(NodeConfig, frozen=True, kw_only=True):
    """``count`` worker processes of one service in a local cluster."""

    service: str
    handler: str
    count: PositiveInt = 1
    credit: Annotated[int, msgspec.Meta(ge=1, le=1024)] = 1
    curve_secret_key_file: str | None = None
    broker_public_key: str | None = None


class ComputeClusterConfig(NodeConfig, frozen=True, kw_only=True):
    """A broker and its worker groups, for ``flotilla cluster compute up``."""

    broker: BrokerConfig = BrokerConfig()
    workers: list[WorkerGroupConfig] = []


def load_cluster_config(path: str | Path) -> ComputeClusterConfig:
    """Load a `ComputeClusterConfig` from a TOML, YAML or JSON file.

    Raises
    ------
    ConfigError
        Naming the file and the field's path.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the config ({err.strerror})") from err
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return msgspec.toml.decode(raw, type=ComputeClusterConfig)
        if suffix in (".yaml", ".yml"):
            return msgspec.yaml.decode(raw, type=ComputeClusterConfig)
        if suffix == ".json":
            return msgspec.json.decode(raw, type=ComputeClusterConfig)
    except (msgspec.ValidationError, msgspec.DecodeError) as err:
        raise ConfigError(f"{path}: {err}") from err
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err
    raise ConfigError(f"{path}: unknown config format {suffix!r}, expected .toml, .yaml or .json")
