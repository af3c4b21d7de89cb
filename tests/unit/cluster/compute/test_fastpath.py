"""The C-level ZeroMQ I/O of the compute hot path (cluster/compute/_fastpath.pyx).

Real libzmq sockets (inproc and loopback TCP); every case checks what arrives, not that a
call was made.
"""

from __future__ import annotations

import errno
import gc
import os
import signal
import threading

import numpy as np
import pytest
import zmq

from cluster.compute._fastpath import COPY_THRESHOLD, FastSocket, MsgFrame, libzmq_path, poll2


@pytest.fixture
def pair():
    ctx = zmq.Context.instance()
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    endpoint = f"inproc://fastpath-{os.urandom(4).hex()}"
    a.bind(endpoint)
    b.connect(endpoint)
    yield FastSocket(a), FastSocket(b)
    a.close(0)
    b.close(0)


def test_fastpath_uses_the_libzmq_pyzmq_loaded():
    path = libzmq_path()
    assert "libzmq" in os.path.basename(path)
    assert os.path.exists(path)
    # one copy of libzmq in the process: our calls act on the very sockets pyzmq made
    with open("/proc/self/maps") as maps:
        code = [line for line in maps if "libzmq" in line and " r-xp " in line]
    assert len(code) == 1, code


def test_fastpath_small_parts_arrive_as_bytes_big_ones_as_zero_copy_frames(pair):
    a, b = pair
    big = np.arange(COPY_THRESHOLD // 8 + 1, dtype=np.float64)  # one byte-block over
    edge = b"e" * COPY_THRESHOLD
    a.send_frames([b"", b"id", memoryview(b"small"), edge, big], 0)
    frames = b.recv_frames(0)
    assert [type(f) for f in frames] == [bytes, bytes, bytes, bytes, MsgFrame]
    assert frames[:4] == [b"", b"id", b"small", edge]
    assert len(frames[4]) == big.nbytes
    view = np.frombuffer(frames[4], dtype=np.float64)
    np.testing.assert_array_equal(view, big)
    assert not view.flags.writeable
    with pytest.raises(ValueError):
        view.setflags(write=True)
    assert frames[4].bytes == big.tobytes()
    assert bytes(frames[4].buffer) == big.tobytes()


def test_fastpath_a_received_big_frame_is_forwarded_intact_and_outlives_the_sender(pair):
    a, b = pair
    data = np.random.default_rng(3).integers(0, 255, 1 << 20, dtype=np.uint8)
    a.send_frames([b"h", data], 0)
    frames = b.recv_frames(0)
    b.send_frames(frames, 0)  # forwarded without a copy
    del data
    gc.collect()
    back = a.recv_frames(0)
    assert back[0] == b"h"
    assert bytes(back[1]) == bytes(frames[1])
    del frames
    gc.collect()
    assert len(back[1]) == 1 << 20  # still valid: each frame owns its message


def test_fastpath_nothing_waiting_raises_again_and_readable_says_so(pair):
    a, b = pair
    with pytest.raises(zmq.Again):
        b.recv_frames()
    assert not b.readable()
    a.send_frames([b"x"], 0)
    assert b.poll(1000)
    assert b.readable()
    assert b.recv_frames() == [b"x"]
    assert not b.readable()


def test_fastpath_try_recv_returns_none_when_empty_and_whole_messages_in_order(pair):
    a, b = pair
    assert b.try_recv() is None
    for i in range(50):
        a.send_frames([b"id", str(i).encode(), b"z" * (COPY_THRESHOLD + 1 + i)], 0)
    assert b.poll(1000)
    got = []
    while len(got) < 50:
        frames = b.try_recv()
        if frames is None:
            assert b.poll(1000)
            continue
        got.append(frames)
    assert b.try_recv() is None
    assert [f[1] for f in got] == [str(i).encode() for i in range(50)]
    assert all(
        type(f[2]) is MsgFrame and len(f[2]) == COPY_THRESHOLD + 1 + i for i, f in enumerate(got)
    )


def test_fastpath_poll2_reports_which_socket_is_readable(pair):
    a, b = pair
    assert poll2(a, b, 0) == 0
    a.send_frames([b"to b"], 0)
    assert poll2(b, None, 1000) == 1
    assert poll2(a, b, 1000) == 2
    b.send_frames([b"to a"], 0)
    assert poll2(a, b, 1000) == 3


def test_fastpath_router_mandatory_unknown_peer_raises_host_unreachable():
    ctx = zmq.Context.instance()
    router = ctx.socket(zmq.ROUTER)
    router.router_mandatory = 1
    try:
        with pytest.raises(zmq.ZMQError) as err:
            FastSocket(router).send_frames([b"nobody", b"payload"])
        assert err.value.errno == zmq.EHOSTUNREACH
        assert not isinstance(err.value, zmq.Again)
    finally:
        router.close(0)


def test_fastpath_full_queue_raises_again_and_sends_nothing_of_the_message():
    ctx = zmq.Context.instance()
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    a.sndhwm = b.rcvhwm = 2
    endpoint = f"inproc://fastpath-hwm-{os.urandom(4).hex()}"
    a.bind(endpoint)
    b.connect(endpoint)
    fa, fb = FastSocket(a), FastSocket(b)
    try:
        sent = 0
        with pytest.raises(zmq.Again):
            for sent in range(100):  # noqa: B007
                fa.send_frames([b"p1", b"p2"])
        received = []
        while fb.readable():
            received.append(fb.recv_frames())
        # every message that was accepted arrives whole; the refused one not at all
        assert len(received) == sent
        assert all(m == [b"p1", b"p2"] for m in received)
    finally:
        a.close(0)
        b.close(0)


def test_fastpath_refuses_empty_message_wrong_types_and_closed_sockets():
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.PAIR)
    fast = FastSocket(sock)
    with pytest.raises(ValueError, match="frames is empty"):
        fast.send_frames([])
    with pytest.raises(TypeError):
        fast.send_frames([12345])  # not a buffer
    with pytest.raises(TypeError):
        poll2(None, None, 0)
    sock.close(0)
    for call in (fast.recv_frames, fast.readable, lambda: fast.send_frames([b"x"])):
        with pytest.raises(zmq.ZMQError) as err:
            call()
        assert err.value.errno == errno.ENOTSOCK
    with pytest.raises(zmq.ZMQError):
        poll2(fast, None, 0)


def test_fastpath_blocking_recv_releases_the_gil_and_tcp_works():
    ctx = zmq.Context.instance()
    server, client = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER)
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client.connect(f"tcp://127.0.0.1:{port}")
    fs, fc = FastSocket(server), FastSocket(client)
    ticks = []
    stop = threading.Event()

    def ticker():  # runs only if the blocked recv let go of the GIL
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    timer = threading.Timer(0.2, lambda: FastSocket(client).send_frames([b"hello"], 0))
    timer.start()
    try:
        frames = fs.recv_frames(0)  # blocks until the timer's send
    finally:
        stop.set()
        thread.join()
        timer.join()
    assert frames[1] == b"hello" and len(frames) == 2
    assert len(ticks) > 5
    fs.send_frames([frames[0], b"back"], 0)
    assert fc.recv_frames(0) == [b"back"]
    server.close(0)
    client.close(0)


def test_fastpath_poll_is_interrupted_by_a_signal_and_its_handler_error_propagates(pair):
    _, b = pair

    class Interrupted(Exception):
        pass

    def handler(*_):
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR1))
    late = threading.Event()
    guard = threading.Timer(20.0, late.set)  # a poll that ignored the signal waits 60 s
    try:
        timer.start()
        guard.start()
        with pytest.raises(Interrupted):
            b.poll(60_000)
        assert not late.is_set()
    finally:
        timer.join()
        guard.cancel()
        signal.signal(signal.SIGUSR1, previous)
