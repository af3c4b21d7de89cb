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
    "BrokerConfig",
    "ComputeClusterConfig",
    "WorkerConfig",
    "WorkerGroupConfig",
    "load_cluster_config",
]

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]


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
    max_queue : int, default 10000
        Requests waiting per service; beyond it a request is rejected (backpressure).
    hwm : int, default 1000
        ZeroMQ high-water mark (messages per peer) of both sockets, except answers to clients.
    client_sndhwm : int, default 100000
        High-water mark of answers queued towards one client: larger, since every request is
        answered (a rejection too) and a client reads its answers in bursts.
    max_message_bytes : int, default 256 MiB
        Larger messages are protocol errors.
    max_services : int, default 1024
        Distinct service names accepted (a guard against hostile clients).
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
    max_queue: PositiveInt = 10_000
    hwm: PositiveInt = 1000
    client_sndhwm: PositiveInt = 100_000
    max_message_bytes: PositiveInt = 256 * 1024 * 1024
    max_services: PositiveInt = 1024
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
