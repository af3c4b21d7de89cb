from libc.stdint cimport uint64_t


cdef class UUID4:
    cdef uint64_t _hi
    cdef uint64_t _lo

    @staticmethod
    cdef UUID4 from_ints_c(uint64_t hi, uint64_t lo)


cdef class UUIDFactory:
    cdef uint64_t _state

    cpdef UUID4 generate(self)
    cdef void next_ints_c(self, uint64_t* hi, uint64_t* lo) noexcept
    cpdef void reseed(self, uint64_t seed)
