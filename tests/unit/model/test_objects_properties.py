"""hypothesis properties of the fixed-point value types and the identifiers."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.errors import FixedPointOverflow, ValidationError
from core.model.currency import Currency
from core.model.identifiers import ClientOrderId, InstrumentId, Symbol, TraderId, Venue
from core.model.objects import Money, Price, Quantity

RAW_MAX = 9_223_372_036_000_000_000
VALUE_MAX = Decimal(9_223_372_036)
CURRENCIES = [Currency.from_str(code) for code in ("USD", "JPY", "BTC", "KWD", "XMR")]


@st.composite
def raws(draw, precision, min_raw=-RAW_MAX):
    """A raw value on the grid of `precision` within [min_raw, RAW_MAX]."""
    step = 10 ** (9 - precision)
    return draw(st.integers(min_raw // step + (min_raw % step != 0), RAW_MAX // step)) * step


@st.composite
def prices(draw, precision=None):
    precision = draw(st.integers(0, 9)) if precision is None else precision
    return Price.from_raw(draw(raws(precision)), precision)


@st.composite
def quantities(draw):
    precision = draw(st.integers(0, 9))
    return Quantity.from_raw(draw(raws(precision, 0)), precision)


@st.composite
def moneys(draw, currency=None):
    currency = draw(st.sampled_from(CURRENCIES)) if currency is None else currency
    return Money.from_raw(draw(raws(currency.precision)), currency)


fixed_points = st.one_of(prices(), quantities())


# -- string round trip ----------------------------------------------------------------------


@given(fixed_points)
def test_fixed_point_str_round_trip_keeps_raw_and_precision(value):
    parsed = type(value).from_str(str(value))
    assert parsed == value
    assert (parsed.raw, parsed.precision) == (value.raw, value.precision)


@given(moneys())
def test_money_str_round_trip_keeps_raw_and_currency(value):
    parsed = Money.from_str(str(value))
    assert (parsed.raw, parsed.currency, parsed.precision) == (
        value.raw,
        value.currency,
        value.precision,
    )


@given(fixed_points)
def test_fixed_point_str_is_exact_decimal(value):
    assert Decimal(str(value)) * 10**9 == value.raw
    assert value.as_decimal() == Decimal(value.raw) / 10**9


@given(fixed_points)
def test_fixed_point_formatted_str_removes_only_separators(value):
    assert value.to_formatted_str().replace("_", "") == str(value)


# -- construction agrees across argument types -----------------------------------------------


@given(st.integers(0, 9).flatmap(lambda p: st.tuples(st.just(p), raws(p))))
def test_price_from_decimal_str_int_agree(precision_raw):
    precision, raw = precision_raw
    exact = Decimal(raw).scaleb(-9)
    from_decimal = Price(exact, precision)
    from_str = Price(str(exact), precision)
    assert from_decimal.raw == from_str.raw == raw
    assert from_decimal.precision == from_str.precision == precision
    if raw % 10**9 == 0:
        assert Price(raw // 10**9, precision).raw == raw


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_price_from_decimal_matches_decimal_rules(value):
    """A Decimal is accepted exactly when its exponent is >= -9 and it is in range."""
    _, _, exponent = value.as_tuple()
    in_range = abs(value) <= VALUE_MAX
    try:
        price = Price.from_str(str(value))
    except FixedPointOverflow:
        assert exponent >= -9 and not in_range
    except ValidationError:
        assert exponent < -9
    else:
        assert in_range and exponent >= -9
        assert price.as_decimal() == value
        assert price.precision == max(0, -exponent)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e10, max_value=1e10))
def test_price_from_float_uses_shortest_repr(value):
    exact = Decimal(repr(value))
    _, _, exponent = exact.as_tuple()
    assume(exponent >= -9 and abs(exact) <= VALUE_MAX)
    assert Price(value, 9).as_decimal() == exact


# -- arithmetic -----------------------------------------------------------------------------


@st.composite
def same_type_pairs(draw):
    kind = draw(st.sampled_from(["price", "quantity", "money"]))
    if kind == "price":
        return draw(prices()), draw(prices())
    if kind == "quantity":
        return draw(quantities()), draw(quantities())
    currency = draw(st.sampled_from(CURRENCIES))
    return draw(moneys(currency)), draw(moneys(currency))


@given(same_type_pairs())
def test_fixed_point_add_then_sub_is_identity_when_in_range(pair):
    a, b = pair
    exact_sum = a.as_decimal() + b.as_decimal()
    assume(abs(exact_sum) <= VALUE_MAX)
    total = a + b
    assert type(total) is type(a)
    assert total.as_decimal() == exact_sum
    assert total.precision == max(a.precision, b.precision)
    back = total - b
    assert back == a
    assert back.raw == a.raw


@given(same_type_pairs())
def test_fixed_point_add_overflows_exactly_when_sum_leaves_range(pair):
    a, b = pair
    exact_sum = a.as_decimal() + b.as_decimal()
    if abs(exact_sum) > VALUE_MAX:
        with pytest.raises(FixedPointOverflow, match=r"arithmetic result .* is out of range"):
            a + b
    else:
        assert (a + b).as_decimal() == exact_sum


@st.composite
def near_limit_pairs(draw):
    """Pairs whose sum lands within a few ulps of the limit (where off-by-one bugs live)."""
    precision = draw(st.integers(0, 9))
    step = 10 ** (9 - precision)
    a = draw(st.integers(RAW_MAX // step - 5, RAW_MAX // step)) * step
    b = draw(st.integers(-5, 5)) * step
    sign = draw(st.sampled_from([1, -1]))
    return Price.from_raw(sign * a, precision), Price.from_raw(sign * b, precision)


@given(near_limit_pairs())
def test_price_add_near_limit_overflows_exactly_when_sum_leaves_range(pair):
    a, b = pair
    exact_sum = a.as_decimal() + b.as_decimal()
    if abs(exact_sum) > VALUE_MAX:
        with pytest.raises(FixedPointOverflow):
            a + b
    else:
        assert (a + b).as_decimal() == exact_sum


@given(quantities(), quantities())
def test_quantity_sub_raises_exactly_when_negative(a, b):
    if a.raw < b.raw:
        with pytest.raises(ValidationError, match=r"^Quantity: arithmetic result -.* is negative"):
            a - b
    else:
        assert (a - b).as_decimal() == a.as_decimal() - b.as_decimal()


# -- ordering and hashing -------------------------------------------------------------------


@given(st.one_of(prices(), quantities()), st.one_of(prices(), quantities()))
def test_fixed_point_ordering_agrees_with_decimal(a, b):
    da, db = a.as_decimal(), b.as_decimal()
    assert (a < b) == (da < db)
    assert (a <= b) == (da <= db)
    assert (a == b) == (da == db)
    assert (a > b) == (da > db)
    assert (a < db) == (da < db)
    if a == b:
        assert hash(a) == hash(b)


@given(same_type_pairs())
def test_money_ordering_agrees_with_decimal(pair):
    a, b = pair
    assert (a < b) == (a.as_decimal() < b.as_decimal())
    assert (a == b) == (a.as_decimal() == b.as_decimal())


@given(prices(), st.floats(allow_nan=False))
def test_price_float_comparison_is_exact(price, other):
    assert (price < other) == (price.as_decimal() < Decimal(other))
    assert (price == other) == (price.as_decimal() == Decimal(other))


@given(st.one_of(fixed_points, moneys()))
def test_fixed_point_hash_equals_decimal_hash(value):
    assert hash(value) == hash(value.as_decimal())


# -- identifiers ----------------------------------------------------------------------------

_PART_CHARS = st.characters(
    codec="ascii", categories=("L", "N", "P", "S", "Zs"), exclude_characters="."
)


def _trimmed(text):
    return text and text == text.strip()


symbol_texts = (
    st.lists(st.text(_PART_CHARS, min_size=1, max_size=8).filter(_trimmed), min_size=1, max_size=4)
    .map(".".join)
    .filter(_trimmed)
)
venue_texts = st.text(_PART_CHARS, min_size=1, max_size=10).filter(_trimmed)


@given(symbol_texts, venue_texts)
def test_instrument_id_str_round_trip_splits_at_last_dot(symbol, venue):
    instrument_id = InstrumentId(Symbol(symbol), Venue(venue))
    parsed = InstrumentId.from_str(str(instrument_id))
    assert parsed == instrument_id
    assert (parsed.symbol.value, parsed.venue.value) == (symbol, venue)
    assert hash(parsed) == hash(instrument_id)


printable_ids = st.text(
    st.characters(categories=("L", "N", "P", "S"), include_characters=" "), min_size=1, max_size=40
).filter(_trimmed)


@given(printable_ids)
def test_identifier_str_round_trip(value):
    for cls in (Symbol, Venue, ClientOrderId):
        identifier = cls(value)
        assert cls(str(identifier)) == identifier
        assert hash(cls(str(identifier))) == hash(identifier)


@given(printable_ids.filter(lambda v: "-" not in v), printable_ids.filter(lambda v: "-" not in v))
def test_trader_id_str_round_trip_and_tag(name, tag):
    trader_id = TraderId(f"{name}-{tag}")
    assert TraderId(str(trader_id)) == trader_id
    assert trader_id.get_tag() == tag
