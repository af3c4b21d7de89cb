"""Money on real `BacktestEngine` runs: commission rounding and multi-currency accounts.

Expected values are literals worked out by hand in the comments, or taken from NautilusTrader
1.231 runs of the same scenario (`tests/compat/`), as each comment says.
"""

from __future__ import annotations

import json
import math
import textwrap
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from core.backtest.models import MakerTakerFeeModel

from core.backtest.config import BacktestEngineConfig
from core.backtest.engine import BacktestEngine
from core.errors import ConfigError, ValidationError
from core.model import (
    AccountType,
    Currency,
    InstrumentId,
    Money,
    OmsType,
    Price,
    Quantity,
    QuoteTick,
    Venue,
)
from core.testkit import TestInstrumentProvider
from node.backtest.node import add_venues
from node.config import config_from_dict
from tests.kit.scripted import Market, ScriptedStrategy

USD = Currency.from_str("USD")
EUR = Currency.from_str("EUR")
SIM = Venue("SIM")
T0 = 1_699_999_980_000_000_000
MINUTE = 60_000_000_000


def ts(i: int) -> int:
    return T0 + i * MINUTE


def quote(i: int, bid: str, ask: str, instrument_id: str = "EUR/USD.SIM") -> QuoteTick:
    return QuoteTick(
        InstrumentId.from_str(instrument_id),
        Price.from_str(bid),
        Price.from_str(ask),
        Quantity.from_int(10_000_000),
        Quantity.from_int(10_000_000),
        ts(i),
        ts(i),
    )


def _engine() -> BacktestEngine:
    return BacktestEngine(BacktestEngineConfig(log_level="ERROR"))


# -- commission rounding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("venue_options", "commission", "balance"),
    [
        # 100,000 × 1.08750 × 0.00002 = 2.175 exactly: half to even → 2.18 (the default)
        ({}, "2.18 USD", "999997.82 USD"),
        ({"fee_rounding": "exact"}, "2.18 USD", "999997.82 USD"),
        # NautilusTrader rounds the double 2.17499999999999982… → 2.17
        ({"fee_rounding": "float"}, "2.17 USD", "999997.83 USD"),
    ],
)
def test_fee_rounding_venue_option_sets_the_fill_commission(venue_options, commission, balance):
    engine = _engine()
    engine.add_venue(
        SIM,
        OmsType.NETTING,
        AccountType.MARGIN,
        [Money(1_000_000, USD)],
        base_currency=USD,
        **venue_options,
    )
    engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))
    engine.add_data([quote(1, "1.08748", "1.08750"), quote(2, "1.08748", "1.08750")])
    strategy = ScriptedStrategy("EUR/USD.SIM", at={ts(1): [Market("buy", "BUY", "100000")]})
    engine.add_strategy(strategy)
    engine.run()
    assert [f.commission for f in strategy.fills()] == [Money.from_str(commission)]
    account = engine.cache.account_for_venue(SIM)
    assert account.balance_total(USD) == Money.from_str(balance)


def test_fee_rounding_from_a_run_config_reaches_the_venue():
    data = tomllib.loads(
        textwrap.dedent(
            """
            [[venues]]
            name = "SIM"
            oms_type = "NETTING"
            account_type = "MARGIN"
            starting_balances = ["1000000 USD"]
            base_currency = "USD"
            fee_rounding = "float"

            [[data]]
            catalog_path = "catalog"
            data_cls = "QuoteTick"
            instrument_ids = ["EUR/USD.SIM"]
            """
        )
    )
    config = config_from_dict(data)
    engine = _engine()
    add_venues(engine, config)
    fee_model = engine._exchanges[SIM].fee_model
    assert isinstance(fee_model, MakerTakerFeeModel) and fee_model.rounding == "float"
    data["venues"][0]["fee_rounding"] = "cents"
    with pytest.raises(ConfigError, match=r"venues\[0\]\.fee_rounding"):
        config_from_dict(data, source="run.toml")


# -- multi-currency accounts against NautilusTrader ------------------------------------------

ORACLE = Path(__file__).resolve().parents[1] / "data" / "money_oracle.json"


def _oracle() -> dict:
    return json.loads(ORACLE.read_text())


def _run_scenario(scenario: dict, t0: int, minute: int) -> BacktestEngine:
    """Run an oracle scenario (see `tests/compat/money_oracle.py`) on Flotilla."""
    engine = _engine()
    base = scenario["base_currency"]
    engine.add_venue(
        SIM,
        OmsType.NETTING,
        AccountType.MARGIN,
        [Money.from_str(b) for b in scenario["starting_balances"]],
        base_currency=Currency.from_str(base) if base else None,
    )
    symbols: list[str] = []
    for _, symbol, _, _ in scenario["quotes"]:
        if symbol not in symbols:
            symbols.append(symbol)
            engine.add_instrument(TestInstrumentProvider.default_fx_ccy(symbol))
    engine.add_data(
        [
            QuoteTick(
                InstrumentId.from_str(f"{symbol}.SIM"),
                Price.from_str(bid),
                Price.from_str(ask),
                Quantity.from_int(10_000_000),
                Quantity.from_int(10_000_000),
                t0 + m * minute,
                t0 + m * minute,
            )
            for m, symbol, bid, ask in scenario["quotes"]
        ]
    )
    at = {
        t0 + m * minute: [Market(f"o{i}", side, qty)]
        for i, (m, side, qty) in enumerate(scenario["orders"])
    }
    engine.add_strategy(ScriptedStrategy(f"{scenario['traded']}.SIM", at=at))
    engine.run()
    return engine


def _last_state_per_minute(states: list, t0: int, minute: int) -> dict[int, dict[str, Decimal]]:
    out: dict[int, dict[str, Decimal]] = {}
    for m, balances in states:
        out[m] = {code: Decimal(total) for code, total in balances.items()}
    return out


SCENARIOS = sorted(_oracle()["scenarios"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_money_scenario_balances_match_nautilus_trader_to_the_cent(name):
    table = _oracle()
    scenario = table["scenarios"][name]
    nt = scenario["nautilus_trader"]
    engine = _run_scenario(scenario, table["t0"], table["minute"])
    account = engine.cache.account_for_venue(SIM)
    final = {b.total.currency.code: b.total.as_decimal() for b in account.balances()}
    assert final == {code: Decimal(v) for code, v in nt["final"].items()}
    # The balances after the last account state of each minute (NautilusTrader publishes a
    # state per fill and per margin change, Flotilla one per fill part: compare per minute).
    ours = [
        [
            (s.ts_event - table["t0"]) // table["minute"],
            {b.total.currency.code: str(b.total.as_decimal()) for b in s.balances},
        ]
        for s in account.events
    ]
    assert _last_state_per_minute(ours, table["t0"], table["minute"]) == _last_state_per_minute(
        nt["states"], table["t0"], table["minute"]
    )


@pytest.mark.parametrize("name", SCENARIOS)
def test_money_scenario_statistics_match_nautilus_trader(name):
    table = _oracle()
    scenario = table["scenarios"][name]
    nt = scenario["nautilus_trader"]
    engine = _run_scenario(scenario, table["t0"], table["minute"])
    stats = engine.get_result().stats_pnls
    assert sorted(stats) == sorted(nt["stats"])
    for code, expected in nt["stats"].items():
        ours = stats[code]
        assert ours["Currency"] == code
        assert round(ours["PnL (total)"], 2) == pytest.approx(expected["PnL (total)"], abs=1e-9)
        assert ours["PnL% (total)"] == pytest.approx(expected["PnL% (total)"], rel=1e-9)
        for key in ("Max Winner", "Avg Winner", "Expectancy", "Win Rate"):
            if expected[key] is None:
                assert math.isnan(ours[key]), (code, key)
            else:
                assert ours[key] == pytest.approx(expected[key], abs=1e-9), (code, key)
        winners = [v for v in nt["closed_position_pnls"]]
        assert ours["Trades"] == (len(winners) if expected["Win Rate"] is not None else 0)


# -- hand-computed scenarios ----------------------------------------------------------------


def _usdjpy_engine(base_currency, balances) -> tuple[BacktestEngine, ScriptedStrategy]:
    engine = _engine()
    engine.add_venue(
        SIM, OmsType.NETTING, AccountType.MARGIN, balances, base_currency=base_currency
    )
    engine.add_instrument(TestInstrumentProvider.default_fx_ccy("USD/JPY"))
    engine.add_data(
        [
            quote(1, "149.500", "149.520", "USD/JPY.SIM"),
            quote(2, "150.800", "150.830", "USD/JPY.SIM"),
            quote(3, "150.800", "150.830", "USD/JPY.SIM"),
        ]
    )
    strategy = ScriptedStrategy(
        "USD/JPY.SIM",
        at={ts(1): [Market("buy", "BUY", "100000")], ts(2): [Market("sell", "SELL", "100000")]},
    )
    engine.add_strategy(strategy)
    engine.run()
    return engine, strategy


def test_money_usdjpy_margin_base_usd_converts_pnl_and_commission_at_the_current_rate():
    engine, strategy = _usdjpy_engine(USD, [Money(1_000_000, USD)])
    account = engine.cache.account_for_venue(SIM)
    # Commissions stay in JPY on the fills: 100,000 × 149.520 × 0.00002 = 299.04 → 299 JPY;
    # 100,000 × 150.800 × 0.00002 = 301.6 → 302 JPY.
    assert [f.commission for f in strategy.fills()] == [
        Money.from_str("299 JPY"),
        Money.from_str("302 JPY"),
    ]
    # The account holds only USD. BUY converts JPY → USD at 1 / bid 149.500:
    #   299 / 149.5 = 2.0000 → 2.00; SELL at 1 / ask 150.830:
    #   PnL (150.800 − 149.520) × 100,000 = 128,000 JPY / 150.83 = 848.637... → 848.64,
    #   commission 302 / 150.83 = 2.0022... → 2.00.
    # 1,000,000 − 2.00 + 848.64 − 2.00 = 1,000,844.64
    assert [b.total for b in account.balances()] == [Money.from_str("1000844.64 USD")]
    assert account.margins() == []
    stats = engine.get_result().stats_pnls
    assert list(stats) == ["USD"]
    # The position's PnL 128,000 − 601 = 127,399 JPY at the mid 150.815 when it closed:
    # 844.737... → 844.74 USD (NautilusTrader's statistics convert the same way).
    assert stats["USD"]["Trades"] == 1
    assert stats["USD"]["Max Winner"] == 844.74
    assert round(stats["USD"]["PnL (total)"], 2) == 844.64


def test_money_usdjpy_without_base_currency_reports_every_currency_that_moved():
    engine, _ = _usdjpy_engine(None, [Money(1_000_000, USD)])
    account = engine.cache.account_for_venue(SIM)
    # Multi-currency: nothing is converted; JPY appears with the first commission.
    # 0 − 299 + 128,000 − 302 = 127,399 JPY; USD untouched.
    assert {b.total.currency.code: b.total for b in account.balances()} == {
        "USD": Money.from_str("1000000.00 USD"),
        "JPY": Money.from_str("127399 JPY"),
    }
    stats = engine.get_result().stats_pnls
    assert sorted(stats) == ["JPY", "USD"]
    assert (stats["JPY"]["Trades"], stats["JPY"]["PnL (total)"]) == (1, 127_399.0)
    assert math.isnan(stats["JPY"]["PnL% (total)"])  # JPY started at 0
    assert (stats["USD"]["Trades"], stats["USD"]["PnL (total)"]) == (0, 0.0)


def test_money_eur_balance_with_usd_base_is_refused_before_the_run():
    engine = _engine()
    # NautilusTrader fails at the first fill ("single-currency account has multiple currency
    # update"); the summary used to print "Trades 0, PnL 0" for such a venue.
    with pytest.raises(
        ValidationError,
        match=r"add_venue SIM: starting balance 1000000.00 EUR is not in base_currency USD; "
        r"expected balances in USD \(a single-currency account\), or base_currency=None",
    ):
        engine.add_venue(
            SIM, OmsType.NETTING, AccountType.MARGIN, [Money(1_000_000, EUR)], base_currency=USD
        )


def test_money_eur_balance_with_usd_base_in_a_config_fails_at_load():
    venue = {
        "name": "SIM",
        "oms_type": "NETTING",
        "account_type": "MARGIN",
        "starting_balances": ["1000000 EUR"],
        "base_currency": "USD",
    }
    data = {
        "venues": [venue],
        "data": [{"catalog_path": "c", "data_cls": "QuoteTick", "instrument_ids": ["EUR/USD.SIM"]}],
    }
    with pytest.raises(
        ConfigError,
        match=r"run.toml: venues\[0\].starting_balances\[0\]: expected money in base_currency "
        r"USD \(a single-currency account\), got '1000000 EUR'",
    ):
        config_from_dict(data, source="run.toml")


def test_money_eur_balance_without_base_currency_reports_eur_and_usd():
    engine = _engine()
    engine.add_venue(SIM, OmsType.NETTING, AccountType.MARGIN, [Money(1_000_000, EUR)])
    engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))
    engine.add_data(
        [
            quote(1, "1.08740", "1.08750"),
            quote(2, "1.07000", "1.07010"),
            quote(3, "1.07000", "1.07010"),
        ]
    )
    engine.add_strategy(
        ScriptedStrategy(
            "EUR/USD.SIM",
            at={ts(1): [Market("b", "BUY", "1000000")], ts(2): [Market("s", "SELL", "1000000")]},
        )
    )
    engine.run()
    # (1.07000 − 1.08750) × 1,000,000 = −17,500 USD; commissions 21.75 + 21.40 USD.
    # −17,500 − 21.75 − 21.40 = −17,543.15 USD; the EUR balance is untouched.
    stats = engine.get_result().stats_pnls
    assert sorted(stats) == ["EUR", "USD"]
    assert stats["USD"]["Trades"] == 1
    assert round(stats["USD"]["PnL (total)"], 2) == -17_543.15
    assert stats["USD"]["Max Loser"] == -17_543.15
    assert (stats["EUR"]["Trades"], stats["EUR"]["PnL (total)"]) == (0, 0.0)


def test_money_cash_account_with_base_currency_refuses_a_currency_pair():
    engine = _engine()
    engine.add_venue(
        SIM, OmsType.NETTING, AccountType.CASH, [Money(1_000_000, USD)], base_currency=USD
    )
    with pytest.raises(
        ValidationError,
        match=r"add_instrument EUR/USD.SIM: venue SIM has a CASH account with base_currency USD, "
        r"which holds only USD, but spot CurrencyPair settles in EUR and USD; expected "
        r"base_currency=None",
    ):
        engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))


def test_money_missing_exchange_rate_is_an_error_naming_the_currencies():
    engine = _engine()
    engine.add_venue(
        SIM, OmsType.NETTING, AccountType.MARGIN, [Money(1_000_000, USD)], base_currency=USD
    )
    engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/GBP"))
    engine.add_data([quote(1, "0.86990", "0.87000", "EUR/GBP.SIM")])
    engine.add_strategy(ScriptedStrategy("EUR/GBP.SIM", at={ts(1): [Market("b", "BUY", "100000")]}))
    with pytest.raises(
        ValidationError,
        match=r"Account SIM-001 \(base_currency USD\): no GBP/USD exchange rate at venue SIM to "
        r"convert the commission of fill SIM-1-1; expected quotes of a GBP/USD or USD/GBP pair",
    ):
        engine.run()


# -- the printed summary --------------------------------------------------------------------

SUMMARY_BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"


@pytest.fixture(scope="module")
def bars_catalog(tmp_path_factory):
    import pyarrow as pa

    from core.testkit.data import random_walk_bars
    from node.persistence import ParquetDataCatalog

    path = tmp_path_factory.mktemp("catalog")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", SUMMARY_BAR_TYPE, pa.table(random_walk_bars(2_000, seed=11)))
    return path


def _ema_config(catalog_path, venue: dict) -> dict:
    return {
        "name": "money",
        "engine": {"log_level": "ERROR"},
        "venues": [
            {"name": "SIM", "oms_type": "NETTING", "account_type": "MARGIN", **venue},
        ],
        "data": [
            {"catalog_path": str(catalog_path), "data_cls": "Bar", "bar_types": [SUMMARY_BAR_TYPE]}
        ],
        "strategies": [
            {
                "strategy_path": "configs.strategies.ema_cross:EMACross",
                "config": {"instrument_id": "EUR/USD.SIM", "bar_type": SUMMARY_BAR_TYPE},
            }
        ],
    }


def test_summary_of_a_multi_currency_venue_prints_every_currency_that_moved(
    bars_catalog, tmp_path, capsys
):
    from node.backtest import load_run_result
    from node.cli import main

    # An EUR balance without base currency trading EUR/USD: the PnL and commissions are in USD,
    # which the account started without (the venue printed "Trades 0, PnL 0").
    config = tmp_path / "money.json"
    config.write_text(json.dumps(_ema_config(bars_catalog, {"starting_balances": ["1000000 EUR"]})))
    results = tmp_path / "results"
    assert main(["backtest", str(config), "--results", str(results), "--no-tearsheet"]) == 0
    out = capsys.readouterr().out
    [run_dir] = [p for p in results.iterdir() if p.is_dir()]
    stored = load_run_result(run_dir)
    assert sorted(stored.statistics) == ["EUR", "USD"]
    usd_stats = stored.statistics["USD"]
    assert usd_stats["Trades"] > 10 and usd_stats["PnL (total)"] != 0.0
    assert stored.statistics["EUR"]["PnL (total)"] == 0.0
    assert "  statistics (EUR):" in out and "  statistics (USD):" in out
    usd_block = out.split("  statistics (USD):")[1]
    assert f"    Trades                          {usd_stats['Trades']}" in usd_block
    assert f"    PnL (total)                     {usd_stats['PnL (total)']:,.4f}" in usd_block


def test_summary_of_an_eur_balance_with_usd_base_is_a_one_line_error(
    bars_catalog, tmp_path, capsys
):
    from node.cli import main

    config = tmp_path / "money.json"
    venue = {"starting_balances": ["1000000 EUR"], "base_currency": "USD"}
    config.write_text(json.dumps(_ema_config(bars_catalog, venue)))
    assert main(["backtest", str(config), "--results", str(tmp_path / "r"), "--no-tearsheet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "venues[0].starting_balances[0]: expected money in base_currency USD" in err
