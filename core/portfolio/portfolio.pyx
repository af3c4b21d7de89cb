"""`Portfolio`: balances, margins, PnL and exposure across venues and instruments.

The ExecutionEngine calls `update_fill` and `update_order`; the portfolio settles fills into the
account, keeps MARGIN accounts' margins current and publishes `AccountState` on
``events.account.<account id>``. Queries value open positions at the last quote (bid for longs,
ask for shorts), else the last trade, else the last bar close.
"""

import cython

from decimal import Decimal

from libc.stdint cimport int64_t, uint64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.msgbus cimport MessageBus
from core.model.accounts cimport Account, MarginAccount
from core.model.data cimport Bar, QuoteTick, TradeTick
from core.model.enums cimport AccountType, OrderType
from core.model.events cimport OrderFilled
from core.model.identifiers cimport InstrumentId, Venue
from core.model.instruments cimport Instrument
from core.model.objects cimport Money
from core.model.orders cimport Order
from core.model.position cimport Position, div_round_half_even
from core.model.uuid cimport UUID4, UUIDFactory

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
        if account is None:
            return
        account.apply_fill(instrument, fill, pnl_delta_raw)
        if account.account_type == AccountType.MARGIN:
            self._update_margins(instrument, account)
        self._publish_state(account)

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
        cdef Order order
        cdef Position position
        cdef int64_t px
        cdef InstrumentId instrument_id = instrument.id
        for o in self._cache._orders_open.values():
            order = o
            if order.order_type == OrderType.MARKET or (
                    order.instrument_id is not instrument_id
                    and order.instrument_id != instrument_id):
                continue
            px = order.price_raw if order.has_price else order.trigger_price_raw
            init_raw += margin.margin_init_raw(instrument, order.quantity_raw - order.filled_raw,
                                               px)
        for p in self._cache._positions_open.values():
            position = p
            if position.instrument_id is not instrument_id and \
                    position.instrument_id != instrument_id:
                continue
            px = div_round_half_even(position._avg_open_num, position._avg_open_den)
            maint_raw += margin.margin_maint_raw(instrument, abs(position.signed_raw), px)
        margin.set_margins(instrument, init_raw, maint_raw)

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
