from libc.stdint cimport uint8_t, uint16_t, uint64_t

from core.model.enums cimport CurrencyType


cdef class Currency:
    cdef readonly str code
    """The currency code, e.g. ``"USD"`` or ``"BTC"``."""
    cdef readonly uint8_t precision
    """The number of decimals of amounts in this currency (0..9)."""
    cdef readonly uint16_t iso4217
    """The ISO 4217 numeric code (0 for non-ISO currencies)."""
    cdef readonly str name
    """The currency's full name."""
    cdef readonly CurrencyType currency_type
    """FIAT, CRYPTO or COMMODITY_BACKED."""
    cdef uint64_t _hash

    @staticmethod
    cdef Currency from_str_c(str code)


cdef uint64_t fnv1a_64(str value)
