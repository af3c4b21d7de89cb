"""Layer 3: the `RiskEngine` (pre-trade checks) and its config."""

from core.risk.config import RiskEngineConfig
from core.risk.engine import RiskEngine

__all__ = ["RiskEngine", "RiskEngineConfig"]
