"""A strategy whose config holds secrets, for the redaction tests (issue 11 point 6)."""

from __future__ import annotations

from core.trading.strategy import Strategy

from core.trading.config import StrategyConfig

API_KEY = "AKIA-VERY-SECRET-KEY-0001"
API_SECRET = "s3cr3t-value-0002"
PASSWORD = "hunter2-password-0003"
TOKEN = "tok-0004-bearer"


class SecretConfig(StrategyConfig, frozen=True):
    instrument_id: str
    api_key: str
    api_secret: str
    db_password: str = ""
    venue: dict = {}


class SecretStrategy(Strategy):
    """Does nothing but hold a config with secrets (and log it, as users do)."""

    def __init__(self, config: SecretConfig) -> None:
        super().__init__(config)

    def on_start(self) -> None:
        self.log.info(f"started with {self.config}")
