"""Identifiers of the domain model.

Every identifier wraps a validated string. Two identifiers are equal when they are of the same
type and value; they order by value. Their hash is FNV-1a of the UTF-8 value (never Python's
salted ``str`` hash), so a hash, and any order derived from it, is the same in every process.

======================  ==============================  ===================================
type                    format                          example
======================  ==============================  ===================================
`Symbol`, `Venue`       non-empty, trimmed              ``EUR/USD``, ``SIM``
`InstrumentId`          ``<symbol>.<venue>``            ``EUR/USD.SIM`` (split at last dot;
                                                        the venue has no dot)
`TraderId`              ``<name>-<tag>``                ``TRADER-001``
`StrategyId`            ``<name>-<tag>`` or EXTERNAL    ``EMACross-001``
`AccountId`             ``<issuer>-<number>``           ``SIM-001``
`TradeId`               at most 36 characters           ``T-1``
others                  non-empty, trimmed              ``O-20240101-000001``
======================  ==============================  ===================================
"""

import cython

from core.model.currency cimport fnv1a_64

from core.errors import InvalidTypeError, ValidationError


cdef inline object _invalid(str type_name, object value, str expected, str field="value"):
    return ValidationError(f"{type_name}.{field}: invalid value {value!r}, expected {expected}")


cdef int _check_value(str type_name, object value, str field="value") except -1:
    if not isinstance(value, str):
        raise InvalidTypeError(
            f"{type_name}.{field}: invalid type {type(value).__name__}, expected str"
        )
    if not value:
        raise _invalid(type_name, value, "a non-empty string", field)
    if value != value.strip():
        raise _invalid(
            type_name, value, "a string without leading or trailing whitespace", field
        )
    if not value.isprintable():
        raise _invalid(
            type_name,
            value,
            "a string of printable characters (no control characters or non-ASCII spaces)",
            field,
        )
    return 0


@cython.no_gc
cdef class Identifier:
    """Base of all identifiers: a validated string with a process-independent hash.

    Raises
    ------
    ValidationError
        If `value` is empty or contains whitespace or control characters.
    """

    def __init__(self, value):
        _check_value(type(self).__name__, value)
        self._set(value)

    cdef void _set(self, str value):
        self.value = value
        self._hash = fnv1a_64(value)

    def __reduce__(self):
        return (type(self), (self.value,))

    def __eq__(self, other):
        if other is self:
            return True
        if type(other) is not type(self):
            return NotImplemented if not isinstance(other, Identifier) else False
        return self.value == (<Identifier>other).value

    def __lt__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value < (<Identifier>other).value

    def __le__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value <= (<Identifier>other).value

    def __gt__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value > (<Identifier>other).value

    def __ge__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value >= (<Identifier>other).value

    def __hash__(self):
        return <Py_hash_t>(self._hash >> 1)

    def __str__(self):
        return self.value

    def __repr__(self):
        return f"{type(self).__name__}('{self.value}')"


@cython.no_gc
cdef class Symbol(Identifier):
    """A ticker symbol, unique within its venue (``EUR/USD``, ``ESZ4``, ``BTCUSDT-PERP``)."""


@cython.no_gc
cdef class Venue(Identifier):
    """A trading venue (``SIM``, ``BINANCE``)."""


@cython.no_gc
@cython.final
cdef class InstrumentId(Identifier):
    """An instrument: a symbol at a venue, written ``<symbol>.<venue>``.

    Parameters
    ----------
    symbol : Symbol
    venue : Venue
        Without a dot: the string form splits at the last dot.

    Raises
    ------
    ValidationError
        If the venue contains a dot.
    """

    def __init__(self, Symbol symbol not None, Venue venue not None):
        if "." in venue.value:
            # from_str splits at the last dot, so a dotted venue could not round-trip.
            raise _invalid(
                "InstrumentId", venue.value, "a venue without '.' (the separator)", "venue"
            )
        self._set(f"{symbol.value}.{venue.value}")
        self.symbol = symbol
        self.venue = venue

    def __reduce__(self):
        return (InstrumentId, (self.symbol, self.venue))

    @staticmethod
    cdef InstrumentId from_str_c(str value):
        cdef Py_ssize_t dot = value.rfind(".")
        cdef InstrumentId instrument_id
        cdef str symbol
        cdef str venue
        if dot <= 0 or dot == len(value) - 1:
            raise _invalid("InstrumentId", value, "'<symbol>.<venue>' such as 'EUR/USD.SIM'")
        _check_value("InstrumentId", value)
        symbol = value[:dot]
        venue = value[dot + 1:]
        _check_value("InstrumentId", symbol, "symbol")
        _check_value("InstrumentId", venue, "venue")
        instrument_id = InstrumentId.__new__(InstrumentId)
        instrument_id._set(value)
        instrument_id.symbol = Symbol.__new__(Symbol)
        instrument_id.symbol._set(symbol)
        instrument_id.venue = Venue.__new__(Venue)
        instrument_id.venue._set(venue)
        return instrument_id

    @staticmethod
    def from_str(value):
        """Parse ``<symbol>.<venue>`` (split at the last dot), e.g. ``"EUR/USD.SIM"``.

        Raises
        ------
        InvalidTypeError
            If `value` is not a str.
        ValidationError
            If `value` has no dot, an empty symbol or venue, or a symbol or venue with leading
            or trailing whitespace or control characters.
        """
        if not isinstance(value, str):
            _check_value("InstrumentId", value)
        return InstrumentId.from_str_c(value)

    def is_synthetic(self):
        """Return whether the venue is ``SYNTH`` (a synthetic instrument)."""
        return self.venue.value == "SYNTH"


cdef int _check_hyphenated(str type_name, str value, str example) except -1:
    cdef Py_ssize_t dash = value.find("-")
    if dash <= 0 or dash == len(value) - 1:
        raise _invalid(type_name, value, f"'<name>-<tag>' such as '{example}'")
    return 0


@cython.no_gc
cdef class ComponentId(Identifier):
    """A component of a node (``DataEngine``, ``RiskEngine``)."""


@cython.no_gc
cdef class ClientId(Identifier):
    """A data or execution client (``BINANCE``, ``SIM``)."""


@cython.no_gc
cdef class TraderId(Identifier):
    """A trader: ``<name>-<tag>``, e.g. ``TRADER-001``."""

    def __init__(self, value):
        _check_value("TraderId", value)
        _check_hyphenated("TraderId", value, "TRADER-001")
        self._set(value)

    cpdef str get_tag(self):
        """Return the part after the last hyphen (``001`` of ``TRADER-001``)."""
        return self.value.rpartition("-")[2]


@cython.no_gc
cdef class StrategyId(Identifier):
    """A strategy: ``<name>-<order id tag>``, e.g. ``EMACross-001``, or ``EXTERNAL``."""

    def __init__(self, value):
        _check_value("StrategyId", value)
        if value != "EXTERNAL":
            _check_hyphenated("StrategyId", value, "EMACross-001")
        self._set(value)

    cpdef str get_tag(self):
        """Return the order id tag (the part after the last hyphen)."""
        return self.value.rpartition("-")[2]

    cpdef bint is_external(self):
        """Return whether this is the ``EXTERNAL`` strategy (orders from outside the node)."""
        return self.value == "EXTERNAL"


@cython.no_gc
cdef class ExecAlgorithmId(Identifier):
    """An execution algorithm (``TWAP``)."""


@cython.no_gc
cdef class ActorId(Identifier):
    """An actor (``MyActor-001``)."""


@cython.no_gc
cdef class AccountId(Identifier):
    """An account: ``<issuer>-<number>``, e.g. ``SIM-001``."""

    def __init__(self, value):
        _check_value("AccountId", value)
        _check_hyphenated("AccountId", value, "SIM-001")
        self._set(value)

    cpdef str get_issuer(self):
        """Return the issuer (the venue part, before the first hyphen)."""
        return self.value.partition("-")[0]

    cpdef str get_id(self):
        """Return the account number (after the first hyphen)."""
        return self.value.partition("-")[2]


@cython.no_gc
cdef class ClientOrderId(Identifier):
    """An order's id, assigned by the node (``O-20240101-000000-001-001-1``)."""

    @staticmethod
    cdef ClientOrderId from_str_c(str value):
        cdef ClientOrderId identifier = ClientOrderId.__new__(ClientOrderId)
        identifier._set(value)
        return identifier


@cython.no_gc
cdef class VenueOrderId(Identifier):
    """An order's id, assigned by the venue."""

    @staticmethod
    cdef VenueOrderId from_str_c(str value):
        cdef VenueOrderId identifier = VenueOrderId.__new__(VenueOrderId)
        identifier._set(value)
        return identifier


@cython.no_gc
cdef class OrderListId(Identifier):
    """An order list's id (``OL-20240101-000000-001-001-1``)."""


@cython.no_gc
cdef class PositionId(Identifier):
    """A position's id (``EUR/USD.SIM-EMACross-001`` in NETTING, venue-given in HEDGING)."""

    @staticmethod
    cdef PositionId from_str_c(str value):
        cdef PositionId identifier = PositionId.__new__(PositionId)
        identifier._set(value)
        return identifier


@cython.no_gc
cdef class TradeId(Identifier):
    """A trade's (match's) id, unique per venue and instrument; at most 36 characters."""

    def __init__(self, value):
        _check_value("TradeId", value)
        if len(value) > 36:
            raise _invalid("TradeId", value, f"at most 36 characters (got {len(value)})")
        self._set(value)

    @staticmethod
    cdef TradeId from_str_c(str value):
        cdef TradeId identifier = TradeId.__new__(TradeId)
        identifier._set(value)
        return identifier
