"""Fixed-point value types: `Price`, `Quantity` and `Money`.

A value is stored as ``raw``: an int64 equal to the value times 10**9, whatever its
``precision`` (the number of decimals it shows and allows, 0..9). Two values of different
precisions therefore compare by value with one integer comparison. Construction never goes
through binary floating point: a float argument is converted through its shortest decimal
``repr``, and a value with more decimals than the precision is rejected, not rounded (use an
instrument's ``make_price``/``make_qty`` to round).

Ranges: ``Price`` and ``Money`` hold -9_223_372_036 .. 9_223_372_036; ``Quantity`` holds
0 .. 9_223_372_036. A construction or an arithmetic result outside the range raises
`FixedPointOverflow`.

Arithmetic result types (NautilusTrader's rules):

=====================  ======================  =========================  ===========================
left                   operator                right                      result
=====================  ======================  =========================  ===========================
Price                  ``+ -``                 Price                      Price (larger precision)
Quantity               ``+ -``                 Quantity                   Quantity (negative raises)
Money                  ``+ -``                 Money, same currency       Money
Money                  ``+ - < <= > >=``       Money, other currency      `CurrencyMismatch`
any of the three       ``+ - * / // %``        int, Decimal, or another   Decimal
                                               fixed-point type
any of the three       ``* / // %``            the same type              Decimal
any of the three       any arithmetic          float                      float
Price, Money           ``-x +x abs(x)``                                   the same type
Quantity               ``-x``                                             Decimal
Quantity               ``+x abs(x)``                                      Quantity
=====================  ======================  =========================  ===========================

Comparisons (``== != < <= > >=``) between the fixed-point types, ``int``, ``float`` and
``Decimal`` compare exact values (a float by its exact binary value); NaN is unequal to all.
`Money` compares the same way with ``int``, ``float`` and ``Decimal`` but not with `Price` or
`Quantity` (``==`` is False, ordering raises ``TypeError``). ``hash`` agrees with ``==``
(``hash(Price.from_str("1.0")) == hash(1) == hash(Money(1, USD))``).

As the ``Decimal`` result type implies, ``/`` and ``//`` by zero raise `decimal.DivisionByZero`
(a ``ZeroDivisionError``) and ``%`` by zero raises `decimal.InvalidOperation`.
"""

import cython

from decimal import Decimal

from cpython.object cimport Py_EQ, Py_GT, Py_LE, Py_LT, Py_NE
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.unicode cimport PyUnicode_AsUTF8AndSize
from libc.math cimport isfinite
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.stdio cimport snprintf

from core.model.currency cimport Currency

from core.errors import CurrencyMismatch, FixedPointOverflow, InvalidTypeError, ValidationError

FIXED_PRECISION = 9
"""The number of decimals of every raw value."""

cdef int64_t FIXED_SCALAR = 1_000_000_000
cdef int64_t RAW_MAX = 9_223_372_036_000_000_000
cdef int64_t RAW_MIN = -9_223_372_036_000_000_000
cdef int64_t POW10[10]
POW10[:] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
            1_000_000_000]

VALUE_MAX = 9_223_372_036
"""The largest whole value of a Price, Quantity or Money."""
VALUE_MIN = -9_223_372_036
"""The smallest whole value of a Price or Money."""

cdef object _DECIMAL_SCALE = Decimal(1_000_000_000)


cdef inline object _invalid(str type_name, str field, object value, str expected):
    return ValidationError(f"{type_name}.{field}: invalid value {value!r}, expected {expected}")


cdef inline object _overflow(str type_name, object value):
    return FixedPointOverflow(
        f"{type_name}.value: {value} is out of range, expected {VALUE_MIN}..{VALUE_MAX}"
    )


cdef int parse_decimal(str text, int64_t* raw, uint8_t* precision, str type_name) except -1:
    """Parse a decimal string into a raw value and the precision its digits show.

    Accepts an optional sign, digits with at most one ``.``, ``_`` between digits, and an
    optional exponent (``1.5e-3``), as `Decimal` does. Trailing zeros count toward the precision.
    A string with more than 9 decimals is rejected as too fine before its size is judged, so
    ``'1.0000000000000000000000'`` reports its precision, not an overflow.
    """
    cdef Py_ssize_t n = 0
    cdef const char* s = PyUnicode_AsUTF8AndSize(text, &n)
    cdef Py_ssize_t i = 0
    cdef bint negative = False
    cdef bint seen_dot = False
    cdef bint seen_digit = False
    cdef bint too_many_digits = False
    cdef uint64_t mantissa = 0
    cdef int frac_digits = 0
    cdef int exponent = 0
    cdef int exp_sign = 1
    cdef int exp_digits = 0
    cdef int scale
    cdef int shift
    cdef char c
    cdef int128_t value
    if n == 0:
        raise _invalid(type_name, "value", text, "a decimal number such as '1.2345'")
    if s[0] == 45 or s[0] == 43:  # '-' or '+'
        negative = s[0] == 45
        i = 1
    while i < n:
        c = s[i]
        if 48 <= c <= 57:
            # Past 19 significant digits the value is out of range unless it is too fine, which
            # is decided after the loop; stop accumulating so the uint64 cannot wrap.
            if mantissa > 1_844_674_407_370_955_160ULL:
                too_many_digits = True
            else:
                mantissa = mantissa * 10 + <uint64_t>(c - 48)
            seen_digit = True
            if seen_dot:
                frac_digits += 1
        elif c == 46 and not seen_dot:  # '.'
            seen_dot = True
        elif c == 95 and 0 < i < n - 1 and 48 <= s[i - 1] <= 57 and 48 <= s[i + 1] <= 57:
            pass  # '_' between two digits is a digit separator
        elif (c == 101 or c == 69) and seen_digit:  # 'e' / 'E'
            i += 1
            if i < n and (s[i] == 45 or s[i] == 43):
                exp_sign = -1 if s[i] == 45 else 1
                i += 1
            while i < n and 48 <= s[i] <= 57:
                if exponent < 100_000:  # saturate: any larger exponent is out of range anyway
                    exponent = exponent * 10 + (s[i] - 48)
                exp_digits += 1
                i += 1
            if exp_digits == 0 or i != n:
                raise _invalid(type_name, "value", text, "a decimal number such as '1.2345'")
            break
        else:
            raise _invalid(type_name, "value", text, "a decimal number such as '1.2345'")
        i += 1
    if not seen_digit:
        raise _invalid(type_name, "value", text, "a decimal number such as '1.2345'")
    scale = frac_digits - exp_sign * exponent
    if scale > 9:
        raise _invalid(
            type_name, "value", text, f"at most 9 decimals (got precision {scale})"
        )
    precision[0] = <uint8_t>(scale if scale > 0 else 0)
    if mantissa == 0:
        raw[0] = 0
        return 0
    shift = 9 - scale  # >= 0; above 9 when the exponent is positive
    # mantissa < 2**64 and 10**18 < 2**60, so the product fits in an int128 (< 2**127); a
    # nonzero mantissa shifted by 19 or more places is at least 10**19 > RAW_MAX.
    if too_many_digits or shift > 18:
        raise _overflow(type_name, repr(text))
    if shift <= 9:
        value = <int128_t>mantissa * <int128_t>POW10[shift]
    else:
        value = <int128_t>mantissa * <int128_t>POW10[9] * <int128_t>POW10[shift - 9]
    if value > <int128_t>RAW_MAX:
        raise _overflow(type_name, repr(text))
    raw[0] = -<int64_t>value if negative else <int64_t>value
    return 0


cdef str format_raw(int64_t raw, uint8_t precision):
    """Return `raw` as a decimal string with exactly `precision` decimals."""
    cdef char buf[64]
    cdef uint64_t u = <uint64_t>(-raw) if raw < 0 else <uint64_t>raw
    cdef uint64_t whole = u // <uint64_t>FIXED_SCALAR
    cdef uint64_t frac = (u % <uint64_t>FIXED_SCALAR) // <uint64_t>POW10[9 - precision]
    cdef const char* sign = b"-" if raw < 0 else b""
    if precision == 0:
        snprintf(buf, sizeof(buf), b"%s%llu", sign, <unsigned long long>whole)
    else:
        snprintf(buf, sizeof(buf), b"%s%llu.%0*llu", sign, <unsigned long long>whole,
                 <int>precision, <unsigned long long>frac)
    return buf.decode("ascii")


cdef str _formatted(int64_t raw, uint8_t precision):
    cdef str text = format_raw(raw, precision)
    cdef str sign = "-" if raw < 0 else ""
    cdef str body = text[1:] if raw < 0 else text
    cdef str whole, _, frac
    whole, _, frac = body.partition(".")
    return f"{sign}{int(whole):_}" + (f".{frac}" if frac else "")


cdef int _check_precision(int precision, str type_name) except -1:
    if not 0 <= precision <= 9:
        raise _invalid(type_name, "precision", precision, "0..9")
    return 0


cdef int _precision_arg(object precision, str type_name) except -1:
    """Return a public `precision` argument as a C int, checked to be an int in 0..9."""
    if not isinstance(precision, int) or isinstance(precision, bool):
        raise InvalidTypeError(
            f"{type_name}.precision: invalid type {type(precision).__name__}, expected int"
        )
    if not 0 <= precision <= 9:
        raise _invalid(type_name, "precision", precision, "0..9")
    return <int>precision


cdef int64_t _raw_arg(object raw, int precision, str type_name) except? -1:
    """Return a public `raw` argument as an int64, checked for type, range and precision."""
    cdef int overflow = 0
    cdef long long value
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise InvalidTypeError(f"{type_name}.raw: invalid type {type(raw).__name__}, expected int")
    value = PyLong_AsLongLongAndOverflow(raw, &overflow)
    if overflow != 0 or value > RAW_MAX or value < RAW_MIN:
        raise FixedPointOverflow(
            f"{type_name}.raw: {raw} is out of range, expected {RAW_MIN}..{RAW_MAX}"
        )
    if value % POW10[9 - precision] != 0:
        raise _invalid(
            type_name, "raw", raw, f"a multiple of {POW10[9 - precision]} for precision {precision}"
        )
    return <int64_t>value


cdef inline object _not_str(object value, str type_name):
    return InvalidTypeError(
        f"{type_name}.value: invalid type {type(value).__name__}, expected str"
    )


cdef object _hash_raw(int64_t raw, uint8_t precision):
    """Return the hash of the exact value, equal to that of an equal int, float or Decimal."""
    if raw % FIXED_SCALAR == 0:
        return hash(raw // FIXED_SCALAR)
    return hash(_as_decimal(raw, precision))


cdef int64_t raw_from_value(object value, int precision, str type_name) except? -1:
    """Return the raw value of `value` (int, float, Decimal or str) at `precision`.

    Raises if the value is not finite, out of range, or has more decimals than `precision`.
    """
    cdef int64_t raw = 0
    cdef uint8_t parsed_precision = 0
    cdef str text
    _check_precision(precision, type_name)
    if isinstance(value, bool):
        raise InvalidTypeError(
            f"{type_name}.value: invalid type bool, expected int, float, Decimal or str"
        )
    if isinstance(value, int):
        if not VALUE_MIN <= value <= VALUE_MAX:
            raise _overflow(type_name, value)
        return <int64_t>value * FIXED_SCALAR
    if isinstance(value, float):
        if not isfinite(value):
            raise _invalid(type_name, "value", value, "a finite number")
        text = repr(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise _invalid(type_name, "value", value, "a finite number")
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise InvalidTypeError(
            f"{type_name}.value: invalid type {type(value).__name__}, "
            f"expected int, float, Decimal or str"
        )
    parse_decimal(text, &raw, &parsed_precision, type_name)
    if parsed_precision > precision and raw % POW10[9 - precision] != 0:
        raise _invalid(
            type_name, "value", value, f"at most {precision} decimals (the precision)"
        )
    return raw


cdef inline object _as_decimal(int64_t raw, uint8_t precision):
    return Decimal(format_raw(raw, precision))


cdef object _to_decimal(object other):
    """Return `other` as a Decimal for mixed arithmetic, or None if it is not a number type."""
    if isinstance(other, FixedPoint):
        return (<FixedPoint>other).as_decimal()
    if isinstance(other, Money):
        return (<Money>other).as_decimal()
    if isinstance(other, Decimal):
        return other
    if isinstance(other, int):
        return Decimal(other)
    return None


cdef object _compare(object left, object right, int op):
    """Compare two exact numbers (Decimal/int) for the operator `op`."""
    if op == Py_LT:
        return left < right
    if op == Py_LE:
        return left <= right
    if op == Py_EQ:
        return left == right
    if op == Py_NE:
        return left != right
    if op == Py_GT:
        return left > right
    return left >= right


cdef inline bint _compare_raw(int64_t a, int64_t b, int op):
    if op == Py_LT:
        return a < b
    if op == Py_LE:
        return a <= b
    if op == Py_EQ:
        return a == b
    if op == Py_NE:
        return a != b
    if op == Py_GT:
        return a > b
    return a >= b


cdef object _compare_mixed(object exact_self, object other, int op):
    """Compare a Decimal to an int, float or Decimal; NotImplemented for other types."""
    if isinstance(other, float):
        if other != other:  # NaN is unequal to everything, unordered
            return op == Py_NE
        return _compare(exact_self, Decimal(other), op)  # Decimal(float) is exact
    if isinstance(other, (int, Decimal)):
        return _compare(exact_self, other, op)
    return NotImplemented


cdef object _arith(object left, object right, int op):
    """Decimal/float arithmetic for the mixed cases of the result-type table."""
    if op == 0:
        return left + right
    if op == 1:
        return left - right
    if op == 2:
        return left * right
    if op == 3:
        return left / right
    if op == 4:
        return left // right
    return left % right


cdef object _mixed(object self_decimal, double self_double, object other, int op, bint reflected):
    cdef object other_decimal
    if isinstance(other, float):
        return _arith(other, self_double, op) if reflected else _arith(self_double, other, op)
    other_decimal = _to_decimal(other)
    if other_decimal is None:
        return NotImplemented
    if reflected:
        return _arith(other_decimal, self_decimal, op)
    return _arith(self_decimal, other_decimal, op)


cdef inline int64_t _checked_sum(int64_t a, int64_t b, object owner) except? -1:
    # `owner` (not its type name) is passed so the name is looked up only on the error path:
    # an eager ``type(self).__name__`` cost Price + Price a third of its rate.
    cdef int128_t r = <int128_t>a + <int128_t>b
    if r > <int128_t>RAW_MAX or r < <int128_t>RAW_MIN:
        raise FixedPointOverflow(
            f"{type(owner).__name__}: arithmetic result {format_raw_128(r)} is out of range, "
            f"expected {VALUE_MIN}..{VALUE_MAX}"
        )
    return <int64_t>r


cdef str format_raw_128(int128_t r):
    return str(Decimal(int(<long long>(r // FIXED_SCALAR))) + Decimal(
        int(<long long>(r % FIXED_SCALAR))) / _DECIMAL_SCALE)


def _price_from_raw(int64_t raw, uint8_t precision):
    return Price.from_raw_c(raw, precision)


@cython.freelist(128)
cdef class FixedPoint:
    """Base of `Price` and `Quantity`: a raw int64 with 9 implied decimals and a precision.

    Not constructed directly.
    """

    cdef FixedPoint _make(self, int64_t raw, uint8_t precision):
        raise NotImplementedError("FixedPoint is abstract: construct a Price or a Quantity")

    def __richcmp__(self, other, int op):
        if isinstance(other, FixedPoint):
            return _compare_raw(self.raw, (<FixedPoint>other).raw, op)
        if isinstance(other, int) and not isinstance(other, bool):
            return _compare(self.raw, other * FIXED_SCALAR, op)
        if isinstance(other, Money):
            return NotImplemented
        return _compare_mixed(self.as_decimal(), other, op)

    def __hash__(self):
        return _hash_raw(self.raw, self.precision)

    def __bool__(self):
        return self.raw != 0

    def __add__(self, other):
        if type(other) is type(self):
            return self._make(
                _checked_sum(self.raw, (<FixedPoint>other).raw, self),
                max(self.precision, (<FixedPoint>other).precision),
            )
        return _mixed(self.as_decimal(), self.as_double(), other, 0, False)

    def __radd__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 0, True)

    def __sub__(self, other):
        if type(other) is type(self):
            return self._make(
                _checked_sum(self.raw, -(<FixedPoint>other).raw, self),
                max(self.precision, (<FixedPoint>other).precision),
            )
        return _mixed(self.as_decimal(), self.as_double(), other, 1, False)

    def __rsub__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 1, True)

    def __mul__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 2, False)

    def __rmul__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 2, True)

    def __truediv__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 3, False)

    def __rtruediv__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 3, True)

    def __floordiv__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 4, False)

    def __rfloordiv__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 4, True)

    def __mod__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 5, False)

    def __rmod__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 5, True)

    def __pos__(self):
        return self

    def __int__(self):
        return int(self.raw // FIXED_SCALAR) if self.raw >= 0 else -int(-self.raw // FIXED_SCALAR)

    def __float__(self):
        return self.as_double()

    def __round__(self, ndigits=None):
        return round(self.as_decimal(), ndigits)

    def __str__(self):
        return format_raw(self.raw, self.precision)

    def __repr__(self):
        return f"{type(self).__name__}({format_raw(self.raw, self.precision)})"

    cpdef double as_double(self):
        """Return the value as a float (for display and statistics, never for storage)."""
        return <double>self.raw / <double>FIXED_SCALAR

    cpdef object as_decimal(self):
        """Return the exact value as a `Decimal` with `precision` decimals."""
        return _as_decimal(self.raw, self.precision)

    cpdef bint is_zero(self):
        return self.raw == 0

    cpdef bint is_positive(self):
        return self.raw > 0

    cpdef bint is_negative(self):
        return self.raw < 0

    def to_formatted_str(self):
        """Return the value with ``_`` thousands separators, e.g. ``1_000_000.50``."""
        return _formatted(self.raw, self.precision)


@cython.final
cdef class Price(FixedPoint):
    """A signed price with a fixed precision.

    Parameters
    ----------
    value : int | float | Decimal | str
        The value. Must have at most `precision` decimals.
    precision : int
        Decimals, 0..9.

    Raises
    ------
    ValidationError
        If `value` is NaN or infinite, finer than `precision`, or `precision` is not 0..9.
    FixedPointOverflow
        If `value` is outside -9_223_372_036..9_223_372_036.
    """

    def __init__(self, value, precision):
        cdef int checked = _precision_arg(precision, "Price")
        self.raw = raw_from_value(value, checked, "Price")
        self.precision = <uint8_t>checked

    def __reduce__(self):
        return (_price_from_raw, (self.raw, self.precision))

    @staticmethod
    cdef Price from_raw_c(int64_t raw, uint8_t precision):
        """Return a Price without checks. Precondition: raw in range, multiple of 10**(9-precision)."""
        cdef Price price = Price.__new__(Price)
        price.raw = raw
        price.precision = precision
        return price

    cdef FixedPoint _make(self, int64_t raw, uint8_t precision):
        return Price.from_raw_c(raw, precision)

    def __neg__(self):
        return Price.from_raw_c(-self.raw, self.precision)

    def __abs__(self):
        return self if self.raw >= 0 else Price.from_raw_c(-self.raw, self.precision)

    @staticmethod
    def from_raw(raw, precision):
        """Return a Price from its raw value (value × 10**9), checked.

        Raises
        ------
        InvalidTypeError
            If `raw` or `precision` is not an int.
        ValidationError
            If `precision` is not 0..9 or `raw` has digits below the precision.
        FixedPointOverflow
            If `raw` is out of range.
        """
        cdef int checked = _precision_arg(precision, "Price")
        return Price.from_raw_c(_raw_arg(raw, checked, "Price"), <uint8_t>checked)

    @staticmethod
    def from_str(value):
        """Return a Price parsed from a decimal string; the precision is its number of decimals.

        Raises
        ------
        ValidationError
            If `value` is not a decimal number with at most 9 decimals.
        FixedPointOverflow
            If `value` is out of range.
        """
        cdef int64_t raw = 0
        cdef uint8_t precision = 0
        if not isinstance(value, str):
            raise _not_str(value, "Price")
        parse_decimal(value, &raw, &precision, "Price")
        return Price.from_raw_c(raw, precision)

    @staticmethod
    def from_int(value):
        """Return a Price of precision 0 from an int."""
        return Price(value, 0) if isinstance(value, int) else Price(_not_int(value, "Price"), 0)


cdef object _not_int(object value, str type_name):
    raise InvalidTypeError(
        f"{type_name}.value: invalid type {type(value).__name__}, expected int"
    )


def _quantity_from_raw(int64_t raw, uint8_t precision):
    return Quantity.from_raw_c(raw, precision)


cdef inline object _negative_quantity(object value):
    return _invalid("Quantity", "value", value, "a non-negative quantity")


@cython.final
cdef class Quantity(FixedPoint):
    """A non-negative quantity with a fixed precision.

    Parameters
    ----------
    value : int | float | Decimal | str
        The value, ≥ 0, with at most `precision` decimals.
    precision : int
        Decimals, 0..9.

    Raises
    ------
    ValidationError
        If `value` is negative, NaN or infinite, finer than `precision`, or `precision` is not
        0..9.
    FixedPointOverflow
        If `value` exceeds 9_223_372_036.
    """

    def __init__(self, value, precision):
        cdef int checked = _precision_arg(precision, "Quantity")
        cdef int64_t raw = raw_from_value(value, checked, "Quantity")
        if raw < 0:
            raise _negative_quantity(value)
        self.raw = raw
        self.precision = <uint8_t>checked

    def __reduce__(self):
        return (_quantity_from_raw, (self.raw, self.precision))

    @staticmethod
    cdef Quantity from_raw_c(int64_t raw, uint8_t precision):
        """Return a Quantity without checks. Precondition: 0 <= raw <= RAW_MAX, on the precision."""
        cdef Quantity qty = Quantity.__new__(Quantity)
        qty.raw = raw
        qty.precision = precision
        return qty

    cdef FixedPoint _make(self, int64_t raw, uint8_t precision):
        if raw < 0:
            raise ValidationError(
                f"Quantity: arithmetic result {format_raw(raw, precision)} is negative, "
                f"expected a non-negative quantity"
            )
        return Quantity.from_raw_c(raw, precision)

    def __neg__(self):
        return -self.as_decimal()

    def __abs__(self):
        return self

    @staticmethod
    def from_raw(raw, precision):
        """Return a Quantity from its raw value (value × 10**9), checked.

        Raises
        ------
        InvalidTypeError
            If `raw` or `precision` is not an int.
        ValidationError
            If `raw` is negative or has digits below the precision, or `precision` is not 0..9.
        FixedPointOverflow
            If `raw` is out of range.
        """
        cdef int checked = _precision_arg(precision, "Quantity")
        cdef int64_t value = _raw_arg(raw, checked, "Quantity")
        if value < 0:
            raise _invalid("Quantity", "raw", raw, "a non-negative raw value")
        return Quantity.from_raw_c(value, <uint8_t>checked)

    @staticmethod
    def from_str(value):
        """Return a Quantity parsed from a decimal string; the precision is its decimals.

        Raises
        ------
        ValidationError
            If `value` is negative or not a decimal number with at most 9 decimals.
        FixedPointOverflow
            If `value` is out of range.
        """
        cdef int64_t raw = 0
        cdef uint8_t precision = 0
        if not isinstance(value, str):
            raise _not_str(value, "Quantity")
        parse_decimal(value, &raw, &precision, "Quantity")
        if raw < 0:
            raise _negative_quantity(value)
        return Quantity.from_raw_c(raw, precision)

    @staticmethod
    def from_int(value):
        """Return a Quantity of precision 0 from an int."""
        if not isinstance(value, int):
            _not_int(value, "Quantity")
        return Quantity(value, 0)


cdef int _check_currency_arg(object currency) except -1:
    if not isinstance(currency, Currency):
        raise InvalidTypeError(
            f"Money.currency: invalid type {type(currency).__name__}, expected Currency"
        )
    return 0


def _money_from_raw(int64_t raw, str code):
    return Money.from_raw_c(raw, Currency.from_str(code))


@cython.freelist(128)
@cython.no_gc
@cython.final
cdef class Money:
    """A signed amount of a currency, with the currency's precision.

    Parameters
    ----------
    value : int | float | Decimal | str
        The amount, with at most ``currency.precision`` decimals.
    currency : Currency
        The currency.

    Raises
    ------
    ValidationError
        If `value` is NaN or infinite or finer than the currency's precision.
    FixedPointOverflow
        If `value` is outside -9_223_372_036..9_223_372_036.
    """

    def __init__(self, value, currency):
        _check_currency_arg(currency)
        self.raw = raw_from_value(value, (<Currency>currency).precision, "Money")
        self.currency = <Currency>currency

    def __reduce__(self):
        return (_money_from_raw, (self.raw, self.currency.code))

    @property
    def precision(self):
        """The currency's precision."""
        return self.currency.precision

    @staticmethod
    cdef Money from_raw_c(int64_t raw, Currency currency):
        """Return Money without checks. Precondition: raw in range, on the currency's precision."""
        cdef Money money = Money.__new__(Money)
        money.raw = raw
        money.currency = currency
        return money

    @staticmethod
    def from_raw(raw, currency):
        """Return Money from its raw value (amount × 10**9), checked.

        Raises
        ------
        InvalidTypeError
            If `raw` is not an int or `currency` not a `Currency`.
        ValidationError
            If `raw` has digits below the currency's precision.
        FixedPointOverflow
            If `raw` is out of range.
        """
        _check_currency_arg(currency)
        return Money.from_raw_c(
            _raw_arg(raw, (<Currency>currency).precision, "Money"), <Currency>currency
        )

    @staticmethod
    def from_str(value):
        """Return Money parsed from ``"<amount> <code>"``, e.g. ``"1000.50 USD"``.

        Raises
        ------
        ValidationError
            If the string is not an amount and a registered currency code.
        """
        if not isinstance(value, str):
            raise _not_str(value, "Money")
        cdef list parts = value.split()
        if len(parts) != 2:
            raise _invalid("Money", "value", value, "'<amount> <currency code>' e.g. '100.00 USD'")
        return Money(parts[0], Currency.from_str(parts[1]))

    cdef int _check_currency(self, Money other, str op) except -1:
        # Registered currencies are singletons: the identity test skips the string compare.
        if self.currency is not other.currency and self.currency.code != other.currency.code:
            raise CurrencyMismatch(
                f"Money: cannot {op} {self} and {other}, expected amounts of one currency"
            )
        return 0

    def __richcmp__(self, other, int op):
        if isinstance(other, Money):
            if self.currency.code != (<Money>other).currency.code:
                if op == Py_EQ:
                    return False
                if op == Py_NE:
                    return True
                self._check_currency(<Money>other, "compare")
            return _compare_raw(self.raw, (<Money>other).raw, op)
        if isinstance(other, int) and not isinstance(other, bool):
            return _compare(self.raw, other * FIXED_SCALAR, op)
        if isinstance(other, FixedPoint):
            return NotImplemented
        return _compare_mixed(self.as_decimal(), other, op)

    def __hash__(self):
        return _hash_raw(self.raw, self.currency.precision)

    def __bool__(self):
        return self.raw != 0

    def __add__(self, other):
        if isinstance(other, Money):
            self._check_currency(<Money>other, "add")
            return Money.from_raw_c(_checked_sum(self.raw, (<Money>other).raw, self),
                                    self.currency)
        return _mixed(self.as_decimal(), self.as_double(), other, 0, False)

    def __radd__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 0, True)

    def __sub__(self, other):
        if isinstance(other, Money):
            self._check_currency(<Money>other, "subtract")
            return Money.from_raw_c(_checked_sum(self.raw, -(<Money>other).raw, self),
                                    self.currency)
        return _mixed(self.as_decimal(), self.as_double(), other, 1, False)

    def __rsub__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 1, True)

    def __mul__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 2, False)

    def __rmul__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 2, True)

    def __truediv__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 3, False)

    def __rtruediv__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 3, True)

    def __floordiv__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 4, False)

    def __rfloordiv__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 4, True)

    def __mod__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 5, False)

    def __rmod__(self, other):
        return _mixed(self.as_decimal(), self.as_double(), other, 5, True)

    def __neg__(self):
        return Money.from_raw_c(-self.raw, self.currency)

    def __pos__(self):
        return self

    def __abs__(self):
        return self if self.raw >= 0 else Money.from_raw_c(-self.raw, self.currency)

    def __int__(self):
        return int(self.as_decimal())

    def __float__(self):
        return self.as_double()

    def __round__(self, ndigits=None):
        return round(self.as_decimal(), ndigits)

    def __str__(self):
        return f"{format_raw(self.raw, self.currency.precision)} {self.currency.code}"

    def __repr__(self):
        return f"Money({format_raw(self.raw, self.currency.precision)}, {self.currency.code})"

    cpdef double as_double(self):
        """Return the amount as a float (for display and statistics, never for storage)."""
        return <double>self.raw / <double>FIXED_SCALAR

    cpdef object as_decimal(self):
        """Return the exact amount as a `Decimal` with the currency's decimals."""
        return _as_decimal(self.raw, self.currency.precision)

    def is_zero(self):
        return self.raw == 0

    def to_formatted_str(self):
        """Return e.g. ``1_000_000.50 USD``."""
        return f"{_formatted(self.raw, self.currency.precision)} {self.currency.code}"
