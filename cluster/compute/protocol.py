"""The wire protocol between compute clients, the broker and workers.

A message is one header frame (a tagged msgspec Struct in msgpack, ``array_like``) followed by
one raw frame per numpy array the header describes (dtype and shape in the header; received
with ``np.frombuffer``, zero-copy and read-only). No pickle, ever.

| kind              | sender → receiver          | frames after the routing ids         |
| ----------------- | -------------------------- | ------------------------------------ |
| `Request`         | client → broker → worker   | header, one per array                |
| `Reply`           | worker → broker → client   | header, one per array                |
| `Error`           | worker/broker → client     | header                               |
| `Heartbeat`       | any → its peer             | header                               |
| `Ready`           | worker → broker            | header                               |
| `Disconnect`      | worker ↔ broker            | header                               |
| `MetricsRequest`  | client → broker            | header                               |
| `Metrics`         | broker → client            | header                               |

The broker prefixes the client's routing id to what it sends a worker
(``[client_id, header, *arrays]``) and the worker echoes it in its answer.

Every decode is strict: version, kind, field types and bounds, frame count, array dtype
(numeric or bool), shape and byte length, total size. Anything else raises `ProtocolError`
with the reason; peers count it and go on.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
import numpy as np

from cluster.compute._fastpath import MsgFrame
from core.errors import ProtocolError

__all__ = [
    "PROTOCOL_VERSION",
    "ArrayMeta",
    "Disconnect",
    "Error",
    "Heartbeat",
    "Message",
    "Metrics",
    "MetricsRequest",
    "Ready",
    "Reply",
    "Request",
    "array_frames",
    "decode_arrays",
    "decode_message",
    "encode",
]

PROTOCOL_VERSION = 1
MAX_ARRAYS = 64
MAX_NDIM = 32
DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_ALLOWED_DTYPE_KINDS = frozenset("biufc")

RequestId = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
ServiceName = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[\w.\-:]+$")]
Dim = Annotated[int, msgspec.Meta(ge=0, le=2**40)]


class ArrayMeta(msgspec.Struct, frozen=True, array_like=True):
    """Dtype (numpy ``dtype.str``, e.g. ``"<f8"``) and shape of one raw array frame."""

    dtype: Annotated[str, msgspec.Meta(min_length=2, max_length=16)]
    shape: Annotated[list[Dim], msgspec.Meta(max_length=MAX_NDIM)]


class Message(msgspec.Struct, frozen=True, tag_field="kind", array_like=True):
    """Base of every header: the protocol version."""

    version: int


class Request(Message, frozen=True, tag="request"):
    """Run `service` on `payload` (msgpack bytes) and `arrays`; `timeout_ms` > 0 is how long
    the request may wait in the broker's queue (0: the broker's own bound)."""

    request_id: RequestId
    service: ServiceName
    payload: bytes
    arrays: Annotated[list[ArrayMeta], msgspec.Meta(max_length=MAX_ARRAYS)] = []
    timeout_ms: Annotated[int, msgspec.Meta(ge=0, le=2**40)] = 0


class Reply(Message, frozen=True, tag="reply"):
    """The handler's result (msgpack bytes) and arrays."""

    request_id: RequestId
    payload: bytes
    arrays: Annotated[list[ArrayMeta], msgspec.Meta(max_length=MAX_ARRAYS)] = []


class Error(Message, frozen=True, tag="error"):
    """A request ended without a result; `error_kind` is one of ``FAILURE_KINDS``."""

    request_id: Annotated[str, msgspec.Meta(max_length=256)]
    error_kind: Annotated[str, msgspec.Meta(max_length=32)]
    message: Annotated[str, msgspec.Meta(max_length=4096)]


class Heartbeat(Message, frozen=True, tag="heartbeat"):
    """I am alive; `sender_id` changes when the sender restarts."""

    sender_id: Annotated[str, msgspec.Meta(max_length=64)]


class Ready(Message, frozen=True, tag="ready"):
    """A worker serves `service` and accepts `credit` requests at a time; `token` is the
    cluster's shared worker secret (empty when the broker authenticates workers by CURVE)."""

    service: ServiceName
    credit: Annotated[int, msgspec.Meta(ge=1, le=1024)] = 1
    token: Annotated[str, msgspec.Meta(max_length=1024)] = ""


class Disconnect(Message, frozen=True, tag="disconnect"):
    """Worker → broker: draining, send no more. Broker → worker: unknown or drained, go."""

    reason: Annotated[str, msgspec.Meta(max_length=1024)] = ""


class MetricsRequest(Message, frozen=True, tag="metrics_request"):
    """Ask the broker for its `Metrics`."""


class Metrics(Message, frozen=True, tag="metrics"):
    """The broker's counters, per-service gauges and protocol errors per peer (hex id)."""

    counters: dict[str, int]
    services: dict[str, dict[str, int]]
    protocol_errors_by_peer: dict[str, int]


AnyMessage = Request | Reply | Error | Heartbeat | Ready | Disconnect | MetricsRequest | Metrics

_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(AnyMessage)
# Reads only the version: a message of another version is reported as such, not as garbage.
_VERSION_PROBE = msgspec.msgpack.Decoder(tuple)


def encode(message: Message) -> bytes:
    """Return the header frame of `message`."""
    return _ENCODER.encode(message)


def array_frames(arrays) -> tuple[list[ArrayMeta], list]:
    """Return the metas and the raw buffers of C-contiguous numpy `arrays`."""
    metas = []
    buffers = []
    for array in arrays:
        if not array.flags.c_contiguous:
            array = np.ascontiguousarray(array)
        metas.append(ArrayMeta(array.dtype.str, list(array.shape)))
        buffers.append(array.data if array.ndim else array.reshape(1).data)
    return metas, buffers


def _frame_bytes(frame):
    """Return a buffer over a part: bytes or a `MsgFrame` as is, a zmq.Frame's buffer."""
    kind = type(frame)
    if kind is bytes or kind is MsgFrame:
        return frame
    buffer = getattr(frame, "buffer", None)
    return buffer if buffer is not None else frame


def decode_message(frames: list, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES):
    """Decode and validate one message; return ``(message, array_frames)``.

    Parameters
    ----------
    frames : list of zmq.Frame, bytes or memoryview
        The header frame and the array frames (routing ids removed).
    max_message_bytes : int
        The largest total size accepted.

    Raises
    ------
    ProtocolError
        If anything is wrong; the message says what.
    """
    if not frames:
        raise ProtocolError("empty message, expected a header frame")
    header = _frame_bytes(frames[0])
    total = 0
    for frame in frames:
        total += len(_frame_bytes(frame))
    if total > max_message_bytes:
        raise ProtocolError(
            f"message of {total} bytes exceeds the limit of {max_message_bytes} bytes"
        )
    try:
        message = _DECODER.decode(header)
    except (msgspec.DecodeError, UnicodeDecodeError):  # msgspec raises the latter as is
        version = _probe_version(header)
        if version is not None and version != PROTOCOL_VERSION:
            raise ProtocolError(
                f"protocol version {version!r} unsupported, expected {PROTOCOL_VERSION}"
            ) from None
        raise ProtocolError(f"malformed header: {_header_problem(header)}") from None
    if message.version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"protocol version {message.version!r} unsupported, expected {PROTOCOL_VERSION}"
        )
    n_arrays = len(message.arrays) if type(message) in (Request, Reply) else 0
    if len(frames) != 1 + n_arrays:
        raise ProtocolError(
            f"{message.__struct_config__.tag} with {n_arrays} arrays came in {len(frames)} "
            f"frames, expected {1 + n_arrays}"
        )
    return message, frames[1:]


_BY_TAG = {cls.__struct_config__.tag: cls for cls in AnyMessage.__args__}


def _header_problem(header) -> str:
    """Say what is wrong with a header the typed decoder refused, located by field.

    msgspec's error locates the problem only inside its English text (``$[2]``), so the header
    is decoded again untyped and each position is checked against its field's annotation here:
    the message names the kind and field and is worded by us, never by msgspec.
    """
    try:
        fields = _VERSION_PROBE.decode(header)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return "not a msgpack array of a message (or a string in it is not UTF-8)"
    if not fields or not isinstance(fields[0], str) or fields[0] not in _BY_TAG:
        kind = fields[0] if fields else None
        return f"kind {kind!r} unknown, expected one of {', '.join(sorted(_BY_TAG))}"
    cls = _BY_TAG[fields[0]]
    infos = msgspec.structs.fields(cls)
    required = sum(1 for info in infos if info.required)
    if not required <= len(fields) - 1 <= len(infos):
        return f"{fields[0]} has {len(fields) - 1} fields, expected {len(infos)}"
    for info, value in zip(infos, fields[1:], strict=False):
        try:
            msgspec.convert(value, info.type)
        except msgspec.ValidationError as err:
            if err.__cause__ is not None:
                return f"{fields[0]}.{info.name}: {err.__cause__}"
            shown = repr(value)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            return f"{fields[0]}.{info.name}: invalid value {shown}"
    return f"{fields[0]}: invalid"


def _probe_version(header):
    try:
        fields = _VERSION_PROBE.decode(header)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    if len(fields) >= 2 and isinstance(fields[0], str):
        return fields[1]
    return None


def decode_arrays(metas: list[ArrayMeta], frames: list) -> list[np.ndarray]:
    """Return read-only numpy views over `frames` as described by `metas` (zero-copy).

    Raises
    ------
    ProtocolError
        If a dtype is not numeric/bool or a frame's size does not match its dtype and shape.
    """
    arrays = []
    for i, (meta, frame) in enumerate(zip(metas, frames, strict=True)):
        try:
            dtype = np.dtype(meta.dtype)
        except (TypeError, ValueError):
            raise ProtocolError(
                f"array {i}: dtype {meta.dtype!r} invalid, expected a numpy dtype string"
            ) from None
        if dtype.kind not in _ALLOWED_DTYPE_KINDS or dtype.str != meta.dtype:
            raise ProtocolError(
                f"array {i}: dtype {meta.dtype!r} not allowed, expected a numeric or bool dtype "
                f"in numpy's canonical form (e.g. '<f8')"
            )
        buffer = _frame_bytes(frame)
        count = 1
        for dim in meta.shape:
            count *= dim
        if count * dtype.itemsize != len(buffer):
            raise ProtocolError(
                f"array {i}: {len(buffer)} bytes, expected {count * dtype.itemsize} for dtype "
                f"{meta.dtype} and shape {tuple(meta.shape)}"
            )
        array = np.frombuffer(buffer, dtype=dtype).reshape(meta.shape)
        array.flags.writeable = False
        arrays.append(array)
    return arrays
