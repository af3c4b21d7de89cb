from libc.stdint cimport int64_t

from core.backtest.models cimport FeeModel, FillModel
from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.execution.engine cimport ExecutionEngine
from core.model.data cimport Bar, QuoteTick, TradeTick
from core.model.enums cimport LiquiditySide, OrderSide
from core.model.identifiers cimport AccountId, Venue
from core.model.instruments cimport Instrument
from core.model.orders cimport Order
from core.model.uuid cimport UUIDFactory


cdef class OrderMatchingEngine:
    cdef readonly Instrument instrument
    cdef readonly Venue venue
    cdef readonly AccountId account_id
    cdef readonly int ordinal
    cdef str _id_prefix
    cdef bint _bar_execution
    cdef bint _adaptive
    cdef bint _reject_stop_orders
    cdef bint _fill_at_next_bar_open
    cdef FillModel _fill_model
    cdef FeeModel _fee_model
    cdef Cache _cache
    cdef ExecutionEngine _exec
    cdef Clock _clock
    cdef UUIDFactory _uuids
    cdef int64_t _tick
    cdef int64_t _lot
    cdef bint _has_bid
    cdef bint _has_ask
    cdef int64_t _bid
    cdef int64_t _ask
    cdef int64_t _bid_size
    cdef int64_t _ask_size
    cdef bint _has_last
    cdef int64_t _last
    cdef bint _last_data_was_bar
    cdef list _working
    cdef dict _by_id
    cdef set _seen
    cdef int64_t _seq
    cdef dict _seq_of
    cdef int64_t _trade_count
    cdef int64_t _order_count
    cdef list _fill_log
    cdef object _pending_bid_bar
    cdef list _held

    cpdef void reset(self) except *
    cdef void process_quote_tick(self, QuoteTick tick) except *
    cdef void process_trade_tick(self, TradeTick tick) except *
    cdef void process_bar(self, Bar bar) except *
    cdef void process_submit(self, Order order) except *
    cdef void process_modify(self, object command) except *
    cdef void process_cancel(self, object command) except *
    cdef void _expire(self, int64_t ts) except *
    cdef void _set_book(self, int64_t bid, int64_t ask, int64_t bid_size, int64_t ask_size)
    cdef void _match(self, int64_t ts, int kind) except *
    cdef void _match_resting_limit(self, Order order, int64_t ts) except *
    cdef bint _is_triggerable(self, Order order, int64_t trigger) except -1
    cdef void _trigger(self, Order order, int64_t ts, int kind) except *
    cdef void _fill_market(self, Order order, int64_t ts) except *
    cdef void _fill_market_style(self, Order order, int64_t ts, int64_t best, int64_t size) except *
    cdef list _take_chunks(self, OrderSide side, int64_t best, int64_t size, int64_t qty,
                           bint has_limit, int64_t limit)
    cdef void _fill(self, Order order, int64_t ts, list chunks, LiquiditySide liquidity,
                    bint has_limit, int64_t limit) except *
    cdef void _enter_limit(self, Order order, int64_t ts) except *
    cdef void _release_held(self, int64_t ts) except *
    cdef void _close(self, Order order)
    cdef str _validate(self, Order order, int64_t ts)
    cdef int64_t _position(self, Order order)
