# The C surface of the moving averages. The kernel cimports these and calls the handlers
# (declared on `Indicator` in base.pxd) and `update_raw` through C.

from core.indicators.base cimport Indicator
from core.model.enums cimport PriceType


cdef class MovingAverage(Indicator):
    cdef readonly int period
    """Number of inputs the average spans (≥ 1)."""
    cdef readonly PriceType price_type
    """Which quote price feeds the average: BID, ASK or MID (LAST for trades and bars)."""
    cdef readonly double value
    """The current average; 0.0 before the first input."""


cdef class ExponentialMovingAverage(MovingAverage):
    cdef readonly double alpha
    """Weight of the newest input, ``2 / (period + 1)``."""
    cdef double _decay


cdef class SimpleMovingAverage(MovingAverage):
    cdef double* _window
    cdef int _head
    cdef double _sum
