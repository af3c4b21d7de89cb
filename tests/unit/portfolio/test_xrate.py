"""`Portfolio.xrate` and base-currency margins over small `BacktestEngine` runs.

Quotes (last of each pair): EUR/USD 1.08000 / 1.08020, EUR/GBP 0.87500 / 0.87510,
USD/JPY 150.000 / 150.030. Every rate is an exact ``(numerator, denominator)`` of raw prices
(9 decimals), worked out in the comments.
"""

from fractions import Fraction

import pytest

from core.model import AccountType, Currency, Money, OmsType, PriceType
from core.testkit import TestInstrumentProvider
from tests.integration.test_money import SIM, _engine, quote, ts
from tests.kit.scripted import Limit, Market, ScriptedStrategy

USD, EUR, GBP, JPY, CHF = (Currency.from_str(c) for c in ("USD", "EUR", "GBP", "JPY", "CHF"))


def _engine_with_quotes(base_currency=None, at=None, traded="EUR/USD.SIM"):
    engine = _engine()
    balances = [Money(1_000_000, base_currency or USD)]
    engine.add_venue(
        SIM, OmsType.NETTING, AccountType.MARGIN, balances, base_currency=base_currency
    )
    for symbol in ("EUR/USD", "EUR/GBP", "USD/JPY"):
        engine.add_instrument(TestInstrumentProvider.default_fx_ccy(symbol))
    engine.add_data(
        [
            quote(1, "1.08000", "1.08020", "EUR/USD.SIM"),
            quote(1, "0.87500", "0.87510", "EUR/GBP.SIM"),
            quote(1, "150.000", "150.030", "USD/JPY.SIM"),
        ]
    )
    engine.add_strategy(ScriptedStrategy(traded, at=at or {}))
    engine.run()
    return engine


def rate(engine, a, b, price_type):
    result = engine.portfolio.xrate(SIM, a, b, price_type)
    return None if result is None else Fraction(*result)


@pytest.mark.parametrize(
    ("a", "b", "price_type", "expected"),
    [
        (EUR, EUR, PriceType.BID, Fraction(1)),
        # direct pair: the bid, the ask, the mid
        (EUR, USD, PriceType.BID, Fraction("1.08000")),
        (EUR, USD, PriceType.ASK, Fraction("1.08020")),
        (EUR, USD, PriceType.MID, Fraction("1.08010")),
        # the inverse of a pair: the bid of USD/EUR is 1 / the ask of EUR/USD
        (USD, EUR, PriceType.BID, 1 / Fraction("1.08020")),
        (USD, EUR, PriceType.ASK, 1 / Fraction("1.08000")),
        (JPY, USD, PriceType.MID, 1 / Fraction("150.015")),
        # a cross through EUR: GBP → EUR (1 / ask 0.87510) → USD (bid 1.08000)
        (GBP, USD, PriceType.BID, Fraction("1.08000") / Fraction("0.87510")),
        (GBP, USD, PriceType.ASK, Fraction("1.08020") / Fraction("0.87500")),
        # a cross through USD: EUR → USD (bid) → JPY (bid 150.000)
        (EUR, JPY, PriceType.BID, Fraction("1.08000") * Fraction("150.000")),
        # no path: nothing quotes CHF, and GBP → JPY needs two intermediate currencies
        (CHF, USD, PriceType.MID, None),
        (GBP, JPY, PriceType.MID, None),
    ],
)
def test_xrate_direct_inverse_and_cross(a, b, price_type, expected):
    assert rate(_engine_with_quotes(), a, b, price_type) == expected


def test_base_currency_margins_are_converted_and_locked_in_the_base_currency():
    # Base USD, a resting BUY limit of 100,000 USD/JPY at 149.000 and a long of 100,000 filled
    # at the ask 150.030.
    engine = _engine_with_quotes(
        USD,
        at={ts(1): [Market("b", "BUY", "100000"), Limit("l", "BUY", "100000", "149.000")]},
        traded="USD/JPY.SIM",
    )
    account = engine.cache.account_for_venue(SIM)
    [margin] = account.margins()
    # initial: 100,000 × 149.000 × 3 % = 447,000 JPY; maintenance: 100,000 × 150.030 × 3 %
    # = 450,090 JPY. A BUY converts at the ask of JPY/USD = 1 / bid 150.000:
    # 447,000 / 150 = 2,980.00 USD; 450,090 / 150 = 3,000.60 USD.
    assert (margin.initial, margin.maintenance) == (
        Money.from_str("2980.00 USD"),
        Money.from_str("3000.60 USD"),
    )
    # Only USD is held: 1,000,000 − commission 300.06 → 300 JPY / 150 = 2.00 USD.
    [balance] = account.balances()
    assert balance.total == Money.from_str("999998.00 USD")
    assert balance.locked == Money.from_str("5980.60 USD")
