"""`RiskEngineConfig`: pre-trade check settings."""

from __future__ import annotations

import msgspec

from core.common.secrets import redacted_repr
from core.errors import ConfigError

__all__ = ["RiskEngineConfig", "parse_rate"]


def parse_rate(value: str, field: str) -> tuple[int, int]:
    """Parse ``"<count>/<HH:MM:SS>"`` into (count, interval in ns).

    Raises
    ------
    ConfigError
        If the string is malformed or the count or interval is not positive.
    """
    try:
        count_text, interval_text = value.split("/")
        hours, minutes, seconds = (int(part) for part in interval_text.split(":"))
        count = int(count_text)
    except (ValueError, AttributeError) as err:
        raise ConfigError(
            f"RiskEngineConfig.{field}: invalid value {value!r}, expected "
            f"'<count>/<HH:MM:SS>' such as '100/00:00:01'"
        ) from err
    interval_ns = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000_000
    if count <= 0 or interval_ns <= 0:
        raise ConfigError(
            f"RiskEngineConfig.{field}: invalid value {value!r}, expected a count > 0 and an "
            f"interval > 0"
        )
    return count, interval_ns


class RiskEngineConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of the RiskEngine.

    Parameters
    ----------
    bypass : bool
        Skip all pre-trade checks (not recommended outside tests).
    max_order_submit_rate : str
        At most this many submits per interval, ``"<count>/<HH:MM:SS>"``.
    max_order_modify_rate : str
        At most this many modifies per interval.
    max_notional_per_order : dict[str, int]
        Instrument id → maximum notional (in the instrument's cost currency) per order.
    """

    __repr__ = redacted_repr  # secret-named fields shown as '***'

    bypass: bool = False
    max_order_submit_rate: str = "100/00:00:01"
    max_order_modify_rate: str = "100/00:00:01"
    max_notional_per_order: dict[str, int] = {}

    def __post_init__(self) -> None:
        parse_rate(self.max_order_submit_rate, "max_order_submit_rate")
        parse_rate(self.max_order_modify_rate, "max_order_modify_rate")
        for key, value in self.max_notional_per_order.items():
            if value <= 0:
                raise ConfigError(
                    f"RiskEngineConfig.max_notional_per_order[{key!r}]: invalid value {value}, "
                    f"expected > 0"
                )
