"""`UUID4` identifiers for messages and events, and a deterministic `UUIDFactory`.

A `UUID4` is 128 bits held as two C integers (no Python ``uuid.UUID`` per event). Live nodes
draw random ones (``UUID4()``); backtests draw them from a `UUIDFactory` seeded by the run,
so event ids are the same in every run of the same config. Both produce RFC 4122 version 4
variant 1 values.
"""

import cython
import os

from libc.stdint cimport uint64_t

from core.errors import InvalidTypeError, ValidationError

cdef uint64_t _VERSION_MASK = 0xFFFFFFFFFFFF0FFFULL
cdef uint64_t _VERSION_BITS = 0x0000000000004000ULL
cdef uint64_t _VARIANT_MASK = 0x3FFFFFFFFFFFFFFFULL
cdef uint64_t _VARIANT_BITS = 0x8000000000000000ULL


cdef inline uint64_t _splitmix64(uint64_t* state):
    state[0] += 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef bint _is_hex_uuid(str value):
    """Return whether every character of a 36-character UUID string but the hyphens is hex."""
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    for i in range(36):
        if i == 8 or i == 13 or i == 18 or i == 23:
            continue
        c = value[i]
        if not ("0" <= c <= "9" or "a" <= c <= "f" or "A" <= c <= "F"):
            return False
    return True


@cython.freelist(64)
@cython.final
cdef class UUID4:
    """A version 4 UUID.

    Parameters
    ----------
    value : str, optional
        The canonical form (``xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx``). If omitted, a random
        UUID is drawn from the operating system.

    Raises
    ------
    ValidationError
        If `value` is not a canonical version 4 UUID string.
    """

    def __init__(self, value=None):
        cdef bytes raw
        if value is None:
            raw = os.urandom(16)
            self._hi = (int.from_bytes(raw[:8], "big") & _VERSION_MASK) | _VERSION_BITS
            self._lo = (int.from_bytes(raw[8:], "big") & _VARIANT_MASK) | _VARIANT_BITS
            return
        if not isinstance(value, str):
            raise InvalidTypeError(
                f"UUID4.value: invalid type {type(value).__name__}, expected str"
            )
        if (
            len(value) != 36
            or value[8] != "-" or value[13] != "-" or value[18] != "-" or value[23] != "-"
            or value[14] != "4"
            or value[19] not in "89abAB"
        ):
            raise ValidationError(
                f"UUID4.value: invalid value {value!r}, expected a version 4 UUID such as "
                f"'2d89666b-1a1e-4a75-b193-4eb3b454c757'"
            )
        # int(..., 16) alone would accept '_', '+', spaces and non-ASCII digits.
        if not _is_hex_uuid(value):
            raise ValidationError(
                f"UUID4.value: invalid value {value!r}, expected hexadecimal digits 0-9 a-f"
            )
        number = int(value.replace("-", ""), 16)
        self._hi = number >> 64
        self._lo = number & 0xFFFFFFFFFFFFFFFF

    @staticmethod
    cdef UUID4 from_ints_c(uint64_t hi, uint64_t lo):
        cdef UUID4 uuid = UUID4.__new__(UUID4)
        uuid._hi = hi
        uuid._lo = lo
        return uuid

    @property
    def value(self):
        """The canonical string form."""
        cdef str h = f"{self._hi:016x}{self._lo:016x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def __reduce__(self):
        return (UUID4, (self.value,))

    def __eq__(self, other):
        if not isinstance(other, UUID4):
            return NotImplemented
        return self._hi == (<UUID4>other)._hi and self._lo == (<UUID4>other)._lo

    def __hash__(self):
        return <Py_hash_t>((self._hi ^ (self._lo * 0x9E3779B97F4A7C15ULL)) >> 1)

    def __str__(self):
        return self.value

    def __repr__(self):
        return f"UUID4('{self.value}')"


cdef class UUIDFactory:
    """Deterministic source of `UUID4`s: the same seed gives the same sequence in any process.

    Parameters
    ----------
    seed : int
        Any integer (taken modulo 2**64); a run uses its configured seed.

    Raises
    ------
    InvalidTypeError
        If `seed` is not an int.
    """

    def __init__(self, seed=0):
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise InvalidTypeError(
                f"UUIDFactory.seed: invalid type {type(seed).__name__}, expected int"
            )
        self._state = <uint64_t>(seed & 0xFFFFFFFFFFFFFFFF)

    cpdef void reseed(self, uint64_t seed):
        """Restart the sequence from `seed` (a reset run draws the same ids again)."""
        self._state = seed

    cpdef UUID4 generate(self):
        """Return the next UUID of the sequence."""
        cdef uint64_t hi
        cdef uint64_t lo
        self.next_ints_c(&hi, &lo)
        return UUID4.from_ints_c(hi, lo)

    cdef void next_ints_c(self, uint64_t* hi, uint64_t* lo) noexcept:
        """Draw the next UUID of the sequence as its two 64-bit halves (no object)."""
        hi[0] = (_splitmix64(&self._state) & _VERSION_MASK) | _VERSION_BITS
        lo[0] = (_splitmix64(&self._state) & _VARIANT_MASK) | _VARIANT_BITS
