"""Unit tests of the model enums and their `from_str` (core/model/enums.pyx)."""

import pickle
from enum import EnumType, IntEnum

import pytest

from core.errors import ValidationError
from core.model.enums import (
    ENUMS,
    BarAggregation,
    CurrencyType,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TriggerType,
)


def test_enums_tuple_lists_every_enum_once():
    assert len(ENUMS) == len(set(ENUMS)) == 20
    assert all(issubclass(cls, IntEnum) for cls in ENUMS)


@pytest.mark.parametrize("cls", ENUMS, ids=lambda cls: cls.__name__)
def test_enum_from_str_every_member_by_name_round_trips(cls):
    for member in cls:
        assert cls.from_str(member.name) is member
        assert cls.from_str(member.name.lower()) is member


@pytest.mark.parametrize(
    ("cls", "text", "member"),
    [
        (OrderSide, "buy", OrderSide.BUY),
        (OrderSide, "Sell", OrderSide.SELL),
        (OrderSide, " BUY ", OrderSide.BUY),
        (OrderType, "stop_limit", OrderType.STOP_LIMIT),
        (TimeInForce, "day", TimeInForce.DAY),
        (BarAggregation, "day", BarAggregation.DAY),
        (CurrencyType, "commodity_backed", CurrencyType.COMMODITY_BACKED),
        (OrderStatus, "Partially_Filled", OrderStatus.PARTIALLY_FILLED),
        (TriggerType, "no_trigger", TriggerType.NO_TRIGGER),
    ],
)
def test_enum_from_str_is_case_insensitive(cls, text, member):
    assert cls.from_str(text) is member


@pytest.mark.parametrize(
    ("cls", "value", "shown"),
    [
        (OrderSide, "BUYX", "'BUYX'"),
        (OrderSide, "", "''"),
        (OrderSide, "1", "'1'"),
        (OrderSide, 1, "1"),
        (OrderSide, None, "None"),
        (OrderSide, OrderSide.BUY, "<OrderSide.BUY: 1>"),
        (OrderSide, "B UY", "'B UY'"),
    ],
)
def test_enum_from_str_invalid_raises_listing_members(cls, value, shown):
    with pytest.raises(
        ValidationError,
        match=rf"^OrderSide: invalid name {shown}, expected one of NO_ORDER_SIDE, BUY, SELL$",
    ):
        cls.from_str(value)


def test_enum_from_str_error_lists_all_members_of_its_enum():
    with pytest.raises(
        ValidationError,
        match=r"^OmsType: invalid name 'x', expected one of UNSPECIFIED, NETTING, HEDGING$",
    ):
        OmsType.from_str("x")


@pytest.mark.parametrize(
    ("member", "value"),
    [
        (OrderSide.NO_ORDER_SIDE, 0),
        (OrderSide.BUY, 1),
        (OrderSide.SELL, 2),
        (OrderType.MARKET, 1),
        (OrderType.TRAILING_STOP_LIMIT, 9),
        (TimeInForce.DAY, 5),
        (BarAggregation.DAY, 14),
        (OrderStatus.FILLED, 14),
        (CurrencyType.CRYPTO, 1),
        (CurrencyType.FIAT, 2),
        (TriggerType.INDEX_PRICE, 9),
    ],
)
def test_enum_values_follow_documented_numbering(member, value):
    assert member.value == value
    assert member == value
    assert type(member)(value) is member


@pytest.mark.parametrize("member", [OrderSide.BUY, TimeInForce.GTC, BarAggregation.MINUTE])
def test_enum_pickle_round_trip(member):
    assert pickle.loads(pickle.dumps(member)) is member


@pytest.mark.parametrize("cls", ENUMS, ids=lambda cls: cls.__name__)
def test_enum_class_attribute_lookup_is_plain_type_lookup(cls):
    # The metaclass reads class attributes as `type` does (no Python-level __getattr__ hook on
    # 3.11), yet stays an EnumType: members, inherited methods and errors behave as before.
    assert isinstance(cls, EnumType)
    for member in cls:
        assert getattr(cls, member.name) is member
        assert cls[member.name] is member
    assert cls.from_str is not None and cls.__members__ is not None
    assert type(cls).__getattribute__ is type.__getattribute__
    with pytest.raises(AttributeError, match=rf"^type object '{cls.__name__}' has no attribute"):
        _ = cls.NOT_A_MEMBER
    with pytest.raises(AttributeError):
        _ = cls.__not_a_dunder__


def test_enum_metaclass_bypasses_enum_getattr_hook_where_python_has_it():
    if "__getattr__" not in vars(EnumType):
        pytest.skip("this Python's EnumType has no __getattr__ hook to bypass")
    # With the hook, a missing name raised AttributeError('NOT_A_MEMBER') from EnumType.
    with pytest.raises(AttributeError) as info:
        _ = OrderSide.NOT_A_MEMBER
    assert str(info.value) != "NOT_A_MEMBER"
    assert type(OrderSide) is not EnumType and issubclass(type(OrderSide), EnumType)
