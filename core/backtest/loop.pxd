from libc.stdint cimport int64_t

from core.data.engine cimport DataEngine


cdef class BacktestLoop:
    cdef list _streams
    cdef list _clocks
    cdef list _exchanges
    cdef dict _venue_exchange
    cdef DataEngine _data_engine
    cdef readonly int64_t iterations
    cdef readonly int64_t last_ts

    cdef void _set_time(self, int64_t ts) except *
    cdef void _settle(self, int64_t ts) except *
    cdef void _advance_to(self, int64_t ts) except *
    cpdef int64_t run(self, int64_t start_ns, int64_t end_ns) except? -1
