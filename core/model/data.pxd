from libc.stdint cimport int64_t, uint8_t

from core.model.aggregation cimport BarAggregation
from core.model.enums cimport AggregationSource, AggressorSide, PriceType
from core.model.identifiers cimport InstrumentId, TradeId
from core.model.objects cimport Price, Quantity


cdef class Data:
    cdef readonly int64_t ts_event
    """When the event happened (UNIX ns)."""
    cdef readonly int64_t ts_init
    """When the object was created in the node (UNIX ns); the backtest orders data by it."""


cdef class DataType:
    cdef readonly type type
    """The Data subclass."""
    cdef readonly dict metadata
    """Metadata that, with the type, identifies a data stream."""
    cdef readonly str topic
    """The message bus topic of the stream."""
    cdef Py_hash_t _hash


cdef class BarSpecification:
    cdef readonly int step
    """Number of aggregation units per bar (≥ 1)."""
    cdef readonly BarAggregation aggregation
    """How the bar's interval is measured."""
    cdef readonly PriceType price_type
    """Which price the bar aggregates."""

    cpdef bint is_time_aggregated(self)
    cpdef int64_t interval_ns(self) except? -1


cdef class BarType:
    cdef readonly InstrumentId instrument_id
    cdef readonly BarSpecification spec
    cdef readonly AggregationSource aggregation_source
    cdef str _str
    cdef Py_hash_t _hash

    @staticmethod
    cdef BarType from_str_c(str value)
    cpdef bint is_externally_aggregated(self)
    cpdef bint is_internally_aggregated(self)


cdef class QuoteTick(Data):
    cdef readonly InstrumentId instrument_id
    cdef readonly int64_t bid_price_raw
    cdef readonly int64_t ask_price_raw
    cdef readonly int64_t bid_size_raw
    cdef readonly int64_t ask_size_raw
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision

    @staticmethod
    cdef QuoteTick from_raw_c(
        InstrumentId instrument_id,
        int64_t bid_price_raw,
        int64_t ask_price_raw,
        uint8_t price_precision,
        int64_t bid_size_raw,
        int64_t ask_size_raw,
        uint8_t size_precision,
        int64_t ts_event,
        int64_t ts_init,
    )
    cpdef Price extract_price(self, PriceType price_type)
    cpdef Quantity extract_size(self, PriceType price_type)


cdef class TradeTick(Data):
    cdef readonly InstrumentId instrument_id
    cdef readonly int64_t price_raw
    cdef readonly int64_t size_raw
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision
    cdef readonly AggressorSide aggressor_side
    cdef readonly TradeId trade_id

    @staticmethod
    cdef TradeTick from_raw_c(
        InstrumentId instrument_id,
        int64_t price_raw,
        uint8_t price_precision,
        int64_t size_raw,
        uint8_t size_precision,
        AggressorSide aggressor_side,
        TradeId trade_id,
        int64_t ts_event,
        int64_t ts_init,
    )


cdef class Bar(Data):
    cdef readonly BarType bar_type
    cdef readonly int64_t open_raw
    cdef readonly int64_t high_raw
    cdef readonly int64_t low_raw
    cdef readonly int64_t close_raw
    cdef readonly int64_t volume_raw
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision
    cdef readonly bint is_revision

    @staticmethod
    cdef Bar from_raw_c(
        BarType bar_type,
        int64_t open_raw,
        int64_t high_raw,
        int64_t low_raw,
        int64_t close_raw,
        uint8_t price_precision,
        int64_t volume_raw,
        uint8_t size_precision,
        int64_t ts_event,
        int64_t ts_init,
    )
