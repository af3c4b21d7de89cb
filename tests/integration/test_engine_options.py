"""Engine-level options: strategy OMS override, indicator/price-type check, log level scope."""

from __future__ import annotations

import pytest

from core.common.logging import LogLevel, get_default_level, set_default_level
from core.errors import ValidationError
from core.indicators import ExponentialMovingAverage
from core.model import InstrumentId, OmsType, PriceType
from tests.integration.test_execution_rules import make_engine, quote, run, ts
from tests.kit.scripted import Market, ScriptedStrategy


def test_strategy_oms_type_hedging_on_netting_venue_keeps_separate_positions():
    strategy = ScriptedStrategy(
        "EUR/USD.SIM",
        at={ts(1): [Market("a", "BUY", "100000")], ts(2): [Market("b", "BUY", "100000")]},
        oms_type="HEDGING",
    )
    engine = make_engine(oms_type=OmsType.NETTING)
    run(engine, [[quote(ts(i), "1.10000", "1.10002") for i in range(4)]], strategy)
    ids = sorted(p.id.value for p in engine.cache.positions())
    assert ids == [
        "EUR/USD.SIM-ScriptedStrategy-000-1",
        "EUR/USD.SIM-ScriptedStrategy-000-2",
    ]


def test_strategy_without_oms_override_nets_on_netting_venue():
    strategy = ScriptedStrategy(
        "EUR/USD.SIM",
        at={ts(1): [Market("a", "BUY", "100000")], ts(2): [Market("b", "BUY", "100000")]},
    )
    engine = make_engine(oms_type=OmsType.NETTING)
    run(engine, [[quote(ts(i), "1.10000", "1.10002") for i in range(4)]], strategy)
    assert [p.id.value for p in engine.cache.positions()] == ["EUR/USD.SIM-ScriptedStrategy-000"]


def test_register_last_price_indicator_for_quotes_raises():
    strategy = ScriptedStrategy("EUR/USD.SIM")
    with pytest.raises(ValidationError, match=r"reads LAST prices, expected an indicator built"):
        strategy.register_indicator_for_quote_ticks(
            InstrumentId.from_str("EUR/USD.SIM"), ExponentialMovingAverage(10)
        )
    strategy.register_indicator_for_quote_ticks(
        InstrumentId.from_str("EUR/USD.SIM"), ExponentialMovingAverage(10, PriceType.MID)
    )


def test_engine_log_level_applies_to_the_run_only():
    set_default_level(LogLevel.INFO)
    try:
        engine = make_engine()
        assert get_default_level() == LogLevel.INFO
        run(engine, [[quote(ts(0), "1.10000", "1.10002")]], ScriptedStrategy("EUR/USD.SIM"))
        assert get_default_level() == LogLevel.INFO
    finally:
        set_default_level(LogLevel.WARNING)
