from decimal import Decimal

import pytest

from core.errors import ValidationError
from core.model.currency import Currency
from core.model.enums import AssetClass, InstrumentClass
from core.model.identifiers import InstrumentId, Symbol
from core.model.instruments import CryptoPerpetual, CurrencyPair, FuturesContract
from core.model.objects import Money, Price, Quantity
from core.testkit import TestInstrumentProvider

USD = Currency.from_str("USD")
BTC = Currency.from_str("BTC")
EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")


def _pair(**overrides):
    kwargs = dict(
        instrument_id=InstrumentId.from_str("EUR/USD.SIM"),
        raw_symbol=Symbol("EUR/USD"),
        base_currency=Currency.from_str("EUR"),
        quote_currency=USD,
        price_precision=5,
        size_precision=0,
        price_increment=Price.from_str("0.00001"),
        size_increment=Quantity.from_int(1),
        ts_event=0,
        ts_init=0,
    )
    kwargs.update(overrides)
    return CurrencyPair(**kwargs)


def test_default_fx_ccy_has_documented_specification():
    assert EURUSD.id == InstrumentId.from_str("EUR/USD.SIM")
    assert EURUSD.asset_class == AssetClass.FX
    assert EURUSD.instrument_class == InstrumentClass.SPOT
    assert EURUSD.price_precision == 5 and EURUSD.size_precision == 0
    assert EURUSD.lot_size == Quantity.from_int(1_000)
    assert EURUSD.min_quantity == Quantity.from_int(1_000)
    assert EURUSD.max_quantity == Quantity.from_int(10_000_000)
    assert EURUSD.min_notional == Money(1_000, USD)
    assert EURUSD.max_notional == Money(50_000_000, USD)
    assert EURUSD.margin_init == Decimal("0.03") and EURUSD.margin_maint == Decimal("0.03")
    assert EURUSD.maker_fee == Decimal("0.00002") and EURUSD.taker_fee == Decimal("0.00002")
    assert EURUSD.get_base_currency() == Currency.from_str("EUR")
    assert EURUSD.get_cost_currency() == USD


def test_default_fx_ccy_jpy_quote_has_three_decimals():
    assert TestInstrumentProvider.default_fx_ccy("USD/JPY").price_precision == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.123456, "1.12346"),
        ("1.123455", "1.12346"),
        (Decimal("1.123445"), "1.12344"),
        (2, "2.00000"),
    ],
)
def test_make_price_rounds_half_even_to_precision(value, expected):
    price = EURUSD.make_price(value)
    assert str(price) == expected and price.precision == 5


@pytest.mark.parametrize(
    ("value", "round_down", "expected"),
    [(1500.5, False, "1500"), (1501.5, False, "1502"), (1999.9, True, "1999"), (0, False, "0")],
)
def test_make_qty_rounds(value, round_down, expected):
    assert str(EURUSD.make_qty(value, round_down=round_down)) == expected


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (-1, r"CurrencyPair EUR/USD.SIM: quantity -1 invalid, expected >= 0"),
        (0.4, r"quantity 0.4 rounds to zero at size precision 0, expected at least 1"),
        (float("nan"), r"quantity invalid value nan, expected a finite number"),
    ],
)
def test_make_qty_bad_value_raises(value, match):
    with pytest.raises(ValidationError, match=match):
        EURUSD.make_qty(value)


def test_make_price_infinite_raises():
    with pytest.raises(ValidationError, match=r"price invalid value inf, expected a finite number"):
        EURUSD.make_price(float("inf"))


def test_notional_value_linear_is_exact():
    notional = EURUSD.notional_value(Quantity.from_int(100_000), Price.from_str("1.10001"))
    assert notional == Money("110001.00", USD)


def test_notional_value_inverse_is_in_base_currency():
    perp = CryptoPerpetual(
        instrument_id=InstrumentId.from_str("XBTUSD.BITMEX"),
        raw_symbol=Symbol("XBTUSD"),
        base_currency=BTC,
        quote_currency=USD,
        settlement_currency=BTC,
        is_inverse=True,
        price_precision=1,
        size_precision=0,
        price_increment=Price.from_str("0.5"),
        size_increment=Quantity.from_int(1),
        ts_event=0,
        ts_init=0,
    )
    assert perp.notional_value(Quantity.from_int(10_000), Price.from_str("50000.0")) == Money(
        "0.2", BTC
    )
    assert perp.notional_value(
        Quantity.from_int(10_000), Price.from_str("50000.0"), use_quote_for_inverse=True
    ) == Money(10_000, USD)
    assert perp.get_cost_currency() == BTC
    assert perp.get_settlement_currency() == BTC


def test_futures_contract_multiplier_in_notional():
    future = FuturesContract(
        instrument_id=InstrumentId.from_str("ESZ4.XCME"),
        raw_symbol=Symbol("ESZ4"),
        asset_class=AssetClass.INDEX,
        currency=USD,
        price_precision=2,
        price_increment=Price.from_str("0.25"),
        multiplier=Quantity.from_int(50),
        lot_size=Quantity.from_int(1),
        underlying="ES",
        activation_ns=0,
        expiration_ns=10**18,
        ts_event=0,
        ts_init=0,
    )
    assert future.notional_value(Quantity.from_int(2), Price.from_str("5000.25")) == Money(
        "500025.00", USD
    )
    assert future.instrument_class == InstrumentClass.FUTURE


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (
            {"price_increment": Price.from_str("0.0001")},
            r"price_increment 0.0001 has precision 4, expected price_precision 5",
        ),
        (
            {"price_increment": Price.from_str("0.00000")},
            r"price_increment 0.00000 invalid, expected > 0",
        ),
        (
            {"size_increment": Quantity.from_str("0.1")},
            r"size_increment 0.1 has precision 1, expected size_precision 0",
        ),
        ({"price_precision": 10}, r"price_precision 10 invalid, expected 0..9"),
        ({"multiplier": Quantity.from_int(0)}, r"multiplier 0 invalid, expected > 0"),
        ({"lot_size": Quantity.from_int(0)}, r"lot_size 0 invalid, expected > 0"),
        (
            {"min_quantity": Quantity.from_int(10), "max_quantity": Quantity.from_int(1)},
            r"min_quantity 10 > max_quantity 1, expected min_quantity <= max_quantity",
        ),
        (
            {"min_price": Price.from_str("2.00000"), "max_price": Price.from_str("1.00000")},
            r"min_price 2.00000 > max_price 1.00000",
        ),
        (
            {"margin_init": Decimal("-0.1")},
            r"margin_init invalid value Decimal\('-0.1'\), expected a rate >= 0",
        ),
        ({"maker_fee": "abc"}, r"maker_fee invalid value 'abc', expected a decimal number"),
        ({"ts_init": -1}, r"ts_init invalid value -1"),
    ],
)
def test_instrument_bad_specification_raises(overrides, match):
    with pytest.raises(
        ValidationError, match=rf"CurrencyPair.*{match}" if "ts_init" not in match else match
    ):
        _pair(**overrides)


def test_futures_contract_activation_after_expiration_raises():
    with pytest.raises(
        ValidationError,
        match=r"activation_ns 5 >= expiration_ns 5, expected activation before expiration",
    ):
        FuturesContract(
            InstrumentId.from_str("ESZ4.XCME"),
            Symbol("ESZ4"),
            AssetClass.INDEX,
            USD,
            2,
            Price.from_str("0.25"),
            Quantity.from_int(50),
            None,
            "ES",
            5,
            5,
            0,
            0,
        )


def test_negative_fee_is_a_rebate():
    assert _pair(maker_fee=Decimal("-0.0001")).maker_fee == Decimal("-0.0001")


def test_crypto_pair_asset_class():
    pair = _pair(
        instrument_id=InstrumentId.from_str("BTC/USDT.BINANCE"),
        raw_symbol=Symbol("BTCUSDT"),
        base_currency=BTC,
        quote_currency=Currency.from_str("USDT"),
    )
    assert pair.asset_class == AssetClass.CRYPTOCURRENCY


def _future_with_limits():
    return FuturesContract(
        instrument_id=InstrumentId.from_str("ESZ4.XCME"),
        raw_symbol=Symbol("ESZ4"),
        asset_class=AssetClass.INDEX,
        currency=USD,
        price_precision=2,
        price_increment=Price.from_str("0.25"),
        multiplier=Quantity.from_int(50),
        lot_size=None,
        underlying="ES",
        activation_ns=5,
        expiration_ns=10**18,
        ts_event=7,
        ts_init=8,
        max_quantity=Quantity.from_int(1000),
        min_price=Price.from_str("0.25"),
        margin_init=Decimal("0.07"),
        info={"exchange": "CME"},
    )


_INSTRUMENT_FIELDS = (
    "id",
    "raw_symbol",
    "asset_class",
    "instrument_class",
    "quote_currency",
    "is_inverse",
    "price_precision",
    "size_precision",
    "price_increment",
    "size_increment",
    "multiplier",
    "lot_size",
    "max_quantity",
    "min_quantity",
    "max_notional",
    "min_notional",
    "max_price",
    "min_price",
    "margin_init",
    "margin_maint",
    "maker_fee",
    "taker_fee",
    "info",
    "ts_event",
    "ts_init",
)


@pytest.mark.parametrize(
    "make",
    [
        lambda: TestInstrumentProvider.default_fx_ccy("EUR/USD"),
        TestInstrumentProvider.btcusdt_perp,
        TestInstrumentProvider.equity,
        _future_with_limits,
    ],
    ids=["pair", "perpetual", "equity", "future"],
)
def test_instrument_pickles_round_trip_with_every_field(make):
    # Ray ships instruments to grid cells by pickle. Cython's auto-pickle loader refuses the
    # None state it writes for objects with None members once the kernel's None checks are on,
    # so each kind reduces through its constructor; every field must survive.
    import pickle

    instrument = make()
    loaded = pickle.loads(pickle.dumps(instrument))
    assert type(loaded) is type(instrument)
    for field in _INSTRUMENT_FIELDS:
        assert getattr(loaded, field) == getattr(instrument, field), field
    for extra in (
        "base_currency",
        "settlement_currency",
        "isin",
        "underlying",
        "activation_ns",
        "expiration_ns",
    ):
        if hasattr(instrument, extra):
            assert getattr(loaded, extra) == getattr(instrument, extra), extra
