"""The config of a trading node (`flotilla node run CONFIG.toml`).

A sandbox node's file is a backtest run file plus a ``[node]`` table: the same venues (here
simulated on the live feed: paper trading), the same ``[[data]]`` (here the replay feed's
catalog data), the same strategies and actors, unchanged.

```toml
[node]
environment = "sandbox"   # paper trading on simulated venues ("live" needs an adapter)
replay_speed = "max"      # "max" (as fast as the kernel goes), or a factor: 1 = real pace
queue_size = 10000        # data waiting for the kernel; the feed waits when it is full
on_stop = "cancel"        # cancel the strategies' open orders at stop, or "keep" them

[node.state]              # optional: orders, positions and intents kept in Redis
url = "redis://127.0.0.1:6379/0"
username = "trader-TRADER-001"   # a user limited to trader:TRADER-001:* (see the README)
password = "..."                 # redacted wherever the config is shown or stored
flush_on_start = false           # true: start from nothing (deleted before anything is loaded)
```
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from core.errors import ConfigError
from node.config import BacktestRunConfig, NodeConfig
from node.persistence.state import StateStoreConfig

__all__ = ["SandboxSettings", "TradingNodeConfig", "parse_replay_speed"]


def parse_replay_speed(value: float | int | str, field: str = "node.replay_speed") -> float:
    """Return the replay factor (``inf`` for ``"max"``).

    Raises
    ------
    ConfigError
        If `value` is not ``"max"`` or a finite number > 0.
    """
    if isinstance(value, str):
        if value.strip().lower() == "max":
            return float("inf")
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(
                f"{field}: invalid value {value!r}, expected 'max' or a factor > 0 (1 = real pace)"
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{field}: invalid value {value!r}, expected 'max' or a factor > 0")
    if not 0 < value < float("inf"):
        raise ConfigError(
            f"{field}: invalid value {value!r}, expected 'max' or a finite factor > 0 (1 = real "
            f"pace)"
        )
    return float(value)


class SandboxSettings(NodeConfig, frozen=True, kw_only=True):
    """How a node runs (the ``[node]`` table; see the module docstring)."""

    environment: Literal["sandbox"] = "sandbox"
    replay_speed: float | int | str = "max"
    queue_size: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)] = 10_000
    on_stop: Literal["cancel", "keep"] = "cancel"
    status_interval_secs: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 1.0
    state: StateStoreConfig | None = None

    def __post_init__(self) -> None:
        parse_replay_speed(self.replay_speed)

    @property
    def speed(self) -> float:
        return parse_replay_speed(self.replay_speed)


class TradingNodeConfig(BacktestRunConfig, frozen=True, kw_only=True):
    """A trading node: the run config's venues, data, strategies and actors, plus ``node``."""

    node: SandboxSettings = msgspec.field(default_factory=SandboxSettings)
