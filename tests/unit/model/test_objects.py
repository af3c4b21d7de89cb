"""Unit tests of `Price`, `Quantity` and `Money` (core/model/objects.pyx)."""

import decimal
import math
import pickle
import re
from decimal import Decimal

import pytest

from core.errors import (
    CurrencyMismatch,
    FixedPointOverflow,
    InvalidTypeError,
    ValidationError,
)
from core.model.currency import Currency
from core.model.objects import VALUE_MAX, VALUE_MIN, Money, Price, Quantity

USD = Currency.from_str("USD")
EUR = Currency.from_str("EUR")
JPY = Currency.from_str("JPY")
BTC = Currency.from_str("BTC")

MAX = 9_223_372_036
RAW_MAX = 9_223_372_036_000_000_000


def P(text):
    return Price.from_str(text)


def Q(text):
    return Quantity.from_str(text)


def test_value_limits_match_documented_range():
    assert (VALUE_MIN, VALUE_MAX) == (-MAX, MAX)


# -- construction: valid values -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "precision", "raw", "text"),
    [
        (0, 0, 0, "0"),
        (0, 9, 0, "0.000000000"),
        (1, 2, 1_000_000_000, "1.00"),
        (MAX, 0, RAW_MAX, "9223372036"),
        (-MAX, 9, -RAW_MAX, "-9223372036.000000000"),
        ("9223372036.000000000", 9, RAW_MAX, "9223372036.000000000"),
        ("0.000000001", 9, 1, "0.000000001"),
        ("-0.000000001", 9, -1, "-0.000000001"),
        ("1.50", 1, 1_500_000_000, "1.5"),  # trailing zeros beyond the precision are fine
        ("-0", 2, 0, "0.00"),
        (1.25, 2, 1_250_000_000, "1.25"),
        (0.1, 1, 100_000_000, "0.1"),  # through repr: never 0.1000000000000000055
        (100000.0, 0, 100_000_000_000_000, "100000"),
        (-0.0, 3, 0, "0.000"),
        (Decimal("1.5"), 2, 1_500_000_000, "1.50"),
        (Decimal("1E+2"), 0, 100_000_000_000, "100"),
        (Decimal("-0"), 0, 0, "0"),
        (Decimal("0.123456789"), 9, 123_456_789, "0.123456789"),
    ],
)
def test_price_valid_value_has_exact_raw_and_str(value, precision, raw, text):
    price = Price(value, precision)
    assert price.raw == raw
    assert price.precision == precision
    assert str(price) == text


@pytest.mark.parametrize(
    ("value", "precision", "raw"),
    [(0, 0, 0), ("0.5", 1, 500_000_000), (MAX, 9, RAW_MAX), (Decimal("2.000"), 3, 2 * 10**9)],
)
def test_quantity_valid_value_has_exact_raw(value, precision, raw):
    qty = Quantity(value, precision)
    assert (qty.raw, qty.precision) == (raw, precision)


# -- construction: errors -------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Price, Quantity])
@pytest.mark.parametrize(
    ("value", "precision", "error", "match"),
    [
        (
            MAX + 1,
            0,
            FixedPointOverflow,
            r"\.value: 9223372037 is out of range, expected -9223372036\.\.9223372036",
        ),
        (
            "9223372036.000000001",
            9,
            FixedPointOverflow,
            r"\.value: '9223372036\.000000001' is out of range, expected",
        ),
        (1e22, 0, FixedPointOverflow, r"\.value: '1e\+22' is out of range, expected"),
        (float("nan"), 2, ValidationError, r"\.value: invalid value nan, expected a finite number"),
        (float("inf"), 2, ValidationError, r"\.value: invalid value inf, expected a finite number"),
        (
            float("-inf"),
            2,
            ValidationError,
            r"\.value: invalid value -inf, expected a finite number",
        ),
        (
            Decimal("NaN"),
            2,
            ValidationError,
            r"\.value: invalid value Decimal\('NaN'\), expected a finite number",
        ),
        (
            Decimal("sNaN"),
            2,
            ValidationError,
            r"\.value: invalid value Decimal\('sNaN'\), expected a finite number",
        ),
        (
            Decimal("Infinity"),
            2,
            ValidationError,
            r"\.value: invalid value Decimal\('Infinity'\), expected a finite number",
        ),
        (
            "1.005",
            2,
            ValidationError,
            r"\.value: invalid value '1\.005', expected at most 2 decimals \(the precision\)",
        ),
        (
            1.005,
            2,
            ValidationError,
            r"\.value: invalid value 1\.005, expected at most 2 decimals \(the precision\)",
        ),
        (
            Decimal("0.5"),
            0,
            ValidationError,
            r"\.value: invalid value Decimal\('0\.5'\), expected at most 0 decimals",
        ),
        (
            "0.0000000001",
            9,
            ValidationError,
            r"\.value: invalid value '0\.0000000001', expected at most 9 decimals \(got precision 10\)",
        ),
        (
            1e-10,
            9,
            ValidationError,
            r"\.value: invalid value '1e-10', expected at most 9 decimals \(got precision 10\)",
        ),
        (
            "abc",
            2,
            ValidationError,
            r"\.value: invalid value 'abc', expected a decimal number such as '1\.2345'",
        ),
        (1, 10, ValidationError, r"\.precision: invalid value 10, expected 0\.\.9"),
        (1, -1, ValidationError, r"\.precision: invalid value -1, expected 0\.\.9"),
        (1, 2**40, ValidationError, r"\.precision: invalid value 1099511627776, expected 0\.\.9"),
        (1, "2", InvalidTypeError, r"\.precision: invalid type str, expected int"),
        (1, 2.0, InvalidTypeError, r"\.precision: invalid type float, expected int"),
        (1, True, InvalidTypeError, r"\.precision: invalid type bool, expected int"),
        (
            True,
            0,
            InvalidTypeError,
            r"\.value: invalid type bool, expected int, float, Decimal or str",
        ),
        (
            None,
            0,
            InvalidTypeError,
            r"\.value: invalid type NoneType, expected int, float, Decimal or str",
        ),
        (
            b"1",
            0,
            InvalidTypeError,
            r"\.value: invalid type bytes, expected int, float, Decimal or str",
        ),
        (
            [1],
            0,
            InvalidTypeError,
            r"\.value: invalid type list, expected int, float, Decimal or str",
        ),
    ],
)
def test_fixed_point_invalid_value_raises_with_type_field_and_expectation(
    cls, value, precision, error, match
):
    with pytest.raises(error, match=rf"^{cls.__name__}{match}"):
        cls(value, precision)


def test_price_below_min_raises_overflow():
    with pytest.raises(FixedPointOverflow, match=r"^Price\.value: -9223372037 is out of range"):
        Price(-MAX - 1, 0)


@pytest.mark.parametrize("value", [-1, "-0.01", Decimal("-1"), -0.5])
def test_quantity_negative_value_raises(value):
    with pytest.raises(
        ValidationError,
        match=rf"^Quantity\.value: invalid value {re.escape(repr(value))}, expected a non-negative quantity$",
    ):
        Quantity(value, 2)


def test_quantity_negative_zero_is_zero():
    assert Quantity("-0", 0).raw == 0
    assert Quantity.from_str("-0.0").raw == 0


def test_fixed_point_errors_keep_builtin_bases():
    assert issubclass(FixedPointOverflow, OverflowError)
    assert issubclass(ValidationError, ValueError)
    assert issubclass(InvalidTypeError, TypeError)


# -- from_str -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw", "precision", "shown"),
    [
        ("0", 0, 0, "0"),
        ("1.2345", 1_234_500_000, 4, "1.2345"),
        ("-1.2345", -1_234_500_000, 4, "-1.2345"),
        ("+7", 7_000_000_000, 0, "7"),
        ("1.10", 1_100_000_000, 2, "1.10"),
        ("9223372036", RAW_MAX, 0, "9223372036"),
        ("-9223372036", -RAW_MAX, 0, "-9223372036"),
        ("0.000000001", 1, 9, "0.000000001"),
        ("00001.5", 1_500_000_000, 1, "1.5"),
        # The grammar is Decimal's: these are accepted, with Decimal's exponent semantics.
        ("1.", 1_000_000_000, 0, "1"),
        (".5", 500_000_000, 1, "0.5"),
        ("-.5", -500_000_000, 1, "-0.5"),
        ("1e5", 100_000 * 10**9, 0, "100000"),
        ("1E2", 100 * 10**9, 0, "100"),
        ("1.5e-3", 1_500_000, 4, "0.0015"),
        ("1.0e1", 10 * 10**9, 0, "10"),
        ("100e-2", 1_000_000_000, 2, "1.00"),
        ("1e-9", 1, 9, "0.000000001"),
        ("1e-0", 1_000_000_000, 0, "1"),
        ("0e5", 0, 0, "0"),
        ("1_000", 1_000 * 10**9, 0, "1000"),
        ("1_000.000_1", 1_000_000_100_000, 4, "1000.0001"),
    ],
)
def test_price_from_str_valid_has_exact_raw_and_precision(text, raw, precision, shown):
    price = Price.from_str(text)
    assert (price.raw, price.precision, str(price)) == (raw, precision, shown)
    assert price.as_decimal() == Decimal(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " 1",
        "1 ",
        "--1",
        "1..2",
        "_1",
        "1_",
        "1__0",
        "1._5",
        "1_.5",
        "+",
        "-",
        ".",
        "e5",
        "1e",
        "1e+",
        "1e_5",
        "1e5.0",
        "1e5e5",
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        "0x10",
        "1,5",
        "1\x00",
        "١",
        "1 000",
        "abc",
    ],
)
def test_price_from_str_malformed_raises(text):
    with pytest.raises(
        ValidationError,
        match=rf"^Price\.value: invalid value {re.escape(repr(text))}, expected a decimal number such as '1\.2345'$",
    ):
        Price.from_str(text)


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        (
            "9223372037",
            FixedPointOverflow,
            r"'9223372037' is out of range, expected -9223372036\.\.9223372036",
        ),
        ("-9223372037", FixedPointOverflow, r"'-9223372037' is out of range"),
        ("9223372036.000000001", FixedPointOverflow, r"'9223372036\.000000001' is out of range"),
        ("1e10", FixedPointOverflow, r"'1e10' is out of range"),
        ("1E+100000", FixedPointOverflow, r"'1E\+100000' is out of range"),
        (
            "99999999999999999999999",
            FixedPointOverflow,
            r"'99999999999999999999999' is out of range",
        ),
        # 20 significant digits times 10**10 wrapped the int128 to Price(-4358569989)
        (
            "17100000000000000000e10",
            FixedPointOverflow,
            r"'17100000000000000000e10' is out of range",
        ),
        (
            "18446744073709551615e10",
            FixedPointOverflow,
            r"'18446744073709551615e10' is out of range",
        ),
        (
            "0.0000000001",
            ValidationError,
            r"invalid value '0\.0000000001', expected at most 9 decimals \(got precision 10\)$",
        ),
        (
            "0.1234567890",
            ValidationError,
            r"invalid value '0\.1234567890', expected at most 9 decimals \(got precision 10\)$",
        ),
        (
            "1e-10",
            ValidationError,
            r"invalid value '1e-10', expected at most 9 decimals \(got precision 10\)$",
        ),
        (
            "0e-20",
            ValidationError,
            r"invalid value '0e-20', expected at most 9 decimals \(got precision 20\)$",
        ),
        # exponents over 3 digits were reported as malformed
        (
            "1E-100000",
            ValidationError,
            r"invalid value '1E-100000', expected at most 9 decimals \(got precision 100000\)$",
        ),
        # too fine wins over too long: a 20-decimal 1 is not an overflow
        (
            "1.00000000000000000000",
            ValidationError,
            r"invalid value '1\.00000000000000000000', expected at most 9 decimals \(got precision 20\)$",
        ),
    ],
)
def test_price_from_str_out_of_range_or_too_fine_raises(text, error, match):
    with pytest.raises(error, match=rf"^Price\.value: {match}"):
        Price.from_str(text)


@pytest.mark.parametrize(
    ("cls", "name"), [(Price, "Price"), (Quantity, "Quantity"), (Money, "Money")]
)
@pytest.mark.parametrize(("value", "type_name"), [(None, "NoneType"), (1, "int"), (b"1", "bytes")])
def test_from_str_wrong_type_raises(cls, name, value, type_name):
    with pytest.raises(
        InvalidTypeError, match=rf"^{name}\.value: invalid type {type_name}, expected str$"
    ):
        cls.from_str(value)


def test_quantity_from_str_negative_raises():
    with pytest.raises(
        ValidationError,
        match=r"^Quantity\.value: invalid value '-1\.5', expected a non-negative quantity$",
    ):
        Quantity.from_str("-1.5")


def test_quantity_from_str_parses_like_price():
    assert (Q("12.500").raw, Q("12.500").precision) == (12_500_000_000, 3)


# -- from_raw / from_int --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "precision", "text"),
    [
        (0, 0, "0"),
        (1, 9, "0.000000001"),
        (RAW_MAX, 0, "9223372036"),
        (-RAW_MAX, 2, "-9223372036.00"),
        (1_230_000_000, 2, "1.23"),
    ],
)
def test_price_from_raw_valid_round_trips(raw, precision, text):
    price = Price.from_raw(raw, precision)
    assert (price.raw, price.precision, str(price)) == (raw, precision, text)


@pytest.mark.parametrize("cls", [Price, Quantity])
@pytest.mark.parametrize(
    ("raw", "precision", "error", "match"),
    [
        (
            RAW_MAX + 1,
            9,
            FixedPointOverflow,
            r"\.raw: 9223372036000000001 is out of range, expected -9223372036000000000\.\.9223372036000000000$",
        ),
        (2**63, 9, FixedPointOverflow, r"\.raw: 9223372036854775808 is out of range"),
        (-(2**70), 9, FixedPointOverflow, r"\.raw: -1180591620717411303424 is out of range"),
        (
            5,
            0,
            ValidationError,
            r"\.raw: invalid value 5, expected a multiple of 1000000000 for precision 0$",
        ),
        (
            15,
            8,
            ValidationError,
            r"\.raw: invalid value 15, expected a multiple of 10 for precision 8$",
        ),
        (0, 10, ValidationError, r"\.precision: invalid value 10, expected 0\.\.9$"),
        (1.0, 9, InvalidTypeError, r"\.raw: invalid type float, expected int$"),
        (True, 9, InvalidTypeError, r"\.raw: invalid type bool, expected int$"),
        ("1", 9, InvalidTypeError, r"\.raw: invalid type str, expected int$"),
        (1, None, InvalidTypeError, r"\.precision: invalid type NoneType, expected int$"),
    ],
)
def test_fixed_point_from_raw_invalid_raises(cls, raw, precision, error, match):
    with pytest.raises(error, match=rf"^{cls.__name__}{match}"):
        cls.from_raw(raw, precision)


def test_quantity_from_raw_negative_raises():
    with pytest.raises(
        ValidationError,
        match=r"^Quantity\.raw: invalid value -10, expected a non-negative raw value$",
    ):
        Quantity.from_raw(-10, 9)


@pytest.mark.parametrize("cls", [Price, Quantity])
def test_fixed_point_from_int_has_precision_zero(cls):
    value = cls.from_int(42)
    assert (value.raw, value.precision) == (42 * 10**9, 0)


@pytest.mark.parametrize("cls", [Price, Quantity])
@pytest.mark.parametrize(
    ("value", "match"),
    [
        (1.0, r"\.value: invalid type float, expected int$"),
        (True, r"\.value: invalid type bool, expected int, float, Decimal or str$"),
        ("1", r"\.value: invalid type str, expected int$"),
    ],
)
def test_fixed_point_from_int_non_int_raises(cls, value, match):
    with pytest.raises(InvalidTypeError, match=rf"^{cls.__name__}{match}"):
        cls.from_int(value)


# -- arithmetic result-type table -----------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "result_type", "text", "precision"),
    [
        # Price + - Price -> Price with the larger precision
        (lambda: P("1.5") + P("1.25"), Price, "2.75", 2),
        (lambda: P("1.25") + P("1.5"), Price, "2.75", 2),
        (lambda: P("1") - P("0.000000001"), Price, "0.999999999", 9),
        (lambda: P("1.5") - P("2.25"), Price, "-0.75", 2),
        # Quantity + - Quantity -> Quantity
        (lambda: Q("1.5") + Q("1.25"), Quantity, "2.75", 2),
        (lambda: Q("2.5") - Q("1.5"), Quantity, "1.0", 1),
        (lambda: Q("1") - Q("1.000"), Quantity, "0.000", 3),
    ],
)
def test_fixed_point_same_type_add_sub_keeps_type_and_max_precision(
    expr, result_type, text, precision
):
    result = expr()
    assert type(result) is result_type
    assert (str(result), result.precision) == (text, precision)


def test_quantity_sub_negative_result_raises():
    with pytest.raises(
        ValidationError,
        match=r"^Quantity: arithmetic result -0\.5 is negative, expected a non-negative quantity$",
    ):
        Q("1.0") - Q("1.5")


@pytest.mark.parametrize(
    ("expr", "match"),
    [
        (
            lambda: Price(MAX, 0) + Price(1, 0),
            r"^Price: arithmetic result 9223372037 is out of range, expected -9223372036\.\.9223372036$",
        ),
        (
            lambda: Price(-MAX, 0) - Price(1, 0),
            r"^Price: arithmetic result -9223372037 is out of range",
        ),
        (
            lambda: Price(-MAX, 0) - P("0.5"),
            r"^Price: arithmetic result -9223372036\.5 is out of range",
        ),
        (
            lambda: Quantity(MAX, 0) + Q("0.000000001"),
            r"^Quantity: arithmetic result 9223372036\.000000001 is out of range",
        ),
        (
            lambda: Money(MAX, USD) + Money("0.01", USD),
            r"^Money: arithmetic result 9223372036\.01 is out of range",
        ),
        (
            lambda: Money(-MAX, USD) - Money(MAX, USD),
            r"^Money: arithmetic result -18446744072 is out of range",
        ),
    ],
)
def test_fixed_point_arithmetic_leaving_range_raises_overflow(expr, match):
    with pytest.raises(FixedPointOverflow, match=match):
        expr()


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # mixed: int, Decimal, another fixed-point type -> Decimal
        (lambda: P("1.5") + 1, Decimal("2.5")),
        (lambda: 1 + P("1.5"), Decimal("2.5")),
        (lambda: P("1.5") - 2, Decimal("-0.5")),
        (lambda: 2 - P("1.5"), Decimal("0.5")),
        (lambda: P("1.5") * 2, Decimal("3.0")),
        (lambda: 2 * P("1.5"), Decimal("3.0")),
        (lambda: P("1.5") / 2, Decimal("0.75")),
        (lambda: 3 / P("1.5"), Decimal("2")),
        (lambda: P("7.5") // 2, Decimal("3")),
        (lambda: 7 // P("2.5"), Decimal("2")),
        (lambda: P("7.5") % 2, Decimal("1.5")),
        (lambda: 7 % P("2.5"), Decimal("2.0")),
        (lambda: P("1.5") + Decimal("0.25"), Decimal("1.75")),
        (lambda: Decimal("0.25") - P("1.5"), Decimal("-1.25")),
        (lambda: P("1.5") + Q("1"), Decimal("2.5")),
        (lambda: Q("1") - P("1.5"), Decimal("-0.5")),
        (lambda: Q("2") - Q("3") * 1, Decimal("-1")),  # Quantity - Decimal: no negative check
        (lambda: Money("1.50", USD) + P("1"), Decimal("2.50")),
        (lambda: P("1") + Money("1.50", USD), Decimal("2.50")),
        (lambda: Money("1.50", USD) * Q("2"), Decimal("3.00")),
        (lambda: Money("1.50", USD) + 1, Decimal("2.50")),
        (lambda: 10 - Money("1.50", USD), Decimal("8.50")),
        # * / // % between the same type -> Decimal
        (lambda: P("1.5") * P("1.25"), Decimal("1.875")),
        (lambda: P("1.5") / P("1.25"), Decimal("1.2")),
        (lambda: P("1.5") // P("1.25"), Decimal("1")),
        (lambda: P("1.5") % P("1.25"), Decimal("0.25")),
        (lambda: Q("3") * Q("0.5"), Decimal("1.5")),
        (lambda: Q("3") / Q("2"), Decimal("1.5")),
        (lambda: Money("3.00", USD) / Money("2.00", USD), Decimal("1.5")),
        (lambda: Money("3.00", USD) * Money("2.00", EUR), Decimal("6.0000")),
        (lambda: Money("3.00", USD) // Money("2.00", USD), Decimal("1")),
        (lambda: Money("3.00", USD) % Money("2.00", USD), Decimal("1.00")),
        # Quantity -x -> Decimal
        (lambda: -Q("1.5"), Decimal("-1.5")),
    ],
)
def test_fixed_point_mixed_arithmetic_returns_exact_decimal(expr, expected):
    result = expr()
    assert type(result) is Decimal
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (lambda: P("1.5") + 0.25, 1.75),
        (lambda: 0.25 + P("1.5"), 1.75),
        (lambda: P("1.5") - 0.5, 1.0),
        (lambda: 0.5 - P("1.5"), -1.0),
        (lambda: P("1.5") * 1.5, 2.25),
        (lambda: 3.0 / P("1.5"), 2.0),
        (lambda: P("7.5") // 2.0, 3.0),
        (lambda: P("7.5") % 2.0, 1.5),
        (lambda: Q("1.5") * 2.0, 3.0),
        (lambda: Money("1.50", USD) + 0.5, 2.0),
        (lambda: 2.0 * Money("1.50", USD), 3.0),
    ],
)
def test_fixed_point_float_arithmetic_returns_float(expr, expected):
    result = expr()
    assert type(result) is float
    assert result == expected


@pytest.mark.parametrize(
    ("expr", "result_type", "text"),
    [
        (lambda: -P("1.50"), Price, "-1.50"),
        (lambda: +P("-1.50"), Price, "-1.50"),
        (lambda: abs(P("-1.50")), Price, "1.50"),
        (lambda: abs(P("1.50")), Price, "1.50"),
        (lambda: -Money("1.50", USD), Money, "-1.50 USD"),
        (lambda: +Money("1.50", USD), Money, "1.50 USD"),
        (lambda: abs(Money("-1.50", USD)), Money, "1.50 USD"),
        (lambda: +Q("1.50"), Quantity, "1.50"),
        (lambda: abs(Q("1.50")), Quantity, "1.50"),
        (lambda: -Price(-MAX, 0), Price, "9223372036"),
    ],
)
def test_fixed_point_unary_keeps_type(expr, result_type, text):
    result = expr()
    assert type(result) is result_type
    assert str(result) == text


def test_money_add_sub_same_currency_returns_money():
    total = Money("1.50", USD) + Money("2.25", USD)
    diff = Money("1.50", USD) - Money("2.25", USD)
    assert (type(total), str(total), total.raw) == (Money, "3.75 USD", 3_750_000_000)
    assert (type(diff), str(diff)) == (Money, "-0.75 USD")
    assert total.currency is USD


@pytest.mark.parametrize(
    ("expr", "match"),
    [
        (
            lambda: Money(1, USD) + Money(1, EUR),
            r"^Money: cannot add 1\.00 USD and 1\.00 EUR, expected amounts of one currency$",
        ),
        (
            lambda: Money(1, USD) - Money(1, EUR),
            r"^Money: cannot subtract 1\.00 USD and 1\.00 EUR, expected amounts of one currency$",
        ),
        (lambda: Money(1, USD) < Money(1, EUR), r"^Money: cannot compare 1\.00 USD and 1\.00 EUR"),
        (lambda: Money(1, USD) <= Money(1, EUR), r"^Money: cannot compare"),
        (lambda: Money(1, USD) > Money(1, EUR), r"^Money: cannot compare"),
        (lambda: Money(1, USD) >= Money(1, EUR), r"^Money: cannot compare"),
    ],
)
def test_money_other_currency_raises_currency_mismatch(expr, match):
    with pytest.raises(CurrencyMismatch, match=match):
        expr()


def test_money_other_currency_equality_is_false():
    assert (Money(1, USD) == Money(1, EUR)) is False
    assert (Money(1, USD) != Money(1, EUR)) is True


@pytest.mark.parametrize(
    "expr",
    [
        lambda: P("1") / 0,
        lambda: P("1") // 0,
        lambda: P("1") / P("0"),
        lambda: Money(1, USD) / 0,
        lambda: 1 / P("0"),
    ],
)
def test_fixed_point_division_by_zero_raises_decimal_division_by_zero(expr):
    with pytest.raises(decimal.DivisionByZero, match=r"DivisionByZero"):
        expr()


@pytest.mark.parametrize("expr", [lambda: P("1") % 0, lambda: Q("1") % Q("0")])
def test_fixed_point_modulo_by_zero_raises_decimal_invalid_operation(expr):
    with pytest.raises(decimal.InvalidOperation, match=r"InvalidOperation"):
        expr()


def test_fixed_point_division_by_float_zero_raises_zero_division_error():
    with pytest.raises(ZeroDivisionError, match=r"division by zero"):
        P("1") / 0.0


@pytest.mark.parametrize(
    ("expr", "match"),
    [
        (lambda: P("1") + "1", r"unsupported operand type\(s\) for \+: '.*Price' and 'str'"),
        (lambda: "1" + P("1"), r'can only concatenate str \(not ".*Price"\) to str'),
        (lambda: P("1") * None, r"unsupported operand type\(s\) for \*: '.*Price' and 'NoneType'"),
        (lambda: Money(1, USD) - [1], r"unsupported operand type\(s\) for -: '.*Money' and 'list'"),
        (
            lambda: Q("1") / object(),
            r"unsupported operand type\(s\) for /: '.*Quantity' and 'object'",
        ),
    ],
)
def test_fixed_point_arithmetic_with_unsupported_type_raises_type_error(expr, match):
    with pytest.raises(TypeError, match=match):
        expr()


# -- comparisons ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "lt", "eq"),
    [
        (P("1.5"), P("1.50"), False, True),  # across precisions, by value
        (P("1.5"), P("1.500000001"), True, False),
        (P("-1"), P("0.000000001"), True, False),
        (P("1.0"), 1, False, True),
        (P("1.5"), 2, True, False),
        (P("-1.5"), -2, False, False),
        (P("1.5"), 10**30, True, False),  # big ints compare exactly
        (P("1.5"), -(10**30), False, False),
        (P("1.5"), 1.5, False, True),
        (P("0.1"), 0.1, True, False),  # float 0.1 is 0.1000000000000000055...
        (P("0.3"), 0.3, False, False),  # float 0.3 is 0.2999999999999999888...
        (P("1.5"), float("inf"), True, False),
        (P("1.5"), float("-inf"), False, False),
        (P("1.5"), Decimal("1.500"), False, True),
        (P("1.5"), Decimal("1.5000000000000000001"), True, False),
        (Q("1.5"), P("1.5"), False, True),
        (Q("1"), P("-1"), False, False),
        (Money("1.50", USD), 1.5, False, True),
        (Money("1.50", USD), Decimal("1.5"), False, True),
        (Money("1.50", USD), 2, True, False),
        (Money("1.50", USD), Money("1.51", USD), True, False),
    ],
)
def test_fixed_point_comparison_uses_exact_values(left, right, lt, eq):
    assert (left < right) is lt
    assert (left == right) is eq
    assert (left != right) is (not eq)
    assert (left <= right) is (lt or eq)
    assert (left > right) is (not lt and not eq)
    assert (left >= right) is (not lt)


@pytest.mark.parametrize("value", [P("1.5"), Q("0"), Money("1.50", USD)])
def test_fixed_point_comparison_with_nan_is_unordered(value):
    nan = float("nan")
    assert (value == nan, value != nan, value < nan, value <= nan, value > nan, value >= nan) == (
        False,
        True,
        False,
        False,
        False,
        False,
    )


@pytest.mark.parametrize("value", [P("1.5"), Money("1.50", USD)])
def test_fixed_point_comparison_with_decimal_nan_is_false(value):
    assert (value == Decimal("NaN")) is False
    assert (value != Decimal("NaN")) is True


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (P("1"), "1"),
        (P("1"), None),
        (Money(1, USD), P("1")),
        (P("1"), Money(1, USD)),
        (Q("1"), Money(1, USD)),
    ],
)
def test_fixed_point_unrelated_type_is_unequal_and_unordered(left, right):
    assert (left == right) is False
    assert (left != right) is True
    with pytest.raises(TypeError, match="'<' not supported between instances of"):
        left < right  # noqa: B015


def test_fixed_point_bool_compares_as_int():
    assert (Price(1, 0) == True) is True  # noqa: E712  bool is an int, as in Python
    assert (P("1.5") > True) is True


# -- hash -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "equal"),
    [
        (P("1.0"), 1),
        (P("1.000000000"), 1),
        (P("-1"), -1),
        (P("0"), 0),
        (P("1.5"), 1.5),
        (P("1.5"), Decimal("1.5")),
        (P("0.1"), Decimal("0.1")),
        (Q("2.50"), Decimal("2.5")),
        (Q("2.50"), P("2.5")),
        (Price(MAX, 0), MAX),
        (Money("1.00", USD), 1),  # was hash((code, raw)): equal values with unequal hashes
        (Money("1.50", USD), Decimal("1.5")),
        (Money("-1.50", USD), -1.5),
    ],
)
def test_fixed_point_hash_agrees_with_eq(value, equal):
    assert value == equal
    assert hash(value) == hash(equal)


def test_fixed_point_equal_values_collapse_in_set():
    assert len({P("1.5"), P("1.50"), Q("1.500"), Decimal("1.5"), 1.5}) == 1
    assert len({Money(1, USD), Money("1.00", USD), 1}) == 1


def test_money_same_amount_other_currency_are_distinct_keys():
    assert len({Money(1, USD), Money(1, EUR)}) == 2


# -- conversions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (P("0"), False),
        (P("0.000"), False),
        (P("-0"), False),
        (P("0.000000001"), True),
        (P("-1"), True),
        (Q("0"), False),
        (Money(0, USD), False),
        (Money("0.01", USD), True),
    ],
)
def test_fixed_point_bool_is_nonzero(value, expected):
    assert bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (P("1.7"), 1),
        (P("-1.7"), -1),
        (P("0.999999999"), 0),
        (P("-0.5"), 0),
        (Price(MAX, 0), MAX),
        (Price(-MAX, 0), -MAX),
        (Q("3.9"), 3),
        (Money("-1.50", USD), -1),
        (Money("2.99", USD), 2),
    ],
)
def test_fixed_point_int_truncates_toward_zero(value, expected):
    assert int(value) == expected
    assert type(int(value)) is int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (P("1.5"), 1.5),
        (P("-0.1"), -0.1),
        (P("0.000000001"), 1e-9),
        (Q("3"), 3.0),
        (Money("1.25", USD), 1.25),
        (Price(MAX, 0), 9223372036.0),
    ],
)
def test_fixed_point_float_is_nearest_double(value, expected):
    assert float(value) == expected
    assert value.as_double() == expected


@pytest.mark.parametrize(
    ("value", "ndigits", "expected"),
    [
        (P("2.5"), None, 2),  # half to even, as Decimal
        (P("3.5"), None, 4),
        (P("-2.5"), None, -2),
        (P("1.2345"), 2, Decimal("1.23")),
        (P("1.235"), 2, Decimal("1.24")),
        (P("1.225"), 2, Decimal("1.22")),
        (Q("1.5"), 0, Decimal("2")),
        (Money("2.50", USD), None, 2),
        (Money("1.25", USD), 1, Decimal("1.2")),
    ],
)
def test_fixed_point_round_is_decimal_half_even(value, ndigits, expected):
    result = round(value) if ndigits is None else round(value, ndigits)
    assert type(result) is type(expected)
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("value", "text", "text_repr"),
    [
        (P("1.50"), "1.50", "Price(1.50)"),
        (P("-0.5"), "-0.5", "Price(-0.5)"),
        (Price(0, 9), "0.000000000", "Price(0.000000000)"),
        (Price(-MAX, 9), "-9223372036.000000000", "Price(-9223372036.000000000)"),
        (Q("7"), "7", "Quantity(7)"),
        (Money("1000.5", USD), "1000.50 USD", "Money(1000.50, USD)"),
        (Money("-3", JPY), "-3 JPY", "Money(-3, JPY)"),
        (Money("0.00000001", BTC), "0.00000001 BTC", "Money(0.00000001, BTC)"),
    ],
)
def test_fixed_point_str_and_repr_show_precision(value, text, text_repr):
    assert str(value) == text
    assert repr(value) == text_repr


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (P("1000000.50"), "1_000_000.50"),
        (P("-1000000.50"), "-1_000_000.50"),
        (P("999.5"), "999.5"),
        (P("1000"), "1_000"),
        (P("-0.50"), "-0.50"),
        (Price(MAX, 2), "9_223_372_036.00"),
        (Q("1234567"), "1_234_567"),
        (Money("1000000.5", USD), "1_000_000.50 USD"),
        (Money("-1234", JPY), "-1_234 JPY"),
    ],
)
def test_fixed_point_to_formatted_str_groups_thousands(value, text):
    assert value.to_formatted_str() == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(P("1.50"), "1.50"), (P("-0.000000001"), "-1E-9"), (Q("0"), "0"), (Money("2.5", USD), "2.50")],
)
def test_fixed_point_as_decimal_keeps_precision(value, expected):
    result = value.as_decimal()
    assert type(result) is Decimal
    assert str(result) == expected


@pytest.mark.parametrize(
    ("value", "zero", "positive", "negative"),
    [
        (P("0"), True, False, False),
        (P("0.1"), False, True, False),
        (P("-0.1"), False, False, True),
        (Q("0"), True, False, False),
        (Q("2"), False, True, False),
    ],
)
def test_fixed_point_sign_predicates(value, zero, positive, negative):
    assert (value.is_zero(), value.is_positive(), value.is_negative()) == (zero, positive, negative)


def test_money_is_zero():
    assert Money(0, USD).is_zero() is True
    assert Money("0.01", USD).is_zero() is False


@pytest.mark.parametrize(
    "value",
    [
        P("1.50"),
        P("-9223372036.000000000"),
        Price(0, 9),
        Q("0.001"),
        Quantity(MAX, 0),
        Money("-1000.50", USD),
        Money(MAX, JPY),
        Money("0.00000001", BTC),
    ],
)
def test_fixed_point_pickle_round_trip_keeps_type_raw_precision(value):
    restored = pickle.loads(pickle.dumps(value))
    assert type(restored) is type(value)
    assert restored == value
    assert (restored.raw, restored.precision, str(restored)) == (
        value.raw,
        value.precision,
        str(value),
    )


def test_money_pickle_round_trip_keeps_currency():
    restored = pickle.loads(pickle.dumps(Money("1.50", EUR)))
    assert restored.currency == EUR
    assert restored.currency.code == "EUR"


# -- Money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "raw", "text"),
    [
        (1, USD, 1_000_000_000, "1.00 USD"),
        ("1000.50", USD, 1_000_500_000_000, "1000.50 USD"),
        (Decimal("-2"), JPY, -2_000_000_000, "-2 JPY"),
        (0.5, EUR, 500_000_000, "0.50 EUR"),
        ("0.00000001", BTC, 10, "0.00000001 BTC"),
        (MAX, USD, RAW_MAX, "9223372036.00 USD"),
        (-MAX, USD, -RAW_MAX, "-9223372036.00 USD"),
    ],
)
def test_money_valid_value_has_currency_precision(value, currency, raw, text):
    money = Money(value, currency)
    assert (money.raw, money.precision, money.currency, str(money)) == (
        raw,
        currency.precision,
        currency,
        text,
    )


@pytest.mark.parametrize(
    ("value", "currency", "error", "match"),
    [
        (
            "1.5",
            JPY,
            ValidationError,
            r"^Money\.value: invalid value '1\.5', expected at most 0 decimals \(the precision\)$",
        ),
        (
            MAX + 1,
            USD,
            FixedPointOverflow,
            r"^Money\.value: 9223372037 is out of range, expected -9223372036\.\.9223372036$",
        ),
        (-MAX - 1, USD, FixedPointOverflow, r"^Money\.value: -9223372037 is out of range"),
        (
            float("nan"),
            USD,
            ValidationError,
            r"^Money\.value: invalid value nan, expected a finite number$",
        ),
        (
            None,
            USD,
            InvalidTypeError,
            r"^Money\.value: invalid type NoneType, expected int, float, Decimal or str$",
        ),
        (1, "USD", InvalidTypeError, r"^Money\.currency: invalid type str, expected Currency$"),
        (1, None, InvalidTypeError, r"^Money\.currency: invalid type NoneType, expected Currency$"),
    ],
)
def test_money_invalid_value_raises(value, currency, error, match):
    with pytest.raises(error, match=match):
        Money(value, currency)


@pytest.mark.parametrize(
    ("text", "raw", "currency"),
    [
        ("1000.50 USD", 1_000_500_000_000, USD),
        ("-3 JPY", -3_000_000_000, JPY),
        ("0.00000001 BTC", 10, BTC),
        ("  1.5   EUR ", 1_500_000_000, EUR),
        ("1e3 USD", 10**12, USD),
    ],
)
def test_money_from_str_valid(text, raw, currency):
    money = Money.from_str(text)
    assert (money.raw, money.currency) == (raw, currency)


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        (
            "",
            ValidationError,
            r"^Money\.value: invalid value '', expected '<amount> <currency code>' e\.g\. '100\.00 USD'$",
        ),
        (
            "1USD",
            ValidationError,
            r"^Money\.value: invalid value '1USD', expected '<amount> <currency code>'",
        ),
        (
            "1 USD X",
            ValidationError,
            r"^Money\.value: invalid value '1 USD X', expected '<amount> <currency code>'",
        ),
        (
            "1000.505 USD",
            ValidationError,
            r"^Money\.value: invalid value '1000\.505', expected at most 2 decimals \(the precision\)$",
        ),
        (
            "abc USD",
            ValidationError,
            r"^Money\.value: invalid value 'abc', expected a decimal number",
        ),
        (
            "1 XXX",
            ValidationError,
            r"^Currency: unknown code 'XXX', expected a registered currency",
        ),
        (
            "1 usd",
            ValidationError,
            r"^Currency: unknown code 'usd', expected a registered currency",
        ),
        ("9223372037 USD", FixedPointOverflow, r"^Money\.value: '9223372037' is out of range"),
    ],
)
def test_money_from_str_invalid_raises(text, error, match):
    with pytest.raises(error, match=match):
        Money.from_str(text)


def test_money_from_raw_valid():
    money = Money.from_raw(1_230_000_000, USD)
    assert (str(money), money.currency) == ("1.23 USD", USD)


@pytest.mark.parametrize(
    ("raw", "currency", "error", "match"),
    [
        (
            100,
            USD,
            ValidationError,
            r"^Money\.raw: invalid value 100, expected a multiple of 10000000 for precision 2$",
        ),
        (RAW_MAX + 1, USD, FixedPointOverflow, r"^Money\.raw: 9223372036000000001 is out of range"),
        (1.0, USD, InvalidTypeError, r"^Money\.raw: invalid type float, expected int$"),
        (0, "USD", InvalidTypeError, r"^Money\.currency: invalid type str, expected Currency$"),
    ],
)
def test_money_from_raw_invalid_raises(raw, currency, error, match):
    with pytest.raises(error, match=match):
        Money.from_raw(raw, currency)


def test_fixed_point_float_conversion_of_max_is_finite():
    assert math.isfinite(float(Price(MAX, 9)))
