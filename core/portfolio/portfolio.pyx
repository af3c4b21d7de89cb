"""`Portfolio`: balances, margins, PnL and exposure across venues and instruments.

The ExecutionEngine calls `update_fill` and `update_order`; the portfolio settles fills into the
account, keeps MARGIN accounts' margins current and publishes `AccountState` on
``events.account.<account id>``. Queries value open positions at the last quote (bid for longs,
ask for shorts), else the last trade, else the last bar close.

Base currency (NautilusTrader's single-currency accounts). An account with a
``base_currency`` holds only that currency (MARGIN; CASH for derivatives): each fill's
realized PnL and its commission are converted into it at the venue's current exchange rate,
separately, each rounded half to even to the base currency's precision; margins likewise.
Without a base currency nothing is converted (a multi-currency account has a balance per
currency).

==========  ================================================================================
rate        from the venue's currency pairs (last quote, else last trade, else bar close)
==========  ================================================================================
direct      pair X/B: bid, ask or mid; pair B/X: 1 / ask, 1 / bid or 1 / mid
cross       X → C → B through two pairs, each as above (e.g. GBP → EUR → USD through
            EUR/GBP and EUR/USD)
side        a SELL fill converts at the BID of X/B, a BUY fill at the ASK (a fill's commission
            in one amount, also when the fill flips a position); margins at the side of the
            order or position; a closed position's PnL for statistics at the MID when it closed
==========  ================================================================================

No rate is an error that names the account, the currencies and the fill: a balance that
silently ignored the PnL would be a wrong answer.
"""

import cython

from decimal import Decimal

from libc.stdint cimport int64_t, uint64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.msgbus cimport MessageBus
from core.model.accounts cimport Account, MarginAccount
from core.model.data cimport Bar, QuoteTick, TradeTick
from core.model.currency cimport Currency
from core.model.enums cimport AccountType, InstrumentClass, OrderSide, OrderType, PriceType
from core.model.events cimport OrderFilled
from core.model.identifiers cimport InstrumentId, Venue
from core.model.instruments cimport Instrument
from core.model.objects cimport Money
from core.model.orders cimport Order
from core.model.position cimport Position, div_round_half_even
from core.model.uuid cimport UUID4, UUIDFactory

from core.errors import ValidationError

cdef object _E9 = 10 ** 9


@cython.final
cdef class Portfolio:
    """The node's portfolio over the cache's accounts and positions."""

    def __init__(self, Cache cache not None, MessageBus msgbus not None, Clock clock not None,
                 UUIDFactory uuid_factory not None):
        self._cache = cache
        self._msgbus = msgbus
        self._clock = clock
        self._uuids = uuid_factory
        self._account_topics = {}
        # id(closed Position) -> (position, its realized PnL in the base currency, raw).
        self._base_pnls = {}
        self._split_trade_id = None
        self._split_ts = 0
        self._split_commission_raw = 0
        self._split_commission_base_raw = 0

    cpdef void initialize_account(self, object account) except *:
        """Register `account` and publish its opening state."""
        cdef Account acc = account
        self._cache.add_account(acc)
        self._publish_state(acc)

    cdef void _publish_state(self, Account account) except *:
        cdef uint64_t id_hi
        cdef uint64_t id_lo
        cdef str topic = self._account_topics.get(account.id)
        cdef tuple handlers
        self._uuids.next_ints_c(&id_hi, &id_lo)
        if topic is None:
            topic = f"events.account.{account.id.value}"
            self._account_topics[account.id] = topic
        handlers = self._msgbus._topic_cache.get(topic)
        if handlers is None:
            handlers = self._msgbus._resolve(topic)
        if not handlers:
            # Nobody listens: record the balances compactly, build the event only on demand.
            account.record_ints_c(id_hi, id_lo, self._clock.timestamp_ns())
            return
        self._msgbus.publish_c(topic, account.snapshot(UUID4.from_ints_c(id_hi, id_lo),
                                                       self._clock.timestamp_ns()))

    cpdef void update_fill(self, Instrument instrument, OrderFilled fill,
                           int64_t pnl_delta_raw) except *:
        """Settle `fill` into its account and publish the new `AccountState`."""
        cdef Account account = self._cache.account(fill.account_id)
        cdef Currency base
        cdef Currency settlement
        if account is None:
            return
        base = account.base_currency
        # Spot on a CASH account moves the currencies it trades (a base-currency cash account
        # accepts only spot in its base currency: `BacktestEngine.add_instrument`).
        if base is not None and (
                account.account_type == AccountType.MARGIN
                or instrument.instrument_class != InstrumentClass.SPOT or instrument.is_inverse):
            settlement = _settlement(instrument)
            # Identity first: currencies are interned, so the common case costs no __eq__.
            if (fill.commission.currency is base or fill.commission.currency == base) and (
                    settlement is base or settlement == base):
                account.apply_fill(instrument, fill, pnl_delta_raw)
            else:
                self._apply_fill_in_base(account, instrument, fill, pnl_delta_raw)
        else:
            account.apply_fill(instrument, fill, pnl_delta_raw)
        if account.account_type == AccountType.MARGIN:
            self._update_margins(instrument, account)
        self._publish_state(account)

    cdef void _apply_fill_in_base(self, Account account, Instrument instrument, OrderFilled fill,
                                  int64_t pnl_delta_raw) except *:
        """Settle `fill` into a base-currency account, converting its PnL and commission."""
        cdef Currency base = account.base_currency
        cdef Currency settlement = _settlement(instrument)
        cdef Venue venue = instrument.id.venue
        cdef PriceType side = PriceType.BID if fill.order_side == OrderSide.SELL else PriceType.ASK
        cdef int64_t commission_raw = fill.commission.raw
        cdef int64_t gross_raw = pnl_delta_raw
        cdef int64_t pnl_base
        cdef int64_t commission_base
        cdef int64_t total_base
        cdef Position position
        if fill.commission.currency == settlement:
            gross_raw += commission_raw  # the position's PnL is net of it
        pnl_base = self._to_base(account, venue, gross_raw, settlement, side,
                                 f"the PnL of fill {fill.trade_id}")
        # A fill that flips a position arrives in two parts (closing, opening) with one trade
        # id: convert their commission as one amount, as the venue charged it.
        if self._split_trade_id is not None and self._split_ts == fill.ts_event and \
                self._split_trade_id == fill.trade_id:
            total_base = self._to_base(account, venue, self._split_commission_raw +
                                       commission_raw, fill.commission.currency, side,
                                       f"the commission of fill {fill.trade_id}")
            commission_base = total_base - self._split_commission_base_raw
            self._split_trade_id = None
        else:
            commission_base = self._to_base(account, venue, commission_raw,
                                            fill.commission.currency, side,
                                            f"the commission of fill {fill.trade_id}")
            self._split_trade_id = fill.trade_id
            self._split_ts = fill.ts_event
            self._split_commission_raw = commission_raw
            self._split_commission_base_raw = commission_base
        account._add_total(base, pnl_base - commission_base)
        position = self._cache.position(fill.position_id) if fill.position_id is not None \
            else None
        if position is not None and position.is_closed_c():
            # Keyed by identity (a NETTING position id is reused after it closes); the entry
            # holds the position, so its id cannot be reused while the entry exists.
            self._base_pnls[id(position)] = (position, self._to_base(
                account, venue, position.realized_pnl_raw, position.settlement_currency,
                PriceType.MID, f"the realized PnL of position {position.id}"))

    cdef int64_t _to_base(self, Account account, Venue venue, int64_t raw, Currency currency,
                          PriceType price_type, str what) except? -1:
        """Return `raw` of `currency` in the account's base currency, rounded half to even."""
        cdef Currency base = account.base_currency
        cdef int step
        if raw == 0 or currency == base:
            return raw
        rate = self.xrate(venue, currency, base, price_type)
        if rate is None:
            raise ValidationError(
                f"Account {account.id} (base_currency {base}): no {currency}/{base} exchange "
                f"rate at venue {venue} to convert {what}; expected quotes of a {currency}/"
                f"{base} or {base}/{currency} pair (or of a cross through a third currency) "
                f"before the fill, or an account without base_currency (multi-currency)"
            )
        step = 9 - base.precision
        return div_round_half_even(<object>raw * rate[0], rate[1] * 10 ** step) * 10 ** step

    cdef tuple _price_c(self, Instrument instrument):
        """Return (bid_raw, ask_raw) of the instrument's last price, or None."""
        cdef QuoteTick quote = self._cache.quote_tick(instrument.id)
        cdef TradeTick trade
        if quote is not None:
            return quote.bid_price_raw, quote.ask_price_raw
        trade = self._cache.trade_tick(instrument.id)
        if trade is not None:
            return trade.price_raw, trade.price_raw
        for b in self._cache._bars.values():
            if (<Bar>b).bar_type.instrument_id == instrument.id:
                return (<Bar>b).close_raw, (<Bar>b).close_raw
        return None

    cpdef tuple xrate(self, Venue venue, Currency from_currency, Currency to_currency,
                      PriceType price_type):
        """Return the exchange rate `from_currency` → `to_currency` at `venue` as an exact
        ``(numerator, denominator)`` pair of ints, or None if the venue has no path.

        `price_type` is BID, ASK or MID of the synthetic pair ``from/to`` (see the module
        table); pairs are tried in registration order, a direct pair before a cross.
        """
        cdef Instrument instrument
        cdef list edges = []
        cdef Currency base
        if from_currency == to_currency:
            return (1, 1)
        for i in self._cache.instruments(venue):
            instrument = i
            base = instrument.get_base_currency()
            if base is None or instrument.is_inverse or instrument.multiplier.raw != 1_000_000_000:
                continue
            price = self._price_c(instrument)
            if price is None:
                continue
            bid, ask = price
            if price_type == PriceType.MID:
                forward = (bid + ask, 2 * _E9)
                backward = (2 * _E9, bid + ask)
            elif price_type == PriceType.BID:
                forward = (bid, _E9)
                backward = (_E9, ask)
            else:
                forward = (ask, _E9)
                backward = (_E9, bid)
            if forward[1] == 0 or backward[1] == 0:
                continue
            edges.append((base, instrument.quote_currency, forward))
            edges.append((instrument.quote_currency, base, backward))
        for a, b, rate in edges:
            if a == from_currency and b == to_currency:
                return rate
        for a, b, first in edges:
            if a != from_currency:
                continue
            for c, d, second in edges:
                if c == b and d == to_currency:
                    return (first[0] * second[0], first[1] * second[1])
        return None

    def reset(self):
        """Forget the converted PnLs of the last run (called by `BacktestEngine.reset`)."""
        self._base_pnls.clear()
        self._split_trade_id = None

    def realized_pnl_in_base(self, Position position not None):
        """Return a closed position's realized PnL converted into its account's base currency
        at the mid rate when it closed, or None if it was not converted (no base currency, or
        the PnL is in the base currency already)."""
        entry = self._base_pnls.get(id(position))
        if entry is None or entry[0] is not position:
            return None
        account = self._cache.account(position.account_id)
        return Money.from_raw_c(entry[1], account.base_currency)

    cpdef void update_order(self, Order order) except *:
        """Recompute the initial margin held for the order's instrument (MARGIN accounts)."""
        cdef Account account
        cdef Instrument instrument
        if order.order_type == OrderType.MARKET or order.account_id is None:
            return
        account = self._cache.account(order.account_id)
        if account is None or account.account_type != AccountType.MARGIN:
            return
        instrument = self._cache.instrument(order.instrument_id)
        if instrument is not None:
            self._update_margins(instrument, account)

    cdef void _update_margins(self, Instrument instrument, object account) except *:
        cdef MarginAccount margin = account
        cdef int64_t init_raw = 0
        cdef int64_t maint_raw = 0
        cdef int64_t amount
        cdef Order order
        cdef Position position
        cdef int64_t px
        cdef InstrumentId instrument_id = instrument.id
        cdef Currency cost = instrument.get_cost_currency()
        cdef Currency base = margin.base_currency
        # Margins of a base-currency account are converted (at the order's or position's
        # side); a conversion without a rate yet leaves the margins as they were until the
        # next update (like NautilusTrader, which defers them).
        cdef bint convert = base is not None and cost is not base and cost != base
        for o in self._cache._orders_open.values():
            order = o
            if order.order_type == OrderType.MARKET or (
                    order.instrument_id is not instrument_id
                    and order.instrument_id != instrument_id):
                continue
            px = order.price_raw if order.has_price else order.trigger_price_raw
            amount = margin.margin_init_raw(instrument, order.quantity_raw - order.filled_raw, px)
            if convert:
                amount = self._margin_to_base(margin, instrument, amount, order.side)
                if amount < 0:
                    return
            init_raw += amount
        for p in self._cache._positions_open.values():
            position = p
            if position.instrument_id is not instrument_id and \
                    position.instrument_id != instrument_id:
                continue
            px = div_round_half_even(position._avg_open_num, position._avg_open_den)
            amount = margin.margin_maint_raw(instrument, abs(position.signed_raw), px)
            if convert:
                amount = self._margin_to_base(margin, instrument, amount, position.entry)
                if amount < 0:
                    return
            maint_raw += amount
        margin.set_margins(instrument, init_raw, maint_raw, base if convert else cost)

    cdef int64_t _margin_to_base(self, Account account, Instrument instrument, int64_t raw,
                                 OrderSide side) except? -2:
        """Return a margin in the base currency, or -1 if there is no rate yet."""
        cdef int step
        if raw == 0:
            return 0
        rate = self.xrate(instrument.id.venue, instrument.get_cost_currency(),
                          account.base_currency,
                          PriceType.BID if side == OrderSide.SELL else PriceType.ASK)
        if rate is None:
            return -1
        step = 9 - account.base_currency.precision
        return div_round_half_even(<object>raw * rate[0], rate[1] * 10 ** step) * 10 ** step

    cdef int64_t _mark_raw(self, Instrument instrument, bint for_long) except? -1:
        """Return the price to value a position at, or -1 if there is none yet."""
        cdef QuoteTick quote = self._cache.quote_tick(instrument.id)
        cdef TradeTick trade
        if quote is not None:
            return quote.bid_price_raw if for_long else quote.ask_price_raw
        trade = self._cache.trade_tick(instrument.id)
        if trade is not None:
            return trade.price_raw
        for b in self._cache._bars.values():
            if (<Bar>b).bar_type.instrument_id == instrument.id:
                return (<Bar>b).close_raw
        return -1

    # -- queries ---------------------------------------------------------------------------

    def account(self, Venue venue not None):
        """Return the account of `venue`, or None."""
        return self._cache.account_for_venue(venue)

    def balances_locked(self, Venue venue not None):
        account = self._cache.account_for_venue(venue)
        return {} if account is None else {
            b.currency: b.locked for b in account.balances()}

    def margins_init(self, Venue venue not None):
        account = self._cache.account_for_venue(venue)
        if account is None or not account.is_margin_account():
            return {}
        return {m.instrument_id: m.initial for m in account.margins()}

    def margins_maint(self, Venue venue not None):
        account = self._cache.account_for_venue(venue)
        if account is None or not account.is_margin_account():
            return {}
        return {m.instrument_id: m.maintenance for m in account.margins()}

    def unrealized_pnl(self, InstrumentId instrument_id not None):
        """Return the unrealized PnL of the instrument's open positions, or None if unpriced."""
        cdef Instrument instrument = self._cache.instrument(instrument_id)
        cdef Position position
        cdef int64_t total = 0
        cdef int64_t mark
        if instrument is None:
            return None
        positions = self._cache.positions_open(instrument_id)
        if not positions:
            return Money.from_raw_c(0, instrument.get_settlement_currency()
                                    if not instrument.is_inverse
                                    else instrument.get_base_currency())
        for p in positions:
            position = p
            mark = self._mark_raw(instrument, position.signed_raw > 0)
            if mark < 0:
                return None
            total += position.unrealized_pnl_raw(mark)
        return Money.from_raw_c(total, (<Position>positions[0]).settlement_currency)

    def realized_pnl(self, InstrumentId instrument_id not None):
        """Return the realized PnL (net of commissions) of the instrument's positions."""
        cdef Instrument instrument = self._cache.instrument(instrument_id)
        cdef int64_t total = 0
        if instrument is None:
            return None
        currency = instrument.get_settlement_currency() if not instrument.is_inverse \
            else instrument.get_base_currency()
        for p in self._cache.positions(instrument_id):
            total += (<Position>p).realized_pnl_raw
        for p in self._cache.position_snapshots():
            if (<Position>p).instrument_id == instrument_id:
                total += (<Position>p).realized_pnl_raw
        return Money.from_raw_c(total, currency)

    def total_pnl(self, InstrumentId instrument_id not None):
        realized = self.realized_pnl(instrument_id)
        unrealized = self.unrealized_pnl(instrument_id)
        if realized is None or unrealized is None:
            return None
        return realized + unrealized

    def unrealized_pnls(self, Venue venue not None):
        """Return unrealized PnL per currency over the venue's instruments."""
        return self._sum_by_currency(venue, self.unrealized_pnl)

    def realized_pnls(self, Venue venue not None):
        return self._sum_by_currency(venue, self.realized_pnl)

    def _sum_by_currency(self, Venue venue, fn):
        result = {}
        for instrument in self._cache.instruments(venue):
            value = fn(instrument.id)
            if value is None:
                continue
            result[value.currency] = result.get(value.currency, Money(0, value.currency)) + value
        return result

    def net_position(self, InstrumentId instrument_id not None):
        """Return the signed net open quantity as a Decimal (0 when flat)."""
        cdef Instrument instrument = self._cache.instrument(instrument_id)
        cdef int64_t raw = self._cache.net_position_raw(instrument_id)
        if instrument is None:
            return Decimal(0)
        return Decimal(raw).scaleb(-9).quantize(Decimal(1).scaleb(-instrument.size_precision))

    def net_exposure(self, InstrumentId instrument_id not None):
        """Return the absolute notional of the net position at the mark price, or None."""
        cdef Instrument instrument = self._cache.instrument(instrument_id)
        cdef int64_t raw = self._cache.net_position_raw(instrument_id)
        cdef int64_t mark
        if instrument is None:
            return None
        currency = instrument.get_cost_currency()
        if raw == 0:
            return Money(0, currency)
        mark = self._mark_raw(instrument, raw > 0)
        if mark < 0:
            return None
        return instrument.notional_value(
            instrument.make_qty(Decimal(abs(raw)).scaleb(-9)),
            instrument.make_price(Decimal(mark).scaleb(-9)),
        )

    def net_exposures(self, Venue venue not None):
        return self._sum_by_currency(venue, self.net_exposure)

    cpdef bint is_net_long(self, InstrumentId instrument_id) except -1:
        """Return whether the net position in the instrument is long."""
        return self._cache.net_position_raw(instrument_id) > 0

    cpdef bint is_net_short(self, InstrumentId instrument_id) except -1:
        """Return whether the net position in the instrument is short."""
        return self._cache.net_position_raw(instrument_id) < 0

    cpdef bint is_flat(self, InstrumentId instrument_id) except -1:
        """Return whether there is no open position in the instrument."""
        return self._cache.net_position_raw(instrument_id) == 0

    def is_completely_flat(self):
        return self._cache.positions_open_count() == 0


cdef inline Currency _settlement(Instrument instrument):
    return instrument.get_settlement_currency() if not instrument.is_inverse \
        else instrument.get_base_currency()
