from libc.stdint cimport int64_t

from core.model.data cimport BarType, Data
from core.model.identifiers cimport InstrumentId


cdef class DataStream:
    cdef readonly int priority
    cdef readonly int64_t head_ts
    """``ts_init`` of the next data point, or INT64_MAX when exhausted."""
    cdef readonly int64_t dropped_count
    cdef readonly dict drop_reasons
    cdef readonly int64_t length

    cdef Data next_c(self)
    cpdef void reset(self) except *
    cpdef void seek(self, int64_t start_ns) except *
    cdef void _drop(self, str reason)


cdef class ListStream(DataStream):
    cdef list _data
    cdef Py_ssize_t _index


cdef class ObjectChunkStream(DataStream):
    cdef object _source
    cdef object _chunks
    cdef list _chunk
    cdef Py_ssize_t _index
    cdef int64_t _last_ts
    cdef void _advance(self) except *


cdef class ArrayStream(DataStream):
    cdef object _source
    cdef object _columns
    cdef object _chunks
    cdef Py_ssize_t _n
    cdef Py_ssize_t _index
    cdef int64_t _last_ts
    cdef const int64_t[::1] _ts_init
    cdef int _price_precision
    cdef int _size_precision

    cdef void _init_source(self, object columns, object source, int price_precision,
                           int size_precision, int priority) except *
    cdef bint _next_chunk(self) except -1
    cdef void _bind(self, object columns) except *
    cdef bint _accept(self, Py_ssize_t i) except -1
    cdef void _advance(self) except *


cdef class BarArrayStream(ArrayStream):
    cdef readonly BarType bar_type
    cdef const int64_t[::1] _ts_event
    cdef const int64_t[::1] _open
    cdef const int64_t[::1] _high
    cdef const int64_t[::1] _low
    cdef const int64_t[::1] _close
    cdef const int64_t[::1] _volume


cdef class QuoteArrayStream(ArrayStream):
    cdef readonly InstrumentId instrument_id
    cdef const int64_t[::1] _ts_event
    cdef const int64_t[::1] _bid
    cdef const int64_t[::1] _ask
    cdef const int64_t[::1] _bid_size
    cdef const int64_t[::1] _ask_size


cdef class TradeArrayStream(ArrayStream):
    cdef readonly InstrumentId instrument_id
    cdef const int64_t[::1] _ts_event
    cdef const int64_t[::1] _price
    cdef const int64_t[::1] _size
    cdef const int64_t[::1] _aggressor
    cdef object _trade_ids
