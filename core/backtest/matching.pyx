"""`OrderMatchingEngine`: one instrument's simulated L1 venue (EXECUTION-RULES.md).

The engine keeps the top of book (from quotes, trades or bar price points), the orders working
at the venue, and turns data and commands into order events that it hands to the
ExecutionEngine synchronously. Every rule here is pinned by a test and agrees with the
pure-Python reference in ``tests/kit/reference_matching.py`` (its ``DECISIONS`` list is the
contract where EXECUTION-RULES.md is silent), checked on hypothesis-generated streams.

Reject reasons: ``INVALID_QUANTITY``, ``INVALID_PRICE``, ``INVALID_TRIGGER_PRICE``,
``INVALID_EXPIRE_TIME``, ``POST_ONLY_REQUIRES_LIMIT``, ``REDUCE_ONLY_WOULD_INCREASE_POSITION``,
``NO_MARKET``, ``POST_ONLY_WOULD_TAKE``, ``STOP_ALREADY_IN_MARKET``, ``DUPLICATE_ORDER_ID``;
cancel/modify rejects: ``UNKNOWN_ORDER``, ``ORDER_CLOSED``, ``NOTHING_TO_MODIFY``,
``MARKET_ORDER_NOT_MODIFIABLE``, ``ALREADY_TRIGGERED``.
"""

import cython

from libc.stdint cimport int64_t

from core.backtest.models cimport FeeModel, FillModel
from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.execution.engine cimport ExecutionEngine
from core.model.commands cimport CancelOrder, ModifyOrder
from core.model.data cimport Bar, QuoteTick, TradeTick
from core.model.enums cimport AggregationSource, LiquiditySide, OrderSide, OrderType, PriceType
from core.model.enums cimport TimeInForce
from core.model.events cimport OrderAccepted, OrderCanceled, OrderCancelRejected, OrderExpired
from core.model.events cimport OrderFilled, OrderModifyRejected, OrderRejected, OrderTriggered
from core.model.events cimport OrderUpdated
from core.model.identifiers cimport AccountId, TradeId, Venue, VenueOrderId
from core.model.instruments cimport Instrument
from core.model.objects cimport Money, Price, Quantity
from core.model.orders cimport Order
from core.model.uuid cimport UUIDFactory

cdef int TICK = 0
cdef int BAR_OPEN = 1
cdef int BAR_INTRA = 2


cdef inline bint _within_limit(OrderSide side, int64_t price, int64_t limit):
    return price <= limit if side == OrderSide.BUY else price >= limit


cdef inline bint _is_stop_type(OrderType t):
    return t == OrderType.STOP_MARKET or t == OrderType.STOP_LIMIT


cdef inline bint _is_market_style_trigger(OrderType t):
    return t == OrderType.STOP_MARKET or t == OrderType.MARKET_IF_TOUCHED


cdef inline bint _is_limit_now(Order order):
    return order.order_type == OrderType.LIMIT or (
        (order.order_type == OrderType.STOP_LIMIT
         or order.order_type == OrderType.LIMIT_IF_TOUCHED) and order.is_triggered
    )


cdef inline int64_t _matching_price(Order order):
    return order.price_raw if _is_limit_now(order) else order.trigger_price_raw


@cython.final
cdef class OrderMatchingEngine:
    """The matching engine of one instrument at one simulated venue."""

    def __init__(self, Instrument instrument not None, Venue venue not None,
                 AccountId account_id not None, int ordinal, FillModel fill_model not None,
                 FeeModel fee_model not None, Cache cache not None,
                 ExecutionEngine exec_engine not None, Clock clock not None,
                 UUIDFactory uuid_factory not None, bint bar_execution=True,
                 bint bar_adaptive_high_low_ordering=False, bint reject_stop_orders=True,
                 bint fill_at_next_bar_open=False, list fill_log=None):
        self.instrument = instrument
        self.venue = venue
        self.account_id = account_id
        self.ordinal = ordinal
        # "<venue>-<ordinal>-": venue order ids and trade ids append their count to it.
        self._id_prefix = f"{venue.value}-{ordinal}-"
        self._fill_model = fill_model
        self._fee_model = fee_model
        self._cache = cache
        self._exec = exec_engine
        self._clock = clock
        self._uuids = uuid_factory
        self._bar_execution = bar_execution
        self._adaptive = bar_adaptive_high_low_ordering
        self._reject_stop_orders = reject_stop_orders
        self._fill_at_next_bar_open = fill_at_next_bar_open
        self._tick = instrument.price_increment.raw
        self._lot = instrument.size_increment.raw
        self._fill_log = fill_log if fill_log is not None else []
        self.reset()

    cpdef void reset(self) except *:
        self._has_bid = False
        self._has_ask = False
        self._bid = self._ask = self._bid_size = self._ask_size = 0
        self._has_last = False
        self._last = 0
        self._last_data_was_bar = False
        self._working = []
        self._held = []
        self._by_id = {}
        self._seen = set()
        self._seq = 0
        self._seq_of = {}
        self._trade_count = 0
        self._order_count = 0
        self._pending_bid_bar = None

    @property
    def best_bid(self):
        return Price.from_raw_c(self._bid, self.instrument.price_precision) \
            if self._has_bid else None

    @property
    def best_ask(self):
        return Price.from_raw_c(self._ask, self.instrument.price_precision) \
            if self._has_ask else None

    def working_orders(self):
        return list(self._working)

    # -- market data ------------------------------------------------------------------------

    cdef void _set_book(self, int64_t bid, int64_t ask, int64_t bid_size, int64_t ask_size):
        self._bid = bid
        self._ask = ask
        self._bid_size = bid_size
        self._ask_size = ask_size
        self._has_bid = True
        self._has_ask = True

    cdef void process_quote_tick(self, QuoteTick tick) except *:
        self._expire(tick.ts_init)
        self._set_book(tick.bid_price_raw, tick.ask_price_raw, tick.bid_size_raw,
                       tick.ask_size_raw)
        self._has_last = False
        self._last_data_was_bar = False
        if self._held:
            self._release_held(tick.ts_init)
        if self._working:
            self._match(tick.ts_init, TICK)

    cdef void process_trade_tick(self, TradeTick tick) except *:
        self._expire(tick.ts_init)
        self._set_book(tick.price_raw, tick.price_raw, tick.size_raw, tick.size_raw)
        self._has_last = True
        self._last = tick.price_raw
        self._last_data_was_bar = False
        if self._held:
            self._release_held(tick.ts_init)
        if self._working:
            self._match(tick.ts_init, TICK)

    cdef void process_bar(self, Bar bar) except *:
        """Move the market along the bar's O→H→L→C path (or O→L→H→C), matching after each."""
        cdef int64_t ts = bar.ts_init
        cdef int64_t size
        cdef int64_t points[4]
        cdef int names[4]  # 0 open, 1 high, 2 low, 3 close
        cdef bint low_first = False
        cdef bint applies
        cdef int i
        self._expire(ts)
        if not self._bar_execution or bar.bar_type.aggregation_source != AggregationSource.EXTERNAL:
            return
        if bar.bar_type.spec.price_type == PriceType.BID or \
                bar.bar_type.spec.price_type == PriceType.ASK:
            self._process_quote_bar(bar)
            return
        size = (bar.volume_raw // 4) // self._lot * self._lot
        if size < self._lot:
            size = self._lot
        if self._adaptive:
            low_first = (bar.open_raw - bar.low_raw) <= (bar.high_raw - bar.open_raw)
        points[0] = bar.open_raw
        names[0] = 0
        if low_first:
            points[1] = bar.low_raw
            names[1] = 2
            points[2] = bar.high_raw
            names[2] = 1
        else:
            points[1] = bar.high_raw
            names[1] = 1
            points[2] = bar.low_raw
            names[2] = 2
        points[3] = bar.close_raw
        names[3] = 3
        for i in range(4):
            if not self._has_last:
                applies = True
            elif names[i] == 0 or names[i] == 3:
                applies = points[i] != self._last
            elif names[i] == 1:
                applies = points[i] > self._last
            else:
                applies = points[i] < self._last
            if applies:
                self._set_book(points[i], points[i], size, size)
                self._has_last = True
                self._last = points[i]
            if i == 0 and self._held:
                self._release_held(ts)
            if applies and self._working:
                self._match(ts, BAR_OPEN if i == 0 else BAR_INTRA)
        self._last_data_was_bar = True

    def _process_quote_bar(self, Bar bar):
        """Pair BID and ASK bars of one ``ts_event`` into four quote points."""
        cdef Bar bid_bar
        cdef Bar ask_bar
        cdef int64_t size
        pending = self._pending_bid_bar
        if pending is None or (<Bar>pending).ts_event != bar.ts_event or \
                (<Bar>pending).bar_type.spec.price_type == bar.bar_type.spec.price_type:
            self._pending_bid_bar = bar
            return
        self._pending_bid_bar = None
        if bar.bar_type.spec.price_type == PriceType.ASK:
            bid_bar, ask_bar = pending, bar
        else:
            bid_bar, ask_bar = bar, pending
        size = (bid_bar.volume_raw // 4) // self._lot * self._lot
        if size < self._lot:
            size = self._lot
        for bid, ask in ((bid_bar.open_raw, ask_bar.open_raw), (bid_bar.high_raw, ask_bar.high_raw),
                         (bid_bar.low_raw, ask_bar.low_raw), (bid_bar.close_raw, ask_bar.close_raw)):
            self._set_book(bid, ask, size, size)
            self._has_last = False
            # fill_at_next_bar_open: held market orders fill at the pair's open quote
            if self._held:
                self._release_held(bar.ts_init)
            if self._working:
                self._match(bar.ts_init, TICK)
        self._last_data_was_bar = True

    cdef void _expire(self, int64_t ts) except *:
        cdef Order order
        if not self._working:
            return
        for o in list(self._working):
            order = o
            if order.time_in_force == TimeInForce.GTD and ts >= order.expire_time_ns:
                self._close(order)
                self._exec.process(OrderExpired(
                    order.trader_id, order.strategy_id, order.instrument_id,
                    order.client_order_id, order.venue_order_id, self.account_id,
                    self._uuids.generate(), ts, ts,
                ))

    # -- matching ---------------------------------------------------------------------------

    cdef void _match(self, int64_t ts, int kind) except *:
        cdef list bids = []
        cdef list asks = []
        cdef Order order
        for o in self._working:
            order = o
            if order.side == OrderSide.BUY:
                bids.append(order)
            else:
                asks.append(order)
        if len(bids) > 1:
            bids.sort(key=self._bid_key)
        if len(asks) > 1:
            asks.sort(key=self._ask_key)
        for o in bids + asks:
            order = o
            if self._by_id.get(order.client_order_id) is not order:
                continue
            if order in self._held:
                continue
            if _is_limit_now(order):
                self._match_resting_limit(order, ts)
            elif self._is_triggerable(order, order.trigger_price_raw):
                self._trigger(order, ts, kind)

    def _bid_key(self, Order order):
        return (-_matching_price(order), self._seq_of[order.client_order_id])

    def _ask_key(self, Order order):
        return (_matching_price(order), self._seq_of[order.client_order_id])

    cdef void _match_resting_limit(self, Order order, int64_t ts) except *:
        cdef int64_t opposite = self._ask if order.side == OrderSide.BUY else self._bid
        cdef int64_t price = order.price_raw
        cdef bint crossed = opposite < price if order.side == OrderSide.BUY else opposite > price
        if crossed or (opposite == price and self._fill_model.is_limit_filled()):
            self._fill(order, ts, [(order.quantity_raw - order.filled_raw, price)],
                       LiquiditySide.MAKER, False, 0)

    cdef bint _is_triggerable(self, Order order, int64_t trigger) except -1:
        if not self._has_bid or not self._has_ask:
            return False
        if _is_stop_type(order.order_type):
            return self._ask >= trigger if order.side == OrderSide.BUY else self._bid <= trigger
        return self._ask <= trigger if order.side == OrderSide.BUY else self._bid >= trigger

    cdef void _trigger(self, Order order, int64_t ts, int kind) except *:
        if _is_market_style_trigger(order.order_type):
            if kind == BAR_INTRA:
                self._fill_market_style(
                    order, ts, order.trigger_price_raw,
                    self._ask_size if order.side == OrderSide.BUY else self._bid_size)
            else:
                self._fill_market(order, ts)
            return
        self._exec.process(OrderTriggered(
            order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
            order.venue_order_id, self.account_id, self._uuids.generate(), ts, ts,
        ))
        self._enter_limit(order, ts)

    cdef list _take_chunks(self, OrderSide side, int64_t best, int64_t size, int64_t qty,
                           bint has_limit, int64_t limit):
        cdef list chunks = []
        cdef int64_t first = qty if qty < size else size
        cdef int64_t rest
        cdef int64_t px
        if first > 0:
            chunks.append((first, best))
        rest = qty - first
        if rest > 0:
            px = best + self._tick if side == OrderSide.BUY else best - self._tick
            if not has_limit or _within_limit(side, px, limit):
                chunks.append((rest, px))
        return chunks

    cdef void _fill_market(self, Order order, int64_t ts) except *:
        if order.side == OrderSide.BUY:
            self._fill_market_style(order, ts, self._ask, self._ask_size)
        else:
            self._fill_market_style(order, ts, self._bid, self._bid_size)

    cdef void _fill_market_style(self, Order order, int64_t ts, int64_t best,
                                 int64_t size) except *:
        self._fill(order, ts, self._take_chunks(
            order.side, best, size, order.quantity_raw - order.filled_raw, False, 0),
            LiquiditySide.TAKER, False, 0)

    cdef int64_t _position(self, Order order):
        return self._cache.net_position_raw(order.instrument_id, order.strategy_id)

    cdef void _fill(self, Order order, int64_t ts, list chunks, LiquiditySide liquidity,
                    bint has_limit, int64_t limit) except *:
        cdef int64_t position
        cdef int64_t allowed
        cdef int64_t qty
        cdef int64_t px
        cdef int64_t slipped
        cdef int64_t commission
        cdef list trimmed
        cdef OrderFilled fill
        cdef Instrument instrument = self.instrument
        if order.is_reduce_only:
            position = self._position(order)
            reduces = (position > 0 and order.side == OrderSide.SELL) or \
                (position < 0 and order.side == OrderSide.BUY)
            allowed = (position if position > 0 else -position) if reduces else 0
            trimmed = []
            for q, p in chunks:
                qty = q if q < allowed else allowed
                if qty > 0:
                    trimmed.append((qty, p))
                    allowed -= qty
            chunks = trimmed
        for q, p in chunks:
            qty = q
            px = p
            if liquidity == LiquiditySide.TAKER and self._fill_model.is_slipped():
                slipped = px + self._tick if order.side == OrderSide.BUY else px - self._tick
                if not has_limit or _within_limit(order.side, slipped, limit):
                    px = slipped
            self._trade_count += 1
            commission = self._fee_model.commission_raw(order, qty, px, instrument, liquidity)
            fill = OrderFilled.create(
                order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
                order.venue_order_id, self.account_id,
                TradeId.from_str_c(f"{self._id_prefix}{self._trade_count}"),
                None, order.side, order.order_type,
                Quantity.from_raw_c(qty, instrument.size_precision),
                Price.from_raw_c(px, instrument.price_precision),
                instrument.quote_currency,
                Money.from_raw_c(commission, self._fee_model.commission_currency(instrument)),
                liquidity, self._uuids.generate(), ts, ts,
            )
            self._fill_log.append(fill)
            self._exec.process(fill)
        if order.quantity_raw - order.filled_raw <= 0:
            self._close(order)
        elif order.is_reduce_only and (self._position(order) == 0 or not chunks):
            self._close(order)
            self._exec.process(OrderCanceled(
                order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
                order.venue_order_id, self.account_id, self._uuids.generate(), ts, ts,
            ))

    cdef void _enter_limit(self, Order order, int64_t ts) except *:
        cdef bint has_best = self._has_ask if order.side == OrderSide.BUY else self._has_bid
        cdef int64_t best = self._ask if order.side == OrderSide.BUY else self._bid
        cdef int64_t size = self._ask_size if order.side == OrderSide.BUY else self._bid_size
        cdef int64_t price = order.price_raw
        cdef TimeInForce tif = order.time_in_force
        cdef list chunks
        cdef int64_t total = 0
        if has_best and _within_limit(order.side, best, price):
            chunks = self._take_chunks(order.side, best, size,
                                       order.quantity_raw - order.filled_raw, True, price)
            if tif == TimeInForce.FOK:
                for q, _ in chunks:
                    total += q
                if total < order.quantity_raw - order.filled_raw:
                    self._cancel(order, ts)
                    return
            self._fill(order, ts, chunks, LiquiditySide.TAKER, True, price)
        if self._by_id.get(order.client_order_id) is order and \
                (tif == TimeInForce.IOC or tif == TimeInForce.FOK):
            self._cancel(order, ts)

    def _cancel(self, Order order, int64_t ts):
        self._close(order)
        self._exec.process(OrderCanceled(
            order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
            order.venue_order_id, self.account_id, self._uuids.generate(), ts, ts,
        ))

    cdef void _release_held(self, int64_t ts) except *:
        cdef list held = self._held
        self._held = []
        for order in held:
            if self._by_id.get((<Order>order).client_order_id) is order:
                self._fill_market(<Order>order, ts)

    cdef void _close(self, Order order):
        if self._by_id.pop(order.client_order_id, None) is not None:
            self._working.remove(order)
            self._seq_of.pop(order.client_order_id, None)
            if order in self._held:
                self._held.remove(order)

    # -- commands ---------------------------------------------------------------------------

    cdef str _validate(self, Order order, int64_t ts):
        cdef int64_t position
        cdef bint has_best
        cdef int64_t best
        if order.client_order_id in self._seen:
            return "DUPLICATE_ORDER_ID"
        if order.quantity_raw <= 0 or order.quantity_raw % self._lot:
            return "INVALID_QUANTITY"
        if order.has_price and order.price_raw % self._tick:
            return "INVALID_PRICE"
        if order.has_trigger_price and order.trigger_price_raw % self._tick:
            return "INVALID_TRIGGER_PRICE"
        if order.time_in_force == TimeInForce.GTD and order.expire_time_ns <= ts:
            return "INVALID_EXPIRE_TIME"
        if order.is_post_only and order.order_type != OrderType.LIMIT:
            return "POST_ONLY_REQUIRES_LIMIT"
        if order.is_reduce_only:
            position = self._position(order)
            if not ((position > 0 and order.side == OrderSide.SELL) or
                    (position < 0 and order.side == OrderSide.BUY)):
                return "REDUCE_ONLY_WOULD_INCREASE_POSITION"
        has_best = self._has_ask if order.side == OrderSide.BUY else self._has_bid
        best = self._ask if order.side == OrderSide.BUY else self._bid
        if order.order_type == OrderType.MARKET and not has_best:
            return "NO_MARKET"
        if order.is_post_only and has_best and _within_limit(order.side, best, order.price_raw):
            return "POST_ONLY_WOULD_TAKE"
        if order.has_trigger_price and self._reject_stop_orders and \
                self._is_triggerable(order, order.trigger_price_raw):
            return "STOP_ALREADY_IN_MARKET"
        return None

    cdef void process_submit(self, Order order) except *:
        """Accept (or reject) `order` and act on it at once as the rules say."""
        cdef int64_t ts = self._clock.timestamp_ns()
        cdef str reason = self._validate(order, ts)
        cdef VenueOrderId venue_order_id
        self._seen.add(order.client_order_id)
        if reason is not None:
            self._exec.process(OrderRejected(
                order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
                self.account_id, reason, self._uuids.generate(), ts, ts,
                reason == "POST_ONLY_WOULD_TAKE",
            ))
            return
        self._order_count += 1
        venue_order_id = VenueOrderId.from_str_c(f"{self._id_prefix}{self._order_count}")
        self._working.append(order)
        self._by_id[order.client_order_id] = order
        self._seq_of[order.client_order_id] = self._seq
        self._seq += 1
        self._exec.process(OrderAccepted.create(
            order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
            venue_order_id, self.account_id, self._uuids.generate(), ts, ts,
        ))
        if order.order_type == OrderType.MARKET:
            if self._fill_at_next_bar_open and self._last_data_was_bar:
                self._held.append(order)
            else:
                self._fill_market(order, ts)
        elif order.order_type == OrderType.LIMIT:
            self._enter_limit(order, ts)
        elif self._is_triggerable(order, order.trigger_price_raw):
            self._trigger(order, ts, TICK)

    cdef void process_cancel(self, object command) except *:
        cdef CancelOrder cancel = command
        cdef int64_t ts = self._clock.timestamp_ns()
        cdef Order order = self._by_id.get(cancel.client_order_id)
        if order is None:
            self._exec.process(OrderCancelRejected(
                cancel.trader_id, cancel.strategy_id, cancel.instrument_id,
                cancel.client_order_id, cancel.venue_order_id, self.account_id,
                "ORDER_CLOSED" if cancel.client_order_id in self._seen else "UNKNOWN_ORDER",
                self._uuids.generate(), ts, ts,
            ))
            return
        self._cancel(order, ts)

    cdef void process_modify(self, object command) except *:
        cdef ModifyOrder modify = command
        cdef int64_t ts = self._clock.timestamp_ns()
        cdef Order order = self._by_id.get(modify.client_order_id)
        cdef str reason
        if order is None:
            reason = "ORDER_CLOSED" if modify.client_order_id in self._seen else "UNKNOWN_ORDER"
        else:
            reason = self._validate_modify(order, modify)
        if reason is not None:
            self._exec.process(OrderModifyRejected(
                modify.trader_id, modify.strategy_id, modify.instrument_id,
                modify.client_order_id, modify.venue_order_id, self.account_id, reason,
                self._uuids.generate(), ts, ts,
            ))
            return
        self._exec.process(OrderUpdated(
            order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id,
            order.venue_order_id, self.account_id,
            modify.quantity if modify.quantity is not None else order.quantity,
            modify.price if modify.price is not None else order.price,
            modify.trigger_price if modify.trigger_price is not None else order.trigger_price,
            self._uuids.generate(), ts, ts,
        ))
        if _is_limit_now(order):
            self._enter_limit(order, ts)
        elif self._is_triggerable(order, order.trigger_price_raw):
            self._trigger(order, ts, TICK)

    def _validate_modify(self, Order order, ModifyOrder modify):
        cdef bint has_best
        cdef int64_t best
        cdef int64_t new_price
        if modify.quantity is None and modify.price is None and modify.trigger_price is None:
            return "NOTHING_TO_MODIFY"
        if order.order_type == OrderType.MARKET:
            return "MARKET_ORDER_NOT_MODIFIABLE"
        if modify.quantity is not None and (
            modify.quantity.raw <= order.filled_raw or modify.quantity.raw % self._lot
            or modify.quantity.raw <= 0
        ):
            return "INVALID_QUANTITY"
        if modify.price is not None and (not order.has_price or modify.price.raw % self._tick):
            return "INVALID_PRICE"
        if modify.trigger_price is not None:
            if not order.has_trigger_price or modify.trigger_price.raw % self._tick:
                return "INVALID_TRIGGER_PRICE"
            if order.is_triggered:
                return "ALREADY_TRIGGERED"
        new_price = modify.price.raw if modify.price is not None else order.price_raw
        has_best = self._has_ask if order.side == OrderSide.BUY else self._has_bid
        best = self._ask if order.side == OrderSide.BUY else self._bid
        if order.is_post_only and has_best and _within_limit(order.side, best, new_price):
            return "POST_ONLY_WOULD_TAKE"
        if modify.trigger_price is not None and self._reject_stop_orders and \
                self._is_triggerable(order, modify.trigger_price.raw):
            return "STOP_ALREADY_IN_MARKET"
        return None
