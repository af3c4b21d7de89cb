"""Heavy-compute offload over ZeroMQ: protocol, broker, workers and the node's client backend.

>>> from cluster.compute import ZmqComputeBackend
>>> engine.add_compute_backend(ZmqComputeBackend("tcp://127.0.0.1:5555"))  # doctest: +SKIP
"""

from cluster.compute.broker import Broker, run_broker
from cluster.compute.client import ZmqComputeBackend
from cluster.compute.config import (
    BrokerConfig,
    ComputeClusterConfig,
    WorkerConfig,
    WorkerGroupConfig,
    load_cluster_config,
)
from cluster.compute.worker import Worker, run_worker, run_workers

__all__ = [
    "Broker",
    "BrokerConfig",
    "ComputeClusterConfig",
    "Worker",
    "WorkerConfig",
    "WorkerGroupConfig",
    "ZmqComputeBackend",
    "load_cluster_config",
    "run_broker",
    "run_worker",
    "run_workers",
]
