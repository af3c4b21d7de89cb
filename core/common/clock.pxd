from libc.stdint cimport int64_t, uint64_t

from core.model.uuid cimport UUID4, UUIDFactory


cdef class TimeEvent:
    cdef readonly str name
    """The name of the timer or alert that fired."""
    cdef readonly UUID4 event_id
    """The event's unique id."""
    cdef readonly int64_t ts_event
    """When the timer was due (UNIX nanoseconds)."""
    cdef readonly int64_t ts_init
    """When the event object was created (UNIX nanoseconds)."""

    @staticmethod
    cdef TimeEvent create_c(str name, UUID4 event_id, int64_t ts_event, int64_t ts_init)


cdef class TimeEventHandler:
    cdef readonly TimeEvent event
    """The event to deliver."""
    cdef readonly object callback
    """The callable that receives the event."""

    cpdef void handle(self) except *


cdef class _Timer:
    cdef str name
    cdef object callback
    cdef int64_t interval_ns      # 0 for a one-shot alert
    cdef int64_t stop_time_ns     # 0 for no stop time
    cdef int64_t next_time_ns
    cdef uint64_t sequence        # insertion order, the tie-break at equal times
    cdef Py_ssize_t heap_index    # position in Clock._heap, -1 when not in it


cdef class Clock:
    cdef dict _timers             # name -> _Timer; lookup only, never iterated for order
    cdef list _heap               # binary min-heap of _Timer by (next_time_ns, sequence)
    cdef uint64_t _next_sequence
    cdef object _default_handler

    cpdef int64_t timestamp_ns(self) except? -1
    # The earliest due time over all timers, or INT64_MAX if there are none.
    cpdef int64_t next_event_time_ns(self)

    cdef UUID4 _next_event_id(self)
    cdef object _resolve_callback(self, object callback, str where)
    cdef int _check_new_name(self, object name, str where) except -1
    cdef void _schedule_changed(self) except *
    cdef void _add_timer(
        self, str name, object callback, int64_t interval_ns, int64_t first_time_ns,
        int64_t stop_time_ns,
    ) except *
    cdef void _heap_push(self, _Timer timer)
    cdef _Timer _heap_pop(self)
    cdef void _heap_remove(self, _Timer timer)
    cdef void _sift_up(self, Py_ssize_t i)
    cdef void _sift_down(self, Py_ssize_t i)
    cdef void _collect_due(self, int64_t to_time_ns, int64_t ts_init, list out) except *


cdef class TestClock(Clock):
    cdef int64_t _time_ns
    cdef UUIDFactory _uuid_factory

    # For the backtest loop. set_time_c sets the time without firing timers.
    # advance_time_c returns the due TimeEventHandlers up to to_time_ns in (time, insertion)
    # order; unchecked: precondition to_time_ns >= the current time.
    cdef void set_time_c(self, int64_t to_time_ns)
    cdef list advance_time_c(self, int64_t to_time_ns, bint set_time)


cdef class LiveClock(Clock):
    cdef object _loop
    cdef object _handle
    cdef int64_t _scheduled_ns

    cdef void _on_deadline(self) except *
