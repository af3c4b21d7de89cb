"""`ActorConfig` and `StrategyConfig`: frozen msgspec structs users subclass for parameters.

>>> class EMACrossConfig(StrategyConfig, frozen=True):
...     instrument_id: str
...     fast_ema_period: int = 10
"""

from __future__ import annotations

import msgspec

from core.common.secrets import redacted_repr

__all__ = ["ActorConfig", "StrategyConfig"]


class ActorConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base configuration of an actor.

    Parameters
    ----------
    component_id : str, optional
        The actor's id (default: its class name).
    """

    __repr__ = redacted_repr  # secret-named fields shown as '***'

    component_id: str | None = None


class StrategyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base configuration of a strategy.

    Parameters
    ----------
    strategy_id : str, optional
        The strategy's id ``<name>-<tag>`` (default: ``<class name>-<order_id_tag>``).
    order_id_tag : str, optional
        The tag in the strategy's id and its client order ids (default ``"000"``).
    oms_type : str, optional
        Override of the venue's OMS type for this strategy (``NETTING`` or ``HEDGING``).
    """

    __repr__ = redacted_repr  # secret-named fields shown as '***'

    strategy_id: str | None = None
    order_id_tag: str | None = None
    oms_type: str | None = None
