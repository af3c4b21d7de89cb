from libc.stdint cimport int64_t, uint64_t

from core.model.currency cimport Currency
from core.model.enums cimport AccountType
from core.model.events cimport AccountState, OrderFilled
from core.model.identifiers cimport AccountId, InstrumentId
from core.model.instruments cimport Instrument
from core.model.uuid cimport UUID4


cdef class Account:
    cdef readonly AccountId id
    cdef readonly AccountType account_type
    cdef readonly Currency base_currency
    cdef dict _total
    cdef dict _locked
    cdef AccountState _last
    cdef uint64_t _last_hi
    cdef uint64_t _last_lo
    cdef int64_t _last_ts
    cdef list _history_currencies
    cdef object _history
    cdef int64_t[::1] _history_view
    cdef Py_ssize_t _history_len
    cdef int64_t _event_count

    cdef void _add_total(self, Currency currency, int64_t raw)
    cpdef int64_t total_raw(self, Currency currency)
    cpdef int64_t locked_raw(self, Currency currency)
    cpdef int64_t free_raw(self, Currency currency)
    cpdef void apply_fill(self, Instrument instrument, OrderFilled fill, int64_t pnl_delta_raw) except *
    cpdef AccountState snapshot(self, UUID4 event_id, int64_t ts_event)
    cpdef void apply(self, AccountState state) except *
    cdef void _record(self, AccountState state) except *
    cdef AccountState _make_state(self, UUID4 event_id, int64_t ts_event)
    cdef void record_c(self, UUID4 event_id, int64_t ts_event) except *
    cdef void record_ints_c(self, uint64_t id_hi, uint64_t id_lo, int64_t ts_event) except *
    cdef void _push(self, int64_t a, int64_t b, int64_t c) except *
    cdef list _balances_c(self)


cdef class CashAccount(Account):
    pass


cdef class MarginAccount(Account):
    cdef readonly object default_leverage
    cdef dict _leverages
    cdef dict _margins_init
    cdef dict _margins_maint
    cdef dict _margin_currency
    cdef dict _ratios

    cdef int64_t _margin(self, Instrument instrument, int64_t qty_raw, int64_t px_raw,
                         bint maintenance) except? -1

    cpdef object leverage(self, InstrumentId instrument_id)
    cpdef int64_t margin_init_raw(self, Instrument instrument, int64_t qty_raw, int64_t px_raw) except? -1
    cpdef int64_t margin_maint_raw(self, Instrument instrument, int64_t qty_raw, int64_t px_raw) except? -1
    cpdef void set_margins(self, Instrument instrument, int64_t init_raw, int64_t maint_raw,
                           Currency currency=*) except *
