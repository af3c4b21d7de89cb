import pytest

from core.model.enums import InstrumentClass
from core.testkit import TestInstrumentProvider


@pytest.mark.parametrize("symbol", ["EURUSD", "EUR-USD", "", 5])
def test_default_fx_ccy_malformed_symbol_raises(symbol):
    with pytest.raises(
        ValueError, match=r"default_fx_ccy: symbol .* invalid, expected '<BASE>/<QUOTE>'"
    ):
        TestInstrumentProvider.default_fx_ccy(symbol)


def test_default_fx_ccy_custom_venue():
    assert (
        str(TestInstrumentProvider.default_fx_ccy("GBP/USD", "IDEALPRO").id) == "GBP/USD.IDEALPRO"
    )


def test_btcusdt_perp_is_linear_swap():
    perp = TestInstrumentProvider.btcusdt_perp()
    assert perp.instrument_class == InstrumentClass.SWAP
    assert not perp.is_inverse
    assert perp.get_settlement_currency().code == "USDT"


def test_equity_whole_units():
    assert TestInstrumentProvider.equity().size_precision == 0
