"""Unit tests of `OrderFactory` (core/trading/factory.pyx): ids from the clock, order fields."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from core.trading.factory import OrderFactory

from core.common.clock import TestClock
from core.errors import ValidationError
from core.model.enums import OrderSide, OrderType, TimeInForce, TriggerType
from core.model.identifiers import InstrumentId, StrategyId, TraderId
from core.model.objects import Price, Quantity
from core.model.uuid import UUIDFactory

EURUSD = InstrumentId.from_str("EUR/USD.SIM")
UTC = UTC


def ns(dt: datetime) -> int:
    return int((dt - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1)) * 1000


def factory(ts=0, trader="TRADER-007", strategy="EMACross-042"):
    clock = TestClock(ts, UUIDFactory(1))
    return OrderFactory(TraderId(trader), StrategyId(strategy), clock, UUIDFactory(2)), clock


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1970, 1, 1, 0, 0, 0, tzinfo=UTC),
        datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC),  # year boundary, last second
        datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC),  # ... and the next one
        datetime(2024, 2, 28, 23, 59, 59, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 34, 56, tzinfo=UTC),  # leap day
        datetime(2024, 3, 1, 0, 0, 0, tzinfo=UTC),
        datetime(2000, 2, 29, 1, 2, 3, tzinfo=UTC),  # leap day of a 400-year century
        datetime(2100, 3, 1, 0, 0, 0, tzinfo=UTC),  # 2100 is not a leap year
        datetime(2262, 4, 11, 23, 47, 15, tzinfo=UTC),  # the last whole second in int64 ns
    ],
)
def test_order_factory_client_order_id_date_and_time_match_datetime(moment):
    f, _ = factory(ns(moment) + 999_999_999)  # the sub-second part is ignored
    expected = f"O-{moment:%Y%m%d-%H%M%S}-007-042-1"
    assert f.generate_client_order_id().value == expected


def test_order_factory_client_order_id_counts_up_and_follows_the_clock():
    start = datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)
    f, clock = factory(ns(start))
    assert f.generate_client_order_id().value == "O-20231231-235959-007-042-1"
    assert f.generate_client_order_id().value == "O-20231231-235959-007-042-2"
    clock.set_time(ns(start) + 1_000_000_000)
    assert f.generate_client_order_id().value == "O-20240101-000000-007-042-3"
    assert f.count == 3


def test_order_factory_reset_and_set_count_restart_the_counter():
    f, _ = factory()
    f.generate_client_order_id()
    f.set_count(41)
    assert f.generate_client_order_id().value == "O-19700101-000000-007-042-42"
    f.reset()
    assert f.count == 0
    assert f.generate_client_order_id().value.endswith("-1")


def test_order_factory_market_order_fields():
    f, _ = factory(5_000_000_000)
    order = f.market(
        EURUSD,
        OrderSide.SELL,
        Quantity.from_int(1_000),
        time_in_force=TimeInForce.IOC,
        reduce_only=True,
        tags=["exit"],
    )
    assert order.order_type == OrderType.MARKET
    assert order.client_order_id.value == "O-19700101-000005-007-042-1"
    assert (order.trader_id, order.strategy_id) == (
        TraderId("TRADER-007"),
        StrategyId("EMACross-042"),
    )
    assert order.instrument_id == EURUSD
    assert order.side == OrderSide.SELL
    assert order.quantity == Quantity.from_int(1_000)
    assert order.time_in_force == TimeInForce.IOC
    assert order.is_reduce_only
    assert order.tags == ["exit"]
    assert order.ts_init == 5_000_000_000
    assert order.price is None


def test_order_factory_limit_order_fields_and_expire_time_from_datetime():
    f, _ = factory()
    expire = datetime(2024, 2, 29, 12, 0, 0, 123456, tzinfo=UTC)
    order = f.limit(
        EURUSD,
        OrderSide.BUY,
        Quantity.from_int(1_000),
        Price.from_str("1.10000"),
        time_in_force=TimeInForce.GTD,
        expire_time=expire,
        post_only=True,
    )
    assert order.order_type == OrderType.LIMIT
    assert order.price == Price.from_str("1.10000")
    assert order.time_in_force == TimeInForce.GTD
    assert order.expire_time_ns == ns(expire) == 1_709_208_000_123_456_000
    assert order.is_post_only
    assert not order.is_reduce_only


def test_order_factory_expire_time_in_another_timezone_is_the_same_instant():
    f, _ = factory()
    cet = timezone(timedelta(hours=1))
    order = f.limit(
        EURUSD,
        OrderSide.BUY,
        Quantity.from_int(1_000),
        Price.from_str("1.10000"),
        time_in_force=TimeInForce.GTD,
        expire_time=datetime(2024, 1, 1, 1, 0, tzinfo=cet),
    )
    assert order.expire_time_ns == ns(datetime(2024, 1, 1, tzinfo=UTC))


def test_order_factory_expire_time_as_ns_is_taken_as_is():
    f, _ = factory()
    order = f.stop_market(
        EURUSD,
        OrderSide.BUY,
        Quantity.from_int(1_000),
        Price.from_str("1.10000"),
        time_in_force=TimeInForce.GTD,
        expire_time=1_700_000_000_000_000_001,
    )
    assert order.expire_time_ns == 1_700_000_000_000_000_001


@pytest.mark.parametrize(
    ("expire_time", "pattern"),
    [
        (
            datetime(2024, 1, 1),
            r"OrderFactory: expire_time datetime\.datetime\(2024, 1, 1, 0, 0\) invalid, "
            r"expected a timezone-aware datetime \(e\.g\. tzinfo=timezone\.utc\) or UNIX ns",
        ),
        ("2024-01-01", r"OrderFactory: expire_time '2024-01-01' invalid, expected a datetime"),
        (1.5, r"OrderFactory: expire_time 1\.5 invalid, expected a datetime or UNIX ns"),
    ],
)
def test_order_factory_bad_expire_time_raises(expire_time, pattern):
    f, _ = factory()
    with pytest.raises(ValidationError, match=pattern):
        f.limit(
            EURUSD,
            OrderSide.BUY,
            Quantity.from_int(1_000),
            Price.from_str("1.10000"),
            time_in_force=TimeInForce.GTD,
            expire_time=expire_time,
        )
    assert f.count == 1  # the id was drawn before the expire time was checked


@pytest.mark.parametrize(
    ("method", "args", "order_type", "price", "trigger"),
    [
        ("stop_market", ("1.20000",), OrderType.STOP_MARKET, None, "1.20000"),
        ("stop_limit", ("1.20010", "1.20000"), OrderType.STOP_LIMIT, "1.20010", "1.20000"),
        ("market_if_touched", ("1.00000",), OrderType.MARKET_IF_TOUCHED, None, "1.00000"),
        (
            "limit_if_touched",
            ("0.99990", "1.00000"),
            OrderType.LIMIT_IF_TOUCHED,
            "0.99990",
            "1.00000",
        ),
    ],
)
def test_order_factory_triggered_order_types_carry_price_and_trigger(
    method, args, order_type, price, trigger
):
    f, _ = factory()
    order = getattr(f, method)(
        EURUSD,
        OrderSide.BUY,
        Quantity.from_int(2_000),
        *(Price.from_str(a) for a in args),
        trigger_type=TriggerType.BID_ASK,
    )
    assert order.order_type == order_type
    assert order.price == (Price.from_str(price) if price else None)
    assert order.trigger_price == Price.from_str(trigger)
    assert order.trigger_type == TriggerType.BID_ASK
    assert order.quantity == Quantity.from_int(2_000)
    assert order.client_order_id.value == "O-19700101-000000-007-042-1"
