import pytest

from core.common.clock import TestClock
from core.common.logging import (
    Logger,
    LogLevel,
    MemorySink,
    StderrSink,
    format_iso8601_ns,
    get_default_level,
    set_default_level,
    set_sink,
)
from core.errors import InvalidTypeError, ValidationError


class _Unprintable:
    """Fails the test if anyone formats it."""

    def __str__(self):
        raise AssertionError("formatted although the level is off")

    __repr__ = __str__


@pytest.mark.parametrize(
    ("ts_ns", "expected"),
    [
        (0, "1970-01-01T00:00:00.000000000Z"),
        (1, "1970-01-01T00:00:00.000000001Z"),
        (-1, "1969-12-31T23:59:59.999999999Z"),
        (1_704_067_200_000_000_000, "2024-01-01T00:00:00.000000000Z"),
        (1_709_164_800_123_456_789, "2024-02-29T00:00:00.123456789Z"),
        (951_782_400_000_000_000, "2000-02-29T00:00:00.000000000Z"),
        (4_102_444_799_999_999_999, "2099-12-31T23:59:59.999999999Z"),
        (2**63 - 1, "2262-04-11T23:47:16.854775807Z"),
    ],
)
def test_format_iso8601_ns_table(ts_ns, expected):
    assert format_iso8601_ns(ts_ns) == expected


def test_logger_line_format_uses_clock_time(log_sink):
    clock = TestClock(start_time_ns=1_704_067_200_000_000_005)
    Logger("TRADER-001.MyStrategy", clock).info("message")
    assert log_sink.lines == [
        "2024-01-01T00:00:00.000000005Z [INFO] TRADER-001.MyStrategy: message"
    ]


def test_logger_timestamp_follows_simulated_time(log_sink):
    clock = TestClock()
    log = Logger("X", clock)
    log.info("a")
    clock.set_time(3_000_000_000)
    log.info("b")
    assert [line[:30] for line in log_sink.lines] == [
        "1970-01-01T00:00:00.000000000Z",
        "1970-01-01T00:00:03.000000000Z",
    ]


def test_logger_without_clock_uses_wall_time(log_sink):
    import time

    before = format_iso8601_ns(time.time_ns())
    Logger("X").info("now")
    after = format_iso8601_ns(time.time_ns())
    assert before <= log_sink.lines[0][:30] <= after


@pytest.mark.parametrize(
    ("threshold", "written"),
    [
        (LogLevel.DEBUG, ["DEBUG", "INFO", "WARNING", "ERROR"]),
        (LogLevel.INFO, ["INFO", "WARNING", "ERROR"]),
        (LogLevel.WARNING, ["WARNING", "ERROR"]),
        (LogLevel.ERROR, ["ERROR"]),
        (LogLevel.OFF, []),
    ],
)
def test_logger_level_filters_messages(threshold, written, log_sink):
    log = Logger("X", TestClock(), level=threshold)
    log.debug("m")
    log.info("m")
    log.warning("m")
    log.error("m")
    assert [line.split("[")[1].split("]")[0] for line in log_sink.lines] == written
    assert [lvl.name for lvl in LogLevel if lvl != LogLevel.OFF and log.is_enabled(lvl)] == written


def test_logger_without_level_follows_default_level_changes(log_sink):
    log = Logger("X", TestClock())
    assert log.level == LogLevel.INFO
    log.debug("hidden")
    set_default_level(LogLevel.DEBUG)
    assert get_default_level() == LogLevel.DEBUG
    log.debug("shown")
    assert [line.rsplit(": ", 1)[1] for line in log_sink.lines] == ["shown"]


def test_logger_own_level_overrides_default(log_sink):
    log = Logger("X", TestClock(), level=LogLevel.ERROR)
    set_default_level(LogLevel.DEBUG)
    log.warning("hidden")
    log.set_level(None)
    log.warning("shown")
    assert len(log_sink.lines) == 1


def test_logger_disabled_level_never_formats_message(log_sink):
    log = Logger("X", TestClock(), level=LogLevel.INFO)
    log.debug(_Unprintable())
    log.debug("value %s", _Unprintable())
    log.set_level(LogLevel.OFF)
    log.error(_Unprintable())
    log.exception(_Unprintable(), ValueError("x"))
    assert log_sink.lines == []


def test_logger_lazy_args_formatted_when_enabled(log_sink):
    Logger("X", TestClock()).info("a=%s b=%d", "x", 3)
    assert log_sink.lines[0].endswith("X: a=x b=3")


def test_logger_exception_writes_traceback(log_sink):
    log = Logger("X", TestClock())
    try:
        raise KeyError("missing")
    except KeyError:
        log.exception("lookup failed")
    text = log_sink.lines[0]
    assert text.startswith("1970-01-01T00:00:00.000000000Z [ERROR] X: lookup failed\n")
    assert "Traceback (most recent call last)" in text
    assert text.endswith("KeyError: 'missing'")


def test_set_sink_returns_previous_and_redirects(log_sink):
    other = MemorySink()
    assert set_sink(other) is log_sink
    Logger("X", TestClock()).info("m")
    assert len(other.lines) == 1 and log_sink.lines == []
    other.clear()
    assert other.lines == []


def test_stderr_sink_writes_line_to_stderr(capsys):
    set_sink(StderrSink())
    Logger("X", TestClock()).warning("to stderr")
    assert capsys.readouterr().err == "1970-01-01T00:00:00.000000000Z [WARNING] X: to stderr\n"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: Logger(""),
            ValidationError,
            r"Logger.name: invalid value '', expected a non-empty",
        ),
        (lambda: Logger(3), InvalidTypeError, r"Logger.name: invalid type int, expected str"),
        (
            lambda: Logger("X", level=15),
            ValidationError,
            r"Logger X: level: invalid value 15, expected one of",
        ),
        (lambda: Logger("X", level="INFO"), InvalidTypeError, r"Logger X: level: invalid type str"),
        (lambda: Logger("X", clock="clock"), TypeError, r"clock"),
        (
            lambda: set_default_level(True),
            InvalidTypeError,
            r"set_default_level.level: invalid type bool",
        ),
        (
            lambda: set_default_level(0),
            ValidationError,
            r"set_default_level.level: invalid value 0",
        ),
        (lambda: set_sink([]), InvalidTypeError, r"set_sink.sink: invalid value \[\] of type list"),
    ],
)
def test_logging_invalid_input_raises(call, error, match):
    with pytest.raises(error, match=match):
        call()
