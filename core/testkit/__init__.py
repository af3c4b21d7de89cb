"""Test instruments and data that examples, tests and users share."""

from core.testkit.providers import TestInstrumentProvider

__all__ = ["TestInstrumentProvider"]
