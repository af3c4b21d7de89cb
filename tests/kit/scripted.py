"""`ScriptedStrategy`: issues given commands at given data timestamps and records what it sees.

Integration tests of the simulated venue drive a real `BacktestEngine` with this strategy and
assert the exact sequence of records it kept. Each record is a tuple ``(ts, kind, *fields)``
where ``ts`` is the strategy clock's time on receipt:

==================  ===============================================================
kind                fields
==================  ===============================================================
``QuoteTick``       instrument id, bid, ask
``TradeTick``       instrument id, price
``Bar``             bar type, close
``TimeEvent``       timer name
``OrderFilled``     label, side, quantity, price, liquidity side
``OrderRejected``   label, reason (also ``OrderDenied``, ``OrderModifyRejected``,
                    ``OrderCancelRejected``)
other order event   label (``OrderAccepted``, ``OrderCanceled``, ``OrderExpired``, ...)
``Position*``       position id, signed quantity
==================  ===============================================================

Orders are named by the test (``label``); prices and quantities are strings parsed with
`Price.from_str` / `Quantity.from_str`, so a test can build one with the wrong precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.trading.strategy import Strategy

from core.model.enums import OrderSide, TimeInForce
from core.model.identifiers import InstrumentId, PositionId
from core.model.objects import Price, Quantity
from core.trading.config import StrategyConfig

__all__ = [
    "Cancel",
    "Limit",
    "Market",
    "Modify",
    "ScriptedStrategy",
    "StopMarket",
    "TimeAlert",
]

# Lifecycle noise every submitted order produces; `ScriptedStrategy.trace` leaves it out.
_SUBMISSION_EVENTS = ("OrderInitialized", "OrderSubmitted")


def _side(side: str) -> OrderSide:
    return OrderSide.BUY if side == "BUY" else OrderSide.SELL


@dataclass(frozen=True)
class Market:
    """Submit a market order."""

    label: str
    side: str
    quantity: str
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    instrument_id: str | None = None
    position_id: str | None = None  # HEDGING: the position to trade against

    def __call__(self, strategy: ScriptedStrategy) -> None:
        order = strategy.order_factory.market(
            strategy.instrument_for(self.instrument_id),
            _side(self.side),
            Quantity.from_str(self.quantity),
            time_in_force=self.time_in_force,
            reduce_only=self.reduce_only,
        )
        strategy.submit_labelled(self.label, order, self.position_id)


@dataclass(frozen=True)
class Limit:
    """Submit a limit order."""

    label: str
    side: str
    quantity: str
    price: str
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    instrument_id: str | None = None

    def __call__(self, strategy: ScriptedStrategy) -> None:
        order = strategy.order_factory.limit(
            strategy.instrument_for(self.instrument_id),
            _side(self.side),
            Quantity.from_str(self.quantity),
            Price.from_str(self.price),
            time_in_force=self.time_in_force,
            expire_time=self.expire_time_ns,
            post_only=self.post_only,
            reduce_only=self.reduce_only,
        )
        strategy.submit_labelled(self.label, order)


@dataclass(frozen=True)
class StopMarket:
    """Submit a stop-market order."""

    label: str
    side: str
    quantity: str
    trigger_price: str
    reduce_only: bool = False
    instrument_id: str | None = None

    def __call__(self, strategy: ScriptedStrategy) -> None:
        order = strategy.order_factory.stop_market(
            strategy.instrument_for(self.instrument_id),
            _side(self.side),
            Quantity.from_str(self.quantity),
            Price.from_str(self.trigger_price),
            reduce_only=self.reduce_only,
        )
        strategy.submit_labelled(self.label, order)


@dataclass(frozen=True)
class Cancel:
    """Cancel the order submitted under `label`."""

    label: str

    def __call__(self, strategy: ScriptedStrategy) -> None:
        strategy.cancel_order(strategy.orders[self.label])


@dataclass(frozen=True)
class Modify:
    """Modify the order submitted under `label`."""

    label: str
    quantity: str | None = None
    price: str | None = None
    trigger_price: str | None = None

    def __call__(self, strategy: ScriptedStrategy) -> None:
        strategy.modify_order(
            strategy.orders[self.label],
            quantity=Quantity.from_str(self.quantity) if self.quantity else None,
            price=Price.from_str(self.price) if self.price else None,
            trigger_price=Price.from_str(self.trigger_price) if self.trigger_price else None,
        )


@dataclass(frozen=True)
class TimeAlert:
    """Set a one-shot time alert `name` at `alert_time_ns` (recorded as ``TimeEvent``)."""

    name: str
    alert_time_ns: int

    def __call__(self, strategy: ScriptedStrategy) -> None:
        strategy.clock.set_time_alert_ns(self.name, self.alert_time_ns)


@dataclass
class _Script:
    at: dict[int, list] = field(default_factory=dict)
    on_fill: dict[str, list] = field(default_factory=dict)
    on_start: list = field(default_factory=list)


class ScriptedStrategy(Strategy):
    """A strategy that runs `script` and records every data point and event it receives.

    Parameters
    ----------
    instrument_id : str
        Default instrument of the commands.
    at : dict[int, list], optional
        ``ts_init`` → commands, run once on the first data point at that time (after it is
        recorded).
    on_fill : dict[str, list], optional
        Label → commands, run from ``on_order_filled`` of the first fill of that order.
    on_start : list, optional
        Commands run when the strategy starts (e.g. `TimeAlert`).
    bar_types, quotes, trades : list[str], optional
        What to subscribe to (bar types; instrument ids for quotes and trades). With none of
        them, the quotes of `instrument_id` (commands run only from data handlers).
    fail_on_bar : bool, default False
        Raise from ``on_bar`` (to test fault handling).
    tag : str, default "000"
        The order id tag; strategies in one engine need distinct tags.
    oms_type : str, optional
        ``NETTING`` or ``HEDGING`` override.
    """

    def __init__(
        self,
        instrument_id: str,
        *,
        at: dict[int, list] | None = None,
        on_fill: dict[str, list] | None = None,
        on_start: list | None = None,
        bar_types: list[str] | None = None,
        quotes: list[str] | None = None,
        trades: list[str] | None = None,
        fail_on_bar: bool = False,
        tag: str = "000",
        oms_type: str | None = None,
    ) -> None:
        super().__init__(StrategyConfig(order_id_tag=tag, oms_type=oms_type))
        self.default_instrument_id = InstrumentId.from_str(instrument_id)
        self._script = _Script(dict(at or {}), dict(on_fill or {}), list(on_start or []))
        self._bar_types = list(bar_types or [])
        self._quotes = list(quotes or [])
        if not (bar_types or quotes or trades):
            self._quotes = [instrument_id]
        self._trades = list(trades or [])
        self._fail_on_bar = fail_on_bar
        self.records: list[tuple] = []
        self.events: list = []
        self.orders: dict[str, object] = {}
        self._labels: dict = {}
        self._done_at: set[int] = set()
        self._done_fill: set[str] = set()

    # -- helpers for commands --------------------------------------------------------------

    def instrument_for(self, instrument_id: str | None) -> InstrumentId:
        if instrument_id is None:
            return self.default_instrument_id
        return InstrumentId.from_str(instrument_id)

    def submit_labelled(self, label: str, order, position_id: str | None = None) -> None:
        if label in self.orders:
            raise ValueError(f"ScriptedStrategy: label {label!r} used twice")
        self.orders[label] = order
        self._labels[order.client_order_id] = label
        self.submit_order(order, PositionId(position_id) if position_id else None)

    def trace(self, *, skip: tuple[str, ...] = _SUBMISSION_EVENTS) -> list[tuple]:
        """Return the records without the kinds in `skip`."""
        return [r for r in self.records if r[1] not in skip]

    def fills(self) -> list:
        """Return the `OrderFilled` events received, in order."""
        return [e for e in self.events if type(e).__name__ == "OrderFilled"]

    def _run(self, commands) -> None:
        for command in commands:
            command(self)

    def _on_data_ts(self, ts: int) -> None:
        if ts in self._script.at and ts not in self._done_at:
            self._done_at.add(ts)
            self._run(self._script.at[ts])

    # -- handlers --------------------------------------------------------------------------

    def on_start(self) -> None:
        from core.model.data import BarType

        for bar_type in self._bar_types:
            self.subscribe_bars(BarType.from_str(bar_type))
        for instrument_id in self._quotes:
            self.subscribe_quote_ticks(InstrumentId.from_str(instrument_id))
        for instrument_id in self._trades:
            self.subscribe_trade_ticks(InstrumentId.from_str(instrument_id))
        self._run(self._script.on_start)

    def on_reset(self) -> None:
        self.records = []
        self.events = []
        self.orders = {}
        self._labels = {}
        self._done_at = set()
        self._done_fill = set()

    def on_quote_tick(self, tick) -> None:
        self.records.append(
            (
                self.clock.timestamp_ns(),
                "QuoteTick",
                tick.instrument_id.value,
                str(tick.bid_price),
                str(tick.ask_price),
            )
        )
        self._on_data_ts(tick.ts_init)

    def on_trade_tick(self, tick) -> None:
        self.records.append(
            (self.clock.timestamp_ns(), "TradeTick", tick.instrument_id.value, str(tick.price))
        )
        self._on_data_ts(tick.ts_init)

    def on_bar(self, bar) -> None:
        self.records.append((self.clock.timestamp_ns(), "Bar", str(bar.bar_type), str(bar.close)))
        if self._fail_on_bar:
            raise RuntimeError(f"scripted failure on bar {bar.ts_init}")
        self._on_data_ts(bar.ts_init)

    def on_time_event(self, event) -> None:
        self.records.append((self.clock.timestamp_ns(), "TimeEvent", event.name))

    def on_order_event(self, event) -> None:
        self.events.append(event)
        kind = type(event).__name__
        label = self._labels.get(event.client_order_id, event.client_order_id.value)
        ts = self.clock.timestamp_ns()
        if kind == "OrderFilled":
            return  # recorded by on_order_filled, before any cascade it runs
        if kind in ("OrderRejected", "OrderDenied", "OrderModifyRejected", "OrderCancelRejected"):
            self.records.append((ts, kind, label, event.reason))
        else:
            self.records.append((ts, kind, label))

    def on_order_filled(self, event) -> None:
        label = self._labels.get(event.client_order_id, event.client_order_id.value)
        self.records.append(
            (
                self.clock.timestamp_ns(),
                "OrderFilled",
                label,
                event.order_side.name,
                str(event.last_qty),
                str(event.last_px),
                event.liquidity_side.name,
            )
        )
        if label in self._script.on_fill and label not in self._done_fill:
            self._done_fill.add(label)
            self._run(self._script.on_fill[label])

    def on_position_event(self, event) -> None:
        self.events.append(event)
        self.records.append(
            (
                self.clock.timestamp_ns(),
                type(event).__name__,
                event.position_id.value,
                # signed_qty is a float (NautilusTrader's type): print it exactly, no '.0'
                format(Decimal(repr(event.signed_qty)).normalize(), "f"),
            )
        )
