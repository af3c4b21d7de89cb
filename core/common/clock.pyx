"""Clocks and timers: the kernel's only source of time.

A `Clock` gives the time in UNIX nanoseconds and runs named timers (repeating) and alerts
(one-shot). `TestClock` is moved by the backtest loop, so nothing in a backtest reads the wall
clock; `LiveClock` reads wall time and fires timers on an asyncio event loop.

Timers sit in one binary min-heap keyed by ``(next fire time, insertion sequence)``; timers
due at the same time fire in the order they were set, in every process. The name-to-timer dict
is used for lookup only, never iterated for ordering.

==========================  ===================================================================
rule                        behaviour
==========================  ===================================================================
first fire of a timer       ``start + interval``, or ``start`` with ``fire_immediately=True``;
                            ``start`` defaults to now
past first fire             ``allow_past=True``: skip to the first ``start + k*interval >= now``;
                            ``allow_past=False``: `ValidationError`
stop time                   the last fire is the last occurrence ``<= stop_time``; a stop time
                            before the first fire is a `ValidationError`
past alert time             ``allow_past=True``: fires at now; ``allow_past=False``: error
expired timer               removed; its name can be reused
==========================  ===================================================================
"""

import asyncio
import datetime as _dt

import cython

from cpython.datetime cimport datetime, timedelta
from libc.stdint cimport INT64_MAX, int64_t
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

from core.model.uuid cimport UUID4, UUIDFactory

from core.errors import FlotillaError, InvalidTypeError, ValidationError

cdef object _UTC = _dt.timezone.utc
cdef object _EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


class EventLoopError(FlotillaError, RuntimeError):
    """A `LiveClock` timer was set with no event loop to run it on."""


cdef inline int64_t _wall_ns() noexcept:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return <int64_t>ts.tv_sec * 1_000_000_000 + ts.tv_nsec


cdef int64_t _timedelta_to_ns(object value, str where) except? -1:
    if not isinstance(value, _dt.timedelta):
        raise InvalidTypeError(
            f"{where}: invalid type {type(value).__name__}, expected datetime.timedelta"
        )
    cdef timedelta td = <timedelta>value
    return (
        (<int64_t>td.days * 86_400 + td.seconds) * 1_000_000_000
        + <int64_t>td.microseconds * 1_000
        + <int64_t>getattr(value, "nanoseconds", 0)
    )


cdef int64_t _datetime_to_ns(object value, str where) except? -1:
    if not isinstance(value, _dt.datetime):
        raise InvalidTypeError(
            f"{where}: invalid type {type(value).__name__}, expected datetime.datetime"
        )
    if (<datetime>value).tzinfo is None:
        raise ValidationError(
            f"{where}: invalid value {value!r}, expected a timezone-aware datetime "
            f"such as datetime(2024, 1, 1, tzinfo=timezone.utc)"
        )
    return _timedelta_to_ns(value - _EPOCH, where) + <int64_t>getattr(value, "nanosecond", 0)


cdef int _check_name(object name, str where) except -1:
    if not isinstance(name, str):
        raise InvalidTypeError(f"{where}.name: invalid type {type(name).__name__}, expected str")
    if not name:
        raise ValidationError(f"{where}.name: invalid value '', expected a non-empty string")
    return 0


cdef inline bint _before(_Timer a, _Timer b) noexcept:
    return a.next_time_ns < b.next_time_ns or (
        a.next_time_ns == b.next_time_ns and a.sequence < b.sequence
    )


@cython.freelist(64)
cdef class TimeEvent:
    """A timer or alert firing.

    Parameters
    ----------
    name : str
        The timer's name.
    event_id : UUID4
        The event's unique id.
    ts_event : int
        When the timer was due (UNIX nanoseconds).
    ts_init : int
        When the event was created (UNIX nanoseconds).

    Raises
    ------
    ValidationError
        If `name` is empty.
    """

    def __init__(self, name, UUID4 event_id not None, int64_t ts_event, int64_t ts_init):
        _check_name(name, "TimeEvent")
        self.name = name
        self.event_id = event_id
        self.ts_event = ts_event
        self.ts_init = ts_init

    @staticmethod
    cdef TimeEvent create_c(str name, UUID4 event_id, int64_t ts_event, int64_t ts_init):
        cdef TimeEvent event = TimeEvent.__new__(TimeEvent)
        event.name = name
        event.event_id = event_id
        event.ts_event = ts_event
        event.ts_init = ts_init
        return event

    def __eq__(self, other):
        if not isinstance(other, TimeEvent):
            return NotImplemented
        return self.event_id == (<TimeEvent>other).event_id

    def __hash__(self):
        return hash(self.event_id)

    def __reduce__(self):
        return (TimeEvent, (self.name, self.event_id, self.ts_event, self.ts_init))

    def __repr__(self):
        return (
            f"TimeEvent(name={self.name!r}, event_id={self.event_id}, "
            f"ts_event={self.ts_event}, ts_init={self.ts_init})"
        )


@cython.freelist(64)
cdef class TimeEventHandler:
    """A `TimeEvent` paired with the callable that receives it.

    Parameters
    ----------
    event : TimeEvent
        The event.
    callback : callable
        Called as ``callback(event)`` by `handle`.
    """

    def __init__(self, TimeEvent event not None, callback):
        if not callable(callback):
            raise InvalidTypeError(
                f"TimeEventHandler.callback: invalid value {callback!r}, expected a callable"
            )
        self.event = event
        self.callback = callback

    cpdef void handle(self) except *:
        """Call the callback with the event."""
        self.callback(self.event)

    def __repr__(self):
        return f"TimeEventHandler(event={self.event!r}, callback={self.callback!r})"


@cython.final
cdef class _Timer:
    """One scheduled timer or alert (internal to the clock)."""


cdef class Clock:
    """The base of `TestClock` and `LiveClock`: time queries and the timer heap.

    Subclasses provide `timestamp_ns`, the source of event ids and what happens when the
    earliest deadline changes.
    """

    def __init__(self):
        self._timers = {}
        self._heap = []
        self._next_sequence = 0
        self._default_handler = None

    # -- time ------------------------------------------------------------------------------

    cpdef int64_t timestamp_ns(self) except? -1:
        """Return the current time in UNIX nanoseconds."""
        raise NotImplementedError(f"{type(self).__name__}.timestamp_ns must be implemented")

    def timestamp(self):
        """Return the current time in UNIX seconds (float)."""
        return self.timestamp_ns() / 1e9

    def timestamp_ms(self):
        """Return the current time in UNIX milliseconds (int, floored)."""
        return self.timestamp_ns() // 1_000_000

    def utc_now(self):
        """Return the current time as a timezone-aware UTC datetime (microsecond precision)."""
        return _EPOCH + _dt.timedelta(microseconds=self.timestamp_ns() // 1_000)

    # -- timers ----------------------------------------------------------------------------

    @property
    def timer_names(self):
        """The names of the active timers and alerts, sorted."""
        return sorted(self._timers)

    @property
    def timer_count(self):
        """The number of active timers and alerts."""
        return len(self._timers)

    cpdef int64_t next_event_time_ns(self):
        """Return the earliest due time over all timers, or INT64_MAX if there are none."""
        if not self._heap:
            return INT64_MAX
        return (<_Timer>self._heap[0]).next_time_ns

    def next_time_ns(self, str name):
        """Return when the timer `name` fires next (UNIX nanoseconds).

        Raises
        ------
        ValidationError
            If no active timer is called `name`.
        """
        timer = self._timers.get(name)
        if timer is None:
            raise ValidationError(
                f"{type(self).__name__}.next_time_ns: no active timer named {name!r}; "
                f"active timers: {self.timer_names}"
            )
        return (<_Timer>timer).next_time_ns

    def register_default_handler(self, callback):
        """Receive the events of timers that were set without a callback.

        Raises
        ------
        InvalidTypeError
            If `callback` is not callable.
        """
        if not callable(callback):
            raise InvalidTypeError(
                f"{type(self).__name__}.register_default_handler.callback: invalid value "
                f"{callback!r}, expected a callable taking a TimeEvent"
            )
        self._default_handler = callback

    cdef object _resolve_callback(self, object callback, str where):
        if callback is None:
            if self._default_handler is None:
                raise ValidationError(
                    f"{where}.callback: no callback given and no default handler registered; "
                    f"pass callback=... or call register_default_handler() first"
                )
            return self._default_handler
        if not callable(callback):
            raise InvalidTypeError(
                f"{where}.callback: invalid value {callback!r}, expected a callable"
            )
        return callback

    cdef int _check_new_name(self, object name, str where) except -1:
        _check_name(name, where)
        if name in self._timers:
            raise ValidationError(
                f"{where}.name: a timer named {name!r} is already active; cancel it first or "
                f"choose another name"
            )
        return 0

    def set_timer(
        self,
        name,
        interval,
        start_time=None,
        stop_time=None,
        callback=None,
        bint allow_past=True,
        bint fire_immediately=False,
    ):
        """Set a repeating timer.

        Parameters
        ----------
        name : str
            A name unique among the active timers and alerts.
        interval : datetime.timedelta
            The time between fires; positive.
        start_time : datetime.datetime, optional
            Timezone-aware anchor of the schedule; now if omitted.
        stop_time : datetime.datetime, optional
            Timezone-aware time after which the timer no longer fires.
        callback : callable, optional
            Receives each `TimeEvent`; the default handler if omitted.
        allow_past : bool, default True
            Whether a first fire time before now is skipped forward (True) or an error.
        fire_immediately : bool, default False
            Whether the first fire is at `start_time` rather than one interval later.

        Raises
        ------
        ValidationError, InvalidTypeError
            See `set_timer_ns`.
        """
        where = f"{type(self).__name__}.set_timer"
        self.set_timer_ns(
            name,
            _timedelta_to_ns(interval, f"{where}.interval"),
            0 if start_time is None else _datetime_to_ns(start_time, f"{where}.start_time"),
            0 if stop_time is None else _datetime_to_ns(stop_time, f"{where}.stop_time"),
            callback,
            allow_past,
            fire_immediately,
        )

    def set_timer_ns(
        self,
        name,
        int64_t interval_ns,
        int64_t start_time_ns,
        int64_t stop_time_ns,
        callback=None,
        bint allow_past=True,
        bint fire_immediately=False,
    ):
        """Set a repeating timer with nanosecond times.

        Parameters
        ----------
        name : str
            A name unique among the active timers and alerts.
        interval_ns : int
            The time between fires in nanoseconds; positive.
        start_time_ns : int
            The anchor of the schedule (UNIX ns); 0 means now.
        stop_time_ns : int
            The time after which the timer no longer fires (UNIX ns); 0 means never.
        callback : callable, optional
            Receives each `TimeEvent`; the default handler if omitted.
        allow_past : bool, default True
            Whether a first fire time before now is skipped forward (True) or an error.
        fire_immediately : bool, default False
            Whether the first fire is at the start time rather than one interval later.

        Raises
        ------
        ValidationError
            If `name` is empty or already active, `interval_ns` is not positive, the first fire
            time is in the past with ``allow_past=False``, `stop_time_ns` is before the first
            fire time, or there is no callback and no default handler.
        InvalidTypeError
            If `name` is not a str or `callback` not callable.
        """
        cdef str where = f"{type(self).__name__}.set_timer"
        self._check_new_name(name, where)
        if interval_ns <= 0:
            raise ValidationError(
                f"{where} {name!r}: interval_ns={interval_ns}, expected a positive duration"
            )
        callback = self._resolve_callback(callback, f"{where} {name!r}")
        cdef int64_t now = self.timestamp_ns()
        cdef int64_t start = start_time_ns if start_time_ns != 0 else now
        cdef int64_t first = start if fire_immediately else start + interval_ns
        if first < now:
            if not allow_past:
                raise ValidationError(
                    f"{where} {name!r}: first fire time {first} is before now {now}; pass a "
                    f"later start_time_ns or allow_past=True to skip to the next occurrence"
                )
            first += ((now - first + interval_ns - 1) // interval_ns) * interval_ns
        if stop_time_ns != 0 and stop_time_ns < first:
            raise ValidationError(
                f"{where} {name!r}: stop_time_ns={stop_time_ns} is before the first fire time "
                f"{first}, so the timer would never fire; expected a stop time >= {first}"
            )
        self._add_timer(name, callback, interval_ns, first, stop_time_ns)

    def set_time_alert(self, name, alert_time, callback=None, bint allow_past=True):
        """Set a one-shot alert.

        Parameters
        ----------
        name : str
            A name unique among the active timers and alerts.
        alert_time : datetime.datetime
            Timezone-aware time to fire at.
        callback : callable, optional
            Receives the `TimeEvent`; the default handler if omitted.
        allow_past : bool, default True
            Whether an alert time before now fires at now (True) or is an error.

        Raises
        ------
        ValidationError, InvalidTypeError
            See `set_time_alert_ns`.
        """
        self.set_time_alert_ns(
            name,
            _datetime_to_ns(alert_time, f"{type(self).__name__}.set_time_alert.alert_time"),
            callback,
            allow_past,
        )

    def set_time_alert_ns(self, name, int64_t alert_time_ns, callback=None, bint allow_past=True):
        """Set a one-shot alert at UNIX nanoseconds.

        Parameters
        ----------
        name : str
            A name unique among the active timers and alerts.
        alert_time_ns : int
            When to fire (UNIX ns).
        callback : callable, optional
            Receives the `TimeEvent`; the default handler if omitted.
        allow_past : bool, default True
            Whether an alert time before now fires at now (True) or is an error.

        Raises
        ------
        ValidationError
            If `name` is empty or already active, the alert time is in the past with
            ``allow_past=False``, or there is no callback and no default handler.
        InvalidTypeError
            If `name` is not a str or `callback` not callable.
        """
        cdef str where = f"{type(self).__name__}.set_time_alert"
        self._check_new_name(name, where)
        callback = self._resolve_callback(callback, f"{where} {name!r}")
        cdef int64_t now = self.timestamp_ns()
        if alert_time_ns < now:
            if not allow_past:
                raise ValidationError(
                    f"{where} {name!r}: alert_time_ns={alert_time_ns} is before now {now}; "
                    f"pass a later time or allow_past=True to fire at now"
                )
            alert_time_ns = now
        self._add_timer(name, callback, 0, alert_time_ns, 0)

    def cancel_timer(self, str name):
        """Cancel the timer or alert `name`.

        Returns
        -------
        bool
            True if a timer was cancelled, False if none was active under that name (for
            example because it already expired).
        """
        timer = self._timers.pop(name, None)
        if timer is None:
            return False
        self._heap_remove(<_Timer>timer)
        self._schedule_changed()
        return True

    def cancel_timers(self):
        """Cancel every timer and alert."""
        cdef _Timer timer
        for timer in self._heap:
            timer.heap_index = -1
        self._heap.clear()
        self._timers.clear()
        self._schedule_changed()

    # -- internals -------------------------------------------------------------------------

    cdef UUID4 _next_event_id(self):
        return UUID4()

    cdef void _schedule_changed(self) except *:
        # TestClock needs nothing: its owner asks for due events. LiveClock reschedules.
        return

    cdef void _add_timer(
        self, str name, object callback, int64_t interval_ns, int64_t first_time_ns,
        int64_t stop_time_ns,
    ) except *:
        cdef _Timer timer = _Timer.__new__(_Timer)
        timer.name = name
        timer.callback = callback
        timer.interval_ns = interval_ns
        timer.stop_time_ns = stop_time_ns
        timer.next_time_ns = first_time_ns
        timer.sequence = self._next_sequence
        timer.heap_index = -1
        self._next_sequence += 1
        self._timers[name] = timer
        self._heap_push(timer)
        self._schedule_changed()

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef void _sift_up(self, Py_ssize_t i):
        cdef list heap = self._heap
        cdef _Timer item = <_Timer>heap[i]
        cdef _Timer parent
        cdef Py_ssize_t p
        while i > 0:
            p = (i - 1) >> 1
            parent = <_Timer>heap[p]
            if not _before(item, parent):
                break
            heap[i] = parent
            parent.heap_index = i
            i = p
        heap[i] = item
        item.heap_index = i

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef void _sift_down(self, Py_ssize_t i):
        cdef list heap = self._heap
        cdef Py_ssize_t n = len(heap)
        cdef _Timer item = <_Timer>heap[i]
        cdef _Timer child
        cdef Py_ssize_t c
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and _before(<_Timer>heap[c + 1], <_Timer>heap[c]):
                c += 1
            child = <_Timer>heap[c]
            if not _before(child, item):
                break
            heap[i] = child
            child.heap_index = i
            i = c
        heap[i] = item
        item.heap_index = i

    cdef void _heap_push(self, _Timer timer):
        self._heap.append(timer)
        self._sift_up(len(self._heap) - 1)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef _Timer _heap_pop(self):
        cdef list heap = self._heap
        cdef _Timer top = <_Timer>heap[0]
        cdef _Timer last = <_Timer>heap.pop()
        if heap:
            heap[0] = last
            self._sift_down(0)
        top.heap_index = -1
        return top

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef void _heap_remove(self, _Timer timer):
        cdef list heap = self._heap
        cdef Py_ssize_t i = timer.heap_index
        cdef _Timer last = <_Timer>heap.pop()
        timer.heap_index = -1
        if last is timer:
            return
        heap[i] = last
        last.heap_index = i
        self._sift_up(i)
        self._sift_down(last.heap_index)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef void _collect_due(self, int64_t to_time_ns, int64_t ts_init, list out) except *:
        # ts_init < 0: stamp each event with its own due time (TestClock).
        cdef _Timer timer
        cdef TimeEventHandler handler
        cdef int64_t due
        while self._heap:
            timer = <_Timer>self._heap[0]
            due = timer.next_time_ns
            if due > to_time_ns:
                break
            handler = TimeEventHandler.__new__(TimeEventHandler)
            handler.event = TimeEvent.create_c(
                timer.name, self._next_event_id(), due, due if ts_init < 0 else ts_init
            )
            handler.callback = timer.callback
            out.append(handler)
            if timer.interval_ns > 0 and (
                timer.stop_time_ns == 0 or due + timer.interval_ns <= timer.stop_time_ns
            ):
                timer.next_time_ns = due + timer.interval_ns
                self._sift_down(0)
            else:
                self._heap_pop()
                del self._timers[timer.name]


cdef class TestClock(Clock):
    """A clock moved by its owner; the backtest's only time source.

    Parameters
    ----------
    start_time_ns : int, default 0
        The initial time (UNIX nanoseconds).
    uuid_factory : UUIDFactory, optional
        The source of event ids; ``UUIDFactory(0)`` if omitted, so runs are reproducible.

    Notes
    -----
    `advance_time` only returns the due handlers; the caller runs them, normally after
    setting the clock to each event's ``ts_event`` so callbacks see the time they were due.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, int64_t start_time_ns=0, UUIDFactory uuid_factory=None):
        Clock.__init__(self)
        self._time_ns = start_time_ns
        self._uuid_factory = uuid_factory if uuid_factory is not None else UUIDFactory(0)

    cpdef int64_t timestamp_ns(self) except? -1:
        """Return the clock's current time in UNIX nanoseconds."""
        return self._time_ns

    cdef UUID4 _next_event_id(self):
        return self._uuid_factory.generate()

    cdef void set_time_c(self, int64_t to_time_ns):
        self._time_ns = to_time_ns

    def set_time(self, int64_t to_time_ns):
        """Set the time without firing timers (timers due before it fire on the next advance)."""
        self._time_ns = to_time_ns

    cdef list advance_time_c(self, int64_t to_time_ns, bint set_time):
        cdef list handlers = []
        if self._heap and (<_Timer>self._heap[0]).next_time_ns <= to_time_ns:
            self._collect_due(to_time_ns, -1, handlers)
        if set_time:
            self._time_ns = to_time_ns
        return handlers

    def advance_time(self, int64_t to_time_ns, bint set_time=True):
        """Move time forward and return the timer events due up to and including it.

        Parameters
        ----------
        to_time_ns : int
            The new time (UNIX nanoseconds); not before the current time.
        set_time : bool, default True
            Whether to set the clock to `to_time_ns` (False leaves that to the caller).

        Returns
        -------
        list[TimeEventHandler]
            Every due occurrence of every timer, ordered by (due time, order the timers were
            set); repeating timers contribute each occurrence.

        Raises
        ------
        ValidationError
            If `to_time_ns` is before the current time.
        """
        if to_time_ns < self._time_ns:
            raise ValidationError(
                f"TestClock.advance_time: to_time_ns={to_time_ns} is before the current time "
                f"{self._time_ns}; time only moves forward (use set_time to reset a clock)"
            )
        return self.advance_time_c(to_time_ns, set_time)

    def __repr__(self):
        return f"TestClock(time_ns={self._time_ns}, timers={self.timer_count})"


cdef class LiveClock(Clock):
    """A wall clock firing its timers on an asyncio event loop.

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop, optional
        The loop to schedule on; if omitted, the loop running when a timer is set.

    Notes
    -----
    One ``loop.call_at`` handle is kept, for the earliest deadline. When it fires, every
    due occurrence is collected first (in (time, insertion) order), the handle is rescheduled,
    and then the callbacks run on the loop's thread. A callback that raises is reported to
    the loop's exception handler and does not stop the others.
    """

    def __init__(self, loop=None):
        Clock.__init__(self)
        self._loop = loop
        self._handle = None
        self._scheduled_ns = INT64_MAX

    cpdef int64_t timestamp_ns(self) except? -1:
        """Return the wall time in UNIX nanoseconds (the same source as ``time.time_ns()``)."""
        return _wall_ns()

    cdef void _add_timer(
        self, str name, object callback, int64_t interval_ns, int64_t first_time_ns,
        int64_t stop_time_ns,
    ) except *:
        if self._loop is None:
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError as err:
                raise EventLoopError(
                    f"LiveClock timer {name!r}: no asyncio event loop is running; set timers "
                    f"from a coroutine or callback on the loop, or pass LiveClock(loop=...)"
                ) from err
        Clock._add_timer(self, name, callback, interval_ns, first_time_ns, stop_time_ns)

    cdef void _schedule_changed(self) except *:
        cdef int64_t next_ns = self.next_event_time_ns()
        if next_ns == self._scheduled_ns and self._handle is not None:
            return
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._scheduled_ns = next_ns
        if next_ns == INT64_MAX:
            return
        cdef int64_t delay_ns = next_ns - _wall_ns()
        if delay_ns < 0:
            delay_ns = 0
        self._handle = self._loop.call_at(self._loop.time() + delay_ns / 1e9, self._fire)

    def _fire(self):
        self._on_deadline()

    cdef void _on_deadline(self) except *:
        self._handle = None
        self._scheduled_ns = INT64_MAX
        cdef int64_t now = _wall_ns()
        cdef list handlers = []
        self._collect_due(now, now, handlers)
        self._schedule_changed()
        cdef TimeEventHandler handler
        for handler in handlers:
            try:
                handler.handle()
            except Exception as err:  # a component boundary: report, keep the clock running
                self._loop.call_exception_handler({
                    "message": f"LiveClock: callback of timer {handler.event.name!r} raised",
                    "exception": err,
                })

    def __repr__(self):
        return f"LiveClock(timers={self.timer_count})"
