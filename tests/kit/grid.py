"""Grid test kit: an EMA cross that can fail or be slowed on purpose, and in-memory grid data.

`FragileEMACross` behaves exactly as `EMACross` unless its config asks it to raise (on a given
fast period), to record the worker's pid (so a test can SIGKILL the process running a cell), or
to sleep per bar (so a cell lasts long enough to be killed mid-task), or to record the first
and last bar it was given (so a test can check each cell saw exactly its run window).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from configs.strategies.ema_cross import EMACross, EMACrossConfig
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars

BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"


class FragileEMACrossConfig(EMACrossConfig, frozen=True):
    """`EMACrossConfig` plus test switches (all off by default)."""

    raise_on_fast_period: int = -1
    pid_dir: str = ""
    sleep_per_bar_s: float = 0.0
    bounds_dir: str = ""


class FragileEMACross(EMACross):
    """`EMACross` that raises, records its pid or sleeps when its config says so."""

    def __init__(self, config: FragileEMACrossConfig) -> None:
        super().__init__(config)
        self._bars = 0
        self._first_ts = -1
        self._last_ts = -1

    def on_start(self) -> None:
        if self.config.pid_dir:
            # One file per process: the name is the pid, the test picks and kills one.
            Path(self.config.pid_dir, f"{os.getpid()}.pid").write_text(str(os.getpid()))
        super().on_start()

    def on_bar(self, bar) -> None:
        self._bars += 1
        if self._first_ts < 0:
            self._first_ts = bar.ts_init
        self._last_ts = bar.ts_init
        if self.config.fast_ema_period == self.config.raise_on_fast_period and self._bars == 50:
            raise RuntimeError(f"deliberate failure at bar {self._bars}")
        if self.config.sleep_per_bar_s:
            time.sleep(self.config.sleep_per_bar_s)
        super().on_bar(bar)

    def on_stop(self) -> None:
        if self.config.bounds_dir:
            # One empty file per run: the name carries the parameters and the bars' span.
            c = self.config
            name = f"{c.fast_ema_period}-{c.slow_ema_period}-{self._first_ts}-{self._last_ts}"
            Path(c.bounds_dir, name).write_text("")
        super().on_stop()


def memory_data(bars: int = 3000, seed: int = 7):
    """Return `InMemoryData` with EUR/USD.SIM and `bars` seeded 1-minute bars."""
    from cluster.grid.cell import InMemoryData

    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    return InMemoryData(
        instruments=[instrument], streams={BAR_TYPE: random_walk_bars(bars, seed=seed)}
    )


def memory_data_two_weeks():
    """Return `memory_data` of 14 days of 1-minute bars (for walk-forward windows)."""
    return memory_data(bars=14 * 1440, seed=11)


def template_dict(**strategy_config) -> dict:
    """Return a run config (plain data) trading the in-memory bars with `FragileEMACross`."""
    config = {"instrument_id": "EUR/USD.SIM", "bar_type": BAR_TYPE, "trade_size": 100_000}
    config.update(strategy_config)
    return {
        "name": "grid-test",
        "engine": {"log_level": "ERROR", "raise_handler_errors": True},
        "venues": [
            {
                "name": "SIM",
                "oms_type": "NETTING",
                "account_type": "MARGIN",
                "starting_balances": ["1000000 USD"],
                "base_currency": "USD",
            }
        ],
        "data": [{"catalog_path": "memory", "data_cls": "Bar", "bar_type": BAR_TYPE}],
        "strategies": [
            {
                "strategy_path": "tests.kit.grid:FragileEMACross",
                "config_path": "tests.kit.grid:FragileEMACrossConfig",
                "config": config,
            }
        ],
    }
