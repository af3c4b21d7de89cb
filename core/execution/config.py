"""`ExecEngineConfig`: execution engine settings."""

from __future__ import annotations

import msgspec

__all__ = ["ExecEngineConfig"]


class ExecEngineConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of the ExecutionEngine.

    Parameters
    ----------
    debug : bool
        Log every command and event at DEBUG level.
    """

    debug: bool = False
