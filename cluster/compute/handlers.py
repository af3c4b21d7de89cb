"""Built-in compute handlers: ``cluster.compute.handlers:echo`` for smoke tests and benchmarks."""

from __future__ import annotations

__all__ = ["echo"]


def echo(payload, arrays):
    """Return the payload and the arrays unchanged."""
    if arrays:
        return payload, list(arrays)
    return payload
