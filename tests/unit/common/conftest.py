import pytest

from core.common.logging import (
    LogLevel,
    MemorySink,
    get_default_level,
    get_sink,
    set_default_level,
    set_sink,
)


@pytest.fixture(autouse=True)
def log_sink():
    """Capture every log line of a test in memory; restore the sink and default level after."""
    sink = MemorySink()
    previous_sink = set_sink(sink)
    previous_level = get_default_level()
    set_default_level(LogLevel.INFO)
    yield sink
    set_sink(previous_sink)
    set_default_level(previous_level)
    assert get_sink() is previous_sink
