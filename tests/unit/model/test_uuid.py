"""Unit tests of `UUID4` and `UUIDFactory` (core/model/uuid.pyx)."""

import pickle
import re
import uuid as stdlib_uuid

import pytest

from core.errors import InvalidTypeError, ValidationError
from core.model.uuid import UUID4, UUIDFactory

TEXT = "2d89666b-1a1e-4a75-b193-4eb3b454c757"


def test_uuid4_from_str_formats_canonically():
    value = UUID4(TEXT)
    assert str(value) == value.value == TEXT
    assert repr(value) == f"UUID4('{TEXT}')"


def test_uuid4_from_upper_case_formats_lower_case():
    assert UUID4(TEXT.upper()).value == TEXT
    assert UUID4(TEXT.upper()) == UUID4(TEXT)


@pytest.mark.parametrize(
    "text",
    [
        "00000000-0000-4000-8000-000000000000",
        "ffffffff-ffff-4fff-bfff-ffffffffffff",
        "12345678-9abc-4def-9abc-def012345678",
        "a0000000-0000-4000-a000-000000000001",
    ],
)
def test_uuid4_parse_format_round_trip_matches_stdlib(text):
    value = UUID4(text)
    assert value.value == text
    assert str(stdlib_uuid.UUID(value.value)) == text
    assert stdlib_uuid.UUID(value.value).version == 4


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2d89666b1a1e4a75b1934eb3b454c757",  # no hyphens
        "2d89666b-1a1e-3a75-b193-4eb3b454c757",  # version 3
        "2d89666b-1a1e-4a75-c193-4eb3b454c757",  # variant bits 110
        "2d89666b-1a1e-4a75-7193-4eb3b454c757",  # variant bits 0
        "2d89666b-1a1e-4a75-b193-4eb3b454c7570",  # 37 characters
        "{2d89666b-1a1e-4a75-b193-4eb3b454c75}",
        "2d89666b_1a1e-4a75-b193-4eb3b454c757",
    ],
)
def test_uuid4_malformed_string_raises(text):
    with pytest.raises(
        ValidationError,
        match=rf"^UUID4\.value: invalid value {re.escape(repr(text))}, expected a version 4 UUID such as '2d89666b-1a1e-4a75-b193-4eb3b454c757'$",
    ):
        UUID4(text)


@pytest.mark.parametrize(
    "text",
    [
        "2d89666b-1a1e-4a75-b193-4eb3b454c75g",
        # int(..., 16) accepts these; they were parsed to a different UUID
        "2d89666b-1a1e-4a75-b193-4eb3b454c75 ",
        " d89666b-1a1e-4a75-b193-4eb3b454c757",
        "+d89666b-1a1e-4a75-b193-4eb3b454c757",
        "2d89666b-1a1e-4a75-b193-4eb3b454c7_7",
        "2d89666b-1a1e-4a75-b193-4eb3b454c7\u06657",  # ARABIC-INDIC DIGIT FIVE
    ],
)
def test_uuid4_non_hex_digit_raises(text):
    with pytest.raises(
        ValidationError,
        match=rf"^UUID4\.value: invalid value {re.escape(repr(text))}, expected hexadecimal digits 0-9 a-f$",
    ):
        UUID4(text)


@pytest.mark.parametrize(("value", "type_name"), [(123, "int"), (b"x" * 36, "bytes")])
def test_uuid4_wrong_type_raises(value, type_name):
    with pytest.raises(
        InvalidTypeError, match=rf"^UUID4\.value: invalid type {type_name}, expected str$"
    ):
        UUID4(value)


def test_uuid4_random_has_version_and_variant_bits():
    seen = set()
    for _ in range(200):
        value = UUID4()
        parsed = stdlib_uuid.UUID(value.value)
        assert parsed.version == 4
        assert parsed.variant == stdlib_uuid.RFC_4122
        assert value.value[14] == "4"
        assert value.value[19] in "89ab"
        assert UUID4(value.value) == value
        seen.add(value.value)
    assert len(seen) == 200


def test_uuid4_equality_and_hash():
    assert UUID4(TEXT) == UUID4(TEXT)
    assert hash(UUID4(TEXT)) == hash(UUID4(TEXT))
    assert UUID4(TEXT) != UUID4("2d89666b-1a1e-4a75-b193-4eb3b454c758")
    assert (UUID4(TEXT) == TEXT) is False


def test_uuid4_hash_is_process_independent_value():
    hi, lo = int(TEXT.replace("-", "")[:16], 16), int(TEXT.replace("-", "")[16:], 16)
    expected = (hi ^ ((lo * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)) >> 1
    assert hash(UUID4(TEXT)) == expected


def test_uuid4_pickle_round_trip():
    restored = pickle.loads(pickle.dumps(UUID4(TEXT)))
    assert type(restored) is UUID4
    assert restored == UUID4(TEXT)
    assert restored.value == TEXT


def test_uuid_factory_same_seed_same_sequence():
    first = UUIDFactory(42)
    second = UUIDFactory(42)
    a = [first.generate() for _ in range(100)]
    b = [second.generate() for _ in range(100)]
    assert a == b
    assert len(set(a)) == 100


def test_uuid_factory_sequence_is_pinned():
    # splitmix64 from seed 42: a change here changes every backtest's event ids.
    factory = UUIDFactory(42)
    assert factory.generate().value == "bdd73226-2feb-4e95-a8ef-e333b266f103"


def test_uuid_factory_other_seed_other_sequence():
    assert UUIDFactory(1).generate() != UUIDFactory(2).generate()


def test_uuid_factory_generates_version_4():
    factory = UUIDFactory(0)
    for _ in range(50):
        parsed = stdlib_uuid.UUID(factory.generate().value)
        assert (parsed.version, parsed.variant) == (4, stdlib_uuid.RFC_4122)


@pytest.mark.parametrize(("seed", "same_as"), [(-1, 2**64 - 1), (2**64, 0), (2**64 + 5, 5)])
def test_uuid_factory_seed_is_taken_modulo_2_64(seed, same_as):
    assert UUIDFactory(seed).generate() == UUIDFactory(same_as).generate()


@pytest.mark.parametrize(
    ("seed", "type_name"), [("a", "str"), (1.0, "float"), (True, "bool"), (None, "NoneType")]
)
def test_uuid_factory_non_int_seed_raises(seed, type_name):
    with pytest.raises(
        InvalidTypeError, match=rf"^UUIDFactory\.seed: invalid type {type_name}, expected int$"
    ):
        UUIDFactory(seed)
