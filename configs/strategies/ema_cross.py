"""EMA cross: a tutorial strategy.

Two exponential moving averages follow the close of each bar. When the fast one crosses above
the slow one, the strategy goes long; when it crosses below, it goes short. Each flip is two
market orders: one closes the open position, one opens the new one.

It shows the everyday parts of the Strategy API:

* a frozen msgspec config (`EMACrossConfig`) that can travel to another process;
* `on_start`: look up the instrument, register indicators, subscribe to bars;
* `on_bar`: indicators registered for the bars are already updated when it runs;
* `self.portfolio` to ask where we stand, `self.order_factory` to build orders,
  `self.submit_order` and `self.close_all_positions` to trade.

A NautilusTrader user will recognise every name: porting means changing the imports.
"""

from __future__ import annotations

from decimal import Decimal

from core.trading.strategy import Strategy

from core.indicators import ExponentialMovingAverage
from core.model import BarType, InstrumentId, OrderSide
from core.trading.config import StrategyConfig


class EMACrossConfig(StrategyConfig, frozen=True):
    """Parameters of `EMACross`.

    Parameters
    ----------
    instrument_id : str
        The instrument to trade, e.g. ``"EUR/USD.SIM"``.
    bar_type : str
        The bars to follow, e.g. ``"EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"``.
    trade_size : Decimal
        Units per order.
    fast_ema_period, slow_ema_period : int
        EMA periods (fast < slow).
    """

    instrument_id: str
    bar_type: str
    trade_size: Decimal = Decimal(100_000)
    fast_ema_period: int = 10
    slow_ema_period: int = 20

    def __post_init__(self) -> None:
        if self.trade_size <= 0:
            raise ValueError(f"trade_size: expected units > 0, got {self.trade_size}")


class EMACross(Strategy):
    """Long when EMA(fast) ≥ EMA(slow), short otherwise."""

    def __init__(self, config: EMACrossConfig) -> None:
        super().__init__(config)
        if config.fast_ema_period >= config.slow_ema_period:
            raise ValueError(
                f"EMACrossConfig: fast_ema_period {config.fast_ema_period} >= slow_ema_period "
                f"{config.slow_ema_period}, expected fast < slow"
            )
        self.instrument_id = InstrumentId.from_str(config.instrument_id)
        self.bar_type = BarType.from_str(config.bar_type)
        self.fast_ema = ExponentialMovingAverage(config.fast_ema_period)
        self.slow_ema = ExponentialMovingAverage(config.slow_ema_period)
        self.instrument = None
        self.trade_size = None

    def on_start(self) -> None:
        self.instrument = self.cache.instrument(self.instrument_id)
        if self.instrument is None:
            self.log.error(f"instrument {self.instrument_id} not found; stopping")
            self.stop()
            return
        self.trade_size = self.instrument.make_qty(self.config.trade_size)
        # The engine updates these before each on_bar call.
        self.register_indicator_for_bars(self.bar_type, self.fast_ema)
        self.register_indicator_for_bars(self.bar_type, self.slow_ema)
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar) -> None:
        if not self.slow_ema.initialized:
            return  # wait until both averages have seen enough bars
        if self.fast_ema.value >= self.slow_ema.value:
            if self.portfolio.is_flat(self.instrument_id):
                self.enter(OrderSide.BUY)
            elif self.portfolio.is_net_short(self.instrument_id):
                self.close_all_positions(self.instrument_id)
                self.enter(OrderSide.BUY)
        else:
            if self.portfolio.is_flat(self.instrument_id):
                self.enter(OrderSide.SELL)
            elif self.portfolio.is_net_long(self.instrument_id):
                self.close_all_positions(self.instrument_id)
                self.enter(OrderSide.SELL)

    def enter(self, side: OrderSide) -> None:
        order = self.order_factory.market(self.instrument_id, side, self.trade_size)
        self.submit_order(order)

    def on_stop(self) -> None:
        # Leave the account flat at the end of the run.
        self.cancel_all_orders(self.instrument_id)
        self.close_all_positions(self.instrument_id)

    def on_reset(self) -> None:
        self.fast_ema.reset()
        self.slow_ema.reset()
