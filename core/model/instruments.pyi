from decimal import Decimal
from typing import Any

from core.model.currency import Currency
from core.model.data import Data
from core.model.enums import AssetClass, InstrumentClass
from core.model.identifiers import InstrumentId, Symbol
from core.model.objects import Money, Price, Quantity

_Rate = Decimal | int | float | str | None

class Instrument(Data):
    id: InstrumentId
    raw_symbol: Symbol
    asset_class: AssetClass
    instrument_class: InstrumentClass
    quote_currency: Currency
    is_inverse: bool
    price_precision: int
    size_precision: int
    price_increment: Price
    size_increment: Quantity
    multiplier: Quantity
    lot_size: Quantity | None
    max_quantity: Quantity | None
    min_quantity: Quantity | None
    max_notional: Money | None
    min_notional: Money | None
    max_price: Price | None
    min_price: Price | None
    margin_init: Decimal
    margin_maint: Decimal
    maker_fee: Decimal
    taker_fee: Decimal
    info: dict[str, Any]
    def get_base_currency(self) -> Currency | None: ...
    def get_settlement_currency(self) -> Currency: ...
    def get_cost_currency(self) -> Currency: ...
    def make_price(self, value: float | int | Decimal | str) -> Price: ...
    def make_qty(
        self, value: float | int | Decimal | str, round_down: bool = False
    ) -> Quantity: ...
    def notional_value(
        self, quantity: Quantity, price: Price, use_quote_for_inverse: bool = False
    ) -> Money: ...

class CurrencyPair(Instrument):
    base_currency: Currency
    def __init__(
        self,
        instrument_id: InstrumentId,
        raw_symbol: Symbol,
        base_currency: Currency,
        quote_currency: Currency,
        price_precision: int,
        size_precision: int,
        price_increment: Price,
        size_increment: Quantity,
        ts_event: int,
        ts_init: int,
        multiplier: Quantity | None = None,
        lot_size: Quantity | None = None,
        max_quantity: Quantity | None = None,
        min_quantity: Quantity | None = None,
        max_notional: Money | None = None,
        min_notional: Money | None = None,
        max_price: Price | None = None,
        min_price: Price | None = None,
        margin_init: _Rate = None,
        margin_maint: _Rate = None,
        maker_fee: _Rate = None,
        taker_fee: _Rate = None,
        info: dict[str, Any] | None = None,
    ) -> None: ...

class Equity(Instrument):
    isin: str | None
    def __init__(
        self,
        instrument_id: InstrumentId,
        raw_symbol: Symbol,
        currency: Currency,
        price_precision: int,
        price_increment: Price,
        lot_size: Quantity | None,
        ts_event: int,
        ts_init: int,
        isin: str | None = None,
        margin_init: _Rate = None,
        margin_maint: _Rate = None,
        maker_fee: _Rate = None,
        taker_fee: _Rate = None,
        max_quantity: Quantity | None = None,
        min_quantity: Quantity | None = None,
        info: dict[str, Any] | None = None,
    ) -> None: ...

class CryptoPerpetual(Instrument):
    base_currency: Currency
    settlement_currency: Currency
    def __init__(
        self,
        instrument_id: InstrumentId,
        raw_symbol: Symbol,
        base_currency: Currency,
        quote_currency: Currency,
        settlement_currency: Currency,
        is_inverse: bool,
        price_precision: int,
        size_precision: int,
        price_increment: Price,
        size_increment: Quantity,
        ts_event: int,
        ts_init: int,
        multiplier: Quantity | None = None,
        lot_size: Quantity | None = None,
        max_quantity: Quantity | None = None,
        min_quantity: Quantity | None = None,
        max_notional: Money | None = None,
        min_notional: Money | None = None,
        max_price: Price | None = None,
        min_price: Price | None = None,
        margin_init: _Rate = None,
        margin_maint: _Rate = None,
        maker_fee: _Rate = None,
        taker_fee: _Rate = None,
        info: dict[str, Any] | None = None,
    ) -> None: ...

class FuturesContract(Instrument):
    underlying: str
    activation_ns: int
    expiration_ns: int
    def __init__(
        self,
        instrument_id: InstrumentId,
        raw_symbol: Symbol,
        asset_class: AssetClass,
        currency: Currency,
        price_precision: int,
        price_increment: Price,
        multiplier: Quantity,
        lot_size: Quantity | None,
        underlying: str,
        activation_ns: int,
        expiration_ns: int,
        ts_event: int,
        ts_init: int,
        max_quantity: Quantity | None = None,
        min_quantity: Quantity | None = None,
        max_price: Price | None = None,
        min_price: Price | None = None,
        margin_init: _Rate = None,
        margin_maint: _Rate = None,
        maker_fee: _Rate = None,
        taker_fee: _Rate = None,
        info: dict[str, Any] | None = None,
    ) -> None: ...
