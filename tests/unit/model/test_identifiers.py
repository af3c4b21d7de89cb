"""Unit tests of the identifiers (core/model/identifiers.pyx)."""

import pickle
import re

import pytest

from core.errors import InvalidTypeError, ValidationError
from core.model.identifiers import (
    AccountId,
    ActorId,
    ClientId,
    ClientOrderId,
    ComponentId,
    ExecAlgorithmId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    Symbol,
    TradeId,
    TraderId,
    Venue,
    VenueOrderId,
)

PLAIN = [
    Symbol,
    Venue,
    ComponentId,
    ClientId,
    ExecAlgorithmId,
    ActorId,
    ClientOrderId,
    VenueOrderId,
    OrderListId,
    PositionId,
    TradeId,
]
ALL_VALUES = [(cls, "A-1") for cls in PLAIN] + [
    (TraderId, "TRADER-001"),
    (StrategyId, "EMACross-001"),
    (AccountId, "SIM-001"),
]


def _fnv1a_hash(text):
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h >> 1


@pytest.mark.parametrize(("cls", "value"), ALL_VALUES, ids=lambda x: getattr(x, "__name__", x))
def test_identifier_value_str_repr_hash(cls, value):
    identifier = cls(value)
    assert identifier.value == str(identifier) == value
    assert repr(identifier) == f"{cls.__name__}('{value}')"
    assert hash(identifier) == _fnv1a_hash(value)


@pytest.mark.parametrize(("cls", "value"), ALL_VALUES, ids=lambda x: getattr(x, "__name__", x))
def test_identifier_pickle_round_trip_keeps_type(cls, value):
    restored = pickle.loads(pickle.dumps(cls(value)))
    assert type(restored) is cls
    assert restored == cls(value)
    assert hash(restored) == hash(cls(value))


@pytest.mark.parametrize("cls", PLAIN + [TraderId, StrategyId, AccountId], ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "a non-empty string"),
        (" A-1", "a string without leading or trailing whitespace"),
        ("A-1 ", "a string without leading or trailing whitespace"),
        ("A-1\n", "a string without leading or trailing whitespace"),
        ("A-\t1", "a string of printable characters (no control characters or non-ASCII spaces)"),
        ("A-\x001", "a string of printable characters (no control characters or non-ASCII spaces)"),
        ("A-\xa01", "a string of printable characters (no control characters or non-ASCII spaces)"),
    ],
)
def test_identifier_invalid_value_raises(cls, value, expected):
    with pytest.raises(
        ValidationError,
        match=rf"^{cls.__name__}\.value: invalid value {re.escape(repr(value))}, expected {re.escape(expected)}$",
    ):
        cls(value)


@pytest.mark.parametrize("cls", PLAIN + [TraderId, StrategyId, AccountId], ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("value", "type_name"), [(None, "NoneType"), (1, "int"), (b"A-1", "bytes")]
)
def test_identifier_wrong_type_raises(cls, value, type_name):
    with pytest.raises(
        InvalidTypeError, match=rf"^{cls.__name__}\.value: invalid type {type_name}, expected str$"
    ):
        cls(value)


def test_identifier_equality_requires_same_type():
    assert Symbol("AB") == Symbol("AB")
    assert Symbol("AB") != Symbol("AC")
    assert (Symbol("AB") == Venue("AB")) is False
    assert (Symbol("AB") != Venue("AB")) is True
    assert (Symbol("AB") == "AB") is False
    assert (ClientOrderId("O-1") == VenueOrderId("O-1")) is False


def test_identifier_orders_by_value():
    ids = [ClientOrderId(v) for v in ("O-3", "O-10", "O-1")]
    assert [i.value for i in sorted(ids)] == ["O-1", "O-10", "O-3"]
    assert ClientOrderId("O-1") < ClientOrderId("O-2") <= ClientOrderId("O-2")
    assert ClientOrderId("O-2") > ClientOrderId("O-1") >= ClientOrderId("O-1")


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_identifier_ordering_across_types_raises(op):
    with pytest.raises(
        TypeError, match=rf"'{op}' not supported between instances of '.*Symbol' and '.*Venue'"
    ):
        eval(f"Symbol('A') {op} Venue('B')")


def test_identifier_usable_as_dict_key():
    table = {TraderId("T-1"): 1, StrategyId("S-1"): 2}
    assert table[TraderId("T-1")] == 1
    assert StrategyId("T-1") not in table


def test_identifier_allows_inner_spaces_and_quotes():
    assert Symbol("A B").value == "A B"
    assert repr(Symbol("O'Brien")) == "Symbol('O'Brien')"


# -- InstrumentId ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "symbol", "venue"),
    [
        ("EUR/USD.SIM", "EUR/USD", "SIM"),
        ("BTCUSDT-PERP.BINANCE", "BTCUSDT-PERP", "BINANCE"),
        ("BTC-USD.PERP.BINANCE", "BTC-USD.PERP", "BINANCE"),  # split at the last dot
        ("ES.FUT.Z4.CME", "ES.FUT.Z4", "CME"),
        ("A.B", "A", "B"),
        ("EUR USD.SIM", "EUR USD", "SIM"),
    ],
)
def test_instrument_id_from_str_splits_at_last_dot(text, symbol, venue):
    instrument_id = InstrumentId.from_str(text)
    assert (instrument_id.value, instrument_id.symbol, instrument_id.venue) == (
        text,
        Symbol(symbol),
        Venue(venue),
    )
    assert instrument_id == InstrumentId(Symbol(symbol), Venue(venue))
    assert (
        hash(instrument_id) == hash(InstrumentId(Symbol(symbol), Venue(venue))) == _fnv1a_hash(text)
    )
    assert str(instrument_id) == text
    assert repr(instrument_id) == f"InstrumentId('{text}')"


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("EURUSD", "value", "'<symbol>.<venue>' such as 'EUR/USD.SIM'"),
        ("", "value", "'<symbol>.<venue>' such as 'EUR/USD.SIM'"),
        (".SIM", "value", "'<symbol>.<venue>' such as 'EUR/USD.SIM'"),
        ("EURUSD.", "value", "'<symbol>.<venue>' such as 'EUR/USD.SIM'"),
        ("EURUSD.SIM.", "value", "'<symbol>.<venue>' such as 'EUR/USD.SIM'"),
        (" EURUSD.SIM", "value", "a string without leading or trailing whitespace"),
        ("EURUSD.SIM\n", "value", "a string without leading or trailing whitespace"),
        (
            "EUR\tUSD.SIM",
            "value",
            "a string of printable characters (no control characters or non-ASCII spaces)",
        ),
        # these built a Symbol/Venue that their own constructors reject
        ("EURUSD .SIM", "symbol", "a string without leading or trailing whitespace"),
        ("EURUSD. SIM", "venue", "a string without leading or trailing whitespace"),
    ],
)
def test_instrument_id_from_str_invalid_raises(text, field, expected):
    shown = text
    if field == "symbol":
        shown = text.rpartition(".")[0]
    elif field == "venue":
        shown = text.rpartition(".")[2]
    with pytest.raises(
        ValidationError,
        match=rf"^InstrumentId\.{field}: invalid value {re.escape(repr(shown))}, expected {re.escape(expected)}$",
    ):
        InstrumentId.from_str(text)


@pytest.mark.parametrize(("value", "type_name"), [(None, "NoneType"), (5, "int")])
def test_instrument_id_from_str_wrong_type_raises(value, type_name):
    with pytest.raises(
        InvalidTypeError, match=rf"^InstrumentId\.value: invalid type {type_name}, expected str$"
    ):
        InstrumentId.from_str(value)


def test_instrument_id_dotted_venue_raises():
    # 'EURUSD' at 'S.IM' would print as 'EURUSD.S.IM' and parse back as 'EURUSD.S' at 'IM'.
    with pytest.raises(
        ValidationError,
        match=r"^InstrumentId\.venue: invalid value 'S\.IM', expected a venue without '\.' \(the separator\)$",
    ):
        InstrumentId(Symbol("EURUSD"), Venue("S.IM"))


def test_instrument_id_dotted_symbol_round_trips():
    instrument_id = InstrumentId(Symbol("EUR.USD"), Venue("SIM"))
    assert instrument_id.value == "EUR.USD.SIM"
    assert InstrumentId.from_str(instrument_id.value).symbol == Symbol("EUR.USD")


@pytest.mark.parametrize("text", ["EUR/USD.SIM", "BTC-USD.PERP.BINANCE"])
def test_instrument_id_pickle_round_trip_keeps_parts(text):
    restored = pickle.loads(pickle.dumps(InstrumentId.from_str(text)))
    assert restored == InstrumentId.from_str(text)
    assert (restored.symbol, restored.venue) == (
        InstrumentId.from_str(text).symbol,
        InstrumentId.from_str(text).venue,
    )


@pytest.mark.parametrize(("text", "synthetic"), [("BTC-ETH.SYNTH", True), ("BTC-ETH.SIM", False)])
def test_instrument_id_is_synthetic(text, synthetic):
    assert InstrumentId.from_str(text).is_synthetic() is synthetic


def test_instrument_id_orders_by_value():
    ids = [InstrumentId.from_str(v) for v in ("B.SIM", "A.SIM", "A.BINANCE")]
    assert [i.value for i in sorted(ids)] == ["A.BINANCE", "A.SIM", "B.SIM"]


# -- hyphenated identifiers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "value", "example"),
    [
        (TraderId, "TRADER", "TRADER-001"),
        (TraderId, "-001", "TRADER-001"),
        (TraderId, "TRADER-", "TRADER-001"),
        (TraderId, "-", "TRADER-001"),
        (StrategyId, "EMACross", "EMACross-001"),
        (StrategyId, "external", "EMACross-001"),
        (AccountId, "SIM", "SIM-001"),
        (AccountId, "SIM-", "SIM-001"),
    ],
)
def test_hyphenated_identifier_without_tag_raises(cls, value, example):
    with pytest.raises(
        ValidationError,
        match=rf"^{cls.__name__}\.value: invalid value {value!r}, expected '<name>-<tag>' such as '{example}'$",
    ):
        cls(value)


@pytest.mark.parametrize(("value", "tag"), [("TRADER-001", "001"), ("A-B-C", "C")])
def test_trader_id_get_tag_is_after_last_hyphen(value, tag):
    assert TraderId(value).get_tag() == tag


def test_strategy_id_external_and_tag():
    assert StrategyId("EXTERNAL").is_external() is True
    assert StrategyId("EMACross-001").is_external() is False
    assert StrategyId("EMACross-001").get_tag() == "001"
    assert pickle.loads(pickle.dumps(StrategyId("EXTERNAL"))).is_external() is True


@pytest.mark.parametrize(
    ("value", "issuer", "number"), [("SIM-001", "SIM", "001"), ("IB-U-123", "IB", "U-123")]
)
def test_account_id_issuer_and_id_split_at_first_hyphen(value, issuer, number):
    account_id = AccountId(value)
    assert (account_id.get_issuer(), account_id.get_id()) == (issuer, number)


# -- TradeId --------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 35, 36])
def test_trade_id_up_to_36_chars_is_valid(length):
    assert TradeId("x" * length).value == "x" * length


@pytest.mark.parametrize("length", [37, 100])
def test_trade_id_over_36_chars_raises(length):
    with pytest.raises(
        ValidationError,
        match=rf"^TradeId\.value: invalid value '{'x' * length}', expected at most 36 characters \(got {length}\)$",
    ):
        TradeId("x" * length)
