"""Strategies for the trading-node tests: a resting limit order, an order sent from a timer,
and a record of what each bar looked like on arrival."""

from __future__ import annotations

from decimal import Decimal

from core.trading.strategy import Strategy

from core.model import BarType, InstrumentId, OrderSide
from core.trading.config import StrategyConfig


class NodeProbeConfig(StrategyConfig, frozen=True):
    """``mode``: ``"rest"`` (one far limit buy on the first bar), ``"timer"`` (a market buy
    from a time alert `timer_delay_ms` after the first bar) or ``"watch"`` (no orders)."""

    instrument_id: str
    bar_type: str
    mode: str = "watch"
    timer_delay_ms: int = 100
    record_file: str = ""


class NodeProbe(Strategy):
    """Records ``(ts_init, ts_event, wall ns on arrival)`` per bar and ``(ts, price)`` per fill
    (written to `record_file` at stop, one line each, so a subprocess test can read them)."""

    def __init__(self, config: NodeProbeConfig) -> None:
        super().__init__(config)
        self.instrument_id = InstrumentId.from_str(config.instrument_id)
        self.bar_type = BarType.from_str(config.bar_type)
        self.bars: list[tuple[int, int, int]] = []
        self.fills: list[tuple[int, str]] = []
        self.timer_fired_ns = -1

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar) -> None:
        self.bars.append((bar.ts_init, bar.ts_event, self.clock.timestamp_ns()))
        if len(self.bars) != 1:
            return
        instrument = self.cache.instrument(self.instrument_id)
        if self.config.mode == "rest":
            price = instrument.make_price(Decimal(str(bar.close)) / 2)
            order = self.order_factory.limit(
                self.instrument_id, OrderSide.BUY, instrument.make_qty(Decimal(10000)), price
            )
            self.submit_order(order)
        elif self.config.mode == "timer":
            due = self.clock.timestamp_ns() + self.config.timer_delay_ms * 1_000_000
            self.clock.set_time_alert_ns("buy", due, self._buy)
        if self.config.record_file:  # tells a test the node runs and its orders are out
            open(f"{self.config.record_file}.started", "w").close()

    def _buy(self, event) -> None:
        self.timer_fired_ns = self.clock.timestamp_ns()
        instrument = self.cache.instrument(self.instrument_id)
        self.submit_order(
            self.order_factory.market(
                self.instrument_id, OrderSide.BUY, instrument.make_qty(Decimal(1000))
            )
        )

    def on_order_filled(self, event) -> None:
        self.fills.append((event.ts_event, str(event.last_px)))

    def on_stop(self) -> None:
        if self.config.record_file:
            with open(self.config.record_file, "w") as out:
                for ts_init, ts_event, wall in self.bars:
                    out.write(f"bar {ts_init} {ts_event} {wall}\n")
                for ts, price in self.fills:
                    out.write(f"fill {ts} {price}\n")
