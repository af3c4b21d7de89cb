"""Oracle: NautilusTrader runs of multi-currency scenarios -> a JSON table of balances and PnL.

Run under the NautilusTrader venv (outside ``make test``; Flotilla never imports
nautilus_trader)::

    /work/nt-venv/bin/python tests/compat/money_oracle.py tests/data/money_oracle.json

Each scenario is one venue (NETTING, MARGIN, ``default_fx_ccy`` instruments with 0.002 % fees),
a list of quotes ``[minute, symbol, bid, ask]`` and market orders ``[minute, side, quantity]``
on one traded instrument, submitted on that minute's quote of it. Recorded from
NautilusTrader: the total of every balance after each account state (with its minute), the
closed positions' realized PnL (in their settlement currency) and the PnL statistics per
currency (NautilusTrader converts a position's PnL at the mid rate when it closes).
`tests/integration/test_money.py` runs the same scenarios on Flotilla and compares them.
"""

from __future__ import annotations

import json
import math
import sys

import nautilus_trader
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import EUR, GBP, JPY, USD
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
from nautilus_trader.model.identifiers import InstrumentId, TraderId, Venue
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

T0 = 1_699_999_980_000_000_000  # a whole minute
MINUTE = 60_000_000_000
CURRENCIES = {"USD": USD, "EUR": EUR, "GBP": GBP, "JPY": JPY}

SCENARIOS = {
    # Margin account, base USD, trading USD/JPY: JPY PnL and commissions converted to USD at
    # the instrument's own quotes; a partial close, a flip through zero and a close.
    "usdjpy_base_usd": {
        "base_currency": "USD",
        "starting_balances": ["1000000 USD"],
        "traded": "USD/JPY",
        "quotes": [
            [1, "USD/JPY", "149.500", "149.520"],
            [2, "USD/JPY", "150.100", "150.120"],
            [3, "USD/JPY", "150.800", "150.830"],
            [4, "USD/JPY", "150.200", "150.230"],
            [5, "USD/JPY", "150.200", "150.230"],
        ],
        "orders": [
            [1, "BUY", "100000"],
            [2, "SELL", "50000"],
            [3, "SELL", "100000"],
            [4, "BUY", "50000"],
        ],
    },
    # Base USD trading EUR/GBP: GBP converted to USD through the GBP/USD quotes.
    "eurgbp_base_usd": {
        "base_currency": "USD",
        "starting_balances": ["1000000 USD"],
        "traded": "EUR/GBP",
        "quotes": [
            [1, "GBP/USD", "1.25000", "1.25020"],
            [1, "EUR/GBP", "0.86990", "0.87000"],
            [2, "GBP/USD", "1.26000", "1.26030"],
            [2, "EUR/GBP", "0.87500", "0.87510"],
            [3, "GBP/USD", "1.25500", "1.25510"],
            [3, "EUR/GBP", "0.86500", "0.86520"],
        ],
        "orders": [[1, "BUY", "100000"], [2, "SELL", "200000"], [3, "BUY", "100000"]],
    },
    # Base USD trading EUR/GBP with no GBP/USD: GBP -> EUR -> USD, a cross through EUR/GBP
    # and EUR/USD.
    "eurgbp_cross_base_usd": {
        "base_currency": "USD",
        "starting_balances": ["1000000 USD"],
        "traded": "EUR/GBP",
        "quotes": [
            [1, "EUR/USD", "1.08000", "1.08020"],
            [1, "EUR/GBP", "0.86990", "0.87000"],
            [2, "EUR/USD", "1.09000", "1.09030"],
            [2, "EUR/GBP", "0.87500", "0.87510"],
            [3, "EUR/USD", "1.08500", "1.08520"],
            [3, "EUR/GBP", "0.86000", "0.86010"],
        ],
        "orders": [[1, "BUY", "100000"], [2, "SELL", "100000"], [3, "SELL", "100000"]],
    },
    # No base currency: a multi-currency account; USD/JPY PnL and commissions stay in JPY.
    "usdjpy_multi_currency": {
        "base_currency": None,
        "starting_balances": ["1000000 USD", "10000000 JPY"],
        "traded": "USD/JPY",
        "quotes": [
            [1, "USD/JPY", "149.500", "149.520"],
            [2, "USD/JPY", "150.100", "150.120"],
            [3, "USD/JPY", "150.800", "150.830"],
        ],
        "orders": [[1, "BUY", "100000"], [3, "SELL", "100000"]],
    },
}


class ScriptedConfig(StrategyConfig, frozen=True):
    instrument_id: str
    orders: list


class Scripted(Strategy):
    """Submits the scenario's market orders on the traded instrument's quotes."""

    def __init__(self, config: ScriptedConfig) -> None:
        super().__init__(config)
        self.instrument_id = InstrumentId.from_str(config.instrument_id)
        self.schedule = {T0 + m * MINUTE: (side, qty) for m, side, qty in config.orders}

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.instrument_id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        item = (
            self.schedule.get(tick.ts_event) if tick.instrument_id == self.instrument_id else None
        )
        if item is not None:
            side, qty = item
            self.submit_order(
                self.order_factory.market(
                    self.instrument_id, OrderSide[side], Quantity.from_str(qty)
                )
            )


def _money(text: str) -> Money:
    amount, code = text.split()
    return Money(amount, CURRENCIES[code])


def _clean(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def run(scenario: dict) -> dict:
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("BACKTESTER-001"), logging=LoggingConfig(log_level="ERROR")
        )
    )
    base = scenario["base_currency"]
    venue = Venue("SIM")
    engine.add_venue(
        venue,
        OmsType.NETTING,
        AccountType.MARGIN,
        base_currency=CURRENCIES[base] if base else None,
        starting_balances=[_money(b) for b in scenario["starting_balances"]],
    )
    instruments = {}
    for _, symbol, _, _ in scenario["quotes"]:
        if symbol not in instruments:
            instruments[symbol] = TestInstrumentProvider.default_fx_ccy(symbol)
            engine.add_instrument(instruments[symbol])
    engine.add_data(
        [
            QuoteTick(
                instruments[symbol].id,
                Price.from_str(bid),
                Price.from_str(ask),
                Quantity.from_int(10_000_000),
                Quantity.from_int(10_000_000),
                T0 + m * MINUTE,
                T0 + m * MINUTE,
            )
            for m, symbol, bid, ask in scenario["quotes"]
        ]
    )
    engine.add_strategy(
        Scripted(
            ScriptedConfig(instrument_id=f"{scenario['traded']}.SIM", orders=scenario["orders"])
        )
    )
    engine.run()
    account = engine.cache.account_for_venue(venue)
    # [minute, {currency: total}] per account state, oldest first.
    states = [
        [
            (state.ts_event - T0) // MINUTE,
            {b.currency.code: str(b.total.as_decimal()) for b in state.balances},
        ]
        for state in account.events
    ]
    positions = list(engine.cache.position_snapshots()) + list(engine.cache.positions())
    closed = [str(p.realized_pnl) for p in positions if p.is_closed]
    stats = {}
    for currency in account.currencies():
        pnl_stats = engine.portfolio.analyzer.get_performance_stats_pnls(currency)
        stats[currency.code] = {k: _clean(v) for k, v in pnl_stats.items()}
    engine.dispose()
    return {
        "states": states,
        "final": states[-1][1],
        "closed_position_pnls": closed,
        "stats": stats,
    }


def main(path: str) -> None:
    table = {
        "source": f"nautilus_trader {nautilus_trader.__version__} BacktestEngine, generated by "
        "tests/compat/money_oracle.py",
        "t0": T0,
        "minute": MINUTE,
        "scenarios": {},
    }
    for name, scenario in SCENARIOS.items():
        table["scenarios"][name] = {**scenario, "nautilus_trader": run(scenario)}
        print(name, table["scenarios"][name]["nautilus_trader"]["final"])
    with open(path, "w") as out:
        json.dump(table, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/money_oracle.json")
