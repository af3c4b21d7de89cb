"""Unit tests of `Portfolio` (core/portfolio/portfolio.pyx) over small `BacktestEngine` runs.

EUR/USD on a MARGIN account (3 % margins, 0.002 % taker fee, leverage 1). Quotes: at ``ts(0)``
bid 1.10000 / ask 1.10020, at ``ts(1)`` bid 1.10100 / ask 1.10120. Market orders fill at once
at the touch. Every figure below is worked out by hand in its comment.
"""

from decimal import Decimal

import pytest

from core.model import Currency, InstrumentId, Money, OmsType
from tests.integration.test_execution_rules import EURUSD, SIM, make_engine, quote, run, ts
from tests.kit.scripted import Cancel, Limit, Market, ScriptedStrategy

USD = Currency.from_str("USD")
EUR_USD = InstrumentId.from_str(EURUSD)
GBP_USD = InstrumentId.from_str("GBP/USD.SIM")


def usd(text):
    return Money.from_str(f"{text} USD")


def run_script(at, oms_type=OmsType.NETTING, quotes=None):
    engine = make_engine(oms_type=oms_type, symbols=("EUR/USD", "GBP/USD"))
    strategy = ScriptedStrategy(EURUSD, at=at)
    if quotes is None:
        quotes = [quote(ts(0), "1.10000", "1.10020"), quote(ts(1), "1.10100", "1.10120")]
    run(engine, [quotes], strategy)
    return engine.portfolio, strategy


def test_portfolio_before_any_trade_is_flat_with_zero_pnl():
    portfolio, _ = run_script({})
    assert portfolio.is_flat(EUR_USD)
    assert not portfolio.is_net_long(EUR_USD)
    assert not portfolio.is_net_short(EUR_USD)
    assert portfolio.is_completely_flat()
    assert portfolio.net_position(EUR_USD) == Decimal(0)
    assert portfolio.unrealized_pnl(EUR_USD) == usd("0.00")
    assert portfolio.realized_pnl(EUR_USD) == usd("0.00")
    assert portfolio.net_exposure(EUR_USD) == usd("0.00")
    assert portfolio.margins_init(SIM) == {}
    assert portfolio.margins_maint(SIM) == {}


def test_portfolio_long_position_is_valued_at_the_last_bid():
    portfolio, _ = run_script({ts(0): [Market("b", "BUY", "100000")]})
    assert portfolio.is_net_long(EUR_USD)
    assert not portfolio.is_net_short(EUR_USD)
    assert not portfolio.is_flat(EUR_USD)
    assert portfolio.net_position(EUR_USD) == Decimal("100000")
    # bought at the ask 1.10020, marked at the bid 1.10100: 100,000 × 0.00080
    assert portfolio.unrealized_pnl(EUR_USD) == usd("80.00")
    # the taker fee: 100,000 × 1.10020 × 0.00002 = 2.2004 → 2.20
    assert portfolio.realized_pnl(EUR_USD) == usd("-2.20")
    assert portfolio.total_pnl(EUR_USD) == usd("77.80")
    # 100,000 × 1.10100 (the bid)
    assert portfolio.net_exposure(EUR_USD) == usd("110100.00")
    assert portfolio.net_exposures(SIM) == {USD: usd("110100.00")}
    assert portfolio.unrealized_pnls(SIM) == {USD: usd("80.00")}


def test_portfolio_short_position_is_valued_at_the_last_ask():
    portfolio, _ = run_script({ts(0): [Market("s", "SELL", "100000")]})
    assert portfolio.is_net_short(EUR_USD)
    assert not portfolio.is_net_long(EUR_USD)
    assert portfolio.net_position(EUR_USD) == Decimal("-100000")
    # sold at the bid 1.10000, marked at the ask 1.10120: 100,000 × -0.00120
    assert portfolio.unrealized_pnl(EUR_USD) == usd("-120.00")
    # fee 100,000 × 1.10000 × 0.00002 = 2.20
    assert portfolio.realized_pnl(EUR_USD) == usd("-2.20")
    # 100,000 × 1.10120 (the ask)
    assert portfolio.net_exposure(EUR_USD) == usd("110120.00")


def test_portfolio_round_trip_realizes_pnl_net_of_commissions_and_is_flat():
    portfolio, _ = run_script(
        {ts(0): [Market("b", "BUY", "100000")], ts(1): [Market("s", "SELL", "100000")]}
    )
    assert portfolio.is_flat(EUR_USD)
    assert portfolio.is_completely_flat()
    # (1.10100 - 1.10020) × 100,000 = 80.00, fees 2.20 + 2.20 (100,000 × 1.101 × 0.00002 = 2.202)
    assert portfolio.realized_pnl(EUR_USD) == usd("75.60")
    assert portfolio.unrealized_pnl(EUR_USD) == usd("0.00")
    assert portfolio.net_exposure(EUR_USD) == usd("0.00")
    assert portfolio.realized_pnls(SIM) == {USD: usd("75.60")}
    assert portfolio.margins_maint(SIM) == {}  # no position left: the margin entry is gone


def test_portfolio_netting_reversal_keeps_the_closed_leg_realized_pnl():
    # BUY 100,000 @ 1.10020, then SELL 150,000 @ 1.10100: closes 100,000 (+80.00) and opens a
    # 50,000 short. Fees: 2.20 + 150,000 × 1.101 × 0.00002 = 3.303 → 3.30, the closing leg's
    # 2/3 share (2.20) in the closed position, 1.10 in the new one.
    portfolio, _ = run_script(
        {ts(0): [Market("b", "BUY", "100000")], ts(1): [Market("s", "SELL", "150000")]}
    )
    assert portfolio.is_net_short(EUR_USD)
    assert portfolio.net_position(EUR_USD) == Decimal("-50000")
    assert portfolio.realized_pnl(EUR_USD) == usd("74.50")
    # 50,000 short opened at 1.10100, marked at the ask 1.10120: -10.00
    assert portfolio.unrealized_pnl(EUR_USD) == usd("-10.00")


def test_portfolio_hedging_positions_add_up_in_the_net_position():
    portfolio, _ = run_script(
        {ts(0): [Market("b", "BUY", "100000"), Market("s", "SELL", "30000")]},
        oms_type=OmsType.HEDGING,
    )
    assert portfolio.net_position(EUR_USD) == Decimal("70000")
    assert portfolio.is_net_long(EUR_USD)
    # long: (1.10100 - 1.10020) × 100,000 = 80.00; short: (1.10000 - 1.10120) × 30,000 = -36.00
    assert portfolio.unrealized_pnl(EUR_USD) == usd("44.00")
    # 70,000 × 1.10100
    assert portfolio.net_exposure(EUR_USD) == usd("77070.00")


def test_portfolio_margins_for_an_open_limit_order_and_a_position():
    portfolio, _ = run_script(
        {ts(0): [Market("b", "BUY", "100000"), Limit("l", "BUY", "10000", "1.00000")]}
    )
    # initial: the resting order, 10,000 × 1.00000 × 3 % = 300.00
    assert portfolio.margins_init(SIM) == {EUR_USD: usd("300.00")}
    # maintenance: the position at its open price, 100,000 × 1.10020 × 3 % = 3300.60
    assert portfolio.margins_maint(SIM) == {EUR_USD: usd("3300.60")}


def test_portfolio_margins_init_released_when_the_limit_order_is_canceled():
    portfolio, strategy = run_script(
        {ts(0): [Limit("l", "BUY", "10000", "1.00000")], ts(1): [Cancel("l")]},
        quotes=[
            quote(ts(0), "1.10000", "1.10020"),
            quote(ts(1), "1.10100", "1.10120"),
            quote(ts(2), "1.10100", "1.10120"),
        ],
    )
    assert (ts(1), "OrderCanceled", "l") in strategy.trace()
    assert portfolio.margins_init(SIM) == {}  # nothing left to hold margin for
    assert portfolio.account(SIM).balance_locked(USD) == usd("0.00")


def test_portfolio_unpriced_or_unknown_instrument():
    portfolio, _ = run_script({ts(0): [Market("b", "BUY", "100000")]})
    # GBP/USD has no position and no data: zero PnL, zero exposure
    assert portfolio.unrealized_pnl(GBP_USD) == usd("0.00")
    assert portfolio.net_exposure(GBP_USD) == usd("0.00")
    unknown = InstrumentId.from_str("USD/JPY.SIM")
    assert portfolio.unrealized_pnl(unknown) is None
    assert portfolio.realized_pnl(unknown) is None
    assert portfolio.net_exposure(unknown) is None
    assert portfolio.net_position(unknown) == Decimal(0)
    assert portfolio.is_flat(unknown)


@pytest.mark.parametrize("query", ["margins_init", "margins_maint", "balances_locked"])
def test_portfolio_venue_queries_of_an_unknown_venue_are_empty(query):
    from core.model import Venue

    portfolio, _ = run_script({})
    assert getattr(portfolio, query)(Venue("NOWHERE")) == {}
    assert portfolio.account(Venue("NOWHERE")) is None
