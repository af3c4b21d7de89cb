# cython: language_level=3
"""The compute hot path's ZeroMQ I/O in C: multipart send/receive and poll on libzmq directly.

pyzmq's Python layer (``Socket.send`` sugar, ``Poller.poll``, ``Frame`` objects, option
lookups) cost the broker about half of its 57 µs of CPU per request on the 2-core benchmark
machine (py-spy: ``Poller.poll`` 20 %, ``Socket.send`` 19 %). Here a message part costs one
libzmq call and, for a small part, one ``bytes`` object.

libzmq is the very library pyzmq loaded (same process, same context): its functions are looked
up once by address in that shared object (``ctypes`` on the path ``/proc/self/maps`` shows),
so nothing is linked at build time and a fresh install from the lock needs no headers. The
sockets stay pyzmq sockets (created, configured, CURVE, closed by pyzmq); `FastSocket` only
borrows the handle and keeps the pyzmq socket alive.

* a received part of at most `COPY_THRESHOLD` bytes becomes ``bytes``; a bigger one a
  `MsgFrame` that owns the libzmq message and exposes it through the buffer protocol
  (zero-copy, read-only);
* sending ``bytes`` (or any small buffer) copies it inside libzmq; a `MsgFrame` is forwarded
  without a copy (libzmq shares the buffer); a big foreign buffer (a numpy array) goes through
  pyzmq's zero-copy send, which keeps the buffer alive until libzmq is done with it.
"""

from libc.stdint cimport uintptr_t
from libc.string cimport memset
from cpython.buffer cimport (
    PyBUF_SIMPLE,
    PyBuffer_FillInfo,
    PyBuffer_Release,
    PyObject_GetBuffer,
)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.exc cimport PyErr_CheckSignals
from cpython.list cimport PyList_Append, PyList_GET_ITEM, PyList_GET_SIZE

import ctypes
import errno
import glob
import os

import zmq

__all__ = ["COPY_THRESHOLD", "FastSocket", "MsgFrame", "libzmq_path", "poll2"]

COPY_THRESHOLD = _COPY_THRESHOLD

# -- libzmq by address ---------------------------------------------------------------------

ctypedef int (*f_msg_init)(zmq_msg_t *) noexcept nogil
ctypedef int (*f_msg_recv)(zmq_msg_t *, void *, int) noexcept nogil
ctypedef int (*f_msg_send)(zmq_msg_t *, void *, int) noexcept nogil
ctypedef int (*f_msg_close)(zmq_msg_t *) noexcept nogil
ctypedef int (*f_msg_copy)(zmq_msg_t *, zmq_msg_t *) noexcept nogil
ctypedef void *(*f_msg_data)(zmq_msg_t *) noexcept nogil
ctypedef size_t (*f_msg_size)(const zmq_msg_t *) noexcept nogil
ctypedef int (*f_msg_more)(const zmq_msg_t *) noexcept nogil
ctypedef int (*f_send)(void *, const void *, size_t, int) noexcept nogil
ctypedef int (*f_getsockopt)(void *, int, void *, size_t *) noexcept nogil
ctypedef int (*f_poll)(zmq_pollitem_t *, int, long) noexcept nogil
ctypedef int (*f_errno)() noexcept nogil

cdef f_msg_init z_msg_init = NULL
cdef f_msg_recv z_msg_recv = NULL
cdef f_msg_send z_msg_send = NULL
cdef f_msg_close z_msg_close = NULL
cdef f_msg_copy z_msg_copy = NULL
cdef f_msg_data z_msg_data = NULL
cdef f_msg_size z_msg_size = NULL
cdef f_msg_more z_msg_more = NULL
cdef f_send z_send = NULL
cdef f_getsockopt z_getsockopt = NULL
cdef f_poll z_poll = NULL
cdef f_errno z_errno = NULL

cdef int ZMQ_DONTWAIT = 1
cdef int ZMQ_SNDMORE = 2
cdef int ZMQ_EVENTS = 15
cdef short ZMQ_POLLIN = 1
cdef int E_AGAIN = 11
cdef int E_INTR = 4

_Again = zmq.Again
_ZMQError = zmq.ZMQError
cdef int E_NOTSOCK = errno.ENOTSOCK


def libzmq_path() -> str:
    """Return the path of the libzmq shared object pyzmq loaded in this process.

    Raises
    ------
    ImportError
        If it cannot be found (pyzmq built in a way this module does not know).
    """
    import zmq.backend.cython._zmq  # noqa: F401  (loads libzmq)

    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.rstrip("\n").split(" ")[-1]
                if "libzmq" in os.path.basename(path) and ".so" in path:
                    return path
    except OSError:
        pass
    here = os.path.dirname(os.path.dirname(zmq.__file__))
    found = sorted(glob.glob(os.path.join(here, "pyzmq.libs", "libzmq*.so*")))
    if found:
        return found[0]
    raise ImportError(
        "cluster.compute._fastpath: cannot find the libzmq pyzmq loaded, expected it in "
        "/proc/self/maps or site-packages/pyzmq.libs"
    )


cdef void *_address(lib, str name) except NULL:
    cdef uintptr_t addr = ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
    if addr == 0:
        raise ImportError(f"cluster.compute._fastpath: libzmq has no {name}")
    return <void *>addr


def _load() -> None:
    global z_msg_init, z_msg_recv, z_msg_send, z_msg_close, z_msg_copy, z_msg_data
    global z_msg_size, z_msg_more, z_send, z_getsockopt, z_poll, z_errno
    global ZMQ_DONTWAIT, ZMQ_SNDMORE, ZMQ_EVENTS, ZMQ_POLLIN, E_AGAIN, E_INTR
    lib = ctypes.CDLL(libzmq_path())
    z_msg_init = <f_msg_init>_address(lib, "zmq_msg_init")
    z_msg_recv = <f_msg_recv>_address(lib, "zmq_msg_recv")
    z_msg_send = <f_msg_send>_address(lib, "zmq_msg_send")
    z_msg_close = <f_msg_close>_address(lib, "zmq_msg_close")
    z_msg_copy = <f_msg_copy>_address(lib, "zmq_msg_copy")
    z_msg_data = <f_msg_data>_address(lib, "zmq_msg_data")
    z_msg_size = <f_msg_size>_address(lib, "zmq_msg_size")
    z_msg_more = <f_msg_more>_address(lib, "zmq_msg_more")
    z_send = <f_send>_address(lib, "zmq_send")
    z_getsockopt = <f_getsockopt>_address(lib, "zmq_getsockopt")
    z_poll = <f_poll>_address(lib, "zmq_poll")
    z_errno = <f_errno>_address(lib, "zmq_errno")
    # the constants of the library actually loaded, not assumed ones
    ZMQ_DONTWAIT = int(zmq.DONTWAIT)
    ZMQ_SNDMORE = int(zmq.SNDMORE)
    ZMQ_EVENTS = int(zmq.EVENTS)
    ZMQ_POLLIN = int(zmq.POLLIN)
    E_AGAIN = int(zmq.EAGAIN)
    E_INTR = errno.EINTR
    # zmq_msg_t must be libzmq's 64 bytes, pointer-aligned (4.x ABI)
    if zmq.zmq_version_info()[0] != 4:
        raise ImportError(
            f"cluster.compute._fastpath: libzmq {zmq.zmq_version()} unsupported, expected 4.x"
        )


_load()


cdef inline int _check_open(FastSocket sock) except -1:
    # a closed pyzmq socket's handle is freed memory: refuse instead of touching it
    if sock.socket.closed:
        raise _ZMQError(E_NOTSOCK)
    return 0


cdef int _raise(int err) except -1:
    if err == E_AGAIN:
        raise _Again(err)
    raise _ZMQError(err)


# -- received parts ------------------------------------------------------------------------


cdef class MsgFrame:
    """One received message part above `COPY_THRESHOLD` bytes, zero-copy and read-only.

    Supports the buffer protocol (``memoryview``, ``np.frombuffer``, msgspec) and ``len``;
    `bytes` copies it.
    """

    def __cinit__(self):
        memset(&self.msg, 0, sizeof(zmq_msg_t))
        z_msg_init(&self.msg)

    def __dealloc__(self):
        z_msg_close(&self.msg)

    def __len__(self):
        return z_msg_size(&self.msg)

    def __getbuffer__(self, Py_buffer *view, int flags):
        PyBuffer_FillInfo(view, self, z_msg_data(&self.msg), z_msg_size(&self.msg), 1, flags)

    @property
    def bytes(self) -> bytes:
        """A copy of the part."""
        return PyBytes_FromStringAndSize(<char *>z_msg_data(&self.msg), z_msg_size(&self.msg))

    @property
    def buffer(self) -> memoryview:
        """A read-only memoryview of the part (no copy)."""
        return memoryview(self)


# -- sockets -------------------------------------------------------------------------------


cdef class FastSocket:
    """C-level multipart I/O on a pyzmq socket (see the module docstring).

    Parameters
    ----------
    socket : zmq.Socket
        Kept alive (and still owned) by this object; use it from one thread only.
    """

    def __init__(self, socket):
        self.socket = socket
        self.handle = <void *><uintptr_t>socket.underlying
        self._py_send = socket.send

    cdef list recv_c(self, int flags, bint none_if_empty):
        """Receive one message; when none waits (with DONTWAIT) return None if
        `none_if_empty`, else raise zmq.Again."""
        cdef list frames = []
        cdef zmq_msg_t msg
        cdef int rc, more = 1, err
        cdef size_t size
        cdef MsgFrame big
        cdef bint blocking = (flags & ZMQ_DONTWAIT) == 0
        _check_open(self)
        while more:
            z_msg_init(&msg)
            while True:
                if blocking:
                    with nogil:
                        rc = z_msg_recv(&msg, self.handle, flags)
                else:
                    rc = z_msg_recv(&msg, self.handle, flags)
                if rc >= 0:
                    break
                err = z_errno()
                if err == E_INTR:
                    z_msg_close(&msg)
                    PyErr_CheckSignals()
                    z_msg_init(&msg)
                    continue
                z_msg_close(&msg)
                # libzmq delivers the parts of a message together: only the first can fail
                if err == E_AGAIN and none_if_empty:
                    return None
                _raise(err)
            more = z_msg_more(&msg)
            size = z_msg_size(&msg)
            if size <= _COPY_THRESHOLD:
                PyList_Append(frames, PyBytes_FromStringAndSize(<char *>z_msg_data(&msg), size))
                z_msg_close(&msg)
            else:
                big = MsgFrame.__new__(MsgFrame)
                z_msg_close(&big.msg)
                big.msg = msg  # ownership moves to the frame (a plain struct move)
                PyList_Append(frames, big)
        return frames

    cdef int send_c(self, list frames, int flags) except -1:
        """Send `frames` as one message; raise zmq.Again / zmq.ZMQError on failure."""
        cdef Py_ssize_t i, n = PyList_GET_SIZE(frames)
        cdef object frame
        cdef int part_flags, rc, err
        cdef zmq_msg_t msg
        cdef Py_buffer view
        cdef const char *data
        cdef size_t size
        cdef bint blocking = (flags & ZMQ_DONTWAIT) == 0
        if n == 0:
            raise ValueError("FastSocket.send_frames: frames is empty, expected at least one part")
        _check_open(self)
        for i in range(n):
            frame = <object>PyList_GET_ITEM(frames, i)
            part_flags = flags | ZMQ_SNDMORE if i < n - 1 else flags
            while True:
                if type(frame) is bytes:
                    data = PyBytes_AS_STRING(frame)
                    size = PyBytes_GET_SIZE(frame)
                    if blocking:
                        with nogil:
                            rc = z_send(self.handle, data, size, part_flags)
                    else:
                        rc = z_send(self.handle, data, size, part_flags)
                elif type(frame) is MsgFrame:
                    z_msg_init(&msg)
                    z_msg_copy(&msg, &(<MsgFrame>frame).msg)  # shares the buffer
                    if blocking:
                        with nogil:
                            rc = z_msg_send(&msg, self.handle, part_flags)
                    else:
                        rc = z_msg_send(&msg, self.handle, part_flags)
                    if rc < 0:
                        z_msg_close(&msg)
                else:
                    PyObject_GetBuffer(frame, &view, PyBUF_SIMPLE)
                    try:
                        if view.len > _COPY_THRESHOLD:
                            # pyzmq keeps the buffer alive until libzmq has sent it
                            self._py_send(frame, part_flags, copy=False)
                            rc = 0
                        elif blocking:
                            with nogil:
                                rc = z_send(self.handle, view.buf, view.len, part_flags)
                        else:
                            rc = z_send(self.handle, view.buf, view.len, part_flags)
                    finally:
                        PyBuffer_Release(&view)
                if rc >= 0:
                    break
                err = z_errno()
                if err == E_INTR:
                    PyErr_CheckSignals()
                    continue
                _raise(err)
        return 0

    cdef bint readable_c(self) except -1:
        cdef int events = 0
        cdef size_t size = sizeof(int)
        _check_open(self)
        if z_getsockopt(self.handle, ZMQ_EVENTS, &events, &size) < 0:
            _raise(z_errno())
        return (events & ZMQ_POLLIN) != 0

    def recv_frames(self, int flags=1):
        """Receive one message as a list of ``bytes`` / `MsgFrame` (`flags`: zmq.NOBLOCK or 0).

        Raises
        ------
        zmq.Again
            If no message waits and `flags` has NOBLOCK.
        """
        return self.recv_c(flags, False)

    def try_recv(self):
        """Receive one waiting message, or return None at once when there is none.

        Cheaper than `recv_frames` + `readable` in a drain loop: one libzmq call per message
        and no exception at the end.
        """
        return self.recv_c(ZMQ_DONTWAIT, True)

    def send_frames(self, list frames, int flags=1):
        """Send `frames` (bytes, `MsgFrame` or buffers) as one message.

        Raises
        ------
        zmq.Again, zmq.ZMQError
            As `zmq.Socket.send`; a failure on the first part sends nothing.
        """
        self.send_c(frames, flags)

    def readable(self) -> bool:
        """Whether a message waits (``EVENTS & POLLIN``)."""
        return self.readable_c()

    def poll(self, long timeout_ms) -> bool:
        """Wait up to `timeout_ms` for a message (the GIL released); return whether one waits."""
        return poll2(self, None, timeout_ms) != 0


cpdef int poll2(FastSocket first, FastSocket second=None, long timeout_ms=0) except -1:
    """Wait up to `timeout_ms` (GIL released) for input on `first` or `second` (may be None).

    Returns
    -------
    int
        Bit 0 set if `first` is readable, bit 1 if `second` is; 0 on timeout or a signal
        (whose Python handler has run).
    """
    cdef zmq_pollitem_t items[2]
    cdef int count = 1 if second is None else 2
    cdef int rc, err
    _check_open(first)
    if second is not None:
        _check_open(second)
    items[0].socket = first.handle
    items[0].fd = 0
    items[0].events = ZMQ_POLLIN
    items[0].revents = 0
    if second is not None:
        items[1].socket = second.handle
        items[1].fd = 0
        items[1].events = ZMQ_POLLIN
        items[1].revents = 0
    with nogil:
        rc = z_poll(items, count, timeout_ms)
    if rc < 0:
        err = z_errno()
        if err == E_INTR:
            PyErr_CheckSignals()
            return 0
        _raise(err)
    rc = 1 if items[0].revents & ZMQ_POLLIN else 0
    if count == 2 and items[1].revents & ZMQ_POLLIN:
        rc |= 2
    return rc
