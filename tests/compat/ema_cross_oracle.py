"""Oracle: the demo's EMA(10/20) cross run by NautilusTrader -> its fills and final balance.

Run under the NautilusTrader venv (outside ``make test``; Flotilla never imports
nautilus_trader)::

    /work/nt-venv/bin/python tests/compat/ema_cross_oracle.py tests/data/ema_cross_nt.json

The strategy is `configs/strategies/ema_cross.py` written against NautilusTrader's API (same
logic, their imports); the data is the demo's 100,000 bars
(``configs/data/EURUSD-1-MINUTE-MID.csv.gz``); the venue is the demo's (NETTING, MARGIN,
1,000,000 USD, base USD, ``default_fx_ccy`` EUR/USD with 0.002 % fees). Recorded: every fill's
side, quantity, price and commission (raw cents), and the final balance.
`tests/integration/test_ema_cross_parity.py` runs the same on Flotilla with
``fee_rounding="float"`` and compares.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import nautilus_trader
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.indicators import ExponentialMovingAverage
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
from nautilus_trader.model.identifiers import InstrumentId, TraderId, Venue
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "configs" / "data" / "EURUSD-1-MINUTE-MID.csv.gz"
BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"


class EMACrossConfig(StrategyConfig, frozen=True):
    instrument_id: str
    bar_type: str
    trade_size: Decimal = Decimal(100_000)
    fast_ema_period: int = 10
    slow_ema_period: int = 20


class EMACross(Strategy):
    """`configs/strategies/ema_cross.py` with NautilusTrader's imports."""

    def __init__(self, config: EMACrossConfig) -> None:
        super().__init__(config)
        self.instrument_id = InstrumentId.from_str(config.instrument_id)
        self.bar_type = BarType.from_str(config.bar_type)
        self.fast_ema = ExponentialMovingAverage(config.fast_ema_period)
        self.slow_ema = ExponentialMovingAverage(config.slow_ema_period)
        self.instrument = None
        self.trade_size = None

    def on_start(self) -> None:
        self.instrument = self.cache.instrument(self.instrument_id)
        self.trade_size = self.instrument.make_qty(self.config.trade_size)
        self.register_indicator_for_bars(self.bar_type, self.fast_ema)
        self.register_indicator_for_bars(self.bar_type, self.slow_ema)
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar) -> None:
        if not self.slow_ema.initialized:
            return
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
        self.submit_order(self.order_factory.market(self.instrument_id, side, self.trade_size))

    def on_stop(self) -> None:
        self.cancel_all_orders(self.instrument_id)
        self.close_all_positions(self.instrument_id)


def load_bars(bar_type: BarType) -> list[Bar]:
    bars = []
    with gzip.open(DATA, "rt") as rows:
        for row in csv.DictReader(rows):
            ts = datetime.fromisoformat(row["timestamp"]).replace(tzinfo=UTC)
            ns = int(ts.timestamp()) * 1_000_000_000
            bars.append(
                Bar(
                    bar_type,
                    Price.from_str(row["open"]),
                    Price.from_str(row["high"]),
                    Price.from_str(row["low"]),
                    Price.from_str(row["close"]),
                    Quantity.from_str(row["volume"]),
                    ns,
                    ns,
                )
            )
    return bars


def main(path: str) -> None:
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("BACKTESTER-001"), logging=LoggingConfig(log_level="ERROR")
        )
    )
    venue = Venue("SIM")
    engine.add_venue(
        venue,
        OmsType.NETTING,
        AccountType.MARGIN,
        base_currency=USD,
        starting_balances=[Money(1_000_000, USD)],
    )
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    engine.add_instrument(instrument)
    bar_type = BarType.from_str(BAR_TYPE)
    engine.add_data(load_bars(bar_type))
    engine.add_strategy(
        EMACross(EMACrossConfig(instrument_id=str(instrument.id), bar_type=BAR_TYPE))
    )
    engine.run()
    fills = []
    for order in engine.cache.orders():
        for event in order.events:
            if type(event).__name__ == "OrderFilled":
                fills.append(
                    (
                        event.ts_event,
                        event.order_side.name
                        if hasattr(event.order_side, "name")
                        else str(event.order_side),
                        str(event.last_qty),
                        str(event.last_px),
                        int(event.commission.as_decimal() * 100),
                    )
                )
    fills.sort(key=lambda f: f[0])  # orders are in creation order; fills by time
    account = engine.cache.account_for_venue(venue)
    table = {
        "source": f"nautilus_trader {nautilus_trader.__version__} BacktestEngine, generated by "
        "tests/compat/ema_cross_oracle.py",
        "fills": len(fills),
        "final_balance": str(account.balance_total(USD)),
        "sides": "".join("B" if f[1] in ("BUY", "1") else "S" for f in fills),
        "prices": [f[3] for f in fills],
        "commission_cents": [f[4] for f in fills],
    }
    engine.dispose()
    with open(path, "w") as out:
        json.dump(table, out, separators=(",", ":"))
        out.write("\n")
    print(f"{len(fills)} fills, final balance {table['final_balance']}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/ema_cross_nt.json")
