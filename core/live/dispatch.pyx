"""The per-event work of a sandbox or live node, in C.

`LiveDispatcher.on_data` does for one data point what the backtest loop does for it
(`core.backtest.loop`), at the node's clock time instead of the data's:

1. every simulated venue expires its GTD orders due now;
2. if the DataEngine accepts the point, its venue (a sandbox venue, if any) updates its book
   and matches resting orders, then the point is published to strategies;
3. commands queued for now are settled, repeatedly, until none remain.

So a sandbox node fed the backtest's data in the backtest's order, with zero venue latency,
makes the backtest's decisions and fills (`tests/integration/test_sandbox_node.py`).

`StreamMerger` yields the data of a backtest's streams in the backtest's order
(``(ts_init, stream order)``); `SandboxExecutionClient` sends commands to a simulated venue and
tells the node a command is waiting, so one sent from a timer is settled too.
"""

import cython

from libc.stdint cimport INT64_MAX, int64_t

from core.backtest.exchange cimport SimulatedExchange
from core.backtest.stream cimport DataStream, ListStream
from core.common.clock cimport Clock
from core.data.engine cimport DataEngine
from core.execution.client cimport ExecutionClient
from core.model.commands cimport CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from core.model.data cimport Bar, Data, QuoteTick, TradeTick
from core.model.identifiers cimport ClientId

from core.errors import ValidationError


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
cdef class StreamMerger:
    """The data of `streams` in the backtest loop's order: lowest ``ts_init`` first, the
    earlier stream on a tie.

    Parameters
    ----------
    streams : list[DataStream]
        Positioned at their start (`DataStream.seek`). In-memory list streams are refused:
        their objects are the caller's, and a replay restamps what it emits.
    """

    def __init__(self, list streams not None):
        for i, stream in enumerate(streams):
            if not isinstance(stream, DataStream):
                raise ValidationError(
                    f"StreamMerger.streams[{i}]: invalid value {stream!r}, expected a DataStream"
                )
            if isinstance(stream, ListStream):
                raise ValidationError(
                    f"StreamMerger.streams[{i}]: an in-memory list of data objects, expected "
                    f"columns or a catalog (a replay restamps the objects it emits)"
                )
        self._streams = list(streams)
        self.emitted = 0

    cpdef int64_t head_ts(self):
        """``ts_init`` of the next data point, INT64_MAX when every stream is exhausted."""
        cdef int64_t best = INT64_MAX
        cdef DataStream stream
        for s in self._streams:
            stream = s
            if stream.head_ts < best:
                best = stream.head_ts
        return best

    cpdef Data next(self):
        """Return the next data point, or None when every stream is exhausted."""
        cdef DataStream best = None
        cdef DataStream stream
        cdef int64_t best_ts = INT64_MAX
        for s in self._streams:
            stream = s
            if stream.head_ts < best_ts:
                best = stream
                best_ts = stream.head_ts
        if best is None:
            return None
        self.emitted += 1
        return best.next_c()


@cython.final
cdef class SandboxExecutionClient(ExecutionClient):
    """Sends commands to a simulated venue running on a live feed (paper trading).

    `set_listener(callback)`: ``callback()`` runs after each command is queued, so the node
    can settle commands sent outside a data event (timers, the shell).
    """

    def __init__(self, SimulatedExchange exchange not None, account_id):
        ExecutionClient.__init__(
            self, ClientId(exchange.venue.value), exchange.venue, account_id, exchange.oms_type,
            exchange.account_type,
        )
        self._exchange = exchange
        self._listener = None
        self.commands = 0

    def set_listener(self, callback):
        if callback is not None and not callable(callback):
            raise ValidationError(
                f"SandboxExecutionClient.set_listener: invalid value {callback!r}, expected a "
                f"callable or None"
            )
        self._listener = callback

    cdef void _queue(self, object command) except *:
        self._exchange.send(command)
        self.commands += 1
        if self._listener is not None:
            self._listener()

    cdef void submit_order(self, SubmitOrder command) except *:
        self._queue(command)

    cdef void modify_order(self, ModifyOrder command) except *:
        self._queue(command)

    cdef void cancel_order(self, CancelOrder command) except *:
        self._queue(command)

    cdef void cancel_all_orders(self, CancelAllOrders command) except *:
        self._queue(command)


@cython.final
cdef class LiveDispatcher:
    """Hands data to the simulated venues and the DataEngine at the clock's time (see the
    module docstring).

    Parameters
    ----------
    data_engine : DataEngine
    clock : Clock
        The node's clock (a `LiveClock`).
    exchanges : list[SimulatedExchange]
        The sandbox venues (empty for a node trading only real venues).
    restamp : bool, default True
        Set each data point's ``ts_init`` to the clock's time before dispatching it (a replay:
        the data was recorded at another time). The objects must be the dispatcher's to change
        (fresh from a stream), never shared.
    """

    def __init__(self, DataEngine data_engine not None, Clock clock not None,
                 list exchanges not None, bint restamp=True):
        self._data_engine = data_engine
        self._clock = clock
        self._exchanges = list(exchanges)
        self._venue_exchange = {(<SimulatedExchange>e).venue: e for e in self._exchanges}
        self.restamp = restamp
        self.events = 0
        self.accepted = 0

    cpdef void on_data(self, Data data) except *:
        """Dispatch one data point now: venues expire and match, strategies see it, commands
        it caused are settled."""
        cdef int64_t ts = self._clock.timestamp_ns()
        cdef SimulatedExchange exchange
        self.events += 1
        if self.restamp:
            data.ts_init = ts
        for e in self._exchanges:
            (<SimulatedExchange>e).expire_orders(ts)
        if self._data_engine.accept(data):
            self.accepted += 1
            if self._exchanges:
                exchange = self._venue_exchange.get(_venue_of(data))
                if exchange is not None:
                    exchange.process_data(data)
            self._data_engine.publish(data)
        self._settle()

    cpdef void settle(self) except *:
        """Process every command due by now (e.g. one a timer sent)."""
        self._settle()

    cpdef int64_t next_command_time(self):
        """When the next queued command reaches its venue (INT64_MAX: none queued)."""
        cdef int64_t t = INT64_MAX
        cdef int64_t candidate
        for e in self._exchanges:
            candidate = (<SimulatedExchange>e).next_command_time()
            if candidate < t:
                t = candidate
        return t

    cdef void _settle(self) except *:
        # Wall time moves while commands are processed: a command is queued at the time it
        # was sent (plus the venue's latency), so "now" is read again on every pass, or a
        # command sent during this event would wait for the next one (not the backtest's
        # behaviour: there, time stands still within an event).
        cdef bint again = True
        cdef SimulatedExchange exchange
        cdef int64_t ts
        while again:
            again = False
            ts = self._clock.timestamp_ns()
            for e in self._exchanges:
                exchange = e
                if exchange.next_command_time() <= ts:
                    exchange.process_commands(ts)
                    again = True
