"""`BacktestLoop`: the event loop of a backtest, in C.

For each data point, in ``(ts_init, stream priority, index in stream)`` order:

1. timers due strictly before its ``ts_init`` fire, in time order (component clocks in
   registration order at equal times), and commands reaching a venue strictly before it are
   processed, each at its own time;
2. every clock is set to the data point's ``ts_init`` and every venue expires its GTD orders
   due at it (whatever the point's instrument);
3. if the DataEngine accepts the point, the venue updates its book and matches resting orders,
   then the point is published to strategies;
4. commands queued for this time are settled, repeatedly, until none remain (cascades from
   order events included).

So timers exactly at a data timestamp fire after all data at that timestamp.
"""

import cython

from libc.stdint cimport INT64_MAX, int64_t

from core.backtest.exchange cimport SimulatedExchange
from core.backtest.stream cimport DataStream
from core.common.clock cimport TestClock, TimeEventHandler
from core.data.engine cimport DataEngine
from core.model.data cimport Bar, Data, QuoteTick, TradeTick


cdef object _venue_of(Data data):
    cdef object t = type(data)
    if t is Bar:
        return (<Bar>data).bar_type.instrument_id.venue
    if t is QuoteTick:
        return (<QuoteTick>data).instrument_id.venue
    if t is TradeTick:
        return (<TradeTick>data).instrument_id.venue
    return None


@cython.final
cdef class BacktestLoop:
    """Drives streams, clocks, venues and the DataEngine (see the module docstring)."""

    def __init__(self, list streams not None, list clocks not None, list exchanges not None,
                 DataEngine data_engine not None):
        self._streams = streams
        self._clocks = clocks
        self._exchanges = exchanges
        self._venue_exchange = {(<SimulatedExchange>e).venue: e for e in exchanges}
        self._data_engine = data_engine
        self.iterations = 0
        self.last_ts = 0

    cdef void _set_time(self, int64_t ts) except *:
        for clock in self._clocks:
            (<TestClock>clock).set_time_c(ts)

    cdef void _settle(self, int64_t ts) except *:
        cdef bint again = True
        cdef SimulatedExchange exchange
        while again:
            again = False
            for e in self._exchanges:
                exchange = e
                if exchange.next_command_time() <= ts:
                    exchange.process_commands(ts)
                    again = True

    cdef void _advance_to(self, int64_t ts) except *:
        """Fire timers and process commands due strictly before `ts`, in time order."""
        cdef int64_t t
        cdef int64_t candidate
        cdef TestClock clock
        cdef list handlers
        while True:
            t = INT64_MAX
            for c in self._clocks:
                candidate = (<TestClock>c).next_event_time_ns()
                if candidate < t:
                    t = candidate
            for e in self._exchanges:
                candidate = (<SimulatedExchange>e).next_command_time()
                if candidate < t:
                    t = candidate
            if t >= ts:
                return
            self._set_time(t)
            for c in self._clocks:
                clock = c
                if clock.next_event_time_ns() <= t:
                    handlers = clock.advance_time_c(t, True)
                    for h in handlers:
                        (<TimeEventHandler>h).handle()
            self._settle(t)
            self.last_ts = t

    cpdef int64_t run(self, int64_t start_ns, int64_t end_ns) except? -1:
        """Run from `start_ns` to `end_ns` (inclusive); return the last time processed."""
        cdef DataStream best
        cdef DataStream stream
        cdef int64_t best_ts
        cdef Data data
        cdef SimulatedExchange exchange = None
        # Consecutive data almost always share a venue object: compare identity before hashing.
        cdef object venue
        cdef object last_venue = None
        cdef Py_ssize_t n = len(self._streams)
        cdef DataStream only = self._streams[0] if n == 1 else None
        for s in self._streams:
            (<DataStream>s).seek(start_ns)
        while True:
            if only is not None:
                best = only
                best_ts = only.head_ts
            else:
                best = None
                best_ts = INT64_MAX
                for s in self._streams:
                    stream = s
                    if stream.head_ts < best_ts:
                        best = stream
                        best_ts = stream.head_ts
            if best is None or best_ts == INT64_MAX or best_ts > end_ns:
                break
            self._advance_to(best_ts)
            data = best.next_c()
            # Counted before dispatch, so a handler error that stops the run on this event
            # still reports it as processed (and its time as the last one).
            self.iterations += 1
            self.last_ts = best_ts
            self._set_time(best_ts)
            for e in self._exchanges:
                (<SimulatedExchange>e).expire_orders(best_ts)
            if self._data_engine.accept(data):
                venue = _venue_of(data)
                if venue is not last_venue:
                    last_venue = venue
                    exchange = self._venue_exchange.get(venue)
                if exchange is not None:
                    exchange.process_data(data)
                self._data_engine.publish(data)
            self._settle(best_ts)
        if end_ns != INT64_MAX:
            self._advance_to(end_ns + 1)
            self._set_time(end_ns)
            self.last_ts = end_ns
        elif self.iterations > 0:
            # timers exactly at the last data timestamp fire after it, as at any other
            self._advance_to(self.last_ts + 1)
        return self.last_ts

    def settle_now(self):
        """Settle commands queued at the current time (after strategies stop)."""
        self._settle(self.last_ts)
