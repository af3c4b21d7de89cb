import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.common.clock import EventLoopError, LiveClock, TestClock, TimeEvent, TimeEventHandler
from core.errors import InvalidTypeError, ValidationError
from core.model.uuid import UUID4, UUIDFactory

INT64_MAX = 2**63 - 1


def _fired(handlers):
    return [(h.event.name, h.event.ts_event) for h in handlers]


def _noop(event):
    return None


# -- TimeEvent / TimeEventHandler ---------------------------------------------------------


def test_time_event_fields_and_equality_by_id():
    event_id = UUID4()
    event = TimeEvent("t", event_id, 5, 6)
    assert (event.name, event.event_id, event.ts_event, event.ts_init) == ("t", event_id, 5, 6)
    assert event == TimeEvent("other", event_id, 1, 1)
    assert event != TimeEvent("t", UUID4(), 5, 6)


def test_time_event_empty_name_raises():
    with pytest.raises(ValidationError, match=r"TimeEvent.name: invalid value '', expected"):
        TimeEvent("", UUID4(), 0, 0)


def test_time_event_handler_handle_calls_callback_with_event():
    received = []
    event = TimeEvent("t", UUID4(), 1, 1)
    TimeEventHandler(event, received.append).handle()
    assert received == [event]


def test_time_event_handler_non_callable_raises():
    with pytest.raises(InvalidTypeError, match=r"TimeEventHandler.callback: invalid value 3"):
        TimeEventHandler(TimeEvent("t", UUID4(), 1, 1), 3)


# -- TestClock time -----------------------------------------------------------------------


def test_test_clock_time_queries_report_set_time():
    clock = TestClock(start_time_ns=1_704_067_200_123_456_789)
    assert clock.timestamp_ns() == 1_704_067_200_123_456_789
    assert clock.timestamp_ms() == 1_704_067_200_123
    assert clock.timestamp() == pytest.approx(1_704_067_200.123456789)
    assert clock.utc_now() == datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    assert clock.utc_now().tzinfo is not None


def test_test_clock_set_time_does_not_fire_timers():
    clock = TestClock()
    clock.set_timer_ns("t", 10, 0, 0, _noop)
    clock.set_time(100)
    assert clock.timestamp_ns() == 100
    assert clock.next_time_ns("t") == 10


def test_test_clock_advance_time_backwards_raises():
    clock = TestClock(start_time_ns=10)
    with pytest.raises(ValidationError, match=r"to_time_ns=5 is before the current time 10"):
        clock.advance_time(5)
    assert clock.timestamp_ns() == 10


def test_test_clock_advance_time_set_time_false_keeps_time():
    clock = TestClock()
    clock.set_timer_ns("t", 10, 0, 0, _noop)
    assert _fired(clock.advance_time(10, set_time=False)) == [("t", 10)]
    assert clock.timestamp_ns() == 0


# -- ordering -----------------------------------------------------------------------------


def test_test_clock_same_time_timers_fire_in_insertion_order():
    clock = TestClock()
    for name in ("zeta", "alpha", "mid"):
        clock.set_timer_ns(name, 10, 0, 0, _noop)
    assert _fired(clock.advance_time(20)) == [
        ("zeta", 10),
        ("alpha", 10),
        ("mid", 10),
        ("zeta", 20),
        ("alpha", 20),
        ("mid", 20),
    ]


def test_test_clock_interleaved_timers_fire_in_time_then_insertion_order():
    clock = TestClock()
    clock.set_timer_ns("b", 3, 0, 0, _noop)
    clock.set_timer_ns("a", 2, 0, 0, _noop)
    clock.set_time_alert_ns("x", 6, _noop)
    assert _fired(clock.advance_time(9)) == [
        ("a", 2),
        ("b", 3),
        ("a", 4),
        ("b", 6),
        ("a", 6),
        ("x", 6),
        ("a", 8),
        ("b", 9),
    ]


def test_test_clock_events_stamped_with_due_time():
    clock = TestClock()
    clock.set_timer_ns("t", 10, 0, 0, _noop)
    handlers = clock.advance_time(35)
    assert [(h.event.ts_event, h.event.ts_init) for h in handlers] == [(10, 10), (20, 20), (30, 30)]
    assert all(h.callback is _noop for h in handlers)


# -- repeating timers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "start", "stop", "advance_to", "expected_times"),
    [
        (10, 0, 0, 35, [10, 20, 30]),
        (10, 0, 30, 100, [10, 20, 30]),  # stop on an occurrence: it fires
        (10, 0, 25, 100, [10, 20]),  # stop between occurrences
        (10, 5, 0, 25, [15, 25]),  # explicit start anchors the grid
        (1, 0, 3, 3, [1, 2, 3]),  # smallest interval
        (10, 0, 0, 9, []),  # nothing due yet
    ],
)
def test_test_clock_repeating_timer_fires_every_due_occurrence(
    interval, start, stop, advance_to, expected_times
):
    clock = TestClock()
    clock.set_timer_ns("t", interval, start, stop, _noop)
    assert [t for _, t in _fired(clock.advance_time(advance_to))] == expected_times


def test_test_clock_timer_with_stop_time_expires_and_frees_name():
    clock = TestClock()
    clock.set_timer_ns("t", 10, 0, 20, _noop)
    clock.advance_time(20)
    assert clock.timer_count == 0
    assert clock.advance_time(100) == []
    clock.set_timer_ns("t", 10, 0, 0, _noop)
    assert clock.timer_names == ["t"]


def test_test_clock_fire_immediately_fires_at_start():
    clock = TestClock(start_time_ns=100)
    clock.set_timer_ns("t", 10, 0, 0, _noop, fire_immediately=True)
    assert _fired(clock.advance_time(120)) == [("t", 100), ("t", 110), ("t", 120)]


def test_test_clock_past_start_allow_past_skips_to_next_occurrence():
    clock = TestClock(start_time_ns=105)
    clock.set_timer_ns("t", 10, 50, 0, _noop)
    assert clock.next_time_ns("t") == 110


def test_test_clock_past_start_disallowed_raises():
    clock = TestClock(start_time_ns=105)
    with pytest.raises(ValidationError, match=r"'t': first fire time 60 is before now 105"):
        clock.set_timer_ns("t", 10, 50, 0, _noop, allow_past=False)
    assert clock.timer_count == 0


def test_test_clock_set_timer_with_datetimes_converts_to_ns():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    start_ns = 1_704_067_200_000_000_000
    clock = TestClock(start_time_ns=start_ns)
    clock.set_timer(
        "t",
        timedelta(seconds=1),
        start_time=start,
        stop_time=start + timedelta(seconds=2),
        callback=_noop,
    )
    assert _fired(clock.advance_time(start_ns + 5_000_000_000)) == [
        ("t", start_ns + 1_000_000_000),
        ("t", start_ns + 2_000_000_000),
    ]


# -- alerts -------------------------------------------------------------------------------


def test_test_clock_alert_fires_once_and_is_removed():
    clock = TestClock()
    clock.set_time_alert_ns("a", 50, _noop)
    assert clock.timer_names == ["a"]
    assert _fired(clock.advance_time(100)) == [("a", 50)]
    assert clock.timer_count == 0
    assert clock.advance_time(200) == []


def test_test_clock_past_alert_allowed_fires_at_now():
    clock = TestClock(start_time_ns=100)
    clock.set_time_alert_ns("a", 40, _noop)
    assert _fired(clock.advance_time(100)) == [("a", 100)]


def test_test_clock_past_alert_disallowed_raises():
    clock = TestClock(start_time_ns=100)
    with pytest.raises(ValidationError, match=r"'a': alert_time_ns=40 is before now 100"):
        clock.set_time_alert_ns("a", 40, _noop, allow_past=False)


def test_test_clock_set_time_alert_with_datetime():
    clock = TestClock()
    clock.set_time_alert("a", datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), _noop)
    assert clock.next_time_ns("a") == 1_000_000_000


# -- cancel -------------------------------------------------------------------------------


def test_test_clock_cancel_timer_removes_it():
    clock = TestClock()
    clock.set_timer_ns("a", 10, 0, 0, _noop)
    clock.set_timer_ns("b", 10, 0, 0, _noop)
    clock.set_timer_ns("c", 5, 0, 0, _noop)
    assert clock.cancel_timer("a") is True
    assert clock.timer_names == ["b", "c"]
    assert _fired(clock.advance_time(10)) == [("c", 5), ("b", 10), ("c", 10)]


def test_test_clock_cancel_unknown_timer_returns_false():
    assert TestClock().cancel_timer("nope") is False


def test_test_clock_cancel_timers_removes_all():
    clock = TestClock()
    for name in ("a", "b", "c"):
        clock.set_timer_ns(name, 10, 0, 0, _noop)
    clock.cancel_timers()
    assert clock.timer_count == 0
    assert clock.next_event_time_ns() == INT64_MAX
    assert clock.advance_time(100) == []


def test_test_clock_cancel_inside_heap_keeps_order():
    clock = TestClock()
    for i in range(20):
        clock.set_timer_ns(f"t{i:02d}", 20 - i, 0, 0, _noop)
    for i in range(0, 20, 3):
        clock.cancel_timer(f"t{i:02d}")
    fired = _fired(clock.advance_time(20))
    assert [t for _, t in fired] == sorted(t for _, t in fired)
    assert not {name for name, _ in fired} & {f"t{i:02d}" for i in range(0, 20, 3)}


# -- queries ------------------------------------------------------------------------------


def test_test_clock_timer_names_sorted_and_count():
    clock = TestClock()
    for name in ("c", "a", "b"):
        clock.set_timer_ns(name, 10, 0, 0, _noop)
    assert clock.timer_names == ["a", "b", "c"]
    assert clock.timer_count == 3


def test_test_clock_next_event_time_ns_is_earliest_or_int64_max():
    clock = TestClock()
    assert clock.next_event_time_ns() == INT64_MAX
    clock.set_timer_ns("a", 30, 0, 0, _noop)
    clock.set_time_alert_ns("b", 7, _noop)
    assert clock.next_event_time_ns() == 7


def test_test_clock_next_time_ns_unknown_raises():
    with pytest.raises(ValidationError, match=r"no active timer named 'x'"):
        TestClock().next_time_ns("x")


def test_test_clock_default_handler_receives_events():
    clock = TestClock()
    received = []
    clock.register_default_handler(received.append)
    clock.set_timer_ns("t", 10, 0, 0)
    for handler in clock.advance_time(20):
        handler.handle()
    assert [(e.name, e.ts_event) for e in received] == [("t", 10), ("t", 20)]


def test_test_clock_event_ids_come_from_factory_and_are_reproducible():
    def run():
        clock = TestClock(uuid_factory=UUIDFactory(42))
        clock.set_timer_ns("t", 1, 0, 0, _noop)
        return [h.event.event_id for h in clock.advance_time(3)]

    factory = UUIDFactory(42)
    assert run() == run() == [factory.generate() for _ in range(3)]


# -- invalid input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": ""}, ValidationError, r"set_timer.name: invalid value '', expected a non-empty"),
        ({"name": 5}, InvalidTypeError, r"set_timer.name: invalid type int, expected str"),
        ({"name": "dup"}, ValidationError, r"a timer named 'dup' is already active"),
        ({"interval_ns": 0}, ValidationError, r"'t': interval_ns=0, expected a positive"),
        ({"interval_ns": -5}, ValidationError, r"'t': interval_ns=-5, expected a positive"),
        ({"callback": None}, ValidationError, r"no callback given and no default handler"),
        ({"callback": 7}, InvalidTypeError, r"callback: invalid value 7, expected a callable"),
        ({"stop_time_ns": 5}, ValidationError, r"stop_time_ns=5 is before the first fire time 10"),
    ],
)
def test_test_clock_set_timer_ns_invalid_input_raises(kwargs, error, match):
    clock = TestClock()
    clock.set_timer_ns("dup", 10, 0, 0, _noop)
    args = {
        "name": "t",
        "interval_ns": 10,
        "start_time_ns": 0,
        "stop_time_ns": 0,
        "callback": _noop,
    } | kwargs
    with pytest.raises(error, match=match):
        clock.set_timer_ns(**args)
    assert clock.timer_names == ["dup"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"interval": 10},
            InvalidTypeError,
            r"interval: invalid type int, expected datetime.timedelta",
        ),
        (
            {"start_time": datetime(2024, 1, 1)},
            ValidationError,
            r"start_time: .* expected a timezone-aware",
        ),
        (
            {"stop_time": "2024"},
            InvalidTypeError,
            r"stop_time: invalid type str, expected datetime",
        ),
        ({"interval": timedelta(0)}, ValidationError, r"interval_ns=0, expected a positive"),
    ],
)
def test_test_clock_set_timer_invalid_datetime_input_raises(kwargs, error, match):
    args = {"name": "t", "interval": timedelta(seconds=1), "callback": _noop} | kwargs
    with pytest.raises(error, match=match):
        TestClock().set_timer(**args)


def test_test_clock_set_time_alert_duplicate_name_raises():
    clock = TestClock()
    clock.set_timer_ns("t", 10, 0, 0, _noop)
    with pytest.raises(ValidationError, match=r"set_time_alert.name: a timer named 't' is already"):
        clock.set_time_alert_ns("t", 5, _noop)


def test_test_clock_register_default_handler_non_callable_raises():
    with pytest.raises(InvalidTypeError, match=r"register_default_handler.callback: invalid value"):
        TestClock().register_default_handler("nope")


# -- property: ordering and count ---------------------------------------------------------

_timer_spec = st.tuples(
    st.integers(1, 40),  # interval
    st.integers(0, 60),  # start (0 = now)
    st.one_of(st.just(0), st.integers(1, 200)),  # stop offset from first fire (0 = none)
    st.booleans(),  # fire_immediately
)


@settings(max_examples=200, deadline=None)
@given(
    specs=st.lists(_timer_spec, min_size=1, max_size=12),
    alerts=st.lists(st.integers(0, 300), max_size=5),
    steps=st.lists(st.integers(0, 120), min_size=1, max_size=5),
)
def test_test_clock_advance_time_property_order_and_count(specs, alerts, steps):
    clock = TestClock()
    order = {}
    expected = 0
    for i, (interval, start, stop_offset, immediately) in enumerate(specs):
        name = f"t{i}"
        first = start if immediately else start + interval
        stop = first + stop_offset if stop_offset else 0
        clock.set_timer_ns(name, interval, start, stop, _noop, fire_immediately=immediately)
        order[name] = len(order)
    for j, at in enumerate(alerts):
        clock.set_time_alert_ns(f"a{j}", at, _noop)
        order[f"a{j}"] = len(order)

    end = 0
    fired = []
    for step in steps:
        end += step
        fired.extend(clock.advance_time(end))

    for interval, start, stop_offset, immediately in specs:
        first = start if immediately else start + interval
        last = min(end, first + stop_offset) if stop_offset else end
        expected += 0 if last < first else (last - first) // interval + 1
    expected += sum(1 for at in alerts if at <= end)

    keys = [(h.event.ts_event, order[h.event.name]) for h in fired]
    assert keys == sorted(keys)
    assert len(fired) == expected


# -- LiveClock ----------------------------------------------------------------------------


def test_live_clock_timestamp_is_wall_time():
    import time

    before = time.time_ns()
    now = LiveClock().timestamp_ns()
    assert before <= now <= time.time_ns()


def test_live_clock_set_timer_without_loop_raises():
    clock = LiveClock()
    with pytest.raises(
        EventLoopError, match=r"LiveClock timer 't': no asyncio event loop is running"
    ):
        clock.set_timer_ns("t", 1_000_000, 0, 0, _noop)
    assert clock.timer_count == 0


def test_live_clock_fires_timers_and_alerts_on_loop_in_order():
    async def main():
        clock = LiveClock()
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        events = []

        def on_event(event):
            events.append(event)
            if len(events) == 4 and not done.done():
                done.set_result(None)

        now = clock.timestamp_ns()
        clock.set_timer_ns("repeat", 5_000_000, now, now + 15_000_000, on_event)
        clock.set_time_alert_ns("alert", now + 2_000_000, on_event)
        await asyncio.wait_for(done, timeout=5)
        return clock, events

    clock, events = asyncio.run(main())
    assert [e.name for e in events] == ["alert", "repeat", "repeat", "repeat"]
    assert [e.ts_event for e in events] == sorted(e.ts_event for e in events)
    assert all(e.ts_init >= e.ts_event for e in events)
    assert clock.timer_count == 0


def test_live_clock_cancel_timer_stops_firing():
    async def main():
        clock = LiveClock()
        events = []
        clock.set_timer_ns("slow", 30_000_000, 0, 0, events.append)
        clock.set_timer_ns("fast", 1_000_000, 0, 0, events.append)
        clock.cancel_timer("slow")
        for _ in range(200):
            if len(events) >= 3:
                break
            await asyncio.sleep(0.005)
        clock.cancel_timers()
        return events

    events = asyncio.run(main())
    assert len(events) >= 3
    assert {e.name for e in events} == {"fast"}


def test_live_clock_raising_callback_reported_and_others_still_fire():
    async def main():
        loop = asyncio.get_running_loop()
        reported = []
        loop.set_exception_handler(lambda _loop, context: reported.append(context))
        clock = LiveClock(loop=loop)
        done = loop.create_future()

        def boom(event):
            raise RuntimeError("boom")

        now = clock.timestamp_ns()
        clock.set_time_alert_ns("first", now + 1_000_000, boom)
        clock.set_time_alert_ns("second", now + 1_000_000, lambda e: done.set_result(e.name))
        return await asyncio.wait_for(done, timeout=5), reported

    name, reported = asyncio.run(main())
    assert name == "second"
    assert len(reported) == 1
    assert "timer 'first'" in reported[0]["message"]
    assert isinstance(reported[0]["exception"], RuntimeError)
