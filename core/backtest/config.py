"""`BacktestEngineConfig`: settings of one backtest engine."""

from __future__ import annotations

import msgspec

from core.common.secrets import redacted_repr
from core.data.config import DataEngineConfig
from core.errors import ConfigError
from core.execution.config import ExecEngineConfig
from core.risk.config import RiskEngineConfig

__all__ = ["BacktestEngineConfig"]

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "OFF")


class BacktestEngineConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of a `BacktestEngine`.

    Parameters
    ----------
    trader_id : str
        ``<name>-<tag>``.
    seed : int
        Seeds every id the run generates (events, orders), so runs are reproducible.
    log_level : str
        DEBUG, INFO, WARNING (default), ERROR or OFF.
    raise_handler_errors : bool
        If a strategy or actor handler raises: True (default, as a NautilusTrader backtest
        does) faults the component, logs the traceback and stops the run by raising
        `StrategyError` from `BacktestEngine.run` (naming the component, handler and error; the
        state up to that event is kept and reportable); False faults that component and runs
        on, and the result counts the handlers that failed.
    data_engine, risk_engine, exec_engine
        Component configs.
    """

    __repr__ = redacted_repr  # secret-named fields shown as '***'

    trader_id: str = "BACKTESTER-001"
    seed: int = 42
    log_level: str = "WARNING"
    raise_handler_errors: bool = True
    data_engine: DataEngineConfig = msgspec.field(default_factory=DataEngineConfig)
    risk_engine: RiskEngineConfig = msgspec.field(default_factory=RiskEngineConfig)
    exec_engine: ExecEngineConfig = msgspec.field(default_factory=ExecEngineConfig)

    def __post_init__(self) -> None:
        if self.log_level.upper() not in _LOG_LEVELS:
            raise ConfigError(
                f"BacktestEngineConfig.log_level: invalid value {self.log_level!r}, expected "
                f"one of {', '.join(_LOG_LEVELS)}"
            )
        if "-" not in self.trader_id.strip("-"):
            raise ConfigError(
                f"BacktestEngineConfig.trader_id: invalid value {self.trader_id!r}, expected "
                f"'<name>-<tag>' such as 'BACKTESTER-001'"
            )
