"""`flotilla backtest` helpers: the progress bar is drawn on a terminal only."""

from __future__ import annotations

import io

from node.backtest.commands import progress_bar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_off_when_not_a_terminal():
    with progress_bar("backtest x", io.StringIO()) as update:
        assert update is None


def test_progress_bar_on_a_terminal_shows_rows_rate_and_eta():
    stream = _Terminal()
    with progress_bar("backtest demo", stream) as update:
        for done in range(0, 1_000_001, 100_000):
            update(done, 1_000_000)
    shown = stream.getvalue()
    assert "backtest demo" in shown
    assert "events/s" in shown and "1000000/1" in shown
    assert "ETA" in shown
