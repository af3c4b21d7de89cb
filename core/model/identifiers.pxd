from libc.stdint cimport uint64_t


cdef class Identifier:
    cdef readonly str value
    """The identifier's string value."""
    cdef uint64_t _hash

    cdef void _set(self, str value)


cdef class Symbol(Identifier):
    pass


cdef class Venue(Identifier):
    pass


cdef class InstrumentId(Identifier):
    cdef readonly Symbol symbol
    """The instrument's ticker symbol."""
    cdef readonly Venue venue
    """The instrument's trading venue."""

    @staticmethod
    cdef InstrumentId from_str_c(str value)


cdef class ComponentId(Identifier):
    pass


cdef class ClientId(Identifier):
    pass


cdef class TraderId(Identifier):
    cpdef str get_tag(self)


cdef class StrategyId(Identifier):
    cpdef str get_tag(self)
    cpdef bint is_external(self)


cdef class ExecAlgorithmId(Identifier):
    pass


cdef class ActorId(Identifier):
    pass


cdef class AccountId(Identifier):
    cpdef str get_issuer(self)
    cpdef str get_id(self)


cdef class ClientOrderId(Identifier):
    @staticmethod
    cdef ClientOrderId from_str_c(str value)


cdef class VenueOrderId(Identifier):
    @staticmethod
    cdef VenueOrderId from_str_c(str value)


cdef class OrderListId(Identifier):
    pass


cdef class PositionId(Identifier):
    @staticmethod
    cdef PositionId from_str_c(str value)


cdef class TradeId(Identifier):
    @staticmethod
    cdef TradeId from_str_c(str value)
