from libc.stdint cimport int64_t

from core.cache.cache cimport Cache
from core.common.clock cimport Clock
from core.common.logging cimport Logger
from core.common.msgbus cimport MessageBus
from core.model.data cimport Bar, BarType, Data, QuoteTick, TradeTick
from core.model.identifiers cimport InstrumentId


cpdef str quotes_topic(InstrumentId instrument_id)
cpdef str trades_topic(InstrumentId instrument_id)
cpdef str bars_topic(BarType bar_type)
cpdef str instrument_topic(InstrumentId instrument_id)
cpdef str custom_data_topic(type data_class)


cdef class DataEngine:
    cdef Cache _cache
    cdef MessageBus _msgbus
    cdef Clock _clock
    cdef Logger _log
    cdef bint _validate
    cdef dict _quote_topics
    cdef dict _trade_topics
    cdef dict _bar_topics
    cdef dict _data_topics
    cdef dict _subscriptions
    cdef readonly int64_t processed_count
    cdef readonly int64_t dropped_count
    cdef dict _drop_reasons

    cpdef bint accept(self, Data data) except -1
    cpdef void publish(self, Data data) except *
    cpdef void process(self, Data data) except *
    cdef str quote_topic(self, InstrumentId instrument_id)
    cdef str trade_topic(self, InstrumentId instrument_id)
    cdef str bar_topic(self, BarType bar_type)
    cdef void _drop(self, Data data, str reason) except *
