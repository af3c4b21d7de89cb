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
        Log every command the engine routes and every order event it applies, at DEBUG, with
        the engine's logger set to DEBUG whatever the run's ``log_level`` (so the lines are
        written in any run). Off by default: then nothing is formatted.
    """

    __repr__ = redacted_repr  # secret-named fields shown as '***'

    debug: bool = False
