from libc.stdint cimport uint64_t


cdef enum:
    # parts up to this size are copied into ``bytes``; bigger ones stay zero-copy (`MsgFrame`)
    _COPY_THRESHOLD = 65536


ctypedef struct zmq_msg_t:
    # libzmq 4.x: 64 opaque bytes, pointer-aligned
    uint64_t _opaque[8]


ctypedef struct zmq_pollitem_t:
    void *socket
    int fd
    short events
    short revents


cdef class MsgFrame:
    cdef zmq_msg_t msg


cdef class FastSocket:
    cdef readonly object socket
    cdef void *handle
    cdef object _py_send

    cdef list recv_c(self, int flags, bint none_if_empty)
    cdef int send_c(self, list frames, int flags) except -1
    cdef bint readable_c(self) except -1


cpdef int poll2(FastSocket first, FastSocket second=*, long timeout_ms=*) except -1
