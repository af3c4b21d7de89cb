"""Data streams for the backtest loop: object lists and columnar int64 arrays (whole or chunked).

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

from core.model.data cimport Bar, BarType, Data, QuoteTick, TradeTick
from core.model.enums cimport AggressorSide
from core.model.identifiers cimport InstrumentId, TradeId

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


@cython.final
cdef class ObjectChunkStream(DataStream):
    """Data objects read in chunks (lists sorted by ``ts_init``) from a source, one chunk held
    at a time: for data without a columnar form (order book deltas, custom data).

    Parameters
    ----------
    source : callable
        Returns a fresh iterator of lists of `Data`; called again by ``reset()``.
    priority : int

    An object whose ``ts_init`` goes back in time (within or across chunks) is dropped and
    counted; an item that is not `Data` raises `DataError`.
    """

    def __init__(self, source not None, int priority=0):
        if not callable(source):
            raise DataError(
                f"ObjectChunkStream: source {source!r} is not callable, expected a function "
                f"returning an iterator of lists of Data"
            )
        self._source = source
        self.priority = priority
        self.drop_reasons = {}
        self.reset()

    cpdef void reset(self) except *:
        self.dropped_count = 0
        self.drop_reasons = {}
        self.length = 0
        self._last_ts = -1
        self._chunk = []
        self._index = 0
        self._chunks = iter(self._source())
        self._advance()

    cdef void _advance(self) except *:
        cdef Data item
        while True:
            while self._index < len(self._chunk):
                obj = self._chunk[self._index]
                if not isinstance(obj, Data):
                    raise DataError(
                        f"ObjectChunkStream: item {obj!r} is {type(obj).__name__}, expected a "
                        f"Data object"
                    )
                item = <Data>obj
                if item.ts_init < self._last_ts:
                    self._drop("ts_init going backwards")
                    self._index += 1
                    continue
                self.head_ts = item.ts_init
                return
            if self._chunks is None:
                break
            nxt = next(self._chunks, None)
            if nxt is None:
                self._chunks = None
                break
            self._chunk = list(nxt)
            self._index = 0
            self.length += len(self._chunk)
        self._chunk = []
        self._index = 0
        self.head_ts = INT64_MAX

    cdef Data next_c(self):
        cdef Data item = <Data>self._chunk[self._index]
        self._index += 1
        self._last_ts = item.ts_init
        self._advance()
        return item


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


cdef object _mapping(object chunk):
    """Return a name -> array mapping from a pyarrow Table/RecordBatch or a mapping."""
    if hasattr(chunk, "column_names") and hasattr(chunk, "column"):
        return {name: chunk.column(name).to_numpy(zero_copy_only=False)
                for name in chunk.column_names}
    if isinstance(chunk, dict):
        return chunk
    raise DataError(
        f"columnar data: chunk of type {type(chunk).__name__}, expected a pyarrow Table or "
        f"RecordBatch or a dict of int64 arrays"
    )


cdef class ArrayStream(DataStream):
    """Base of columnar streams: whole columns, or chunks pulled from a source as consumed.

    With ``source`` (a callable returning a fresh iterator of chunks: pyarrow RecordBatches or
    Tables, or mappings of arrays), only one chunk is held at a time, so memory does not grow
    with the data set; ``reset()`` calls the source again.
    """

    cdef void _init_source(self, object columns, object source, int price_precision,
                           int size_precision, int priority) except *:
        self._price_precision = price_precision
        self._size_precision = size_precision
        if (columns is None) == (source is None):
            raise DataError("columnar data: expected either columns or a chunk source, not both")
        if source is not None and not callable(source):
            raise DataError(
                f"columnar data: source {source!r} is not callable, expected a function "
                f"returning an iterator of chunks"
            )
        self._source = source
        self._columns = _mapping(columns) if columns is not None else None
        self.priority = priority
        self.drop_reasons = {}
        self.reset()

    cpdef void reset(self) except *:
        self._index = -1
        self._last_ts = -1
        self.dropped_count = 0
        self.drop_reasons = {}
        if self._source is None:
            self._bind(self._columns)
            self.length = self._n
            self._chunks = None
        else:
            self.length = 0
            self._chunks = iter(self._source())
            self._n = 0
        self._advance()

    cdef bint _next_chunk(self) except -1:
        """Bind the next non-empty chunk; return False when the source is exhausted."""
        if self._chunks is None:
            return False
        for chunk in self._chunks:
            self._bind(_mapping(chunk))
            if self._n > 0:
                self.length += self._n
                self._index = -1
                return True
        self._chunks = None
        return False

    cdef void _bind(self, object columns) except *:
        raise NotImplementedError(f"{type(self).__name__} must implement _bind")

    cdef bint _accept(self, Py_ssize_t i) except -1:
        raise NotImplementedError(f"{type(self).__name__} must implement _accept")

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef void _advance(self) except *:
        cdef Py_ssize_t i = self._index + 1
        while True:
            while i < self._n:
                if self._ts_init[i] < self._last_ts:
                    self._drop("ts_init going backwards")
                elif self._accept(i):
                    break
                i += 1
            if i < self._n or not self._next_chunk():
                break
            i = 0
        self._index = i
        self.head_ts = self._ts_init[i] if i < self._n else INT64_MAX


cdef tuple _check_names(object columns, tuple names, str what):
    for name in names:
        if name not in columns:
            raise DataError(
                f"columnar {what}: missing column {name!r}, expected columns {names}"
            )
    return names


@cython.final
cdef class BarArrayStream(ArrayStream):
    """Bars of one bar type from int64 columns (raw prices: value × 10**9).

    Parameters
    ----------
    bar_type : BarType
    columns : mapping, optional
        ``ts_event``, ``ts_init``, ``open``, ``high``, ``low``, ``close``, ``volume`` (int64
        raw), e.g. numpy arrays or a pyarrow Table's columns.
    price_precision, size_precision : int
    priority : int
    source : callable, optional
        Instead of `columns`: returns an iterator of chunks with those columns.
    """

    def __init__(self, BarType bar_type not None, columns, int price_precision,
                 int size_precision, int priority=0, source=None):
        self.bar_type = bar_type
        self._init_source(columns, source, price_precision, size_precision, priority)

    cdef void _bind(self, object columns) except *:
        _check_names(
            columns, ("ts_event", "ts_init", "open", "high", "low", "close", "volume"), "bars"
        )
        cdef Py_ssize_t n = len(columns["ts_init"])
        self._ts_event = _column(columns["ts_event"], "ts_event", n)
        self._ts_init = _column(columns["ts_init"], "ts_init", n)
        self._open = _column(columns["open"], "open", n)
        self._high = _column(columns["high"], "high", n)
        self._low = _column(columns["low"], "low", n)
        self._close = _column(columns["close"], "close", n)
        self._volume = _column(columns["volume"], "volume", n)
        self._n = n

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef bint _accept(self, Py_ssize_t i) except -1:
        cdef int64_t o = self._open[i]
        cdef int64_t h = self._high[i]
        cdef int64_t lo = self._low[i]
        cdef int64_t c = self._close[i]
        if h < lo or o > h or o < lo or c > h or c < lo:
            self._drop("inconsistent OHLC")
            return False
        if self._volume[i] < 0:
            self._drop("negative volume")
            return False
        return True

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
cdef class QuoteArrayStream(ArrayStream):
    """Quotes of one instrument from int64 columns ``ts_event``, ``ts_init``, ``bid``,
    ``ask``, ``bid_size``, ``ask_size`` (raw); `columns` or a chunk `source` as for
    `BarArrayStream`."""

    def __init__(self, InstrumentId instrument_id not None, columns, int price_precision,
                 int size_precision, int priority=0, source=None):
        self.instrument_id = instrument_id
        self._init_source(columns, source, price_precision, size_precision, priority)

    cdef void _bind(self, object columns) except *:
        _check_names(
            columns, ("ts_event", "ts_init", "bid", "ask", "bid_size", "ask_size"), "quotes"
        )
        cdef Py_ssize_t n = len(columns["ts_init"])
        self._ts_event = _column(columns["ts_event"], "ts_event", n)
        self._ts_init = _column(columns["ts_init"], "ts_init", n)
        self._bid = _column(columns["bid"], "bid", n)
        self._ask = _column(columns["ask"], "ask", n)
        self._bid_size = _column(columns["bid_size"], "bid_size", n)
        self._ask_size = _column(columns["ask_size"], "ask_size", n)
        self._n = n

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef bint _accept(self, Py_ssize_t i) except -1:
        if self._bid_size[i] < 0 or self._ask_size[i] < 0:
            self._drop("negative size")
            return False
        return True

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


@cython.final
cdef class TradeArrayStream(ArrayStream):
    """Trades of one instrument from columns ``ts_event``, ``ts_init``, ``price``, ``size``
    (int64 raw), ``aggressor_side`` (the enum's int value) and ``trade_id`` (str); `columns` or
    a chunk `source` as for `BarArrayStream`."""

    def __init__(self, InstrumentId instrument_id not None, columns, int price_precision,
                 int size_precision, int priority=0, source=None):
        self.instrument_id = instrument_id
        self._init_source(columns, source, price_precision, size_precision, priority)

    cdef void _bind(self, object columns) except *:
        _check_names(
            columns, ("ts_event", "ts_init", "price", "size", "aggressor_side", "trade_id"),
            "trades",
        )
        cdef Py_ssize_t n = len(columns["ts_init"])
        self._ts_event = _column(columns["ts_event"], "ts_event", n)
        self._ts_init = _column(columns["ts_init"], "ts_init", n)
        self._price = _column(columns["price"], "price", n)
        self._size = _column(columns["size"], "size", n)
        self._aggressor = _column(columns["aggressor_side"], "aggressor_side", n)
        trade_ids = columns["trade_id"]
        if len(trade_ids) != n:
            raise DataError(
                f"columnar trades: column 'trade_id' has length {len(trade_ids)}, expected {n}"
            )
        self._trade_ids = trade_ids
        self._n = n

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef bint _accept(self, Py_ssize_t i) except -1:
        cdef int64_t side = self._aggressor[i]
        if self._size[i] <= 0:
            self._drop("non-positive size")
            return False
        if side < 0 or side > 2:
            self._drop("invalid aggressor_side")
            return False
        trade_id = self._trade_ids[i]
        if not isinstance(trade_id, str) or not trade_id:
            self._drop("invalid trade_id")
            return False
        return True

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef Data next_c(self):
        cdef Py_ssize_t i = self._index
        cdef TradeTick trade = TradeTick.from_raw_c(
            self.instrument_id, self._price[i], self._price_precision, self._size[i],
            self._size_precision, <AggressorSide>self._aggressor[i],
            TradeId.from_str_c(self._trade_ids[i]), self._ts_event[i], self._ts_init[i],
        )
        self._last_ts = self._ts_init[i]
        self._advance()
        return trade
