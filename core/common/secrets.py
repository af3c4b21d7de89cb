"""Which config fields hold secrets, and how they are shown: never.

A field (or a key of a config dict, at any depth) is secret when its name contains ``api_key``,
``apikey``, ``secret``, ``password``, ``passwd``, ``passphrase``, ``private_key`` or
``credential``, or ends in ``token`` (case-insensitive). Every config struct of Flotilla
(`StrategyConfig`, `ActorConfig`, the engine configs, the node configs, and any user subclass)
shows such a field as ``'***'`` in ``repr``/``str``; stored configs (a results folder's
``config.json``), reports and the tearsheet hold ``"***"`` instead of the value. The value itself
stays in the struct, for the code that needs it.

>>> redact({"venue": {"api_key": "abc", "name": "SIM"}})
{'venue': {'api_key': '***', 'name': 'SIM'}}
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REDACTED", "is_secret", "redact", "redacted_repr"]

REDACTED = "***"

_SECRET_NAMES = re.compile(
    r"(api_?key|secret|passw(or)?d|passphrase|private_?key|credential|token$)", re.IGNORECASE
)


def is_secret(name: Any) -> bool:
    """Return whether a field or key called ``name`` holds a secret."""
    return isinstance(name, str) and _SECRET_NAMES.search(name) is not None


def redact(data: Any, name: Any = None) -> Any:
    """Return a copy of plain data (dicts, lists, scalars) with every secret-named value
    replaced by ``"***"`` (``None`` stays ``None``: an unset secret is not a secret)."""
    if is_secret(name) and data is not None:
        return REDACTED
    if isinstance(data, dict):
        return {key: redact(value, key) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact(value) for value in data]
    return data


def _shown(name: Any, value: Any) -> str:
    if is_secret(name) and value is not None:
        return repr(REDACTED)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_shown(k, v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(None, v) for v in value) + "]"
    return repr(value)


def redacted_repr(struct: Any) -> str:
    """``repr`` of a msgspec struct with its secret fields (at any depth) shown as ``'***'``;
    assign it as a config class's ``__repr__``."""
    fields = ", ".join(
        f"{name}={_shown(name, getattr(struct, name))}" for name in struct.__struct_fields__
    )
    return f"{type(struct).__name__}({fields})"
