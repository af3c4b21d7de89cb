"""`ExecEngineConfig`: execution engine settings."""

from __future__ import annotations

import msgspec

from core.common.secrets import redacted_repr

__all__ = ["ExecEngineConfig"]


class ExecEngineConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of the ExecutionEngine.

    Parameters
    ----------
    debug : bool
        Log every command and event at DEBUG level.
    """

    __repr__ = redacted_repr  # secret-named fields shown as '***'

    debug: bool = False
