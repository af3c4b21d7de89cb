"""Data streams for the backtest loop: object lists and columnar int64 arrays.

A stream exposes the ``ts_init`` of its next point (`head_ts`) and hands out one object at a
time; columnar streams build each object from int64 arrays only when the loop consumes it, so
memory does not grow with the number of points consumed. The loop merges streams by
``(ts_init, stream priority)``; a stream's own points keep their order (stable).

Columnar rows are checked as they are consumed: a row whose ``ts_init`` goes backwards, or whose
prices are inconsistent (high < low, open/close outside [low, high], negative size) is dropped
and counted with its reason, never silently.
"""

import cython

import numpy as np

from libc.stdint cimport INT64_MAX, int64_t

from core.model.data cimport Bar, BarType, Data, QuoteTick
from core.model.identifiers cimport InstrumentId

from core.errors import DataError


cdef class DataStream:
    """Base of data streams."""

    cdef Data next_c(self):
        raise NotImplementedError(f"{type(self).__name__} must implement next_c")

    cpdef void reset(self) except *:
        raise NotImplementedError(f"{type(self).__name__} must implement reset")

    cpdef void seek(self, int64_t start_ns) except *:
        """Skip points with ``ts_init`` before `start_ns`."""
        while self.head_ts < start_ns:
            self.next_c()

    cdef void _drop(self, str reason):
        self.dropped_count += 1
        self.drop_reasons[reason] = self.drop_reasons.get(reason, 0) + 1

    def __len__(self):
        return self.length


@cython.final
cdef class ListStream(DataStream):
    """Data objects sorted stably by ``ts_init`` (ties keep the given order)."""

    def __init__(self, list data not None, int priority=0):
        for i, item in enumerate(data):
            if not isinstance(item, Data):
                raise DataError(
                    f"add_data: data[{i}] is {type(item).__name__}, expected a Data object "
                    f"(QuoteTick, TradeTick, Bar or a Data subclass)"
                )
        self._data = sorted(data, key=_ts_init)
        self.priority = priority
        self.length = len(self._data)
        self.drop_reasons = {}
        self.reset()

    cpdef void reset(self) except *:
        self._index = 0
        self.dropped_count = 0
        self.drop_reasons = {}
        self.head_ts = (<Data>self._data[0]).ts_init if self._data else INT64_MAX

    cdef Data next_c(self):
        cdef Data item = self._data[self._index]
        self._index += 1
        self.head_ts = (<Data>self._data[self._index]).ts_init \
            if self._index < len(self._data) else INT64_MAX
        return item

    def bar_types(self):
        """Return the distinct bar types in the stream, in first-seen order."""
        seen = {}
        for item in self._data:
            if type(item) is Bar:
                seen.setdefault((<Bar>item).bar_type, None)
        return list(seen)


def _ts_init(Data data):
    return data.ts_init


cdef const int64_t[::1] _column(object value, str name, Py_ssize_t n) except *:
    cdef object array = np.ascontiguousarray(value, dtype=np.int64)
    if array.ndim != 1 or (n >= 0 and array.shape[0] != n):
        raise DataError(
            f"columnar data: column {name!r} has shape {array.shape}, expected one dimension "
            f"of length {n}"
        )
    return array


@cython.final
cdef class BarArrayStream(DataStream):
    """Bars of one bar type from int64 columns (raw prices: value × 10**9).

    Parameters
    ----------
    bar_type : BarType
    columns : mapping
        ``ts_event``, ``ts_init``, ``open``, ``high``, ``low``, ``close``, ``volume`` (int64
        raw), e.g. numpy arrays or a pyarrow Table's columns.
    price_precision, size_precision : int
    """

    def __init__(self, BarType bar_type not None, columns, int price_precision,
                 int size_precision, int priority=0):
        cdef Py_ssize_t n
        try:
            n = len(columns["ts_init"])
        except KeyError as err:
            raise DataError("columnar bars: missing column 'ts_init'") from err
        names = ("ts_event", "ts_init", "open", "high", "low", "close", "volume")
        for name in names:
            if name not in columns:
                raise DataError(
                    f"columnar bars: missing column {name!r}, expected columns {names}"
                )
        self.bar_type = bar_type
        self._ts_event = _column(columns["ts_event"], "ts_event", n)
        self._ts_init = _column(columns["ts_init"], "ts_init", n)
        self._open = _column(columns["open"], "open", n)
        self._high = _column(columns["high"], "high", n)
        self._low = _column(columns["low"], "low", n)
        self._close = _column(columns["close"], "close", n)
        self._volume = _column(columns["volume"], "volume", n)
        self._price_precision = price_precision
        self._size_precision = size_precision
        self.priority = priority
        self.length = n
        self.drop_reasons = {}
        self.reset()

    cpdef void reset(self) except *:
        self._index = -1
        self._last_ts = -1
        self.dropped_count = 0
        self.drop_reasons = {}
        self._advance()

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef void _advance(self):
        cdef Py_ssize_t i = self._index + 1
        cdef Py_ssize_t n = self._ts_init.shape[0]
        cdef int64_t o, h, lo, c
        while i < n:
            o = self._open[i]
            h = self._high[i]
            lo = self._low[i]
            c = self._close[i]
            if self._ts_init[i] < self._last_ts:
                self._drop("ts_init going backwards")
            elif h < lo or o > h or o < lo or c > h or c < lo:
                self._drop("inconsistent OHLC")
            elif self._volume[i] < 0:
                self._drop("negative volume")
            else:
                break
            i += 1
        self._index = i
        self.head_ts = self._ts_init[i] if i < n else INT64_MAX

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef Data next_c(self):
        cdef Py_ssize_t i = self._index
        cdef Bar bar = Bar.from_raw_c(
            self.bar_type, self._open[i], self._high[i], self._low[i], self._close[i],
            self._price_precision, self._volume[i], self._size_precision, self._ts_event[i],
            self._ts_init[i],
        )
        self._last_ts = self._ts_init[i]
        self._advance()
        return bar


@cython.final
cdef class QuoteArrayStream(DataStream):
    """Quotes of one instrument from int64 columns ``ts_event``, ``ts_init``, ``bid``,
    ``ask``, ``bid_size``, ``ask_size`` (raw)."""

    def __init__(self, InstrumentId instrument_id not None, columns, int price_precision,
                 int size_precision, int priority=0):
        cdef Py_ssize_t n
        names = ("ts_event", "ts_init", "bid", "ask", "bid_size", "ask_size")
        for name in names:
            if name not in columns:
                raise DataError(
                    f"columnar quotes: missing column {name!r}, expected columns {names}"
                )
        n = len(columns["ts_init"])
        self.instrument_id = instrument_id
        self._ts_event = _column(columns["ts_event"], "ts_event", n)
        self._ts_init = _column(columns["ts_init"], "ts_init", n)
        self._bid = _column(columns["bid"], "bid", n)
        self._ask = _column(columns["ask"], "ask", n)
        self._bid_size = _column(columns["bid_size"], "bid_size", n)
        self._ask_size = _column(columns["ask_size"], "ask_size", n)
        self._price_precision = price_precision
        self._size_precision = size_precision
        self.priority = priority
        self.length = n
        self.drop_reasons = {}
        self.reset()

    cpdef void reset(self) except *:
        self._index = -1
        self._last_ts = -1
        self.dropped_count = 0
        self.drop_reasons = {}
        self._advance()

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef void _advance(self):
        cdef Py_ssize_t i = self._index + 1
        cdef Py_ssize_t n = self._ts_init.shape[0]
        while i < n:
            if self._ts_init[i] < self._last_ts:
                self._drop("ts_init going backwards")
            elif self._bid_size[i] < 0 or self._ask_size[i] < 0:
                self._drop("negative size")
            else:
                break
            i += 1
        self._index = i
        self.head_ts = self._ts_init[i] if i < n else INT64_MAX

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef Data next_c(self):
        cdef Py_ssize_t i = self._index
        cdef QuoteTick quote = QuoteTick.from_raw_c(
            self.instrument_id, self._bid[i], self._ask[i], self._price_precision,
            self._bid_size[i], self._ask_size[i], self._size_precision, self._ts_event[i],
            self._ts_init[i],
        )
        self._last_ts = self._ts_init[i]
        self._advance()
        return quote
