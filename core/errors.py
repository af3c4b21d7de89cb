"""The exception family of Flotilla.

Every error Flotilla raises on purpose derives from `FlotillaError`, so a caller can catch
everything of ours with one clause. Errors about a bad value also derive from `ValueError`
(and type errors from `TypeError`), so code written for the built-in exceptions keeps working.

| class                  | bases                        | raised when                                  |
| ---------------------- | ---------------------------- | -------------------------------------------- |
| `FlotillaError`        | `Exception`                  | (base only)                                  |
| `ConfigError`          | `FlotillaError`, `ValueError`| a config file or struct is invalid           |
| `DataError`            | `FlotillaError`, `ValueError`| market data or a data file is invalid        |
| `ValidationError`      | `FlotillaError`, `ValueError`| a value given to a public constructor is bad |
| `InvalidTypeError`     | `FlotillaError`, `TypeError` | a value of the wrong type was given          |
| `FixedPointOverflow`   | `ValidationError`, `OverflowError` | a fixed-point result leaves its range  |
| `CurrencyMismatch`     | `ValidationError`            | money of two currencies is combined          |
| `InvalidStateTrigger`  | `FlotillaError`, `RuntimeError` | a state machine gets an invalid trigger   |
| `ProtocolError`        | `FlotillaError`, `ValueError`| a network message is malformed               |
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CurrencyMismatch",
    "DataError",
    "FixedPointOverflow",
    "FlotillaError",
    "InvalidStateTrigger",
    "InvalidTypeError",
    "ProtocolError",
    "ValidationError",
]


class FlotillaError(Exception):
    """Base class of every error Flotilla raises on purpose."""


class ValidationError(FlotillaError, ValueError):
    """A value given to a public constructor or parser is invalid."""


class InvalidTypeError(FlotillaError, TypeError):
    """A value of the wrong type was given."""


class FixedPointOverflow(ValidationError, OverflowError):
    """A fixed-point value or arithmetic result is outside the representable range."""


class CurrencyMismatch(ValidationError):
    """Money amounts of different currencies were combined."""


class ConfigError(FlotillaError, ValueError):
    """A configuration is invalid; the message names the file and the field's path."""


class DataError(FlotillaError, ValueError):
    """Market data or a data file is invalid."""


class InvalidStateTrigger(FlotillaError, RuntimeError):
    """A state machine received a trigger that is not valid in its current state."""


class ProtocolError(FlotillaError, ValueError):
    """A network message is malformed, of an unknown kind, or of another protocol version."""
