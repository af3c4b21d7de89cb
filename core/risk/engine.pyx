"""`RiskEngine`: pre-trade checks between strategies and the ExecutionEngine.

Checks, in order (the first failure denies the order with that reason; an `OrderDenied` is
applied to the order and published, the order never reaches a venue):

1. trading state: HALTED denies everything; REDUCING denies orders that would increase a
   position;
2. submit rate (``max_order_submit_rate``);
3. the instrument is known;
4. quantity: precision ≤ the instrument's size precision, on the size increment, within
   min/max quantity;
5. price and trigger price: precision ≤ the instrument's price precision, > 0, within
   min/max price;
6. notional (price, or the last quote/trade/bar for market orders): within the instrument's
   min/max notional and ``max_notional_per_order``;
7. reduce-only: the order must not increase the strategy's position;
8. CASH accounts: a BUY's notional must not exceed the free quote balance (SELL of a spot pair:
   the free base balance).

Modify commands are checked for rate, precision and price validity; failures become
`OrderModifyRejected`.

The first `MAX_DENIED_RECORDED` denials are kept as ``(ts, client order id, strategy id,
reason)`` in `denied_first` (a run's summary lists them); `denied_count` counts them all.
"""

import cython

from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.logging cimport Logger
from core.common.msgbus cimport MessageBus
from core.execution.engine cimport ExecutionEngine
from core.model.accounts cimport Account
from core.model.commands cimport CommandKind, ModifyOrder, SubmitOrder, TradingCommand
from core.model.data cimport Bar, QuoteTick, TradeTick
from core.model.enums cimport AccountType, InstrumentClass, OrderSide
from core.model.enums cimport TradingState
from core.model.events cimport OrderDenied, OrderModifyRejected
from core.model.currency cimport Currency
from core.model.instruments cimport Instrument
from core.model.int128 cimport flt_div_floor, flt_mul, i128
from core.model.objects cimport format_raw
from core.model.orders cimport Order
from core.model.uuid cimport UUIDFactory

from core.errors import ValidationError
from core.model.enums import TradingState as PyTradingState
from core.risk.config import RiskEngineConfig, parse_rate

cdef object _E18 = 10 ** 18

MAX_DENIED_RECORDED = 10
cdef Py_ssize_t _MAX_DENIED = MAX_DENIED_RECORDED


@cython.final
cdef class RiskEngine:
    """The node's risk engine (see the module docstring for the checks)."""

    def __init__(self, Cache cache not None, MessageBus msgbus not None, Clock clock not None,
                 ExecutionEngine exec_engine not None, UUIDFactory uuid_factory not None,
                 config=None):
        config = config if config is not None else RiskEngineConfig()
        if not isinstance(config, RiskEngineConfig):
            raise ValidationError(
                f"RiskEngine.config: invalid type {type(config).__name__}, "
                f"expected RiskEngineConfig"
            )
        self._cache = cache
        self._msgbus = msgbus
        self._clock = clock
        self._exec_engine = exec_engine
        self._uuids = uuid_factory
        self._log = Logger(f"{msgbus.trader_id}.RiskEngine", clock)
        self.is_bypassed = config.bypass
        self.trading_state = TradingState.ACTIVE
        self._submit_count_max, self._submit_interval_ns = parse_rate(
            config.max_order_submit_rate, "max_order_submit_rate")
        self._modify_count_max, self._modify_interval_ns = parse_rate(
            config.max_order_modify_rate, "max_order_modify_rate")
        self._submit_times = [None] * self._submit_count_max
        self._modify_times = [None] * self._modify_count_max
        self._submit_head = 0
        self._modify_head = 0
        self._max_notional = {}
        self.denied_first = []
        for key, value in config.max_notional_per_order.items():
            from core.model.identifiers import InstrumentId
            self._max_notional[InstrumentId.from_str(key)] = value
        msgbus.register("RiskEngine.execute", self.execute)

    def reset(self):
        self.trading_state = TradingState.ACTIVE
        self._submit_times = [None] * self._submit_count_max
        self._modify_times = [None] * self._modify_count_max
        self._submit_head = 0
        self._modify_head = 0
        self.denied_count = 0
        self.denied_first = []

    def set_trading_state(self, state):
        """Set ACTIVE, REDUCING or HALTED and publish it on ``events.risk``."""
        self.trading_state = <TradingState><int>PyTradingState(state)
        self._msgbus.publish_c("events.risk", PyTradingState(state))
        self._log.log_c(20, f"trading state is now {PyTradingState(state).name}")

    cdef bint _throttled(self, bint submit) except -1:
        """Return whether one more command now would exceed the rate (records it if not)."""
        cdef list times = self._submit_times if submit else self._modify_times
        cdef Py_ssize_t head = self._submit_head if submit else self._modify_head
        cdef int64_t interval = self._submit_interval_ns if submit else self._modify_interval_ns
        cdef int64_t now = self._clock.timestamp_ns()
        oldest = times[head]
        if oldest is not None and now - <int64_t>oldest < interval:
            return True
        times[head] = now
        head = (head + 1) % len(times)
        if submit:
            self._submit_head = head
        else:
            self._modify_head = head
        return False

    cpdef void execute(self, TradingCommand command) except *:
        """Check `command`; forward it to the ExecutionEngine or deny it."""
        cdef Order order
        cdef str reason
        if command.kind == CommandKind.SUBMIT_ORDER:
            order = (<SubmitOrder>command).order
            if not self.is_bypassed:
                reason = self._check_order(order)
                if reason is not None:
                    if self._cache.order(order.client_order_id) is None:
                        self._cache.add_order(order, (<SubmitOrder>command).position_id)
                    self._deny(order, reason)
                    return
        elif command.kind == CommandKind.MODIFY_ORDER and not self.is_bypassed:
            reason = self._check_modify(<ModifyOrder>command)
            if reason is not None:
                self._reject_modify(<ModifyOrder>command, reason)
                return
        self._exec_engine.execute(command)

    cdef void _deny(self, Order order, str reason) except *:
        self.denied_count += 1
        if len(self.denied_first) < _MAX_DENIED:
            self.denied_first.append((self._clock.timestamp_ns(), order.client_order_id.value,
                                      order.strategy_id.value, reason))
        self._log.log_c(30, f"{order.client_order_id} denied: {reason}")
        self._exec_engine.process(OrderDenied(
            order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
            reason, self._uuids.generate(), self._clock.timestamp_ns(),
        ))

    def _reject_modify(self, ModifyOrder command, str reason):
        cdef Order order = self._cache.order(command.client_order_id)
        self._log.log_c(30, f"modify of {command.client_order_id} rejected: {reason}")
        event = OrderModifyRejected(
            command.trader_id, command.strategy_id, command.instrument_id,
            command.client_order_id, command.venue_order_id, None, reason,
            self._uuids.generate(), self._clock.timestamp_ns(), self._clock.timestamp_ns(),
        )
        if order is not None and order.is_closed_c():
            # A closed order takes no more events, but its strategy must still learn that the
            # modify failed: publish the rejection without applying it.
            self._msgbus.publish_c(f"events.order.{command.strategy_id.value}", event)
            return
        self._exec_engine.process(event)

    def _check_modify(self, ModifyOrder command):
        cdef Order order = self._cache.order(command.client_order_id)
        cdef Instrument instrument = self._cache.instrument(command.instrument_id)
        if self.trading_state == TradingState.HALTED:
            return "trading state is HALTED"
        if self._throttled(False):
            return f"max order modify rate exceeded ({self._modify_count_max} per interval)"
        if order is None:
            return f"order {command.client_order_id} not found"
        if order.is_closed_c():
            return f"order {command.client_order_id} is closed"
        if instrument is None:
            return f"instrument {command.instrument_id} not found"
        if command.quantity is not None:
            reason = _check_quantity(instrument, command.quantity.raw,
                                     command.quantity.precision)
            if reason is not None:
                return reason
        for name, price in (("price", command.price), ("trigger_price", command.trigger_price)):
            if price is not None:
                reason = _check_price(instrument, name, price.raw, price.precision)
                if reason is not None:
                    return reason
        return None

    cdef str _check_order(self, Order order):
        cdef Instrument instrument
        cdef int64_t position_raw
        cdef int64_t signed_delta
        cdef int64_t px
        cdef str reason
        cdef bint increases
        position_raw = self._cache.net_position_raw(order.instrument_id, order.strategy_id)
        signed_delta = order.quantity_raw if order.side == OrderSide.BUY else -order.quantity_raw
        increases = position_raw == 0 or (position_raw > 0) == (signed_delta > 0) or \
            abs(signed_delta) > abs(position_raw) * 2
        if self.trading_state == TradingState.HALTED:
            return "trading state is HALTED"
        if self.trading_state == TradingState.REDUCING and increases:
            return "trading state is REDUCING and the order would increase the position"
        if self._throttled(True):
            return f"max order submit rate exceeded ({self._submit_count_max} per interval)"
        instrument = self._cache.instrument(order.instrument_id)
        if instrument is None:
            return f"instrument {order.instrument_id} not found"
        # The same id, as the instrument's own object: every later lookup keyed by it (venue,
        # matching engine, cache, positions) then hits on identity, not a string comparison.
        order.instrument_id = instrument.id
        reason = _check_quantity(instrument, order.quantity_raw, order.size_precision)
        if reason is not None:
            return reason
        if order.has_price:
            reason = _check_price(instrument, "price", order.price_raw, order.price_precision)
            if reason is not None:
                return reason
        if order.has_trigger_price:
            reason = _check_price(instrument, "trigger_price", order.trigger_price_raw,
                                  order.price_precision)
            if reason is not None:
                return reason
        px = self._reference_price(order, instrument)
        if px > 0:
            reason = self._check_notional(order, instrument, px)
            if reason is not None:
                return reason
        if order.is_reduce_only and (position_raw == 0 or (position_raw > 0) == (signed_delta > 0)
                                     or abs(signed_delta) > abs(position_raw)):
            return (f"reduce_only order {order.client_order_id} would increase the position "
                    f"(position {format_raw(position_raw, order.size_precision)})")
        return None

    cdef int64_t _reference_price(self, Order order, Instrument instrument) except? -1:
        cdef QuoteTick quote
        cdef TradeTick trade
        if order.has_price:
            return order.price_raw
        if order.has_trigger_price:
            return order.trigger_price_raw
        quote = self._cache.quote_tick(instrument.id)
        if quote is not None:
            return quote.ask_price_raw if order.side == OrderSide.BUY else quote.bid_price_raw
        trade = self._cache.trade_tick(instrument.id)
        if trade is not None:
            return trade.price_raw
        for b in self._cache._bars.values():
            if (<Bar>b).bar_type.instrument_id == instrument.id:
                return (<Bar>b).close_raw
        return 0

    cdef str _check_notional(self, Order order, Instrument instrument, int64_t px):
        cdef Account account
        cdef int64_t notional_raw
        cdef i128 product
        if not instrument.is_inverse and flt_mul(order.quantity_raw, px, &product) and \
                flt_mul(product, instrument.multiplier.raw, &product) and \
                flt_div_floor(product, 1_000_000_000_000_000_000, &notional_raw):
            return self._check_notional_raw(order, instrument, notional_raw)
        if instrument.is_inverse:
            notional = <object>order.quantity_raw * instrument.multiplier.raw * 10 ** 9 // px
        else:
            notional = <object>order.quantity_raw * px * instrument.multiplier.raw // _E18
        currency = instrument.get_cost_currency()
        if instrument.max_notional is not None and notional > instrument.max_notional.raw:
            return (f"notional {format_raw(notional, currency.precision)} {currency} exceeds "
                    f"max_notional {instrument.max_notional}")
        if instrument.min_notional is not None and notional < instrument.min_notional.raw:
            return (f"notional {format_raw(notional, currency.precision)} {currency} is below "
                    f"min_notional {instrument.min_notional}")
        limit = self._max_notional.get(instrument.id)
        if limit is not None and notional > limit * 10 ** 9:
            return (f"notional {format_raw(notional, currency.precision)} {currency} exceeds "
                    f"max_notional_per_order {limit}")
        account = self._cache.account_for_venue(instrument.id.venue)
        if account is not None and account.account_type == AccountType.CASH and \
                not order.is_reduce_only:
            if order.side == OrderSide.BUY or instrument.instrument_class != InstrumentClass.SPOT:
                free = account.free_raw(currency)
                if notional > free:
                    return (f"notional {format_raw(notional, currency.precision)} {currency} "
                            f"exceeds free balance {format_raw(free, currency.precision)} "
                            f"{currency}")
            elif instrument.get_base_currency() is not None:
                free = account.free_raw(instrument.get_base_currency())
                if order.quantity_raw > free:
                    return (f"quantity {order.quantity} exceeds free balance "
                            f"{format_raw(free, instrument.get_base_currency().precision)} "
                            f"{instrument.get_base_currency()}")
        return None

    cdef str _check_notional_raw(self, Order order, Instrument instrument, int64_t notional):
        """`_check_notional` for a notional that fits an int64 (the same checks in C)."""
        cdef Account account
        cdef Currency currency = instrument.get_cost_currency()
        cdef int64_t free
        if instrument.max_notional is not None and notional > instrument.max_notional.raw:
            return (f"notional {format_raw(notional, currency.precision)} {currency} exceeds "
                    f"max_notional {instrument.max_notional}")
        if instrument.min_notional is not None and notional < instrument.min_notional.raw:
            return (f"notional {format_raw(notional, currency.precision)} {currency} is below "
                    f"min_notional {instrument.min_notional}")
        if self._max_notional:
            limit = self._max_notional.get(instrument.id)
            if limit is not None and notional > limit * 10 ** 9:
                return (f"notional {format_raw(notional, currency.precision)} {currency} exceeds "
                        f"max_notional_per_order {limit}")
        account = self._cache.account_for_venue(instrument.id.venue)
        if account is not None and account.account_type == AccountType.CASH and \
                not order.is_reduce_only:
            if order.side == OrderSide.BUY or instrument.instrument_class != InstrumentClass.SPOT:
                free = account.free_raw(currency)
                if notional > free:
                    return (f"notional {format_raw(notional, currency.precision)} {currency} "
                            f"exceeds free balance {format_raw(free, currency.precision)} "
                            f"{currency}")
            elif instrument.get_base_currency() is not None:
                free = account.free_raw(instrument.get_base_currency())
                if order.quantity_raw > free:
                    return (f"quantity {order.quantity} exceeds free balance "
                            f"{format_raw(free, instrument.get_base_currency().precision)} "
                            f"{instrument.get_base_currency()}")
        return None


cdef str _check_quantity(Instrument instrument, int64_t raw, int precision):
    if precision > instrument.size_precision:
        return (f"quantity precision {precision} exceeds instrument {instrument.id} "
                f"size_precision {instrument.size_precision}")
    if raw <= 0:
        return f"quantity {format_raw(raw, precision)} invalid, expected > 0"
    if raw % instrument.size_increment.raw != 0:
        return (f"quantity {format_raw(raw, precision)} is not a multiple of size_increment "
                f"{instrument.size_increment}")
    if instrument.max_quantity is not None and raw > instrument.max_quantity.raw:
        return (f"quantity {format_raw(raw, precision)} exceeds max_quantity "
                f"{instrument.max_quantity}")
    if instrument.min_quantity is not None and raw < instrument.min_quantity.raw:
        return (f"quantity {format_raw(raw, precision)} is below min_quantity "
                f"{instrument.min_quantity}")
    return None


cdef str _check_price(Instrument instrument, str field, int64_t raw, int precision):
    if precision > instrument.price_precision:
        return (f"{field} precision {precision} exceeds instrument {instrument.id} "
                f"price_precision {instrument.price_precision}")
    if raw <= 0:
        return f"{field} {format_raw(raw, precision)} invalid, expected > 0"
    if instrument.max_price is not None and raw > instrument.max_price.raw:
        return f"{field} {format_raw(raw, precision)} exceeds max_price {instrument.max_price}"
    if instrument.min_price is not None and raw < instrument.min_price.raw:
        return f"{field} {format_raw(raw, precision)} is below min_price {instrument.min_price}"
    return None
