# The C surface of `Indicator`, the base of every indicator. The kernel cimports this and calls
# the handlers through C; a subclass overrides `update_raw`, the handlers it accepts and `_reset`.

from libc.stdint cimport int64_t

from core.model.data cimport Bar, QuoteTick, TradeTick


cdef class Indicator:
    cdef readonly str name
    """Class name and parameters, e.g. ``ExponentialMovingAverage(10)``."""
    cdef readonly bint has_inputs
    """Whether any input has been received since construction or the last reset."""
    cdef readonly bint initialized
    """Whether enough inputs have been received for the value to be meaningful."""
    cdef readonly int64_t count
    """Number of inputs received since construction or the last reset."""

    cpdef void handle_quote_tick(self, QuoteTick tick)
    cpdef void handle_trade_tick(self, TradeTick tick)
    cpdef void handle_bar(self, Bar bar)
    cpdef void update_raw(self, double value)
    cpdef void reset(self)
    cpdef void _reset(self)
