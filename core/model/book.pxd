from libc.stdint cimport int64_t, uint8_t, uint64_t

from core.model.data cimport Data
from core.model.enums cimport BookAction, OrderSide
from core.model.identifiers cimport InstrumentId


cdef class BookOrder:
    cdef readonly OrderSide side
    """The side of the order (NO_ORDER_SIDE for the empty order of a CLEAR)."""
    cdef readonly int64_t price_raw
    """The price scaled by 10**9."""
    cdef readonly int64_t size_raw
    """The size scaled by 10**9."""
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision
    cdef readonly uint64_t order_id
    """The venue's order id (L3) or a level key (L2)."""

    @staticmethod
    cdef BookOrder from_raw_c(
        OrderSide side,
        int64_t price_raw,
        uint8_t price_precision,
        int64_t size_raw,
        uint8_t size_precision,
        uint64_t order_id,
    )


cdef class OrderBookDelta(Data):
    cdef readonly InstrumentId instrument_id
    cdef readonly BookAction action
    """ADD, UPDATE, DELETE or CLEAR."""
    cdef readonly BookOrder order
    """The order the action applies to (the empty order for CLEAR)."""
    cdef readonly uint8_t flags
    """Venue record flags (bit field, e.g. last message of an event)."""
    cdef readonly uint64_t sequence
    """The venue's sequence number of the update."""

    @staticmethod
    cdef OrderBookDelta from_raw_c(
        InstrumentId instrument_id,
        BookAction action,
        OrderSide side,
        int64_t price_raw,
        uint8_t price_precision,
        int64_t size_raw,
        uint8_t size_precision,
        uint64_t order_id,
        uint8_t flags,
        uint64_t sequence,
        int64_t ts_event,
        int64_t ts_init,
    )
