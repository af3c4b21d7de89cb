"""Argument types for the ``flotilla`` commands: a bad value is a usage error (exit code 2)."""

from __future__ import annotations

import argparse

__all__ = ["positive_int"]


def positive_int(text: str) -> int:
    """Return ``int(text)`` if it is > 0; otherwise raise an argparse usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}, expected an integer > 0"
        ) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"invalid value {value}, expected an integer > 0")
    return value
