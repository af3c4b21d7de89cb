"""`Recorder`: an actor that records every quote, trade and bar it receives (for merge tests)."""

from __future__ import annotations

from core.trading.actor import Actor

from core.model import BarType, InstrumentId
from core.model.data import Data, DataType
from core.trading.config import ActorConfig

# Each run's recorders append here: (kind, identifier, ts_init), in delivery order.
RECORDED: list[tuple[str, str, int]] = []


class Signal(Data):
    """Custom data following the catalog's contract (``to_dict`` / ``from_dict``)."""

    def __init__(self, instrument_id, value: float, ts_event: int, ts_init: int) -> None:
        super().__init__(ts_event, ts_init)
        self.instrument_id = instrument_id
        self.value = value

    def to_dict(self) -> dict:
        return {"instrument_id": str(self.instrument_id), "value": self.value}

    @classmethod
    def from_dict(cls, values: dict) -> Signal:
        return cls(
            InstrumentId.from_str(values["instrument_id"]),
            values["value"],
            values["ts_event"],
            values["ts_init"],
        )


class RecorderConfig(ActorConfig, frozen=True):
    """What to subscribe to."""

    quote_instruments: list[str] = []
    trade_instruments: list[str] = []
    bar_types: list[str] = []
    signals: bool = False


class Recorder(Actor):
    """Appends ``(kind, identifier, ts_init)`` to `RECORDED` for each data point (custom
    `Signal` data too, with ``signals = true``)."""

    def __init__(self, config: RecorderConfig) -> None:
        super().__init__(config)

    def on_start(self) -> None:
        for name in self.config.quote_instruments:
            self.subscribe_quote_ticks(InstrumentId.from_str(name))
        for name in self.config.trade_instruments:
            self.subscribe_trade_ticks(InstrumentId.from_str(name))
        for name in self.config.bar_types:
            self.subscribe_bars(BarType.from_str(name))
        if self.config.signals:
            self.subscribe_data(DataType(Signal))

    def on_quote_tick(self, tick) -> None:
        RECORDED.append(("quote", str(tick.instrument_id), tick.ts_init))

    def on_trade_tick(self, tick) -> None:
        RECORDED.append(("trade", str(tick.instrument_id), tick.ts_init))

    def on_bar(self, bar) -> None:
        RECORDED.append(("bar", str(bar.bar_type), bar.ts_init))

    def on_data(self, data) -> None:
        RECORDED.append(("signal", str(data.instrument_id), data.ts_init))
