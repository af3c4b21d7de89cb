"""EMA cross on quotes: the tutorial `EMACross`, fed by quote mid prices instead of bars.

It shows how an indicator is registered for quote ticks (`PriceType.MID`) and that a strategy
can reuse another's logic: `on_quote_tick` hands each quote to `EMACross.on_bar`, which only
reads the indicators. ``trade = false`` keeps the indicators and the handler but sends no
orders (the data-path benchmark uses it).
"""

from __future__ import annotations

from decimal import Decimal

from configs.strategies.ema_cross import EMACross
from core.indicators import ExponentialMovingAverage
from core.model import InstrumentId, OrderSide, PriceType
from core.trading.config import StrategyConfig


class EMACrossQuotesConfig(StrategyConfig, frozen=True):
    """Parameters of `EMACrossQuotes` (see `EMACrossConfig`); ``trade`` turns orders off."""

    instrument_id: str
    trade_size: Decimal = Decimal(100_000)
    fast_ema_period: int = 10
    slow_ema_period: int = 20
    trade: bool = True


class EMACrossQuotes(EMACross):
    """Long when EMA(fast) of the mid ≥ EMA(slow), short otherwise."""

    def __init__(self, config: EMACrossQuotesConfig) -> None:
        if config.fast_ema_period >= config.slow_ema_period:
            raise ValueError(
                f"EMACrossQuotesConfig: fast_ema_period {config.fast_ema_period} >= "
                f"slow_ema_period {config.slow_ema_period}, expected fast < slow"
            )
        super(EMACross, self).__init__(config)
        self.instrument_id = InstrumentId.from_str(config.instrument_id)
        self.fast_ema = ExponentialMovingAverage(config.fast_ema_period, PriceType.MID)
        self.slow_ema = ExponentialMovingAverage(config.slow_ema_period, PriceType.MID)
        self.instrument = None
        self.trade_size = None

    def on_start(self) -> None:
        self.instrument = self.cache.instrument(self.instrument_id)
        if self.instrument is None:
            self.log.error(f"instrument {self.instrument_id} not found; stopping")
            self.stop()
            return
        self.trade_size = self.instrument.make_qty(self.config.trade_size)
        self.register_indicator_for_quote_ticks(self.instrument_id, self.fast_ema)
        self.register_indicator_for_quote_ticks(self.instrument_id, self.slow_ema)
        self.subscribe_quote_ticks(self.instrument_id)

    def on_quote_tick(self, tick) -> None:
        self.on_bar(tick)

    def enter(self, side: OrderSide) -> None:
        if self.config.trade:
            super().enter(side)
