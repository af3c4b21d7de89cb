"""Layer 3: the `DataEngine` and its config."""

from core.data.config import DataEngineConfig
from core.data.engine import DataEngine

__all__ = ["DataEngine", "DataEngineConfig"]
