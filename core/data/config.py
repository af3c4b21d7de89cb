"""`DataEngineConfig`: data engine settings."""

from __future__ import annotations

import msgspec

from core.common.secrets import redacted_repr

__all__ = ["DataEngineConfig"]


class DataEngineConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of the DataEngine.

    Parameters
    ----------
    validate_data : bool
        Check each data point against its instrument (known instrument, precisions, positive
        prices) and drop bad ones with a logged, counted reason.
    """

    __repr__ = redacted_repr  # secret-named fields shown as '***'

    validate_data: bool = True
