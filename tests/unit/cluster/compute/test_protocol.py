"""The compute wire protocol: round trips and strict rejection of malformed messages."""

import msgspec
import numpy as np
import pytest

from cluster.compute import protocol as p
from core.errors import ProtocolError

ENC = msgspec.msgpack.encode


def _request(arrays=()):
    metas, buffers = p.array_frames(arrays)
    return [
        p.encode(p.Request(1, "r-1", "svc", ENC({"x": 1}), metas)),
        *[bytes(b) for b in buffers],
    ]


def test_protocol_request_with_arrays_round_trips_zero_copy():
    a = np.arange(6, dtype="<f8").reshape(2, 3)
    frames = _request([a, np.array(3, dtype="<i4")])
    message, array_frames = p.decode_message(frames)
    assert message == p.Request(
        1, "r-1", "svc", ENC({"x": 1}), [p.ArrayMeta("<f8", [2, 3]), p.ArrayMeta("<i4", [])]
    )
    arrays = p.decode_arrays(message.arrays, array_frames)
    np.testing.assert_array_equal(arrays[0], a)
    assert arrays[1].shape == () and arrays[1] == 3
    assert not arrays[0].flags.writeable
    assert np.shares_memory(arrays[0], np.frombuffer(array_frames[0], dtype="<f8"))


@pytest.mark.parametrize(
    ("frames", "match"),
    [
        ([], "empty message"),
        ([ENC(["request", 2, "r", "svc", b"", []])], "protocol version 2 unsupported, expected 1"),
        ([ENC(["nonsense", 1])], "malformed header: kind 'nonsense' unknown, expected one of"),
        ([b"\x95\xa7request"], "malformed header"),
        ([b""], "malformed header"),
        ([b"\x92\xa2\x9f\x00\x01"], "malformed header: not a msgpack array .*not UTF-8"),
        ([ENC(["request", 1, "", "svc", b"", []])], "malformed header: request.request_id: "),
        (
            [ENC(["request", 1, "r", "bad service!", b"", []])],
            "malformed header: request.service: ",
        ),
        (
            [ENC(["heartbeat", 1, "x"]), b"extra"],
            "heartbeat with 0 arrays came in 2 frames, expected 1",
        ),
        ([ENC(["request", 1, "r", "svc", b"", [["<f8", [2]]]])], "came in 1 frames, expected 2"),
        ([ENC(["request", 1, "r", "svc", b"\x00" * 200, []])], "exceeds the limit of 100 bytes"),
    ],
)
def test_protocol_malformed_message_raises_protocol_error_with_reason(frames, match):
    with pytest.raises(ProtocolError, match=match):
        p.decode_message(frames, max_message_bytes=100)


@pytest.mark.parametrize(
    ("meta", "size", "match"),
    [
        (p.ArrayMeta("|O8", [1]), 8, "dtype '|O8' not allowed"),
        (p.ArrayMeta("f8", [1]), 8, "dtype 'f8' not allowed"),
        (p.ArrayMeta("zz", [1]), 8, "dtype 'zz' invalid"),
        (p.ArrayMeta("<i8", [4]), 31, "31 bytes, expected 32 for dtype <i8 and shape \\(4,\\)"),
    ],
)
def test_protocol_bad_array_frame_raises_protocol_error(meta, size, match):
    with pytest.raises(ProtocolError, match=match):
        p.decode_arrays([meta], [b"\x00" * size])


def test_protocol_truncated_header_never_decodes():
    frames = _request()
    for cut in range(len(frames[0])):
        with pytest.raises(ProtocolError):
            p.decode_message([frames[0][:cut]])
