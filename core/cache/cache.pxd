from libc.stdint cimport int64_t

from core.model.accounts cimport Account
from core.model.data cimport Bar, BarType, QuoteTick, TradeTick
from core.model.enums cimport OrderSide
from core.model.identifiers cimport AccountId, ClientOrderId, InstrumentId, PositionId
from core.model.identifiers cimport StrategyId, Venue
from core.model.instruments cimport Instrument
from core.model.orders cimport Order
from core.model.position cimport Position


cdef class Cache:
    cdef dict _instruments
    cdef dict _orders
    cdef dict _orders_open
    cdef dict _orders_by_strategy
    cdef dict _positions
    cdef dict _positions_open
    cdef dict _position_for_order
    cdef dict _accounts
    cdef dict _venue_accounts
    cdef dict _quotes
    cdef dict _trades
    cdef dict _bars
    cdef list _positions_closed_snapshots

    cpdef void add_instrument(self, Instrument instrument) except *
    cpdef Instrument instrument(self, InstrumentId instrument_id)
    cpdef void add_order(self, Order order, PositionId position_id=*) except *
    cpdef Order order(self, ClientOrderId client_order_id)
    cpdef void update_order(self, Order order) except *
    cpdef void add_position(self, Position position) except *
    cpdef Position position(self, PositionId position_id)
    cpdef void update_position(self, Position position) except *
    cpdef PositionId position_id_for_order(self, ClientOrderId client_order_id)
    cpdef void add_position_id_for_order(self, ClientOrderId client_order_id,
                                         PositionId position_id) except *
    cpdef void add_account(self, Account account) except *
    cpdef Account account(self, AccountId account_id)
    cpdef Account account_for_venue(self, Venue venue)
    cpdef void add_quote_tick(self, QuoteTick tick) except *
    cpdef void add_trade_tick(self, TradeTick tick) except *
    cpdef void add_bar(self, Bar bar) except *
    cpdef QuoteTick quote_tick(self, InstrumentId instrument_id)
    cpdef TradeTick trade_tick(self, InstrumentId instrument_id)
    cpdef Bar bar(self, BarType bar_type)
    cpdef int64_t net_position_raw(self, InstrumentId instrument_id, StrategyId strategy_id=*)
    cpdef void snapshot_position(self, Position position) except *
    cpdef void reset(self) except *
