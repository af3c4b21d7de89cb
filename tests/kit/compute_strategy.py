"""A strategy that asks a compute service for its signal on every bar (compute tests).

Each bar sends the last closes to the ``signal`` service (``compute_handlers.momentum_signal``);
the reply, delivered at the modelled time, flips the position to the side it names. The fills
therefore depend on every reply's content and delivery time: a digest pins them.
"""

from __future__ import annotations

from core.trading.strategy import Strategy

from core.model import BarType, InstrumentId, OrderSide
from core.trading.config import StrategyConfig
from tests.kit.compute_handlers import Signal


class ComputeSignalConfig(StrategyConfig, frozen=True):
    instrument_id: str
    bar_type: str
    max_requests: int = 1000
    window: int = 10
    trade_size: int = 100_000


class ComputeSignalStrategy(Strategy):
    def __init__(self, config: ComputeSignalConfig) -> None:
        super().__init__(config)
        self.instrument_id = InstrumentId.from_str(config.instrument_id)
        self.bar_type = BarType.from_str(config.bar_type)
        self.closes: list[float] = []
        self.sent = 0
        self.outcomes: dict[str, object] = {}
        self.failures: list = []

    def on_start(self) -> None:
        self.instrument = self.cache.instrument(self.instrument_id)
        self.trade_size = self.instrument.make_qty(self.config.trade_size)
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar) -> None:
        self.closes.append(float(bar.close))
        if len(self.closes) < self.config.window or self.sent >= self.config.max_requests:
            return
        self.sent += 1
        payload = Signal(tag=self.sent, closes=self.closes[-self.config.window :])
        self.request_compute("signal", payload, self.on_signal)

    def on_signal(self, event) -> None:
        assert event.request_id not in self.outcomes, f"{event.request_id} delivered twice"
        self.outcomes[event.request_id] = event
        if type(event).__name__ != "ComputeReply":
            self.failures.append(event)
            return
        side = OrderSide.BUY if event.payload["side"] > 0 else OrderSide.SELL
        if side == OrderSide.BUY and self.portfolio.is_net_long(self.instrument_id):
            return
        if side == OrderSide.SELL and self.portfolio.is_net_short(self.instrument_id):
            return
        if not self.portfolio.is_flat(self.instrument_id):
            self.close_all_positions(self.instrument_id)
        self.submit_order(self.order_factory.market(self.instrument_id, side, self.trade_size))
