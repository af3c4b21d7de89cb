"""Commission rounding: exact by default, NautilusTrader's float arithmetic on request.

The table `tests/data/fee_rounding_cases.json` was generated with NautilusTrader 1.231 as the
oracle by `tests/compat/fee_rounding_oracle.py` (3,000 fills, a third of them ties of the
exact value); ``nt`` is NautilusTrader's commission, ``exact`` the exact value rounded half to
even.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from core.backtest.models import FixedFeeModel, MakerTakerFeeModel

from core.errors import ValidationError
from core.model.currency import Currency
from core.model.enums import LiquiditySide
from core.model.identifiers import InstrumentId, Symbol, Venue
from core.model.instruments import CurrencyPair
from core.model.objects import Money, Price, Quantity
from core.testkit import TestInstrumentProvider

TABLE = Path(__file__).resolve().parents[2] / "data" / "fee_rounding_cases.json"


def _pair(case: dict) -> CurrencyPair:
    symbol = Symbol(f"{case['base']}/{case['quote']}")
    pp, sp = case["price_precision"], case["size_precision"]
    return CurrencyPair(
        instrument_id=InstrumentId(symbol, Venue("SIM")),
        raw_symbol=symbol,
        base_currency=Currency.from_str(case["base"]),
        quote_currency=Currency.from_str(case["quote"]),
        price_precision=pp,
        size_precision=sp,
        price_increment=Price(Decimal(1).scaleb(-pp), pp),
        size_increment=Quantity(Decimal(1).scaleb(-sp), sp),
        ts_event=0,
        ts_init=0,
        maker_fee=Decimal(case["rate"]),
        taker_fee=Decimal(case["rate"]),
    )


def _cases() -> list[dict]:
    return json.loads(TABLE.read_text())["cases"]


def _commissions(rounding: str) -> list[tuple[dict, Decimal]]:
    # One model per (instrument, rate): a model caches its rates by instrument id.
    models: dict[tuple, tuple] = {}
    out = []
    for case in _cases():
        key = (case["base"], case["quote"], case["rate"])
        if key not in models:
            models[key] = (MakerTakerFeeModel(rounding), _pair(case))
        model, instrument = models[key]
        money = model.get_commission(
            None,
            Quantity.from_str(case["qty"]),
            Price.from_str(case["px"]),
            instrument,
            LiquiditySide[case["liquidity_side"]],
        )
        assert money.currency.code == case["quote"]
        out.append((case, money.as_decimal()))
    return out


def test_fee_rounding_table_covers_ties_and_differences():
    cases = _cases()
    assert len(cases) == 3000
    assert sum(c["tie"] for c in cases) >= 900
    # The table is only a test if the two roundings disagree on a good share of it.
    assert sum(c["nt"] != c["exact"] for c in cases) >= 500
    assert {c["quote"] for c in cases} == {"USD", "GBP", "JPY", "USDT"}


def test_fee_rounding_float_matches_nautilus_trader_on_every_case():
    wrong = [(c, got) for c, got in _commissions("float") if got != Decimal(c["nt"])]
    assert wrong == [], f"{len(wrong)} cases differ, first: {wrong[:3]}"


def test_fee_rounding_exact_rounds_the_exact_value_half_even():
    wrong = [(c, got) for c, got in _commissions("exact") if got != Decimal(c["exact"])]
    assert wrong == [], f"{len(wrong)} cases differ, first: {wrong[:3]}"


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [("exact", "2.18"), ("float", "2.17"), (None, "2.18")],
)
def test_fee_rounding_2175_example(rounding, expected):
    # 100,000 EUR/USD at 1.08750, fee 0.002 %: exactly 2.175 USD, the double 2.17499999...
    model = MakerTakerFeeModel() if rounding is None else MakerTakerFeeModel(rounding)
    eurusd = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    money = model.get_commission(
        None, Quantity.from_int(100_000), Price.from_str("1.08750"), eurusd, LiquiditySide.TAKER
    )
    assert money == Money.from_str(f"{expected} USD")


def test_fee_rounding_invalid_value_is_refused():
    with pytest.raises(
        ValidationError,
        match=r"FeeModel.rounding: invalid value 'half_up', "
        r"expected 'exact' or 'float'",
    ):
        MakerTakerFeeModel("half_up")
    with pytest.raises(ValidationError, match="FeeModel.rounding"):
        MakerTakerFeeModel().with_rounding("round")


def test_fee_rounding_with_rounding_returns_a_model_of_that_rounding():
    model = MakerTakerFeeModel()
    assert model.with_rounding("exact") is model
    assert model.with_rounding("float").rounding == "float"
    assert model.rounding == "exact"  # the original is unchanged (models may be shared)
    fixed = FixedFeeModel(Money.from_str("1.00 USD"))
    assert fixed.with_rounding("float") is fixed
