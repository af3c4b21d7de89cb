from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.msgbus cimport MessageBus
from core.model.accounts cimport Account
from core.model.events cimport OrderFilled
from core.model.identifiers cimport InstrumentId
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

    cpdef void initialize_account(self, object account) except *
    cdef void _publish_state(self, Account account) except *
    cpdef void update_fill(self, Instrument instrument, OrderFilled fill, int64_t pnl_delta_raw) except *
    cpdef void update_order(self, Order order) except *
    cdef void _update_margins(self, Instrument instrument, object account) except *
    cdef int64_t _mark_raw(self, Instrument instrument, bint for_long) except? -1
    cpdef bint is_net_long(self, InstrumentId instrument_id) except -1
    cpdef bint is_net_short(self, InstrumentId instrument_id) except -1
    cpdef bint is_flat(self, InstrumentId instrument_id) except -1
