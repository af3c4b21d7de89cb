"""Accounts: `CashAccount` and `MarginAccount`, with balances per currency.

Each currency's balance is ``total = locked + free``. How a fill moves the balances:

==========  ==================================  =============================================
account     instrument                          on a fill
==========  ==================================  =============================================
CASH        spot (CurrencyPair, Equity)         quote −notional (BUY) / +notional (SELL);
                                                base +qty / −qty for a currency pair;
                                                commission debited in its currency
CASH        derivative (perpetual, future)      settlement += realized PnL (net of a
                                                commission in that currency)
MARGIN      any                                 settlement += realized PnL (net of a
                                                commission in that currency); a commission in
                                                another currency is debited there
==========  ==================================  =============================================

Margin (MARGIN accounts) is locked per instrument: initial margin =
``notional / leverage × margin_init`` for open orders, maintenance margin =
``notional / leverage × margin_maint`` for positions; both rounded half to even to the
currency's precision. The account itself never converts between currencies: without a
``base_currency`` an account that trades in several currencies has a balance in each; with
one, the `Portfolio` converts each fill's PnL and commission (and the margins) into it at the
venue's exchange rate before they reach the account (see ``core/portfolio/portfolio.pyx``).
"""

import cython

import numpy as np

from decimal import Decimal

from libc.stdint cimport int64_t

from core.model.currency cimport Currency
from core.model.enums cimport AccountType, InstrumentClass, OrderSide
from core.model.events cimport AccountBalance, AccountState, MarginBalance, OrderFilled
from core.model.events cimport set_event_id
from core.model.identifiers cimport AccountId, InstrumentId
from core.model.instruments cimport Instrument
from core.model.objects cimport POW10, Money
from core.model.position cimport div_round_half_even, scaled_product_c
from core.model.uuid cimport UUID4
from libc.stdint cimport uint64_t

from core.errors import ValidationError
from core.model.enums import AccountType as PyAccountType

cdef object _E9 = 10 ** 9
cdef object _E18 = 10 ** 18


cdef class Account:
    """Base of accounts: balances per currency and the history of `AccountState`s."""

    def __init__(self, AccountId account_id not None, account_type,
                 Currency base_currency or None, list starting_balances not None):
        self.id = account_id
        self.account_type = <AccountType><int>account_type
        self.base_currency = base_currency
        self._total = {}
        self._locked = {}
        self._last = None
        self._history_currencies = []
        self._history = np.zeros(0, dtype=np.int64)
        self._history_view = self._history
        self._history_len = 0
        self._event_count = 0
        for balance in starting_balances:
            if not isinstance(balance, Money):
                raise ValidationError(
                    f"Account {account_id}: starting balance {balance!r} invalid, expected Money"
                )
            if (<Money>balance).raw < 0:
                raise ValidationError(
                    f"Account {account_id}: starting balance {balance} invalid, expected >= 0"
                )
            self._add_total((<Money>balance).currency, (<Money>balance).raw)

    def __reduce__(self):
        # Explicit: the history's typed memoryview stops Cython's automatic pickling.
        return (_restore_account, (type(self), self._pickle_state()))

    def _pickle_state(self):
        """Return every field as plain objects (see `__reduce__`)."""
        return (
            self.id, <int>self.account_type, self.base_currency, dict(self._total),
            dict(self._locked), self._last, self._last_hi, self._last_lo, self._last_ts,
            list(self._history_currencies), np.array(self._history[:self._history_len]),
            self._history_len, self._event_count,
        )

    def _unpickle_state(self, tuple state not None):
        (self.id, account_type, self.base_currency, self._total, self._locked, self._last,
         self._last_hi, self._last_lo, self._last_ts, self._history_currencies, history,
         self._history_len, self._event_count) = state
        self.account_type = <AccountType><int>account_type
        self._history = np.ascontiguousarray(history, dtype=np.int64)
        self._history_view = self._history

    cdef void _add_total(self, Currency currency, int64_t raw):
        self._total[currency] = self._total.get(currency, 0) + raw
        if currency not in self._locked:
            self._locked[currency] = 0

    cpdef int64_t total_raw(self, Currency currency):
        return self._total.get(currency, 0)

    cpdef int64_t locked_raw(self, Currency currency):
        return self._locked.get(currency, 0)

    cpdef int64_t free_raw(self, Currency currency):
        return self._total.get(currency, 0) - self._locked.get(currency, 0)

    def currencies(self):
        """Return the currencies with a balance, in the order they first appeared."""
        return list(self._total)

    def balance_total(self, Currency currency=None):
        currency = currency or self.base_currency
        return Money.from_raw_c(self.total_raw(currency), currency) if currency in self._total \
            else None

    def balance_locked(self, Currency currency=None):
        currency = currency or self.base_currency
        return Money.from_raw_c(self.locked_raw(currency), currency) if currency in self._total \
            else None

    def balance_free(self, Currency currency=None):
        currency = currency or self.base_currency
        return Money.from_raw_c(self.free_raw(currency), currency) if currency in self._total \
            else None

    def balances(self):
        """Return one `AccountBalance` per currency."""
        return self._balances_c()

    cdef list _balances_c(self):
        cdef list out = []
        cdef AccountBalance balance
        cdef int64_t total
        cdef int64_t locked
        for ccy, t in self._total.items():
            total = t
            locked = self._locked[ccy]
            balance = AccountBalance.__new__(AccountBalance)
            balance.total = Money.from_raw_c(total, ccy)
            balance.locked = Money.from_raw_c(locked, ccy)
            balance.free = Money.from_raw_c(total - locked, ccy)
            out.append(balance)
        return out

    @property
    def events(self):
        """The account's states, oldest first, rebuilt from the compact history.

        Past states keep their ids, times and balances; only the last keeps its margins (a run
        with 90,000 fills would otherwise hold ~1 GB of event objects).
        """
        cdef list states = []
        cdef list balances = []
        cdef Py_ssize_t i = 0
        cdef Py_ssize_t n = self._history_len
        cdef int64_t hi
        cdef int64_t lo
        hist = self._history[:n].tolist()
        while i < n:
            ts, hi, lo = hist[i], hist[i + 1], hist[i + 2]
            balances = []
            i += 3
            while i < n and hist[i] >= 0:
                ccy = self._history_currencies[hist[i]]
                total, locked = hist[i + 1], hist[i + 2]
                balances.append(AccountBalance(
                    Money.from_raw_c(total, ccy), Money.from_raw_c(locked, ccy),
                    Money.from_raw_c(total - locked, ccy)))
                i += 3
            i += 3  # the (-1, -1, -1) separator
            states.append(AccountState(
                self.id, self.account_type, self.base_currency, False, balances,
                [], None, UUID4.from_ints_c(<uint64_t>hi, <uint64_t>lo), ts, ts))
        if states:
            states[len(states) - 1] = self.last_event
        return states

    def balance_series(self, Currency currency not None):
        """Return (ts_event, total_raw) int64 arrays of `currency`'s balance, one per state.

        Read straight from the compact history (no objects per state).
        """
        cdef Py_ssize_t n = self._history_len
        cdef Py_ssize_t i = 0
        cdef Py_ssize_t count = 0
        cdef int64_t ts
        cdef int64_t index = -2
        cdef int64_t[::1] hist = self._history_view
        for k, ccy in enumerate(self._history_currencies):
            if ccy == currency:
                index = k
        ts_out = np.empty(self._event_count, dtype=np.int64)
        total_out = np.empty(self._event_count, dtype=np.int64)
        cdef int64_t[::1] ts_view = ts_out
        cdef int64_t[::1] total_view = total_out
        while i < n:
            ts = hist[i]
            i += 3
            while i < n and hist[i] >= 0:
                if hist[i] == index:
                    ts_view[count] = ts
                    total_view[count] = hist[i + 1]
                    count += 1
                i += 3
            i += 3
        return ts_out[:count], total_out[:count]

    def balance_history(self):
        """Return the balance history as columns: ts_event, currency, total_raw, locked_raw."""
        columns = {"ts_event": [], "currency": [], "total_raw": [], "locked_raw": []}
        for state in self.events:
            for balance in state.balances:
                columns["ts_event"].append(state.ts_event)
                columns["currency"].append(balance.total.currency)
                columns["total_raw"].append(balance.total.raw)
                columns["locked_raw"].append(balance.locked.raw)
        return columns

    @property
    def last_event(self):
        """The latest `AccountState` (built on first access if it was only recorded)."""
        if self._last is None and self._event_count > 0:
            self._last = self._make_state(
                UUID4.from_ints_c(self._last_hi, self._last_lo), self._last_ts)
        return self._last

    cdef AccountState _make_state(self, UUID4 event_id, int64_t ts_event):
        cdef AccountState state = AccountState.__new__(AccountState)
        state.account_id = self.id
        state.account_type = self.account_type
        state.base_currency = self.base_currency
        state.is_reported = False
        state.balances = self._balances_c()
        state.margins = self._margins_list() if self.account_type == AccountType.MARGIN else []
        state.info = {}
        set_event_id(state, event_id)
        state.ts_event = ts_event
        state.ts_init = ts_event
        return state

    cdef void record_c(self, UUID4 event_id, int64_t ts_event) except *:
        """Record the current balances (compactly) without building an `AccountState`.

        For when nobody listens to the account's events: the state object is built only if
        `last_event` or `events` is read.
        """
        self.record_ints_c(event_id._hi, event_id._lo, ts_event)

    cdef void record_ints_c(self, uint64_t id_hi, uint64_t id_lo, int64_t ts_event) except *:
        """`record_c` with the state's id as its two 64-bit halves (no UUID4 object)."""
        cdef Py_ssize_t index
        self._push(ts_event, <int64_t>id_hi, <int64_t>id_lo)
        for ccy, total in self._total.items():
            index = 0
            for known in self._history_currencies:
                if known is ccy:
                    break
                index += 1
            if index == len(self._history_currencies):
                self._history_currencies.append(ccy)
            self._push(index, total, self._locked[ccy])
        self._push(-1, -1, -1)
        self._last = None
        self._last_hi = id_hi
        self._last_lo = id_lo
        self._last_ts = ts_event
        self._event_count += 1

    @property
    def event_count(self):
        return self._event_count

    cdef void _push(self, int64_t a, int64_t b, int64_t c) except *:
        cdef Py_ssize_t n = self._history_len
        if n + 3 > self._history_view.shape[0]:
            grown = np.zeros(max(1024, 2 * self._history_view.shape[0]), dtype=np.int64)
            grown[:n] = np.asarray(self._history_view)[:n]
            self._history = grown
            self._history_view = grown
        self._history_view[n] = a
        self._history_view[n + 1] = b
        self._history_view[n + 2] = c
        self._history_len = n + 3

    cdef void _record(self, AccountState state) except *:
        cdef AccountBalance balance
        cdef Py_ssize_t index
        self._push(state.ts_event, <int64_t>state._id_hi, <int64_t>state._id_lo)
        for b in state.balances:
            balance = b
            index = 0
            for ccy in self._history_currencies:
                if ccy is balance.total.currency:
                    break
                index += 1
            if index == len(self._history_currencies):
                self._history_currencies.append(balance.total.currency)
            self._push(index, balance.total.raw, balance.locked.raw)
        self._push(-1, -1, -1)
        self._last = state
        self._event_count += 1

    def is_cash_account(self):
        return self.account_type == AccountType.CASH

    def is_margin_account(self):
        return self.account_type == AccountType.MARGIN

    cpdef void apply_fill(self, Instrument instrument, OrderFilled fill,
                          int64_t pnl_delta_raw) except *:
        """Move the balances for `fill`; `pnl_delta_raw` is the position's realized PnL
        change (net of a commission in the settlement currency)."""
        cdef Currency settlement = instrument.get_settlement_currency() \
            if not instrument.is_inverse else instrument.get_base_currency()
        if fill.commission.currency != settlement:
            self._add_total(fill.commission.currency, -fill.commission.raw)
        self._add_total(settlement, pnl_delta_raw)

    def _margins_list(self):
        return []

    cpdef AccountState snapshot(self, UUID4 event_id, int64_t ts_event):
        """Record and return the current balances as an `AccountState`."""
        cdef AccountState state = self._make_state(event_id, ts_event)
        self._record(state)
        return state

    cpdef void apply(self, AccountState state) except *:
        """Replace the balances with those of `state` (e.g. reported by a venue)."""
        if state.account_id != self.id:
            raise ValidationError(
                f"Account {self.id}: state for {state.account_id} invalid, expected {self.id}"
            )
        self._total = {}
        self._locked = {}
        for balance in state.balances:
            self._total[balance.total.currency] = balance.total.raw
            self._locked[balance.total.currency] = balance.locked.raw
        self._record(state)

    def __repr__(self):
        return (f"{type(self).__name__}(id={self.id}, type={PyAccountType(self.account_type).name}, "
                f"base={self.base_currency}, balances={self.balances()})")


@cython.final
cdef class CashAccount(Account):
    """An account that trades only what it holds (no borrowing).

    Parameters
    ----------
    account_id : AccountId
    base_currency : Currency or None
        None for a multi-currency account.
    starting_balances : list[Money]
    """

    def __init__(self, AccountId account_id not None, Currency base_currency or None,
                 list starting_balances not None):
        Account.__init__(self, account_id, AccountType.CASH, base_currency, starting_balances)

    cpdef void apply_fill(self, Instrument instrument, OrderFilled fill,
                          int64_t pnl_delta_raw) except *:
        cdef object notional
        cdef int64_t notional_raw
        cdef int step
        cdef Currency base
        if instrument.instrument_class != InstrumentClass.SPOT or instrument.is_inverse:
            Account.apply_fill(self, instrument, fill, pnl_delta_raw)
            return
        step = 9 - instrument.quote_currency.precision
        notional = <object>fill.last_qty.raw * fill.last_px.raw * instrument.multiplier.raw
        notional_raw = div_round_half_even(notional, 10 ** 18 * POW10[step]) * POW10[step]
        base = instrument.get_base_currency()
        if fill.order_side == OrderSide.BUY:
            self._add_total(instrument.quote_currency, -notional_raw)
            if base is not None:
                self._add_total(base, fill.last_qty.raw)
        else:
            self._add_total(instrument.quote_currency, notional_raw)
            if base is not None:
                self._add_total(base, -fill.last_qty.raw)
        self._add_total(fill.commission.currency, -fill.commission.raw)


@cython.final
cdef class MarginAccount(Account):
    """An account trading on margin: realized PnL settles into the balance; margin is locked.

    Parameters
    ----------
    account_id : AccountId
    base_currency : Currency or None
    starting_balances : list[Money]
    default_leverage : Decimal, default 1
        Leverage for instruments without their own (`set_leverage`); must be ≥ 1.
    """

    def __init__(self, AccountId account_id not None, Currency base_currency or None,
                 list starting_balances not None, default_leverage=Decimal(1)):
        Account.__init__(self, account_id, AccountType.MARGIN, base_currency, starting_balances)
        self.default_leverage = _leverage(default_leverage, account_id)
        self._leverages = {}
        self._margins_init = {}
        self._margins_maint = {}
        self._margin_currency = {}
        self._ratios = {}

    def _pickle_state(self):
        return (
            Account._pickle_state(self), self.default_leverage, dict(self._leverages),
            dict(self._margins_init), dict(self._margins_maint), dict(self._margin_currency),
        )

    def _unpickle_state(self, tuple state not None):
        (base, self.default_leverage, self._leverages, self._margins_init,
         self._margins_maint, self._margin_currency) = state
        Account._unpickle_state(self, base)
        self._ratios = {}

    def set_leverage(self, InstrumentId instrument_id not None, leverage):
        self._leverages[instrument_id] = _leverage(leverage, self.id)
        self._ratios.clear()

    cpdef object leverage(self, InstrumentId instrument_id):
        return self._leverages.get(instrument_id, self.default_leverage)

    cdef int64_t _margin(self, Instrument instrument, int64_t qty_raw, int64_t px_raw,
                         bint maintenance) except? -1:
        cdef Currency currency = instrument.get_cost_currency()
        cdef int step = 9 - currency.precision
        # Integer ratios of the rates and the leverage, per instrument (cleared on set_leverage).
        cdef tuple ratios = self._ratios.get(instrument.id)
        cdef int64_t fast
        if ratios is None:
            ratios = (
                instrument.margin_init.as_integer_ratio()
                + instrument.margin_maint.as_integer_ratio()
                + self.leverage(instrument.id).as_integer_ratio()
            )
            self._ratios[instrument.id] = ratios
        if maintenance:
            num_rate, den_rate = ratios[2], ratios[3]
        else:
            num_rate, den_rate = ratios[0], ratios[1]
        num_lev, den_lev = ratios[4], ratios[5]
        if not instrument.is_inverse and scaled_product_c(
                qty_raw, px_raw, instrument.multiplier.raw, num_rate * den_lev,
                den_rate * num_lev, step, &fast):
            return fast
        if instrument.is_inverse:
            # notional (base) = qty × mult / px
            numerator = <object>qty_raw * instrument.multiplier.raw * _E9 * num_rate * den_lev
            denominator = <object>px_raw * _E9 * den_rate * num_lev
        else:
            numerator = <object>qty_raw * px_raw * instrument.multiplier.raw * num_rate * den_lev
            denominator = _E18 * den_rate * num_lev
        if denominator == 0:
            return 0
        return div_round_half_even(numerator, denominator * POW10[step]) * POW10[step]

    cpdef int64_t margin_init_raw(self, Instrument instrument, int64_t qty_raw,
                                  int64_t px_raw) except? -1:
        """Return the initial margin of an order of `qty_raw` at `px_raw`."""
        return self._margin(instrument, qty_raw, px_raw, False)

    cpdef int64_t margin_maint_raw(self, Instrument instrument, int64_t qty_raw,
                                   int64_t px_raw) except? -1:
        """Return the maintenance margin of a position of `qty_raw` at `px_raw`."""
        return self._margin(instrument, qty_raw, px_raw, True)

    cpdef void set_margins(self, Instrument instrument, int64_t init_raw,
                           int64_t maint_raw, Currency currency=None) except *:
        """Set the instrument's locked initial (orders) and maintenance (position) margin.

        `currency` is the margins' currency: the instrument's cost currency by default, the
        base currency for a base-currency account (the `Portfolio` converts them).
        """
        if currency is None:
            currency = instrument.get_cost_currency()
        cdef Currency previous = self._margin_currency.get(instrument.id)
        cdef int64_t old = self._margins_init.get(instrument.id, 0) + \
            self._margins_maint.get(instrument.id, 0)
        if previous is not None and previous is not currency and previous != currency:
            # The margins move to another currency: release them where they were locked.
            self._locked[previous] = self._locked.get(previous, 0) - old
            old = 0
        self._margins_init[instrument.id] = init_raw
        self._margins_maint[instrument.id] = maint_raw
        self._margin_currency[instrument.id] = currency
        if currency not in self._total:
            self._total[currency] = 0
        self._locked[currency] = self._locked.get(currency, 0) - old + init_raw + maint_raw

    def margins(self):
        """Return one `MarginBalance` per instrument with margin."""
        return self._margins_list()

    def _margins_list(self):
        result = []
        for instrument_id, init_raw in self._margins_init.items():
            maint_raw = self._margins_maint.get(instrument_id, 0)
            if init_raw == 0 and maint_raw == 0:
                continue
            ccy = self._margin_currency[instrument_id]
            result.append(MarginBalance(
                Money.from_raw_c(init_raw, ccy), Money.from_raw_c(maint_raw, ccy), instrument_id,
            ))
        return result


cdef object _leverage(object value, AccountId account_id):
    try:
        leverage = Decimal(value) if not isinstance(value, float) else Decimal(repr(value))
    except Exception as err:
        raise ValidationError(
            f"MarginAccount {account_id}: leverage {value!r} invalid, expected a number >= 1"
        ) from err
    if not leverage.is_finite() or leverage < 1:
        raise ValidationError(
            f"MarginAccount {account_id}: leverage {value!r} invalid, expected a number >= 1"
        )
    return leverage


def _restore_account(cls, tuple state not None):
    """Rebuild an account pickled by `Account.__reduce__`."""
    cdef Account account = cls.__new__(cls)
    account._unpickle_state(state)
    return account
