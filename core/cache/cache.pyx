"""`Cache`: the node's state — instruments, orders, positions, accounts, last market data.

Every lookup a fill needs is one dict access keyed by an identifier (identifiers hash with
FNV-1a, so nothing depends on ``PYTHONHASHSEED``), however long the run. Query methods return
lists in insertion order, so results are deterministic. Open orders and open positions have
their own indexes, so "what is open" never scans closed history.
"""

import cython

from libc.stdint cimport int64_t

from core.model.accounts cimport Account
from core.model.data cimport Bar, BarType, QuoteTick, TradeTick
from core.model.identifiers cimport AccountId, ClientOrderId, InstrumentId, PositionId
from core.model.identifiers cimport StrategyId, Venue
from core.model.instruments cimport Instrument
from core.model.orders cimport Order
from core.model.position cimport Position

from core.errors import ValidationError


@cython.final
cdef class Cache:
    """The node's in-memory state; engines write it, actors and strategies read it."""

    def __init__(self):
        self._instruments = {}
        self._accounts = {}
        self._venue_accounts = {}
        self.reset()

    cpdef void reset(self) except *:
        """Clear orders, positions, market data and account history (keeps instruments)."""
        self._orders = {}
        self._orders_open = {}
        self._orders_by_strategy = {}
        self._positions = {}
        self._positions_open = {}
        self._position_for_order = {}
        self._quotes = {}
        self._trades = {}
        self._bars = {}
        self._positions_closed_snapshots = []
        self._accounts = {}
        self._venue_accounts = {}

    # -- instruments -----------------------------------------------------------------------

    cpdef void add_instrument(self, Instrument instrument) except *:
        self._instruments[instrument.id] = instrument

    cpdef Instrument instrument(self, InstrumentId instrument_id):
        """Return the instrument, or None if unknown."""
        return self._instruments.get(instrument_id)

    def instruments(self, Venue venue=None):
        return [i for i in self._instruments.values()
                if venue is None or (<Instrument>i).id.venue == venue]

    def instrument_ids(self, Venue venue=None):
        return [i.id for i in self.instruments(venue)]

    # -- orders ----------------------------------------------------------------------------

    cpdef void add_order(self, Order order, PositionId position_id=None) except *:
        """Index a new order (and the position it targets, if given).

        Raises
        ------
        ValidationError
            If an order with the same client order id exists.
        """
        if order.client_order_id in self._orders:
            raise ValidationError(
                f"Cache: client_order_id {order.client_order_id} already exists, expected a "
                f"unique id"
            )
        self._orders[order.client_order_id] = order
        orders = self._orders_by_strategy.get(order.strategy_id)
        if orders is None:  # not setdefault(..., []): that builds a list per order
            orders = []
            self._orders_by_strategy[order.strategy_id] = orders
        (<list>orders).append(order)
        if position_id is not None:
            self._position_for_order[order.client_order_id] = position_id
        if order.is_open_c() or order.is_inflight_c():
            self._orders_open[order.client_order_id] = order

    cpdef Order order(self, ClientOrderId client_order_id):
        """Return the order, or None if unknown."""
        return self._orders.get(client_order_id)

    cpdef void update_order(self, Order order) except *:
        """Re-index `order` after an event (open/closed)."""
        if order.is_closed_c():
            self._orders_open.pop(order.client_order_id, None)
            # A filled order carries its position id: the index entry is redundant from here
            # on (`position_id_for_order` falls back to the order), so drop it to keep memory
            # per order flat. An order closed unfilled keeps its entry (it has no other copy).
            if order.position_id is not None:
                self._position_for_order.pop(order.client_order_id, None)
        else:
            self._orders_open[order.client_order_id] = order

    def orders(self, InstrumentId instrument_id=None, StrategyId strategy_id=None, side=None):
        """Return orders in creation order, filtered."""
        source = self._orders.values() if strategy_id is None else \
            self._orders_by_strategy.get(strategy_id, [])
        return _filter_orders(source, instrument_id, side)

    def orders_open(self, InstrumentId instrument_id=None, StrategyId strategy_id=None,
                    side=None):
        """Return the open (and in-flight) orders, filtered."""
        return [o for o in _filter_orders(self._orders_open.values(), instrument_id, side)
                if strategy_id is None or (<Order>o).strategy_id == strategy_id]

    def orders_closed(self, InstrumentId instrument_id=None, StrategyId strategy_id=None,
                      side=None):
        return [o for o in self.orders(instrument_id, strategy_id, side) if o.is_closed]

    def orders_open_count(self, InstrumentId instrument_id=None, StrategyId strategy_id=None,
                          side=None):
        return len(self.orders_open(instrument_id, strategy_id, side))

    def orders_total_count(self):
        return len(self._orders)

    # -- positions -------------------------------------------------------------------------

    cpdef void add_position(self, Position position) except *:
        self._positions[position.id] = position
        if position.is_open_c():
            self._positions_open[position.id] = position

    cpdef Position position(self, PositionId position_id):
        return self._positions.get(position_id)

    cpdef void update_position(self, Position position) except *:
        if position.is_open_c():
            self._positions_open[position.id] = position
        else:
            self._positions_open.pop(position.id, None)

    cpdef void snapshot_position(self, Position position) except *:
        """Keep a closed position's final state when its id is about to be reused."""
        self._positions_closed_snapshots.append(position)

    def position_snapshots(self):
        return list(self._positions_closed_snapshots)

    cpdef PositionId position_id_for_order(self, ClientOrderId client_order_id):
        """Return the position id assigned to the order, or None if none is known.

        Closed filled orders are answered from the order's own `position_id`.
        """
        cdef PositionId position_id = self._position_for_order.get(client_order_id)
        cdef Order order
        if position_id is not None:
            return position_id
        order = self._orders.get(client_order_id)
        if order is not None and order.is_closed_c():
            return order.position_id
        return None

    cpdef void add_position_id_for_order(self, ClientOrderId client_order_id,
                                         PositionId position_id) except *:
        self._position_for_order[client_order_id] = position_id

    def positions(self, InstrumentId instrument_id=None, StrategyId strategy_id=None):
        return _filter_positions(self._positions.values(), instrument_id, strategy_id)

    def positions_open(self, InstrumentId instrument_id=None, StrategyId strategy_id=None):
        return _filter_positions(self._positions_open.values(), instrument_id, strategy_id)

    def positions_closed(self, InstrumentId instrument_id=None, StrategyId strategy_id=None):
        return [p for p in self.positions(instrument_id, strategy_id) if p.is_closed]

    def positions_open_count(self, InstrumentId instrument_id=None, StrategyId strategy_id=None):
        return len(self.positions_open(instrument_id, strategy_id))

    cpdef int64_t net_position_raw(self, InstrumentId instrument_id,
                                   StrategyId strategy_id=None):
        """Return the signed open quantity (raw) for the instrument (and strategy)."""
        cdef int64_t total = 0
        cdef Position position
        if strategy_id is not None:
            # Sum every open position: with HEDGING a strategy holds several at once.
            for p in self._positions_open.values():
                position = p
                if position.instrument_id == instrument_id and position.strategy_id == strategy_id:
                    total += position.signed_raw
            return total
        for p in self._positions_open.values():
            position = p
            if position.instrument_id == instrument_id:
                total += position.signed_raw
        return total

    # -- accounts --------------------------------------------------------------------------

    cpdef void add_account(self, Account account) except *:
        self._accounts[account.id] = account
        self._venue_accounts[Venue(account.id.get_issuer())] = account

    cpdef Account account(self, AccountId account_id):
        return self._accounts.get(account_id)

    cpdef Account account_for_venue(self, Venue venue):
        return self._venue_accounts.get(venue)

    def accounts(self):
        return list(self._accounts.values())

    # -- market data -----------------------------------------------------------------------

    cpdef void add_quote_tick(self, QuoteTick tick) except *:
        self._quotes[tick.instrument_id] = tick

    cpdef void add_trade_tick(self, TradeTick tick) except *:
        self._trades[tick.instrument_id] = tick

    cpdef void add_bar(self, Bar bar) except *:
        self._bars[bar.bar_type] = bar

    cpdef QuoteTick quote_tick(self, InstrumentId instrument_id):
        """Return the last quote of the instrument, or None."""
        return self._quotes.get(instrument_id)

    cpdef TradeTick trade_tick(self, InstrumentId instrument_id):
        """Return the last trade of the instrument, or None."""
        return self._trades.get(instrument_id)

    cpdef Bar bar(self, BarType bar_type):
        """Return the last bar of the bar type, or None."""
        return self._bars.get(bar_type)

    def has_quote_ticks(self, InstrumentId instrument_id):
        return instrument_id in self._quotes

    def has_bars(self, BarType bar_type):
        return bar_type in self._bars


cdef list _filter_orders(object source, InstrumentId instrument_id, object side):
    cdef list out = []
    cdef Order order
    for o in source:
        order = o
        if instrument_id is not None and order.instrument_id != instrument_id:
            continue
        if side is not None and order.side != side:
            continue
        out.append(order)
    return out


cdef list _filter_positions(object source, InstrumentId instrument_id, StrategyId strategy_id):
    cdef list out = []
    cdef Position position
    for p in source:
        position = p
        if instrument_id is not None and position.instrument_id != instrument_id:
            continue
        if strategy_id is not None and position.strategy_id != strategy_id:
            continue
        out.append(position)
    return out
