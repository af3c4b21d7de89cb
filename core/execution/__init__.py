"""Layer 3: the `ExecutionEngine`, execution clients and their config."""

from core.execution.client import ExecutionClient
from core.execution.config import ExecEngineConfig
from core.execution.engine import ExecutionEngine

__all__ = ["ExecEngineConfig", "ExecutionClient", "ExecutionEngine"]
