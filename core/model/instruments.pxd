from libc.stdint cimport int64_t, uint8_t

from core.model.currency cimport Currency
from core.model.data cimport Data
from core.model.enums cimport AssetClass, InstrumentClass
from core.model.identifiers cimport InstrumentId, Symbol
from core.model.objects cimport Money, Price, Quantity


cdef class Instrument(Data):
    cdef readonly InstrumentId id
    cdef readonly Symbol raw_symbol
    cdef readonly AssetClass asset_class
    cdef readonly InstrumentClass instrument_class
    cdef readonly Currency quote_currency
    cdef readonly bint is_inverse
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision
    cdef readonly Price price_increment
    cdef readonly Quantity size_increment
    cdef readonly Quantity multiplier
    cdef readonly Quantity lot_size
    cdef readonly Quantity max_quantity
    cdef readonly Quantity min_quantity
    cdef readonly Money max_notional
    cdef readonly Money min_notional
    cdef readonly Price max_price
    cdef readonly Price min_price
    cdef readonly object margin_init
    cdef readonly object margin_maint
    cdef readonly object maker_fee
    cdef readonly object taker_fee
    cdef readonly dict info

    cpdef Currency get_base_currency(self)
    cpdef Currency get_settlement_currency(self)
    cpdef Currency get_cost_currency(self)
    cpdef Price make_price(self, object value)
    cpdef Quantity make_qty(self, object value, bint round_down=*)
    cpdef Money notional_value(self, Quantity quantity, Price price, bint use_quote_for_inverse=*)


cdef class CurrencyPair(Instrument):
    cdef readonly Currency base_currency


cdef class Equity(Instrument):
    cdef readonly str isin


cdef class CryptoPerpetual(Instrument):
    cdef readonly Currency base_currency
    cdef readonly Currency settlement_currency


cdef class FuturesContract(Instrument):
    cdef readonly str underlying
    cdef readonly int64_t activation_ns
    cdef readonly int64_t expiration_ns
