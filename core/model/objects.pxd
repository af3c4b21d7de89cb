from libc.stdint cimport int64_t, uint8_t

from core.model.currency cimport Currency

cdef extern from *:
    ctypedef long long int128_t "__int128"

cdef int64_t FIXED_SCALAR
cdef int64_t RAW_MAX
cdef int64_t RAW_MIN
cdef int64_t POW10[10]


cdef int parse_decimal(str text, int64_t* raw, uint8_t* precision, str type_name) except -1
cdef str format_raw(int64_t raw, uint8_t precision)
cdef int64_t raw_from_value(object value, int precision, str type_name) except? -1


cdef class FixedPoint:
    cdef readonly int64_t raw
    """The value scaled by 10**9 (fixed point with 9 decimals)."""
    cdef readonly uint8_t precision
    """The number of decimals shown and allowed (0..9)."""

    cdef FixedPoint _make(self, int64_t raw, uint8_t precision)
    cpdef double as_double(self)
    cpdef object as_decimal(self)
    cpdef bint is_zero(self)
    cpdef bint is_positive(self)
    cpdef bint is_negative(self)


cdef class Price(FixedPoint):
    @staticmethod
    cdef Price from_raw_c(int64_t raw, uint8_t precision)


cdef class Quantity(FixedPoint):
    @staticmethod
    cdef Quantity from_raw_c(int64_t raw, uint8_t precision)


cdef class Money:
    cdef readonly int64_t raw
    """The amount scaled by 10**9."""
    cdef readonly Currency currency
    """The currency of the amount."""

    @staticmethod
    cdef Money from_raw_c(int64_t raw, Currency currency)
    cdef int _check_currency(self, Money other, str op) except -1
    cpdef double as_double(self)
    cpdef object as_decimal(self)
