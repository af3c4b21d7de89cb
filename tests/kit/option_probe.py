"""`OptionProbe`: a `ScriptedStrategy` built from a TOML config that writes what it saw to JSON.

Tests of config options run a config file through `load_config` and `run_backtest` and read
back what the strategy observed: every record of `ScriptedStrategy` (data, order and position
events with the strategy clock's time), the venue time and commission of every fill, the
``ts_event`` of every order event, the trader id, the event ids, and the account when the
strategy starts and when it stops (balances, free balances, leverage of the instrument).

The script is a list of tables, each run once on the data point whose ``ts_init`` is
``ts``::

    [[strategies.config.script]]
    ts = 120000000000
    op = "limit"          # market, limit, stop_market, modify, cancel
    label = "a"
    side = "BUY"
    quantity = "1000"
    price = "1.10000"     # limit; modify: the new price
    trigger_price = "1.2" # stop_market
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from core.model.identifiers import Venue
from core.trading.config import StrategyConfig
from tests.kit.scripted import Cancel, Limit, Market, Modify, ScriptedStrategy, StopMarket

__all__ = ["OptionProbe", "OptionProbeConfig", "ScriptStep"]


class ScriptStep(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One scripted command (see the module docstring)."""

    ts: int
    op: str
    label: str
    side: str = "BUY"
    quantity: str | None = None
    price: str | None = None
    trigger_price: str | None = None

    def command(self):
        """Return the `tests.kit.scripted` command of this step."""
        if self.op == "market":
            return Market(self.label, self.side, self.quantity)
        if self.op == "limit":
            return Limit(self.label, self.side, self.quantity, self.price)
        if self.op == "stop_market":
            return StopMarket(self.label, self.side, self.quantity, self.trigger_price)
        if self.op == "modify":
            return Modify(self.label, quantity=self.quantity, price=self.price)
        if self.op == "cancel":
            return Cancel(self.label)
        raise ValueError(f"ScriptStep.op: invalid value {self.op!r}")


class OptionProbeConfig(StrategyConfig, frozen=True):
    """Parameters of `OptionProbe`.

    Parameters
    ----------
    record_path : str
        Where the JSON record is written when the strategy stops.
    instrument_id : str
    bar_types, quotes : list of str
        What to subscribe to (bar types; instrument ids for quotes).
    script : list of ScriptStep
    """

    record_path: str
    instrument_id: str = "EUR/USD.SIM"
    bar_types: list[str] = []
    quotes: list[str] = []
    script: list[ScriptStep] = []


class OptionProbe(ScriptedStrategy):
    """Run `config.script` and write every observation to `config.record_path` on stop."""

    def __init__(self, config: OptionProbeConfig) -> None:
        at: dict[int, list] = {}
        for step in config.script:
            at.setdefault(step.ts, []).append(step.command())
        super().__init__(
            config.instrument_id,
            at=at,
            bar_types=config.bar_types,
            quotes=config.quotes,
            tag=config.order_id_tag or "000",
            oms_type=config.oms_type,
        )
        self.probe_config = config
        self.accounts_seen: list[dict] = []

    def _account(self) -> dict:
        account = self.cache.account_for_venue(Venue(self.default_instrument_id.venue.value))
        if account is None:
            return {}
        seen = {
            "type": "MARGIN" if account.is_margin_account() else "CASH",
            "base_currency": None if account.base_currency is None else account.base_currency.code,
            "total": {c.code: str(account.balance_total(c)) for c in account.currencies()},
            "free": {c.code: str(account.balance_free(c)) for c in account.currencies()},
        }
        if account.is_margin_account():
            seen["leverage"] = str(account.leverage(self.default_instrument_id))
        return seen

    def on_start(self) -> None:
        self.accounts_seen.append(self._account())
        super().on_start()

    def on_stop(self) -> None:
        self.accounts_seen.append(self._account())
        labels = {order.client_order_id: label for label, order in self.orders.items()}
        fills = [
            {
                "label": labels.get(e.client_order_id, e.client_order_id.value),
                "ts_event": e.ts_event,
                "price": str(e.last_px),
                "quantity": str(e.last_qty),
                "commission": str(e.commission),
                "event_id": str(e.id),
            }
            for e in self.fills()
        ]
        order_events = [
            {
                "kind": type(e).__name__,
                "label": labels.get(e.client_order_id, e.client_order_id.value),
                "ts_event": e.ts_event,
            }
            for e in self.events
            if hasattr(e, "client_order_id")
        ]
        record = {
            "trader_id": self.trader_id.value,
            "records": [list(r) for r in self.records],
            "fills": fills,
            "order_events": order_events,
            "accounts": self.accounts_seen,
        }
        Path(self.probe_config.record_path).write_text(json.dumps(record, indent=1))
