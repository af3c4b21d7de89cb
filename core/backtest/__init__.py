"""Layer 5: the simulated venue, its models and the `BacktestEngine`."""

from core.backtest.config import BacktestEngineConfig
from core.backtest.engine import BacktestEngine, StrategyError
from core.backtest.exchange import BacktestExecClient, SimulatedExchange
from core.backtest.matching import OrderMatchingEngine
from core.backtest.models import (
    FeeModel,
    FillModel,
    FixedFeeModel,
    LatencyModel,
    MakerTakerFeeModel,
    PerContractFeeModel,
)
from core.backtest.results import BacktestResult

__all__ = [
    "BacktestEngine",
    "BacktestEngineConfig",
    "BacktestExecClient",
    "BacktestResult",
    "FeeModel",
    "FillModel",
    "FixedFeeModel",
    "LatencyModel",
    "MakerTakerFeeModel",
    "OrderMatchingEngine",
    "PerContractFeeModel",
    "SimulatedExchange",
    "StrategyError",
]
