"""Oracle: NautilusTrader's maker/taker commissions on generated fills -> a JSON table.

Run under the NautilusTrader venv (outside ``make test``; Flotilla never imports
nautilus_trader)::

    /work/nt-venv/bin/python tests/compat/fee_rounding_oracle.py tests/data/fee_rounding_cases.json

Each case is an instrument (currencies, precisions, fee rate), a liquidity side, a fill quantity
and price, NautilusTrader's commission (``nt``) and the exact value rounded half to even to the
currency's precision (``exact``). Cases are drawn from a seeded generator, a share of them built
so that the exact commission is a tie at the rounding digit (the 2.175 -> 2.17 / 2.18 example),
and others with a notional that is not a whole number of cents. `tests/unit/backtest/
test_fee_rounding.py` checks Flotilla's ``fee_rounding="float"`` against ``nt`` and the default
``"exact"`` against ``exact``.
"""

from __future__ import annotations

import json
import random
import sys
from decimal import ROUND_HALF_EVEN, Decimal

import nautilus_trader
from nautilus_trader.backtest.models import MakerTakerFeeModel
from nautilus_trader.model.currencies import BTC, EUR, GBP, JPY, USD, USDT
from nautilus_trader.model.enums import LiquiditySide
from nautilus_trader.model.identifiers import InstrumentId, Symbol, Venue
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.test_kit.stubs.events import TestEventStubs
from nautilus_trader.test_kit.stubs.execution import TestExecStubs

SEED = 20261207
CURRENCIES = {"EUR": EUR, "USD": USD, "GBP": GBP, "JPY": JPY, "BTC": BTC, "USDT": USDT}
# (base, quote, price precision, size precision, quantity range as (low, high, step))
PAIRS = [
    ("EUR", "USD", 5, 0, (1_000, 2_000_000, 1_000)),
    ("EUR", "GBP", 5, 0, (1_000, 2_000_000, 1_000)),
    ("USD", "JPY", 3, 0, (1_000, 2_000_000, 1_000)),
    ("BTC", "USDT", 2, 6, (1, 5_000_000, 1)),  # quantity in size increments of 1e-6
]
RATES = ["0.00002", "0.00001", "0.000025", "0.0001", "0.00015", "0.0002", "0.00035", "0.001"]


def make_pair(base: str, quote: str, price_precision: int, size_precision: int, rate: str):
    symbol = Symbol(f"{base}/{quote}")
    return CurrencyPair(
        instrument_id=InstrumentId(symbol, Venue("SIM")),
        raw_symbol=symbol,
        base_currency=CURRENCIES[base],
        quote_currency=CURRENCIES[quote],
        price_precision=price_precision,
        size_precision=size_precision,
        price_increment=Price(10**-price_precision, price_precision),
        size_increment=Quantity(10**-size_precision, size_precision),
        ts_event=0,
        ts_init=0,
        margin_init=Decimal("0.03"),
        margin_maint=Decimal("0.03"),
        maker_fee=Decimal(rate),
        taker_fee=Decimal(rate),
    )


def exact(qty: str, px: str, rate: str, precision: int) -> str:
    value = Decimal(qty) * Decimal(px) * Decimal(rate)
    return str(value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_EVEN))


def is_tie(qty: str, px: str, rate: str, precision: int) -> bool:
    scaled = Decimal(qty) * Decimal(px) * Decimal(rate) * Decimal(10) ** precision
    return scaled - scaled.to_integral_value(rounding="ROUND_FLOOR") == Decimal("0.5")


def main(path: str) -> None:
    rng = random.Random(SEED)
    models = MakerTakerFeeModel()
    orders = {}
    cases = []
    for index in range(3000):
        base, quote, pp, sp, (low, high, step) = PAIRS[index % len(PAIRS)]
        rate = RATES[rng.randrange(len(RATES))]
        side = "MAKER" if rng.random() < 0.5 else "TAKER"
        key = (base, quote, rate, side)
        if key not in orders:
            instrument = make_pair(base, quote, pp, sp, rate)
            order = TestExecStubs.make_accepted_order(
                TestExecStubs.limit_order(instrument=instrument)
            )
            order.apply(
                TestEventStubs.order_filled(order, instrument, liquidity_side=LiquiditySide[side])
            )
            orders[key] = (instrument, order)
        instrument, order = orders[key]
        want_tie = index % 3 == 0  # a third of the cases are ties of the exact value
        for _ in range(100_000):
            qty = str(Decimal(rng.randrange(low, high, step)).scaleb(-sp))
            centre = {"USD": 1.1, "GBP": 0.86, "JPY": 150.0, "USDT": 60_000.0}[quote]
            px = str(Decimal(round(centre * rng.uniform(0.7, 1.3) * 10**pp)).scaleb(-pp))
            quote_precision = CURRENCIES[quote].precision
            if not want_tie or is_tie(qty, px, rate, quote_precision):
                break
        commission = models.get_commission(
            order, Quantity.from_str(qty), Price.from_str(px), instrument
        )
        cases.append(
            {
                "base": base,
                "quote": quote,
                "price_precision": pp,
                "size_precision": sp,
                "rate": rate,
                "liquidity_side": side,
                "qty": qty,
                "px": px,
                "tie": is_tie(qty, px, rate, CURRENCIES[quote].precision),
                "nt": str(commission.as_decimal()),
                "exact": exact(qty, px, rate, CURRENCIES[quote].precision),
            }
        )
    table = {
        "source": f"nautilus_trader {nautilus_trader.__version__} MakerTakerFeeModel."
        "get_commission, generated by tests/compat/fee_rounding_oracle.py",
        "seed": SEED,
        "cases": cases,
    }
    with open(path, "w") as out:
        # One case per line: small diffs when the table is regenerated.
        head = json.dumps({k: v for k, v in table.items() if k != "cases"})[:-1]
        out.write(head + ', "cases": [\n')
        out.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in cases))
        out.write("\n]}\n")
    ties = sum(c["tie"] for c in cases)
    differ = sum(c["nt"] != c["exact"] for c in cases)
    print(f"{len(cases)} cases ({ties} ties), NautilusTrader differs from exact in {differ}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/fee_rounding_cases.json")
