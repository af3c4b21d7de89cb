from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.msgbus cimport MessageBus
from core.model.accounts cimport Account
from core.model.currency cimport Currency
from core.model.enums cimport OrderSide, PriceType
from core.model.events cimport OrderFilled
from core.model.identifiers cimport InstrumentId, TradeId, Venue
from core.model.instruments cimport Instrument
from core.model.orders cimport Order
from core.model.position cimport Position
from core.model.uuid cimport UUIDFactory


cdef class Portfolio:
    cdef Cache _cache
    cdef MessageBus _msgbus
    cdef Clock _clock
    cdef UUIDFactory _uuids
    cdef dict _account_topics
    cdef dict _base_pnls
    cdef TradeId _split_trade_id
    cdef int64_t _split_ts
    cdef int64_t _split_commission_raw
    cdef int64_t _split_commission_base_raw

    cpdef void initialize_account(self, object account) except *
    cdef void _publish_state(self, Account account) except *
    cpdef void update_fill(self, Instrument instrument, OrderFilled fill, int64_t pnl_delta_raw) except *
    cpdef void update_order(self, Order order) except *
    cdef void _update_margins(self, Instrument instrument, object account) except *
    cdef void _apply_fill_in_base(self, Account account, Instrument instrument, OrderFilled fill,
                                  int64_t pnl_delta_raw) except *
    cdef int64_t _margin_to_base(self, Account account, Instrument instrument, int64_t raw,
                                 OrderSide side) except? -2
    cdef tuple _price_c(self, Instrument instrument)
    cpdef tuple xrate(self, Venue venue, Currency from_currency, Currency to_currency,
                      PriceType price_type)
    cdef int64_t _to_base(self, Account account, Venue venue, int64_t raw, Currency currency,
                          PriceType price_type, str what) except? -1
    cdef int64_t _mark_raw(self, Instrument instrument, bint for_long) except? -1
    cpdef bint is_net_long(self, InstrumentId instrument_id) except -1
    cpdef bint is_net_short(self, InstrumentId instrument_id) except -1
    cpdef bint is_flat(self, InstrumentId instrument_id) except -1
