"""`DataEngineConfig`: data engine settings."""

from __future__ import annotations

import msgspec

__all__ = ["DataEngineConfig"]


class DataEngineConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of the DataEngine.

    Parameters
    ----------
    validate_data : bool
        Check each data point against its instrument (known instrument, precisions, positive
        prices) and drop bad ones with a logged, counted reason.
    """

    validate_data: bool = True
