"""Logging for the kernel: levelled, clock-stamped lines to a pluggable sink.

A `Logger` stamps each line with its clock's time, so a backtest's log shows simulated time
and a live node's log shows wall time. The level check is one C comparison made before any
formatting, so a disabled call costs a method call and nothing else.

Line format::

    2024-01-01T00:00:00.000000000Z [INFO] TRADER-001.MyStrategy: message

=========  =====  ===================================================
level      value  use
=========  =====  ===================================================
DEBUG      10     detail for diagnosing the kernel
INFO       20     lifecycle and notable events
WARNING    30     something unexpected that the node handled
ERROR      40     a failure: dropped input, faulted component
OFF        100    as a threshold: write nothing
=========  =====  ===================================================

The process-wide default level (`set_default_level`) applies to every logger created without
a level; the sink (`set_sink`) is process-wide as well.
"""

import sys
import traceback

from libc.stdint cimport int64_t
from libc.stdio cimport snprintf
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

from core.common.clock cimport Clock

from core.errors import InvalidTypeError, ValidationError

# The Python enum class (inside this module the bare name is the C enum type).
_LogLevelPy = LogLevel

cdef int _default_level = LogLevel.INFO
cdef object _sink = None  # set below, once the sink classes exist

cdef dict _LEVEL_NAMES = {
    LogLevel.DEBUG: "DEBUG",
    LogLevel.INFO: "INFO",
    LogLevel.WARNING: "WARNING",
    LogLevel.ERROR: "ERROR",
    LogLevel.OFF: "OFF",
}


cdef inline int64_t _floor_div(int64_t a, int64_t b) noexcept:
    cdef int64_t q = a // b
    if (a % b != 0) and ((a < 0) != (b < 0)):
        q -= 1
    return q


cpdef str format_iso8601_ns(int64_t ts_ns):
    """Format UNIX nanoseconds as ISO 8601 UTC with nanoseconds.

    Parameters
    ----------
    ts_ns : int
        Nanoseconds since the UNIX epoch (may be negative).

    Returns
    -------
    str
        For example ``2024-01-01T00:00:00.000000000Z``.
    """
    cdef int64_t secs = _floor_div(ts_ns, 1_000_000_000)
    cdef int64_t nanos = ts_ns - secs * 1_000_000_000
    cdef int64_t days = _floor_div(secs, 86_400)
    cdef int64_t sod = secs - days * 86_400
    # Civil date from days since 1970-01-01 (proleptic Gregorian, era-based algorithm).
    cdef int64_t z = days + 719_468
    cdef int64_t era = _floor_div(z, 146_097)
    cdef int64_t doe = z - era * 146_097
    cdef int64_t yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    cdef int64_t year = yoe + era * 400
    cdef int64_t doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    cdef int64_t mp = (5 * doy + 2) // 153
    cdef int64_t day = doy - (153 * mp + 2) // 5 + 1
    cdef int64_t month = mp + 3 if mp < 10 else mp - 9
    if month <= 2:
        year += 1
    cdef char buf[48]
    cdef int n = snprintf(
        buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09lldZ",
        <long long>year, <long long>month, <long long>day,
        <long long>(sod // 3600), <long long>((sod // 60) % 60), <long long>(sod % 60),
        <long long>nanos,
    )
    return buf[:n].decode("ascii")


cdef inline int64_t _wall_ns() noexcept:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return <int64_t>ts.tv_sec * 1_000_000_000 + ts.tv_nsec


cdef int _check_level(object level, str where) except -1:
    if isinstance(level, bool) or not isinstance(level, int):
        raise InvalidTypeError(
            f"{where}: invalid type {type(level).__name__}, expected LogLevel"
        )
    if level not in _LEVEL_NAMES:
        raise ValidationError(
            f"{where}: invalid value {level!r}, expected one of "
            f"DEBUG=10, INFO=20, WARNING=30, ERROR=40, OFF=100"
        )
    return <int>level


def set_default_level(level):
    """Set the level of every logger that was created without one.

    Parameters
    ----------
    level : LogLevel
        The new process-wide threshold.

    Raises
    ------
    ValidationError
        If `level` is not a `LogLevel` value.
    """
    global _default_level
    _default_level = _check_level(level, "set_default_level.level")


def get_default_level():
    """Return the process-wide default level."""
    return _LogLevelPy(_default_level)


class StderrSink:
    """Write each line to the current ``sys.stderr`` (looked up per line, so capture works)."""

    def write(self, str line):
        """Write `line` and a newline."""
        sys.stderr.write(line + "\n")


class MemorySink:
    """Keep lines in memory, for tests.

    Attributes
    ----------
    lines : list[str]
        Every line written, oldest first.
    """

    def __init__(self):
        self.lines = []

    def write(self, str line):
        """Append `line`."""
        self.lines.append(line)

    def clear(self):
        """Forget every line."""
        self.lines.clear()


_sink = StderrSink()


def set_sink(sink):
    """Send every logger's lines to `sink`; return the previous sink.

    Parameters
    ----------
    sink : object
        Anything with a ``write(line: str)`` method (`StderrSink`, `MemorySink`, a file
        wrapper). Lines come without a trailing newline.

    Returns
    -------
    object
        The sink that was active before.

    Raises
    ------
    InvalidTypeError
        If `sink` has no callable ``write``.
    """
    global _sink
    if not callable(getattr(sink, "write", None)):
        raise InvalidTypeError(
            f"set_sink.sink: invalid value {sink!r} of type {type(sink).__name__}, "
            f"expected an object with a write(line: str) method such as MemorySink()"
        )
    previous = _sink
    _sink = sink
    return previous


def get_sink():
    """Return the active sink."""
    return _sink


cdef class Logger:
    """A named logger stamping lines with a clock's time.

    Parameters
    ----------
    name : str
        The name printed in every line, e.g. ``TRADER-001.MyStrategy``.
    clock : Clock, optional
        The time source; backtests pass their `TestClock`. Without one, wall time is used.
    level : LogLevel, optional
        This logger's threshold. Without one, the process-wide default applies, including
        later changes to it.

    Raises
    ------
    ValidationError
        If `name` is empty or `level` is not a `LogLevel` value.
    InvalidTypeError
        If `name` is not a str or `clock` not a `Clock`.
    """

    def __init__(self, name, Clock clock=None, level=None):
        if not isinstance(name, str):
            raise InvalidTypeError(
                f"Logger.name: invalid type {type(name).__name__}, expected str"
            )
        if not name:
            raise ValidationError("Logger.name: invalid value '', expected a non-empty string")
        self.name = name
        self._clock = clock
        self._level = -1 if level is None else _check_level(level, f"Logger {name}: level")

    @property
    def level(self):
        """The effective threshold (this logger's own, else the process default)."""
        return _LogLevelPy(self._level if self._level >= 0 else _default_level)

    def set_level(self, level):
        """Set this logger's threshold; ``None`` follows the process default again.

        Raises
        ------
        ValidationError
            If `level` is not a `LogLevel` value or None.
        """
        self._level = -1 if level is None else _check_level(level, f"Logger {self.name}: level")

    cdef bint is_enabled_c(self, int level) noexcept:
        cdef int threshold = self._level if self._level >= 0 else _default_level
        return level >= threshold and threshold != LogLevel.OFF

    def is_enabled(self, int level):
        """Return whether a message at `level` would be written."""
        return self.is_enabled_c(level)

    cdef void log_c(self, int level, str message) except *:
        if not self.is_enabled_c(level):
            return
        cdef int64_t ts = self._clock.timestamp_ns() if self._clock is not None else _wall_ns()
        _sink.write(
            f"{format_iso8601_ns(ts)} [{_LEVEL_NAMES[level]}] {self.name}: {message}"
        )

    cdef void _log_args(self, int level, object message, tuple args) except *:
        # Formatting happens only here, after the level check.
        cdef str text = str(message)
        if args:
            text = text % args
        self.log_c(level, text)

    def debug(self, message, *args):
        """Write `message` at DEBUG; ``message % args`` is formatted only if enabled."""
        if self.is_enabled_c(LogLevel.DEBUG):
            self._log_args(LogLevel.DEBUG, message, args)

    def info(self, message, *args):
        """Write `message` at INFO; ``message % args`` is formatted only if enabled."""
        if self.is_enabled_c(LogLevel.INFO):
            self._log_args(LogLevel.INFO, message, args)

    def warning(self, message, *args):
        """Write `message` at WARNING; ``message % args`` is formatted only if enabled."""
        if self.is_enabled_c(LogLevel.WARNING):
            self._log_args(LogLevel.WARNING, message, args)

    def error(self, message, *args):
        """Write `message` at ERROR; ``message % args`` is formatted only if enabled."""
        if self.is_enabled_c(LogLevel.ERROR):
            self._log_args(LogLevel.ERROR, message, args)

    def exception(self, message, exc=None):
        """Write `message` at ERROR followed by a traceback.

        Parameters
        ----------
        message : object
            The text (formatted with ``str`` only if ERROR is enabled).
        exc : BaseException, optional
            The error whose traceback to write; by default the one being handled.
        """
        if not self.is_enabled_c(LogLevel.ERROR):
            return
        if exc is None:
            exc = sys.exc_info()[1]
        cdef str text = str(message)
        if exc is not None:
            text = text + "\n" + "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__)
            ).rstrip("\n")
        self.log_c(LogLevel.ERROR, text)

    def __repr__(self):
        return f"Logger({self.name!r}, level={self.level.name})"
