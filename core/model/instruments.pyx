"""Instruments: `CurrencyPair`, `Equity`, `CryptoPerpetual`, `FuturesContract`.

An instrument fixes how its prices and sizes look (precision, increment), the limits orders
must respect (quantity, notional and price bounds), its margin rates and its maker/taker fee
rates. `make_price` and `make_qty` round a number onto the instrument (half to even);
`notional_value` gives an order's value in the quote currency (the base currency for an
inverse instrument).

Fee and margin rates are exact `Decimal`s (e.g. ``Decimal("0.00002")``); a positive fee is a
cost, a negative one a rebate.
"""

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

from libc.stdint cimport int64_t, uint8_t

from core.model.currency cimport Currency
from core.model.data cimport Data
from core.model.enums cimport AssetClass, CurrencyType, InstrumentClass, enum_value
from core.model.identifiers cimport InstrumentId, Symbol
from core.model.objects cimport FIXED_SCALAR, Money, Price, Quantity

from core.errors import InvalidTypeError, ValidationError
from core.model.enums import AssetClass as PyAssetClass
from core.model.enums import InstrumentClass as PyInstrumentClass


cdef object _decimal(object value, str owner, str field):
    """Return `value` as an exact Decimal (a float through its repr)."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise InvalidTypeError(f"{owner}: {field} invalid type bool, expected a number")
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(value)
        except InvalidOperation as err:
            raise ValidationError(
                f"{owner}: {field} invalid value {value!r}, expected a decimal number"
            ) from err
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif hasattr(value, "as_decimal"):
        result = value.as_decimal()
    else:
        raise InvalidTypeError(
            f"{owner}: {field} invalid type {type(value).__name__}, expected a number"
        )
    if not result.is_finite():
        raise ValidationError(f"{owner}: {field} invalid value {value!r}, expected a finite number")
    return result


cdef object _rate(object value, str owner, str field, bint non_negative):
    if value is None:
        return Decimal(0)
    cdef object rate = _decimal(value, owner, field)
    if non_negative and rate < 0:
        raise ValidationError(f"{owner}: {field} invalid value {value!r}, expected a rate >= 0")
    return rate


cdef class Instrument(Data):
    """Base of all instruments; holds the fields every instrument has.

    Parameters follow NautilusTrader's names. Optional limits are None when absent.

    Raises
    ------
    ValidationError
        If a precision is not 0..9, an increment's precision differs from its precision, an
        increment or the multiplier is not positive, a minimum exceeds its maximum, a margin
        rate is negative, or a timestamp is negative.
    """

    def __init__(
        self,
        InstrumentId instrument_id not None,
        Symbol raw_symbol not None,
        asset_class,
        instrument_class,
        Currency quote_currency not None,
        bint is_inverse,
        int price_precision,
        int size_precision,
        Price price_increment not None,
        Quantity size_increment not None,
        Quantity multiplier not None,
        Quantity lot_size or None,
        Quantity max_quantity or None,
        Quantity min_quantity or None,
        Money max_notional or None,
        Money min_notional or None,
        Price max_price or None,
        Price min_price or None,
        margin_init,
        margin_maint,
        maker_fee,
        taker_fee,
        int64_t ts_event,
        int64_t ts_init,
        dict info=None,
    ):
        cdef str owner = f"{type(self).__name__} {instrument_id.value}"
        Data.__init__(self, ts_event, ts_init)
        if not 0 <= price_precision <= 9:
            raise ValidationError(f"{owner}: price_precision {price_precision} invalid, expected 0..9")
        if not 0 <= size_precision <= 9:
            raise ValidationError(f"{owner}: size_precision {size_precision} invalid, expected 0..9")
        if price_increment.precision != price_precision:
            raise ValidationError(
                f"{owner}: price_increment {price_increment} has precision "
                f"{price_increment.precision}, expected price_precision {price_precision}"
            )
        if size_increment.precision != size_precision:
            raise ValidationError(
                f"{owner}: size_increment {size_increment} has precision "
                f"{size_increment.precision}, expected size_precision {size_precision}"
            )
        if price_increment.raw <= 0:
            raise ValidationError(f"{owner}: price_increment {price_increment} invalid, expected > 0")
        if size_increment.raw <= 0:
            raise ValidationError(f"{owner}: size_increment {size_increment} invalid, expected > 0")
        if multiplier.raw <= 0:
            raise ValidationError(f"{owner}: multiplier {multiplier} invalid, expected > 0")
        if lot_size is not None and lot_size.raw <= 0:
            raise ValidationError(f"{owner}: lot_size {lot_size} invalid, expected > 0")
        if max_quantity is not None and min_quantity is not None and min_quantity.raw > max_quantity.raw:
            raise ValidationError(
                f"{owner}: min_quantity {min_quantity} > max_quantity {max_quantity}, "
                f"expected min_quantity <= max_quantity"
            )
        if max_notional is not None and min_notional is not None:
            if min_notional.currency != max_notional.currency or min_notional.raw > max_notional.raw:
                raise ValidationError(
                    f"{owner}: min_notional {min_notional} / max_notional {max_notional} "
                    f"invalid, expected one currency and min <= max"
                )
        if max_price is not None and min_price is not None and min_price.raw > max_price.raw:
            raise ValidationError(
                f"{owner}: min_price {min_price} > max_price {max_price}, "
                f"expected min_price <= max_price"
            )
        self.id = instrument_id
        self.raw_symbol = raw_symbol
        self.asset_class = <AssetClass>enum_value(PyAssetClass, asset_class, owner, "asset_class")
        self.instrument_class = <InstrumentClass>enum_value(
            PyInstrumentClass, instrument_class, owner, "instrument_class"
        )
        self.quote_currency = quote_currency
        self.is_inverse = is_inverse
        self.price_precision = <uint8_t>price_precision
        self.size_precision = <uint8_t>size_precision
        self.price_increment = price_increment
        self.size_increment = size_increment
        self.multiplier = multiplier
        self.lot_size = lot_size
        self.max_quantity = max_quantity
        self.min_quantity = min_quantity
        self.max_notional = max_notional
        self.min_notional = min_notional
        self.max_price = max_price
        self.min_price = min_price
        self.margin_init = _rate(margin_init, owner, "margin_init", True)
        self.margin_maint = _rate(margin_maint, owner, "margin_maint", True)
        self.maker_fee = _rate(maker_fee, owner, "maker_fee", False)
        self.taker_fee = _rate(taker_fee, owner, "taker_fee", False)
        self.info = dict(info) if info else {}

    def __eq__(self, other):
        if not isinstance(other, Instrument):
            return NotImplemented
        return type(self) is type(other) and self.id == (<Instrument>other).id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return (
            f"{type(self).__name__}(id={self.id}, raw_symbol={self.raw_symbol}, "
            f"asset_class={PyAssetClass(self.asset_class).name}, "
            f"instrument_class={PyInstrumentClass(self.instrument_class).name}, "
            f"quote_currency={self.quote_currency}, is_inverse={self.is_inverse}, "
            f"price_precision={self.price_precision}, price_increment={self.price_increment}, "
            f"size_precision={self.size_precision}, size_increment={self.size_increment}, "
            f"multiplier={self.multiplier}, lot_size={self.lot_size}, "
            f"margin_init={self.margin_init}, margin_maint={self.margin_maint}, "
            f"maker_fee={self.maker_fee}, taker_fee={self.taker_fee})"
        )

    cpdef Currency get_base_currency(self):
        """Return the base currency, or None if the instrument has none."""
        return None

    cpdef Currency get_settlement_currency(self):
        """Return the currency PnL settles in (the quote currency unless overridden)."""
        return self.quote_currency

    cpdef Currency get_cost_currency(self):
        """Return the currency of notional and commission (base if inverse, else quote)."""
        if self.is_inverse:
            return self.get_base_currency()
        return self.quote_currency

    cpdef Price make_price(self, object value):
        """Return `value` rounded (half to even) to the instrument's price precision.

        Raises
        ------
        ValidationError
            If `value` is not a finite number or out of range.
        """
        cdef str owner = f"{type(self).__name__} {self.id.value}"
        cdef object exact = _decimal(value, owner, "price")
        cdef object rounded = exact.quantize(Decimal(1).scaleb(-self.price_precision),
                                             rounding=ROUND_HALF_EVEN)
        return Price(rounded, self.price_precision)

    cpdef Quantity make_qty(self, object value, bint round_down=False):
        """Return `value` rounded to the size precision (down to the size increment if
        `round_down`).

        Raises
        ------
        ValidationError
            If `value` is negative or not finite, or a positive value rounds to zero.
        """
        cdef str owner = f"{type(self).__name__} {self.id.value}"
        cdef object exact = _decimal(value, owner, "quantity")
        cdef object step
        cdef object rounded
        if exact < 0:
            raise ValidationError(f"{owner}: quantity {value!r} invalid, expected >= 0")
        if round_down:
            step = self.size_increment.as_decimal()
            rounded = (exact / step).to_integral_value(rounding=ROUND_DOWN) * step
            rounded = rounded.quantize(Decimal(1).scaleb(-self.size_precision))
        else:
            rounded = exact.quantize(Decimal(1).scaleb(-self.size_precision),
                                     rounding=ROUND_HALF_EVEN)
        if exact > 0 and rounded == 0:
            raise ValidationError(
                f"{owner}: quantity {value!r} rounds to zero at size precision "
                f"{self.size_precision}, expected at least {self.size_increment}"
            )
        return Quantity(rounded, self.size_precision)

    cpdef Money notional_value(
        self, Quantity quantity, Price price, bint use_quote_for_inverse=False
    ):
        """Return the notional of `quantity` at `price` in the cost currency.

        Linear: quantity × multiplier × price (quote currency). Inverse: quantity × multiplier
        / price (base currency), or quantity × multiplier in the quote currency with
        `use_quote_for_inverse`. Rounded half to even to the currency's precision.
        """
        cdef object amount = quantity.as_decimal() * self.multiplier.as_decimal()
        cdef Currency currency
        if self.is_inverse:
            if use_quote_for_inverse:
                currency = self.quote_currency
            else:
                if price.raw == 0:
                    raise ValidationError(
                        f"{type(self).__name__} {self.id.value}: price 0 invalid for an "
                        f"inverse notional, expected > 0"
                    )
                amount = amount / price.as_decimal()
                currency = self.get_base_currency()
        else:
            amount = amount * price.as_decimal()
            currency = self.quote_currency
        amount = amount.quantize(Decimal(1).scaleb(-currency.precision), rounding=ROUND_HALF_EVEN)
        return Money(amount, currency)


def _rebuild_instrument(cls, dict kwargs):
    """Unpickle an instrument through its constructor, so a loaded one is validated again."""
    return cls(**kwargs)


cdef dict _common_kwargs(Instrument inst):
    # The constructor arguments every instrument kind shares, for ``__reduce__``: explicit
    # pickling instead of Cython's auto-pickle, whose generated loader refuses a ``None``
    # state once ``allow_none_for_extension_args`` is off (setup.py's safety checks).
    return {
        "instrument_id": inst.id, "raw_symbol": inst.raw_symbol,
        "price_precision": inst.price_precision, "price_increment": inst.price_increment,
        "ts_event": inst.ts_event, "ts_init": inst.ts_init,
        "max_quantity": inst.max_quantity, "min_quantity": inst.min_quantity,
        "margin_init": inst.margin_init, "margin_maint": inst.margin_maint,
        "maker_fee": inst.maker_fee, "taker_fee": inst.taker_fee, "info": inst.info,
    }


cdef class CurrencyPair(Instrument):
    """A spot currency pair (FX or crypto), e.g. ``EUR/USD.SIM``.

    The asset class is FX when both currencies are fiat, else CRYPTOCURRENCY.
    """

    def __init__(
        self,
        InstrumentId instrument_id not None,
        Symbol raw_symbol not None,
        Currency base_currency not None,
        Currency quote_currency not None,
        int price_precision,
        int size_precision,
        Price price_increment not None,
        Quantity size_increment not None,
        int64_t ts_event,
        int64_t ts_init,
        Quantity multiplier=None,
        Quantity lot_size=None,
        Quantity max_quantity=None,
        Quantity min_quantity=None,
        Money max_notional=None,
        Money min_notional=None,
        Price max_price=None,
        Price min_price=None,
        margin_init=None,
        margin_maint=None,
        maker_fee=None,
        taker_fee=None,
        dict info=None,
    ):
        asset_class = (
            PyAssetClass.FX
            if base_currency.currency_type == CurrencyType.FIAT
            and quote_currency.currency_type == CurrencyType.FIAT
            else PyAssetClass.CRYPTOCURRENCY
        )
        Instrument.__init__(
            self, instrument_id, raw_symbol, asset_class, PyInstrumentClass.SPOT,
            quote_currency, False, price_precision, size_precision, price_increment,
            size_increment,
            multiplier if multiplier is not None else Quantity.from_raw_c(FIXED_SCALAR, 0),
            lot_size, max_quantity, min_quantity, max_notional, min_notional, max_price,
            min_price, margin_init, margin_maint, maker_fee, taker_fee, ts_event, ts_init, info,
        )
        self.base_currency = base_currency

    def __reduce__(self):
        cdef dict kwargs = _common_kwargs(self)
        kwargs.update(
            base_currency=self.base_currency, quote_currency=self.quote_currency,
            size_precision=self.size_precision, size_increment=self.size_increment,
            multiplier=self.multiplier, lot_size=self.lot_size,
            max_notional=self.max_notional, min_notional=self.min_notional,
            max_price=self.max_price, min_price=self.min_price,
        )
        return (_rebuild_instrument, (type(self), kwargs))

    cpdef Currency get_base_currency(self):
        return self.base_currency


cdef class Equity(Instrument):
    """A listed share, traded in whole units (size precision 0) in `currency`."""

    def __init__(
        self,
        InstrumentId instrument_id not None,
        Symbol raw_symbol not None,
        Currency currency not None,
        int price_precision,
        Price price_increment not None,
        Quantity lot_size or None,
        int64_t ts_event,
        int64_t ts_init,
        str isin=None,
        margin_init=None,
        margin_maint=None,
        maker_fee=None,
        taker_fee=None,
        Quantity max_quantity=None,
        Quantity min_quantity=None,
        dict info=None,
    ):
        Instrument.__init__(
            self, instrument_id, raw_symbol, PyAssetClass.EQUITY, PyInstrumentClass.SPOT,
            currency, False, price_precision, 0, price_increment,
            Quantity.from_raw_c(FIXED_SCALAR, 0), Quantity.from_raw_c(FIXED_SCALAR, 0),
            lot_size, max_quantity, min_quantity, None, None, None, None, margin_init,
            margin_maint, maker_fee, taker_fee, ts_event, ts_init, info,
        )
        self.isin = isin

    def __reduce__(self):
        cdef dict kwargs = _common_kwargs(self)
        kwargs.update(currency=self.quote_currency, lot_size=self.lot_size, isin=self.isin)
        return (_rebuild_instrument, (type(self), kwargs))


cdef class CryptoPerpetual(Instrument):
    """A perpetual swap, linear (settled in quote) or inverse (settled in base)."""

    def __init__(
        self,
        InstrumentId instrument_id not None,
        Symbol raw_symbol not None,
        Currency base_currency not None,
        Currency quote_currency not None,
        Currency settlement_currency not None,
        bint is_inverse,
        int price_precision,
        int size_precision,
        Price price_increment not None,
        Quantity size_increment not None,
        int64_t ts_event,
        int64_t ts_init,
        Quantity multiplier=None,
        Quantity lot_size=None,
        Quantity max_quantity=None,
        Quantity min_quantity=None,
        Money max_notional=None,
        Money min_notional=None,
        Price max_price=None,
        Price min_price=None,
        margin_init=None,
        margin_maint=None,
        maker_fee=None,
        taker_fee=None,
        dict info=None,
    ):
        Instrument.__init__(
            self, instrument_id, raw_symbol, PyAssetClass.CRYPTOCURRENCY,
            PyInstrumentClass.SWAP, quote_currency, is_inverse, price_precision,
            size_precision, price_increment, size_increment,
            multiplier if multiplier is not None else Quantity.from_raw_c(FIXED_SCALAR, 0),
            lot_size, max_quantity, min_quantity, max_notional, min_notional, max_price,
            min_price, margin_init, margin_maint, maker_fee, taker_fee, ts_event, ts_init, info,
        )
        self.base_currency = base_currency
        self.settlement_currency = settlement_currency

    def __reduce__(self):
        cdef dict kwargs = _common_kwargs(self)
        kwargs.update(
            base_currency=self.base_currency, quote_currency=self.quote_currency,
            settlement_currency=self.settlement_currency, is_inverse=self.is_inverse,
            size_precision=self.size_precision, size_increment=self.size_increment,
            multiplier=self.multiplier, lot_size=self.lot_size,
            max_notional=self.max_notional, min_notional=self.min_notional,
            max_price=self.max_price, min_price=self.min_price,
        )
        return (_rebuild_instrument, (type(self), kwargs))

    cpdef Currency get_base_currency(self):
        return self.base_currency

    cpdef Currency get_settlement_currency(self):
        return self.settlement_currency


cdef class FuturesContract(Instrument):
    """A dated futures contract on `underlying`, quoted and settled in `currency`.

    Raises
    ------
    ValidationError
        If ``activation_ns`` is not before ``expiration_ns`` (besides the base checks).
    """

    def __init__(
        self,
        InstrumentId instrument_id not None,
        Symbol raw_symbol not None,
        asset_class,
        Currency currency not None,
        int price_precision,
        Price price_increment not None,
        Quantity multiplier not None,
        Quantity lot_size or None,
        str underlying not None,
        int64_t activation_ns,
        int64_t expiration_ns,
        int64_t ts_event,
        int64_t ts_init,
        Quantity max_quantity=None,
        Quantity min_quantity=None,
        Price max_price=None,
        Price min_price=None,
        margin_init=None,
        margin_maint=None,
        maker_fee=None,
        taker_fee=None,
        dict info=None,
    ):
        if activation_ns >= expiration_ns:
            raise ValidationError(
                f"FuturesContract {instrument_id.value}: activation_ns {activation_ns} >= "
                f"expiration_ns {expiration_ns}, expected activation before expiration"
            )
        Instrument.__init__(
            self, instrument_id, raw_symbol, asset_class, PyInstrumentClass.FUTURE, currency,
            False, price_precision, 0, price_increment, Quantity.from_raw_c(FIXED_SCALAR, 0),
            multiplier, lot_size, max_quantity, min_quantity, None, None, max_price, min_price,
            margin_init, margin_maint, maker_fee, taker_fee, ts_event, ts_init, info,
        )
        self.underlying = underlying
        self.activation_ns = activation_ns
        self.expiration_ns = expiration_ns

    def __reduce__(self):
        cdef dict kwargs = _common_kwargs(self)
        kwargs.update(
            asset_class=PyAssetClass(self.asset_class), currency=self.quote_currency,
            multiplier=self.multiplier, lot_size=self.lot_size, underlying=self.underlying,
            activation_ns=self.activation_ns, expiration_ns=self.expiration_ns,
            max_price=self.max_price, min_price=self.min_price,
        )
        return (_rebuild_instrument, (type(self), kwargs))
