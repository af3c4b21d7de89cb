"""Layer 4: `Actor`, `Strategy`, their configs, `OrderFactory` and `Trader`."""

from core.trading.actor import Actor
from core.trading.config import ActorConfig, StrategyConfig
from core.trading.factory import OrderFactory
from core.trading.strategy import Strategy
from core.trading.trader import Trader

__all__ = ["Actor", "ActorConfig", "OrderFactory", "Strategy", "StrategyConfig", "Trader"]
