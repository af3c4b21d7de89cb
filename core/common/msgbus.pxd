from libc.stdint cimport int64_t, uint64_t

from core.common.clock cimport Clock
from core.common.logging cimport Logger
from core.model.identifiers cimport TraderId


cpdef bint is_matching(str topic, str pattern)


cdef class Subscription:
    cdef readonly str topic
    """The topic or pattern subscribed to (``*`` any sequence, ``?`` one character)."""
    cdef readonly object handler
    """The callable receiving each message."""
    cdef readonly int priority
    """Higher receives first."""
    cdef readonly uint64_t sequence
    """The bus-wide order of subscription, the tie-break at equal priority."""


cdef class MessageBus:
    cdef readonly TraderId trader_id
    """The trader this bus belongs to."""
    cdef readonly str name
    """The bus's name, used in its logger."""
    cdef Clock _clock
    cdef Logger _log
    cdef list _subscriptions       # in subscription order
    cdef dict _topic_cache         # concrete topic -> tuple of handlers, in delivery order
    cdef dict _endpoints           # endpoint -> handler
    cdef dict _correlation_index   # request id (UUID4) -> callback; lookup only
    cdef uint64_t _next_sequence
    cdef readonly int64_t sent_count
    """Messages delivered by `send` (and requests delivered by `request`)."""
    cdef readonly int64_t req_count
    """Requests delivered by `request`."""
    cdef readonly int64_t res_count
    """Responses received by `response` (matched or not)."""
    cdef readonly int64_t pub_count
    """Messages published (whether or not anyone was subscribed)."""
    cdef readonly int64_t unknown_endpoint_count
    """Sends and requests dropped because their endpoint was not registered."""
    cdef readonly int64_t unknown_response_count
    """Responses dropped because no pending request had their correlation id."""

    # For kernel components: the same as publish/send without Python argument parsing.
    # Preconditions: topic/endpoint are not None. Handler errors propagate to the caller.
    cdef void publish_c(self, str topic, object msg) except *
    cdef void send_c(self, str endpoint, object msg) except *

    cdef tuple _resolve(self, str topic)
    cdef void _refresh_cache(self, str pattern) except *
    cdef void _drop_unknown_endpoint(self, str endpoint, object msg, str what) except *
