"""Money on real `BacktestEngine` runs: commission rounding and multi-currency accounts.

Expected values are literals worked out by hand in the comments, or taken from NautilusTrader
1.231 runs of the same scenario (`tests/compat/`), as each comment says.
"""

from __future__ import annotations

import textwrap
import tomllib

import pytest
from core.backtest.models import MakerTakerFeeModel

from core.backtest.config import BacktestEngineConfig
from core.backtest.engine import BacktestEngine
from core.errors import ConfigError
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
