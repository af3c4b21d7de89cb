import pytest

from core.common.clock import TestClock
from core.common.msgbus import MessageBus, is_matching
from core.errors import InvalidTypeError, ValidationError
from core.model.identifiers import TraderId
from core.model.uuid import UUID4


class _Recorder:
    """A handler that records (tag, message) into a shared list."""

    def __init__(self, tag, log):
        self.tag = tag
        self.log = log

    def __call__(self, msg):
        self.log.append((self.tag, msg))


class _Request:
    def __init__(self, callback, request_id=None):
        self.id = request_id if request_id is not None else UUID4()
        self.callback = callback


class _Response:
    def __init__(self, correlation_id):
        self.correlation_id = correlation_id


@pytest.fixture
def bus():
    return MessageBus(TraderId("TRADER-001"), TestClock())


# -- pattern matching ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "pattern", "expected"),
    [
        ("data.quotes.SIM.EURUSD", "data.quotes.SIM.EURUSD", True),
        ("data.quotes.SIM.EURUSD", "data.quotes.*", True),
        ("data.quotes.SIM.EURUSD", "*", True),
        ("data.quotes.SIM.EURUSD", "data.*.SIM.*", True),
        ("data.quotes.SIM.EURUSD", "data.quotes.SIM.EUR???", True),
        ("data.quotes.SIM.EURUSD", "data.quotes.SIM.EUR??", False),
        ("data.quotes.SIM.EURUSD", "data.trades.*", False),
        ("data.quotes.SIM.EURUSD", "*.EURUSD", True),
        ("data.quotes.SIM.EURUSD", "*USD*", True),
        ("data.quotes.SIM.EURUSD", "data.quotes.SIM.EURUSD.*", False),
        ("data.quotes.SIM.EURUSD", "data.quotes.SIM.EURUSD*", True),
        ("data.quotes.SIM.EURUSD", "d*a*s*S*U", False),
        ("abc", "a*b*c", True),
        ("aXbXc", "a*b*c", True),
        ("ab", "a?b", False),
        ("", "*", True),
        ("", "?", False),
        ("a", "", False),
    ],
)
def test_is_matching_table(topic, pattern, expected):
    assert is_matching(topic, pattern) is expected


# -- publish / subscribe ------------------------------------------------------------------


def test_msgbus_publish_reaches_exact_and_pattern_subscribers(bus):
    log = []
    bus.subscribe("data.quotes.SIM.EURUSD", _Recorder("exact", log))
    bus.subscribe("data.quotes.*", _Recorder("star", log))
    bus.subscribe("data.quotes.SIM.???USD", _Recorder("qmark", log))
    bus.subscribe("data.trades.*", _Recorder("other", log))
    bus.publish("data.quotes.SIM.EURUSD", 1)
    assert log == [("exact", 1), ("star", 1), ("qmark", 1)]
    assert bus.pub_count == 1


def test_msgbus_publish_orders_by_priority_then_subscription(bus):
    log = []
    bus.subscribe("t.*", _Recorder("low", log), priority=-1)
    bus.subscribe("t.x", _Recorder("mid1", log))
    bus.subscribe("t.?", _Recorder("high", log), priority=10)
    bus.subscribe("t.x", _Recorder("mid2", log))
    bus.publish("t.x", "m")
    assert [tag for tag, _ in log] == ["high", "mid1", "mid2", "low"]


def test_msgbus_subscribe_after_publish_updates_cache(bus):
    log = []
    bus.subscribe("a.b", _Recorder("first", log))
    bus.publish("a.b", 1)
    bus.subscribe("a.*", _Recorder("second", log), priority=5)
    bus.publish("a.b", 2)
    assert log == [("first", 1), ("second", 2), ("first", 2)]


def test_msgbus_unsubscribe_after_publish_updates_cache(bus):
    log = []
    first, second = _Recorder("first", log), _Recorder("second", log)
    bus.subscribe("a.*", first)
    bus.subscribe("a.b", second)
    bus.publish("a.b", 1)
    assert bus.unsubscribe("a.*", first) is True
    bus.publish("a.b", 2)
    bus.unsubscribe("a.b", second)
    bus.publish("a.b", 3)
    assert log == [("first", 1), ("second", 1), ("second", 2)]
    assert bus.handlers("a.b") == ()
    assert bus.pub_count == 3


def test_msgbus_publish_without_subscribers_counts_and_delivers_nothing(bus):
    bus.publish("nobody.listens", object())
    assert bus.pub_count == 1


def test_msgbus_duplicate_subscribe_not_added_twice(bus):
    log = []
    handler = _Recorder("h", log)
    bus.subscribe("a.b", handler)
    bus.subscribe("a.b", handler, priority=9)
    bus.publish("a.b", 1)
    assert log == [("h", 1)]
    assert len(bus.subscriptions()) == 1
    assert bus.subscriptions()[0].priority == 0


def test_msgbus_same_handler_on_two_matching_patterns_receives_twice(bus):
    log = []
    handler = _Recorder("h", log)
    bus.subscribe("a.b", handler)
    bus.subscribe("a.*", handler)
    bus.publish("a.b", 1)
    assert log == [("h", 1), ("h", 1)]


def test_msgbus_bound_method_subscribed_twice_is_one_subscription(bus):
    log = []
    recorder = _Recorder("h", log)

    class Holder:
        def on(self, msg):
            recorder(msg)

    holder = Holder()
    bus.subscribe("a", holder.on)
    bus.subscribe("a", holder.on)
    bus.publish("a", 1)
    assert log == [("h", 1)]
    assert bus.is_subscribed("a", holder.on)


def test_msgbus_unsubscribe_unknown_returns_false_and_warns(bus, log_sink):
    assert bus.unsubscribe("a.b", print) is False
    assert "[WARNING] TRADER-001.MessageBus: cannot unsubscribe" in log_sink.lines[-1]


def test_msgbus_handler_error_propagates_to_publisher(bus):
    def boom(msg):
        raise KeyError(msg)

    bus.subscribe("a", boom)
    with pytest.raises(KeyError, match="x"):
        bus.publish("a", "x")


def test_msgbus_handler_unsubscribing_during_publish_does_not_break_delivery(bus):
    log = []
    second = _Recorder("second", log)

    def first(msg):
        log.append(("first", msg))
        bus.unsubscribe("a", second)

    bus.subscribe("a", first)
    bus.subscribe("a", second)
    bus.publish("a", 1)
    bus.publish("a", 2)
    assert log == [("first", 1), ("second", 1), ("first", 2)]


def test_msgbus_queries_report_subscriptions(bus):
    h1, h2 = _Recorder("1", []), _Recorder("2", [])
    assert bus.has_subscribers() is False
    bus.subscribe("data.quotes.B", h1)
    bus.subscribe("data.quotes.A", h2)
    bus.subscribe("events.order.S-1", h1)
    assert bus.has_subscribers() is True
    assert bus.has_subscribers("data.*") is True
    assert bus.has_subscribers("data.bars.*") is False
    assert [s.topic for s in bus.subscriptions("data.*")] == ["data.quotes.B", "data.quotes.A"]
    assert bus.topics() == ["data.quotes.A", "data.quotes.B", "events.order.S-1"]
    assert bus.is_subscribed("data.quotes.A", h2) is True
    assert bus.is_subscribed("data.quotes.A", h1) is False


@pytest.mark.parametrize(
    ("topic", "handler", "error", "match"),
    [
        ("", print, ValidationError, r"MessageBus.subscribe.topic: invalid value ''"),
        (None, print, InvalidTypeError, r"MessageBus.subscribe.topic: invalid type NoneType"),
        ("a", 42, InvalidTypeError, r"MessageBus.subscribe\('a'\).handler: invalid value 42"),
    ],
)
def test_msgbus_subscribe_invalid_input_raises(bus, topic, handler, error, match):
    with pytest.raises(error, match=match):
        bus.subscribe(topic, handler)
    assert bus.subscriptions() == []


def test_msgbus_publish_none_topic_raises(bus):
    with pytest.raises(TypeError, match="topic"):
        bus.publish(None, 1)


# -- endpoints ----------------------------------------------------------------------------


def test_msgbus_send_reaches_registered_handler(bus):
    log = []
    handler = _Recorder("exec", log)
    bus.register("ExecEngine.execute", handler)
    bus.send("ExecEngine.execute", "cmd")
    assert log == [("exec", "cmd")]
    assert bus.sent_count == 1
    assert bus.endpoints() == ["ExecEngine.execute"]
    assert bus.is_registered("ExecEngine.execute")


def test_msgbus_send_unknown_endpoint_logged_and_counted(bus, log_sink):
    bus.send("Nowhere.execute", "cmd")
    assert bus.sent_count == 0
    assert bus.unknown_endpoint_count == 1
    assert (
        "[ERROR] TRADER-001.MessageBus: cannot send str to endpoint 'Nowhere.execute'"
        in (log_sink.lines[-1])
    )


def test_msgbus_deregister_then_send_is_unknown(bus):
    handler = _Recorder("h", [])
    bus.register("e", handler)
    bus.deregister("e", handler)
    bus.send("e", 1)
    assert bus.unknown_endpoint_count == 1
    assert bus.endpoints() == []


def test_msgbus_register_twice_raises(bus):
    bus.register("e", print)
    with pytest.raises(ValidationError, match=r"endpoint 'e' already has handler .*; deregister"):
        bus.register("e", repr)


@pytest.mark.parametrize(
    ("endpoint", "handler", "match"),
    [
        ("unknown", print, r"endpoint 'unknown' is not registered; registered endpoints: \['e'\]"),
        (
            "e",
            repr,
            r"endpoint 'e' has handler <built-in function print>, not <built-in function repr>",
        ),
    ],
)
def test_msgbus_deregister_invalid_raises(bus, endpoint, handler, match):
    bus.register("e", print)
    with pytest.raises(ValidationError, match=match):
        bus.deregister(endpoint, handler)
    assert bus.is_registered("e")


# -- request / response -------------------------------------------------------------------


def test_msgbus_request_response_correlated_by_id(bus):
    requests, responses = [], []
    bus.register("DataEngine.request", requests.append)
    request = _Request(responses.append)
    bus.request("DataEngine.request", request)
    assert requests == [request]
    assert bus.is_pending_request(request.id)
    response = _Response(request.id)
    bus.response(response)
    assert responses == [response]
    assert not bus.is_pending_request(request.id)
    assert (bus.req_count, bus.res_count, bus.sent_count) == (1, 1, 1)


def test_msgbus_two_pending_requests_each_get_their_response(bus):
    got = []
    bus.register("r", lambda req: None)
    first = _Request(lambda res: got.append(("first", res)))
    second = _Request(lambda res: got.append(("second", res)))
    bus.request("r", first)
    bus.request("r", second)
    bus.response(_Response(second.id))
    bus.response(_Response(first.id))
    assert [tag for tag, _ in got] == ["second", "first"]


def test_msgbus_response_unknown_correlation_logged_and_counted(bus, log_sink):
    unknown = UUID4()
    bus.response(_Response(unknown))
    assert bus.res_count == 1
    assert bus.unknown_response_count == 1
    assert f"correlation_id {unknown} answers no pending request" in log_sink.lines[-1]


def test_msgbus_duplicate_response_second_is_unknown(bus):
    got = []
    bus.register("r", lambda req: None)
    request = _Request(got.append)
    bus.request("r", request)
    bus.response(_Response(request.id))
    bus.response(_Response(request.id))
    assert len(got) == 1
    assert bus.unknown_response_count == 1


def test_msgbus_request_to_unknown_endpoint_counted_and_not_pending(bus):
    request = _Request(print)
    bus.request("nowhere", request)
    assert bus.unknown_endpoint_count == 1
    assert bus.req_count == 0
    assert not bus.is_pending_request(request.id)


def test_msgbus_request_duplicate_pending_id_raises(bus):
    bus.register("r", lambda req: None)
    request = _Request(print)
    bus.request("r", request)
    with pytest.raises(ValidationError, match=rf"request id {request.id} is already pending"):
        bus.request("r", _Request(print, request_id=request.id))


def test_msgbus_request_non_callable_callback_raises(bus):
    bus.register("r", lambda req: None)
    with pytest.raises(InvalidTypeError, match=r"callback: invalid value None"):
        bus.request("r", _Request(None))


def test_msgbus_invalid_construction_raises():
    with pytest.raises(TypeError, match="trader_id"):
        MessageBus(None, TestClock())
    with pytest.raises(ValidationError, match=r"MessageBus.name: invalid value ''"):
        MessageBus(TraderId("TRADER-001"), TestClock(), name="")
