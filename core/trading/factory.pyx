"""`OrderFactory`: a strategy's way to build orders with unique, deterministic ids.

Client order ids read ``O-<YYYYMMDD>-<HHMMSS>-<trader tag>-<strategy tag>-<count>`` (the time is
the clock's, so a backtest gives the same ids in every run).
"""

import cython

from datetime import datetime, timezone

from libc.stdint cimport int64_t

from core.common.clock cimport Clock
from core.model.identifiers cimport ClientOrderId, InstrumentId, StrategyId, TraderId
from core.model.objects cimport Quantity
from core.model.orders cimport MarketOrder
from core.model.uuid cimport UUIDFactory

from core.errors import ValidationError
from core.model.enums import TimeInForce, TriggerType
from core.model.orders import (
    LimitIfTouchedOrder,
    LimitOrder,
    MarketIfTouchedOrder,
    StopLimitOrder,
    StopMarketOrder,
)

cdef object _EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
cdef tuple _TWO_DIGITS = tuple(f"{i:02d}" for i in range(60))


cdef int64_t _expire_ns(object expire_time) except? -1:
    if expire_time is None:
        return 0
    if isinstance(expire_time, int):
        return expire_time
    if isinstance(expire_time, datetime):
        if expire_time.tzinfo is None:
            raise ValidationError(
                f"OrderFactory: expire_time {expire_time!r} invalid, expected a timezone-aware "
                f"datetime (e.g. tzinfo=timezone.utc) or UNIX ns"
            )
        delta = expire_time - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    raise ValidationError(
        f"OrderFactory: expire_time {expire_time!r} invalid, expected a datetime or UNIX ns"
    )


cdef str _prefix(int64_t second):
    """Return ``O-YYYYMMDD-HHMMSS-`` for UNIX `second` (UTC), in integer arithmetic."""
    cdef int64_t days = second // 86_400
    cdef int64_t rem = second - days * 86_400
    # Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    cdef int64_t z = days + 719_468
    cdef int64_t era = (z if z >= 0 else z - 146_096) // 146_097
    cdef int64_t doe = z - era * 146_097
    cdef int64_t yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    cdef int64_t doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    cdef int64_t mp = (5 * doy + 2) // 153
    cdef int64_t day = doy - (153 * mp + 2) // 5 + 1
    cdef int64_t month = mp + 3 if mp < 10 else mp - 9
    cdef int64_t year = yoe + era * 400 + (1 if month <= 2 else 0)
    return (f"O-{year:04d}{month:02d}{day:02d}-{rem // 3600:02d}{(rem % 3600) // 60:02d}"
            f"{rem % 60:02d}-")


@cython.final
cdef class OrderFactory:
    """Builds orders for one strategy.

    Parameters
    ----------
    trader_id : TraderId
    strategy_id : StrategyId
    clock : Clock
    uuid_factory : UUIDFactory
    """

    def __init__(self, TraderId trader_id not None, StrategyId strategy_id not None,
                 Clock clock not None, UUIDFactory uuid_factory not None):
        self.trader_id = trader_id
        self.strategy_id = strategy_id
        self._clock = clock
        self._uuids = uuid_factory
        self._suffix = f"{trader_id.get_tag()}-{strategy_id.get_tag()}"
        self._prefix_second = -1
        self._prefix_day = -1
        self.count = 0

    def reset(self):
        self.count = 0
        self._prefix_second = -1
        self._prefix_day = -1

    def set_count(self, int64_t count):
        self.count = count

    cpdef ClientOrderId generate_client_order_id(self):
        """Return the next client order id."""
        cdef int64_t now = self._clock.timestamp_ns()
        cdef int64_t second = now // 1_000_000_000
        cdef int64_t day
        cdef int64_t rem
        if second != self._prefix_second:
            # Bars a minute apart change the second on every order: rebuild the date part
            # only when the day changes, the time part from a table of two-digit strings.
            self._prefix_second = second
            day = second // 86_400
            if second < 0:
                self._prefix = f"{_prefix(second)}{self._suffix}-"
            elif day != self._prefix_day:
                self._prefix_day = day
                self._day_prefix = _prefix(day * 86_400)[:11]
            if second >= 0:
                rem = second - day * 86_400
                self._prefix = (f"{self._day_prefix}{_TWO_DIGITS[rem // 3600]}"
                                f"{_TWO_DIGITS[(rem % 3600) // 60]}{_TWO_DIGITS[rem % 60]}-"
                                f"{self._suffix}-")
        self.count += 1
        return ClientOrderId.from_str_c(f"{self._prefix}{self.count}")

    cdef MarketOrder market_c(self, InstrumentId instrument_id, object order_side,
                              Quantity quantity, object time_in_force, bint reduce_only,
                              bint quote_quantity, list tags):
        """Return a `MarketOrder` (the C form of `market`, for the kernel's own callers)."""
        return MarketOrder.create_c(
            self.trader_id, self.strategy_id, instrument_id, self.generate_client_order_id(),
            order_side, quantity, self._uuids.generate(), self._clock.timestamp_ns(),
            time_in_force, reduce_only, quote_quantity, tags,
        )

    def market(self, InstrumentId instrument_id, order_side, quantity,
               time_in_force=TimeInForce.GTC, bint reduce_only=False,
               bint quote_quantity=False, list tags=None):
        """Return a `MarketOrder`."""
        return self.market_c(instrument_id, order_side, quantity, time_in_force, reduce_only,
                             quote_quantity, tags)

    def limit(self, InstrumentId instrument_id, order_side, quantity, price,
              time_in_force=TimeInForce.GTC, expire_time=None, bint post_only=False,
              bint reduce_only=False, bint quote_quantity=False, list tags=None):
        """Return a `LimitOrder` (``expire_time``: datetime or UNIX ns, for GTD)."""
        return LimitOrder(
            self.trader_id, self.strategy_id, instrument_id, self.generate_client_order_id(),
            order_side, quantity, price, self._uuids.generate(), self._clock.timestamp_ns(),
            time_in_force=time_in_force, expire_time_ns=_expire_ns(expire_time),
            post_only=post_only, reduce_only=reduce_only, quote_quantity=quote_quantity,
            tags=tags,
        )

    def stop_market(self, InstrumentId instrument_id, order_side, quantity, trigger_price,
                    trigger_type=TriggerType.DEFAULT, time_in_force=TimeInForce.GTC,
                    expire_time=None, bint reduce_only=False, bint quote_quantity=False,
                    list tags=None):
        """Return a `StopMarketOrder`."""
        return StopMarketOrder(
            self.trader_id, self.strategy_id, instrument_id, self.generate_client_order_id(),
            order_side, quantity, trigger_price, trigger_type, self._uuids.generate(),
            self._clock.timestamp_ns(), time_in_force=time_in_force,
            expire_time_ns=_expire_ns(expire_time), reduce_only=reduce_only,
            quote_quantity=quote_quantity, tags=tags,
        )

    def stop_limit(self, InstrumentId instrument_id, order_side, quantity, price,
                   trigger_price, trigger_type=TriggerType.DEFAULT,
                   time_in_force=TimeInForce.GTC, expire_time=None, bint post_only=False,
                   bint reduce_only=False, bint quote_quantity=False, list tags=None):
        """Return a `StopLimitOrder`."""
        return StopLimitOrder(
            self.trader_id, self.strategy_id, instrument_id, self.generate_client_order_id(),
            order_side, quantity, price, trigger_price, trigger_type, self._uuids.generate(),
            self._clock.timestamp_ns(), time_in_force=time_in_force,
            expire_time_ns=_expire_ns(expire_time), post_only=post_only,
            reduce_only=reduce_only, quote_quantity=quote_quantity, tags=tags,
        )

    def market_if_touched(self, InstrumentId instrument_id, order_side, quantity,
                          trigger_price, trigger_type=TriggerType.DEFAULT,
                          time_in_force=TimeInForce.GTC, expire_time=None,
                          bint reduce_only=False, bint quote_quantity=False, list tags=None):
        """Return a `MarketIfTouchedOrder`."""
        return MarketIfTouchedOrder(
            self.trader_id, self.strategy_id, instrument_id, self.generate_client_order_id(),
            order_side, quantity, trigger_price, trigger_type, self._uuids.generate(),
            self._clock.timestamp_ns(), time_in_force=time_in_force,
            expire_time_ns=_expire_ns(expire_time), reduce_only=reduce_only,
            quote_quantity=quote_quantity, tags=tags,
        )

    def limit_if_touched(self, InstrumentId instrument_id, order_side, quantity, price,
                         trigger_price, trigger_type=TriggerType.DEFAULT,
                         time_in_force=TimeInForce.GTC, expire_time=None,
                         bint post_only=False, bint reduce_only=False,
                         bint quote_quantity=False, list tags=None):
        """Return a `LimitIfTouchedOrder`."""
        return LimitIfTouchedOrder(
            self.trader_id, self.strategy_id, instrument_id, self.generate_client_order_id(),
            order_side, quantity, price, trigger_price, trigger_type, self._uuids.generate(),
            self._clock.timestamp_ns(), time_in_force=time_in_force,
            expire_time_ns=_expire_ns(expire_time), post_only=post_only,
            reduce_only=reduce_only, quote_quantity=quote_quantity, tags=tags,
        )
