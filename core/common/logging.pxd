from libc.stdint cimport int64_t

from core.common.clock cimport Clock


# C names are prefixed because DEBUG/ERROR/OFF are common macro names in C headers.
cpdef enum LogLevel:
    DEBUG "LOG_LEVEL_DEBUG" = 10
    INFO "LOG_LEVEL_INFO" = 20
    WARNING "LOG_LEVEL_WARNING" = 30
    ERROR "LOG_LEVEL_ERROR" = 40
    OFF "LOG_LEVEL_OFF" = 100


cpdef str format_iso8601_ns(int64_t ts_ns)


cdef class Logger:
    cdef readonly str name
    """The name printed in every line (``TRADER-001.MyStrategy``)."""
    cdef Clock _clock
    cdef int _level

    # Kernel components call these directly: check first, format only when enabled.
    # is_enabled_c: whether a message at `level` would be written (one C comparison).
    # log_c: write an already formatted `message` at `level` if enabled.
    cdef bint is_enabled_c(self, int level) noexcept
    cdef void log_c(self, int level, str message) except *
    cdef void _log_args(self, int level, object message, tuple args) except *
