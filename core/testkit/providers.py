"""`TestInstrumentProvider`: ready-made instruments for examples, tests and benchmarks."""

from __future__ import annotations

from decimal import Decimal

from core.model.currency import Currency
from core.model.identifiers import InstrumentId, Symbol, Venue
from core.model.instruments import CryptoPerpetual, CurrencyPair, Equity
from core.model.objects import Money, Price, Quantity


class TestInstrumentProvider:
    """Factory of instruments with realistic, fixed specifications."""

    __test__ = False  # not a pytest test class

    @staticmethod
    def default_fx_ccy(symbol: str, venue: Venue | str | None = None) -> CurrencyPair:
        """Return a spot FX pair such as ``EUR/USD`` at `venue` (default ``SIM``).

        Prices have 5 decimals (3 for JPY quotes); sizes are whole units; lot and minimum size
        1,000; maximum size 10,000,000; notional between 1,000 and 50,000,000 of the quote
        currency; initial and maintenance margin 3 %; maker and taker fee 0.002 %.
        """
        if not isinstance(symbol, str) or len(symbol) != 7 or symbol[3] != "/":
            raise ValueError(
                f"TestInstrumentProvider.default_fx_ccy: symbol {symbol!r} invalid, "
                f"expected '<BASE>/<QUOTE>' such as 'EUR/USD'"
            )
        venue = Venue(venue) if isinstance(venue, str) else venue or Venue("SIM")
        base = Currency.from_str(symbol[:3])
        quote = Currency.from_str(symbol[4:])
        price_precision = 3 if quote.code == "JPY" else 5
        return CurrencyPair(
            instrument_id=InstrumentId(Symbol(symbol), venue),
            raw_symbol=Symbol(symbol),
            base_currency=base,
            quote_currency=quote,
            price_precision=price_precision,
            size_precision=0,
            price_increment=Price(Decimal(1).scaleb(-price_precision), price_precision),
            size_increment=Quantity.from_int(1),
            lot_size=Quantity.from_int(1_000),
            max_quantity=Quantity.from_int(10_000_000),
            min_quantity=Quantity.from_int(1_000),
            max_notional=Money(50_000_000, quote),
            min_notional=Money(1_000, quote),
            max_price=Price(Decimal("1000").scaleb(0), price_precision),
            min_price=Price(Decimal(1).scaleb(-price_precision), price_precision),
            margin_init=Decimal("0.03"),
            margin_maint=Decimal("0.03"),
            maker_fee=Decimal("0.00002"),
            taker_fee=Decimal("0.00002"),
            ts_event=0,
            ts_init=0,
        )

    @staticmethod
    def btcusdt_perp(venue: str = "BINANCE") -> CryptoPerpetual:
        """Return a linear ``BTCUSDT-PERP`` perpetual: price 0.1, size 0.001, fees 2/4 bp."""
        return CryptoPerpetual(
            instrument_id=InstrumentId(Symbol("BTCUSDT-PERP"), Venue(venue)),
            raw_symbol=Symbol("BTCUSDT"),
            base_currency=Currency.from_str("BTC"),
            quote_currency=Currency.from_str("USDT"),
            settlement_currency=Currency.from_str("USDT"),
            is_inverse=False,
            price_precision=1,
            size_precision=3,
            price_increment=Price.from_str("0.1"),
            size_increment=Quantity.from_str("0.001"),
            max_quantity=Quantity.from_str("1000.000"),
            min_quantity=Quantity.from_str("0.001"),
            min_notional=Money(5, Currency.from_str("USDT")),
            max_price=Price.from_str("1000000.0"),
            min_price=Price.from_str("0.1"),
            margin_init=Decimal("0.01"),
            margin_maint=Decimal("0.005"),
            maker_fee=Decimal("0.0002"),
            taker_fee=Decimal("0.0004"),
            ts_event=0,
            ts_init=0,
        )

    @staticmethod
    def equity(symbol: str = "AAPL", venue: str = "XNAS") -> Equity:
        """Return a USD equity with cent prices and lot size 1."""
        return Equity(
            instrument_id=InstrumentId(Symbol(symbol), Venue(venue)),
            raw_symbol=Symbol(symbol),
            currency=Currency.from_str("USD"),
            price_precision=2,
            price_increment=Price.from_str("0.01"),
            lot_size=Quantity.from_int(1),
            ts_event=0,
            ts_init=0,
        )
