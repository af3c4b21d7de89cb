"""The message bus: publish/subscribe by topic, point-to-point endpoints, request/response.

Components never call each other directly; they publish data and events to topics, send
commands to endpoints and correlate requests with responses here.

=====================  ========================================================================
operation              rule
=====================  ========================================================================
subscribe              topic may be a pattern: ``*`` matches any sequence, ``?`` one character;
                       the same handler on the same topic is added once (a repeat is ignored)
publish                delivers to every handler whose pattern matches the topic, ordered by
                       priority (higher first), then by subscription order
topic resolution       once per concrete topic, cached as a tuple of handlers; the cache entries
                       a pattern matches are rebuilt on subscribe/unsubscribe, so publishing
                       never pattern-matches
send                   to the one handler registered at the endpoint; an unknown endpoint is
                       logged at ERROR and counted in ``unknown_endpoint_count``
request / response     the request's ``id`` is remembered with its ``callback``; a response's
                       ``correlation_id`` finds it and the callback receives the response; an
                       unknown correlation id is logged and counted in ``unknown_response_count``
handler errors         propagate to the publisher/sender (the component boundary above decides)
=====================  ========================================================================
"""

import cython

from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject

from core.common.clock cimport Clock
from core.common.logging cimport Logger, LogLevel
from core.model.identifiers cimport TraderId

from core.errors import InvalidTypeError, ValidationError


cpdef bint is_matching(str topic, str pattern):
    """Return whether `topic` matches `pattern` (``*`` any sequence, ``?`` one character).

    Parameters
    ----------
    topic : str
        A concrete topic such as ``data.quotes.SIM.EURUSD``.
    pattern : str
        A topic or pattern such as ``data.quotes.*`` or ``data.quotes.SIM.EUR???``.
    """
    cdef Py_ssize_t t = 0, p = 0, star = -1, mark = 0
    cdef Py_ssize_t n = len(topic), m = len(pattern)
    cdef Py_UCS4 pc
    while t < n:
        if p < m:
            pc = pattern[p]
            if pc == u"*":
                star = p
                mark = t
                p += 1
                continue
            if pc == u"?" or pc == topic[t]:
                t += 1
                p += 1
                continue
        if star < 0:
            return False
        # Backtrack: let the last '*' swallow one more character.
        p = star + 1
        mark += 1
        t = mark
    while p < m and pattern[p] == u"*":
        p += 1
    return p == m


def _delivery_order(Subscription sub):
    return (-sub.priority, sub.sequence)


cdef int _check_topic(object topic, str where) except -1:
    if not isinstance(topic, str):
        raise InvalidTypeError(f"{where}: invalid type {type(topic).__name__}, expected str")
    if not topic:
        raise ValidationError(f"{where}: invalid value '', expected a non-empty string")
    return 0


cdef int _check_handler(object handler, str where) except -1:
    if not callable(handler):
        raise InvalidTypeError(
            f"{where}: invalid value {handler!r} of type {type(handler).__name__}, "
            f"expected a callable taking one message"
        )
    return 0


@cython.final
cdef class Subscription:
    """A handler subscribed to a topic or pattern (read-only view returned by the bus)."""

    def __eq__(self, other):
        if not isinstance(other, Subscription):
            return NotImplemented
        return (
            self.topic == (<Subscription>other).topic
            and self.handler == (<Subscription>other).handler
        )

    def __hash__(self):
        return hash((self.topic, self.handler))

    def __repr__(self):
        return (
            f"Subscription(topic={self.topic!r}, handler={self.handler!r}, "
            f"priority={self.priority})"
        )


cdef class MessageBus:
    """The node's message bus.

    Parameters
    ----------
    trader_id : TraderId
        The trader the bus belongs to.
    clock : Clock
        Stamps the bus's log lines.
    name : str, optional
        The bus's name; ``MessageBus`` if omitted.

    Raises
    ------
    ValidationError
        If `name` is empty.
    """

    def __init__(self, TraderId trader_id not None, Clock clock not None, name=None):
        if name is None:
            name = "MessageBus"
        _check_topic(name, "MessageBus.name")
        self.trader_id = trader_id
        self.name = name
        self._clock = clock
        self._log = Logger(f"{trader_id.value}.{name}", clock)
        self._subscriptions = []
        self._topic_cache = {}
        self._endpoints = {}
        self._correlation_index = {}
        self._next_sequence = 0

    # -- publish / subscribe ---------------------------------------------------------------

    def subscribe(self, topic, handler, int priority=0):
        """Subscribe `handler` to `topic` (a topic or pattern).

        Parameters
        ----------
        topic : str
            A topic or pattern (``*`` any sequence, ``?`` one character).
        handler : callable
            Receives each matching message.
        priority : int, default 0
            Higher priorities receive first; equal priorities in subscription order.

        Raises
        ------
        ValidationError
            If `topic` is empty.
        InvalidTypeError
            If `topic` is not a str or `handler` not callable.

        Notes
        -----
        Subscribing a handler already subscribed to the same topic does nothing (its first
        priority stays).
        """
        _check_topic(topic, "MessageBus.subscribe.topic")
        _check_handler(handler, f"MessageBus.subscribe({topic!r}).handler")
        cdef Subscription sub
        for sub in self._subscriptions:
            if sub.topic == topic and sub.handler == handler:
                self._log.log_c(
                    LogLevel.DEBUG, f"{handler!r} already subscribed to {topic!r}; ignored"
                )
                return
        sub = Subscription.__new__(Subscription)
        sub.topic = topic
        sub.handler = handler
        sub.priority = priority
        sub.sequence = self._next_sequence
        self._next_sequence += 1
        self._subscriptions.append(sub)
        self._refresh_cache(topic)

    def unsubscribe(self, topic, handler):
        """Unsubscribe `handler` from `topic` (exactly as it was subscribed).

        Returns
        -------
        bool
            True if the subscription existed; False (and a WARNING) otherwise.
        """
        _check_topic(topic, "MessageBus.unsubscribe.topic")
        cdef Py_ssize_t i
        cdef Subscription sub
        for i in range(len(self._subscriptions)):
            sub = <Subscription>self._subscriptions[i]
            if sub.topic == topic and sub.handler == handler:
                del self._subscriptions[i]
                self._refresh_cache(topic)
                return True
        self._log.log_c(
            LogLevel.WARNING, f"cannot unsubscribe {handler!r} from {topic!r}: not subscribed"
        )
        return False

    def is_subscribed(self, topic, handler):
        """Return whether `handler` is subscribed to exactly `topic`."""
        cdef Subscription sub
        for sub in self._subscriptions:
            if sub.topic == topic and sub.handler == handler:
                return True
        return False

    def has_subscribers(self, pattern=None):
        """Return whether any subscription's topic matches `pattern` (any at all if None)."""
        if pattern is None:
            return len(self._subscriptions) > 0
        _check_topic(pattern, "MessageBus.has_subscribers.pattern")
        cdef Subscription sub
        for sub in self._subscriptions:
            if is_matching(sub.topic, pattern):
                return True
        return False

    def subscriptions(self, pattern=None):
        """Return the subscriptions whose topic matches `pattern` (all if None), oldest first."""
        if pattern is None:
            return list(self._subscriptions)
        _check_topic(pattern, "MessageBus.subscriptions.pattern")
        cdef Subscription sub
        return [sub for sub in self._subscriptions if is_matching(sub.topic, pattern)]

    def topics(self):
        """Return the distinct subscribed topics and patterns, sorted."""
        cdef Subscription sub
        return sorted({sub.topic for sub in self._subscriptions})

    def handlers(self, str topic not None):
        """Return the handlers a message published to `topic` reaches, in delivery order."""
        return self._resolve(topic)

    cdef tuple _resolve(self, str topic):
        cdef Subscription sub
        cdef list matches = [
            sub for sub in self._subscriptions if is_matching(topic, sub.topic)
        ]
        matches.sort(key=_delivery_order)
        cdef tuple handlers = tuple([sub.handler for sub in matches])
        self._topic_cache[topic] = handlers
        return handlers

    cdef void _refresh_cache(self, str pattern) except *:
        # Rebuild each cached topic the changed pattern matches. Iterating the cache's keys is
        # safe for determinism: each entry is rebuilt independently of the others.
        cdef str topic
        for topic in [topic for topic in self._topic_cache if is_matching(topic, pattern)]:
            self._resolve(topic)

    cdef void publish_c(self, str topic, object msg) except *:
        cdef PyObject* entry = PyDict_GetItem(self._topic_cache, topic)
        cdef tuple handlers = self._resolve(topic) if entry == NULL else <tuple>entry
        self.pub_count += 1
        for handler in handlers:
            handler(msg)

    def publish(self, str topic not None, msg):
        """Publish `msg` to every handler subscribed to a pattern matching `topic`.

        Parameters
        ----------
        topic : str
            A concrete topic (not a pattern).
        msg : object
            The message.

        Notes
        -----
        An error raised by a handler propagates to the caller; later handlers do not run.
        """
        cdef PyObject* entry = PyDict_GetItem(self._topic_cache, topic)
        cdef tuple handlers = self._resolve(topic) if entry == NULL else <tuple>entry
        self.pub_count += 1
        for handler in handlers:
            handler(msg)

    # -- endpoints -------------------------------------------------------------------------

    def register(self, endpoint, handler):
        """Register `handler` as the one receiver of messages sent to `endpoint`.

        Raises
        ------
        ValidationError
            If `endpoint` is empty or already has a handler.
        InvalidTypeError
            If `endpoint` is not a str or `handler` not callable.
        """
        _check_topic(endpoint, "MessageBus.register.endpoint")
        _check_handler(handler, f"MessageBus.register({endpoint!r}).handler")
        existing = self._endpoints.get(endpoint)
        if existing is not None:
            raise ValidationError(
                f"MessageBus.register: endpoint {endpoint!r} already has handler {existing!r}; "
                f"deregister it first"
            )
        self._endpoints[endpoint] = handler

    def deregister(self, endpoint, handler):
        """Remove `handler` from `endpoint`.

        Raises
        ------
        ValidationError
            If `endpoint` is not registered or has another handler.
        """
        _check_topic(endpoint, "MessageBus.deregister.endpoint")
        existing = self._endpoints.get(endpoint)
        if existing is None:
            raise ValidationError(
                f"MessageBus.deregister: endpoint {endpoint!r} is not registered; "
                f"registered endpoints: {sorted(self._endpoints)}"
            )
        if existing != handler:
            raise ValidationError(
                f"MessageBus.deregister: endpoint {endpoint!r} has handler {existing!r}, "
                f"not {handler!r}"
            )
        del self._endpoints[endpoint]

    def endpoints(self):
        """Return the registered endpoints, sorted."""
        return sorted(self._endpoints)

    def is_registered(self, str endpoint not None):
        """Return whether `endpoint` has a handler."""
        return endpoint in self._endpoints

    cdef void _drop_unknown_endpoint(self, str endpoint, object msg, str what) except *:
        self.unknown_endpoint_count += 1
        self._log.log_c(
            LogLevel.ERROR,
            f"cannot {what} {type(msg).__name__} to endpoint {endpoint!r}: no handler "
            f"registered; dropped (registered endpoints: {sorted(self._endpoints)})",
        )

    cdef void send_c(self, str endpoint, object msg) except *:
        cdef PyObject* entry = PyDict_GetItem(self._endpoints, endpoint)
        if entry == NULL:
            self._drop_unknown_endpoint(endpoint, msg, "send")
            return
        self.sent_count += 1
        (<object>entry)(msg)

    def send(self, str endpoint not None, msg):
        """Send `msg` to the handler registered at `endpoint`.

        An unknown endpoint is logged at ERROR and counted in ``unknown_endpoint_count``;
        the message is dropped.
        """
        cdef PyObject* entry = PyDict_GetItem(self._endpoints, endpoint)
        if entry == NULL:
            self._drop_unknown_endpoint(endpoint, msg, "send")
            return
        self.sent_count += 1
        (<object>entry)(msg)

    # -- request / response ----------------------------------------------------------------

    def request(self, str endpoint not None, request):
        """Send `request` to `endpoint` and remember its callback until the response.

        Parameters
        ----------
        endpoint : str
            The endpoint that handles the request.
        request : object
            Has ``id`` (UUID4) and ``callback`` (callable taking the response).

        Raises
        ------
        ValidationError
            If a request with the same id is still pending.
        InvalidTypeError
            If ``request.callback`` is not callable.
        """
        request_id = request.id
        callback = request.callback
        _check_handler(callback, f"MessageBus.request({endpoint!r}) {request_id}: callback")
        if request_id in self._correlation_index:
            raise ValidationError(
                f"MessageBus.request({endpoint!r}): request id {request_id} is already "
                f"pending; each request needs a fresh id"
            )
        handler = self._endpoints.get(endpoint)
        if handler is None:
            self._drop_unknown_endpoint(endpoint, request, "request")
            return
        self._correlation_index[request_id] = callback
        self.req_count += 1
        self.sent_count += 1
        handler(request)

    def response(self, response):
        """Deliver `response` to the callback of the request it answers.

        The request is found by ``response.correlation_id``; an unknown id is logged at ERROR
        and counted in ``unknown_response_count``.
        """
        self.res_count += 1
        correlation_id = response.correlation_id
        callback = self._correlation_index.pop(correlation_id, None)
        if callback is None:
            self.unknown_response_count += 1
            self._log.log_c(
                LogLevel.ERROR,
                f"{type(response).__name__} with correlation_id {correlation_id} answers no "
                f"pending request; dropped",
            )
            return
        callback(response)

    def is_pending_request(self, request_id):
        """Return whether a request with id `request_id` awaits its response."""
        return request_id in self._correlation_index

    def __repr__(self):
        return f"MessageBus({self.trader_id.value}.{self.name})"
