"""Unit tests of `Currency` and its registry (core/model/currency.pyx)."""

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import InvalidTypeError, ValidationError
from core.model.currency import Currency
from core.model.enums import CurrencyType

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def restore_registry():
    """Re-register the built-in currencies a test overwrites (the registry is process-global)."""
    before = [Currency.from_str(code) for code in Currency.registered_codes()]
    yield
    for currency in before:
        Currency.register(currency, overwrite=True)


@pytest.mark.parametrize(
    ("code", "precision", "iso4217", "name", "currency_type"),
    [
        ("USD", 2, 840, "United States dollar", CurrencyType.FIAT),
        ("EUR", 2, 978, "Euro", CurrencyType.FIAT),
        ("JPY", 0, 392, "Japanese yen", CurrencyType.FIAT),
        ("KWD", 3, 414, "Kuwaiti dinar", CurrencyType.FIAT),
        ("CNH", 2, 0, "Offshore renminbi", CurrencyType.FIAT),
        ("XAU", 2, 959, "Gold (troy ounce)", CurrencyType.COMMODITY_BACKED),
        ("BTC", 8, 0, "Bitcoin", CurrencyType.CRYPTO),
        ("USDT", 8, 0, "Tether", CurrencyType.CRYPTO),
        ("XRP", 6, 0, "Ripple", CurrencyType.CRYPTO),
        ("XMR", 9, 0, "Monero", CurrencyType.CRYPTO),
    ],
)
def test_currency_from_str_known_code_has_registry_attributes(
    code, precision, iso4217, name, currency_type
):
    currency = Currency.from_str(code)
    assert (currency.code, currency.precision, currency.iso4217, currency.name) == (
        code,
        precision,
        iso4217,
        name,
    )
    assert currency.currency_type == currency_type
    assert currency is Currency.from_str(code)


@pytest.mark.parametrize(
    ("code", "fiat", "crypto", "commodity"),
    [("USD", True, False, False), ("ETH", False, True, False), ("XAG", False, False, True)],
)
def test_currency_type_predicates(code, fiat, crypto, commodity):
    currency = Currency.from_str(code)
    assert (currency.is_fiat(), currency.is_crypto(), currency.is_commodity_backed()) == (
        fiat,
        crypto,
        commodity,
    )


def test_currency_registry_has_iso_and_crypto_codes():
    codes = Currency.registered_codes()
    assert codes == sorted(codes)
    assert {"USD", "EUR", "GBP", "CHF", "JPY", "BTC", "ETH", "XAU"} <= set(codes)
    assert len(codes) == 186


@pytest.mark.parametrize("code", ["XXX", "usd", "", "US D", "USD "])
def test_currency_from_str_unknown_code_raises(code):
    with pytest.raises(
        ValidationError,
        match=rf"^Currency: unknown code {code!r}, expected a registered currency \(register custom ones with Currency\.register\(Currency\(\.\.\.\)\)\)$",
    ):
        Currency.from_str(code)


@pytest.mark.parametrize(
    ("value", "type_name"), [(None, "NoneType"), (840, "int"), (b"USD", "bytes")]
)
def test_currency_from_str_wrong_type_raises(value, type_name):
    with pytest.raises(
        InvalidTypeError, match=rf"^Currency\.code: invalid type {type_name}, expected str$"
    ):
        Currency.from_str(value)


def test_currency_is_registered():
    assert Currency.is_registered("USD") is True
    assert Currency.is_registered("NOPE") is False


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (
            ("", 2, 0, "x", CurrencyType.FIAT),
            ValidationError,
            r"^Currency: invalid code '', expected 1-12 characters without spaces$",
        ),
        (
            ("A B", 2, 0, "x", CurrencyType.FIAT),
            ValidationError,
            r"^Currency: invalid code 'A B', expected 1-12 characters without spaces$",
        ),
        (
            ("FOO\n", 2, 0, "x", CurrencyType.FIAT),
            ValidationError,
            r"^Currency: invalid code 'FOO\\n', expected 1-12",
        ),
        (
            ("ABCDEFGHIJKLM", 2, 0, "x", CurrencyType.FIAT),
            ValidationError,
            r"^Currency: invalid code 'ABCDEFGHIJKLM', expected 1-12",
        ),
        (
            ("FOO", 10, 0, "x", CurrencyType.FIAT),
            ValidationError,
            r"^Currency FOO: precision 10 out of range, expected 0\.\.9$",
        ),
        (
            ("FOO", -1, 0, "x", CurrencyType.FIAT),
            ValidationError,
            r"^Currency FOO: precision -1 out of range, expected 0\.\.9$",
        ),
        (
            ("FOO", 2, 1000, "x", CurrencyType.FIAT),
            ValidationError,
            r"^Currency FOO: iso4217 1000 out of range, expected 0\.\.999$",
        ),
        (
            ("FOO", 2, -1, "x", CurrencyType.FIAT),
            ValidationError,
            r"^Currency FOO: iso4217 -1 out of range, expected 0\.\.999$",
        ),
        (
            ("FOO", 2, 0, "x", 7),
            InvalidTypeError,
            r"^Currency FOO: currency_type 7, expected a CurrencyType$",
        ),
        (
            ("FOO", 2, 0, "x", True),
            InvalidTypeError,
            r"^Currency FOO: currency_type True, expected a CurrencyType$",
        ),
        (
            ("FOO", 2, 0, "x", "FIAT"),
            InvalidTypeError,
            r"^Currency FOO: currency_type 'FIAT', expected a CurrencyType$",
        ),
    ],
)
def test_currency_invalid_field_raises(args, error, match):
    with pytest.raises(error, match=match):
        Currency(*args)


def test_currency_valid_custom_code_constructs():
    currency = Currency("ABCDEFGHIJKL", 9, 999, "Twelve", CurrencyType.CRYPTO)
    assert (currency.code, currency.precision, currency.iso4217) == ("ABCDEFGHIJKL", 9, 999)
    assert currency.currency_type == CurrencyType.CRYPTO


def test_currency_equality_and_hash_by_code():
    usd = Currency.from_str("USD")
    other = Currency("USD", 3, 0, "Other", CurrencyType.CRYPTO)
    assert usd == other
    assert hash(usd) == hash(other)
    assert usd != Currency.from_str("EUR")
    assert (usd == "USD") is False


def test_currency_hash_is_fnv1a_of_code():
    # FNV-1a 64 of b"USD" shifted right by one: fixed across processes and hash seeds.
    h = 0xCBF29CE484222325
    for byte in b"USD":
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    assert hash(Currency.from_str("USD")) == h >> 1


def test_currency_str_and_repr():
    usd = Currency.from_str("USD")
    assert str(usd) == "USD"
    # repr raised NameError: CurrencyType was only cimported, not imported
    assert repr(usd) == (
        "Currency(code=USD, precision=2, iso4217=840, name=United States dollar, "
        "currency_type=FIAT)"
    )


@pytest.mark.parametrize("code", ["USD", "BTC", "XAU", "JPY"])
def test_currency_pickle_round_trip_keeps_attributes(code):
    currency = Currency.from_str(code)
    restored = pickle.loads(pickle.dumps(currency))
    assert restored == currency
    assert repr(restored) == repr(currency)


def test_currency_register_adds_custom_code():
    # In a fresh interpreter: there is no unregister, and a new code would leak into the
    # registry every other test sees.
    script = (
        "from core.model.currency import Currency\n"
        "from core.model.enums import CurrencyType\n"
        "from core.model.objects import Money\n"
        "custom = Currency('FLOT', 4, 0, 'Flotilla token', CurrencyType.CRYPTO)\n"
        "assert not Currency.is_registered('FLOT')\n"
        "Currency.register(custom)\n"
        "assert Currency.from_str('FLOT') is custom\n"
        "print(Currency.is_registered('FLOT'), Money.from_str('1.2345 FLOT'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True 1.2345 FLOT\n"


def test_currency_register_identical_duplicate_is_noop(restore_registry):
    usd = Currency.from_str("USD")
    Currency.register(Currency("USD", 2, 840, "United States dollar", CurrencyType.FIAT))
    assert Currency.from_str("USD").precision == usd.precision == 2


def test_currency_register_conflicting_duplicate_raises(restore_registry):
    with pytest.raises(
        ValidationError,
        match=r"^Currency USD: already registered as Currency\(code=USD, precision=2, .*\); pass overwrite=True to replace it$",
    ):
        Currency.register(Currency("USD", 3, 840, "United States dollar", CurrencyType.FIAT))
    assert Currency.from_str("USD").precision == 2


def test_currency_register_overwrite_replaces(restore_registry):
    replacement = Currency("USD", 3, 840, "United States dollar", CurrencyType.FIAT)
    Currency.register(replacement, overwrite=True)
    assert Currency.from_str("USD") is replacement
    assert Currency.from_str("USD").precision == 3


def test_currency_registry_restored_after_overwrite():
    assert Currency.from_str("USD").precision == 2
    assert Currency.is_registered("FLOT") is False
    assert len(Currency.registered_codes()) == 186


@pytest.mark.parametrize(("value", "type_name"), [(None, "NoneType"), ("USD", "str")])
def test_currency_register_wrong_type_raises(value, type_name):
    with pytest.raises(
        InvalidTypeError,
        match=rf"^Currency\.register: invalid type {type_name}, expected Currency$",
    ):
        Currency.register(value)
