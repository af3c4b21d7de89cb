"""Binary encoding of the events a node persists (order events, account states) with msgspec.

An event is encoded as a MessagePack array ``[tag, field, ...]``: the tag names the event
class (a stable small integer, never the Python class name, so a rename cannot break a stored
journal) and the fields follow the class constructor's order. Fixed-point values keep their
raw integers and precisions (``[raw, precision]``), money its currency in full (code,
precision, ISO 4217 number, name, type), so a decoded event equals the original field for
field, the event id included. Decoding validates the shape: a foreign or corrupt record is a
`CodecError` naming what was wrong, never a half-built event.
"""

from __future__ import annotations

import msgspec
from core.model.events import (
    AccountBalance,
    AccountState,
    MarginBalance,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)

from core.errors import ValidationError
from core.model.currency import Currency
from core.model.enums import (
    AccountType,
    ContingencyType,
    CurrencyType,
    LiquiditySide,
    OrderSide,
    OrderType,
    TimeInForce,
    TriggerType,
)
from core.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from core.model.objects import Money, Price, Quantity
from core.model.uuid import UUID4

__all__ = ["CodecError", "decode_event", "encode_event"]

SCHEMA_VERSION = 1


class CodecError(ValidationError):
    """A stored record that is not an event this version can decode."""


# -- field kinds: (encode, decode) ---------------------------------------------------------------


def _ident(cls):
    return (lambda v: None if v is None else v.value, lambda v: None if v is None else cls(v))


def _currency_enc(c: Currency):
    return [c.code, c.precision, c.iso4217, c.name, int(c.currency_type)]


_CURRENCIES: dict[tuple, Currency] = {}


def _currency_dec(v) -> Currency:
    key = tuple(v)
    currency = _CURRENCIES.get(key)
    if currency is None:
        code, precision, iso4217, name, kind = v
        currency = Currency(code, precision, iso4217, name, CurrencyType(kind))
        _CURRENCIES[key] = currency
    return currency


def _money_enc(m: Money):
    return [m.raw, _currency_enc(m.currency)]


def _money_dec(v) -> Money:
    return Money.from_raw(v[0], _currency_dec(v[1]))


def _fixed(cls):
    return (
        lambda v: None if v is None else [v.raw, v.precision],
        lambda v: None if v is None else cls.from_raw(v[0], v[1]),
    )


def _enum(cls):
    return (int, cls)


def _plain():
    return (lambda v: v, lambda v: v)


def _balance_enc(b: AccountBalance):
    return [_money_enc(b.total), _money_enc(b.locked), _money_enc(b.free)]


def _balance_dec(v) -> AccountBalance:
    return AccountBalance(_money_dec(v[0]), _money_dec(v[1]), _money_dec(v[2]))


def _margin_enc(m: MarginBalance):
    return [
        _money_enc(m.initial),
        _money_enc(m.maintenance),
        None if m.instrument_id is None else m.instrument_id.value,
    ]


def _margin_dec(v) -> MarginBalance:
    iid = None if v[2] is None else InstrumentId.from_str(v[2])
    return MarginBalance(_money_dec(v[0]), _money_dec(v[1]), iid)


_K = {
    "trader_id": _ident(TraderId),
    "strategy_id": _ident(StrategyId),
    "instrument_id": (
        lambda v: None if v is None else v.value,
        lambda v: None if v is None else InstrumentId.from_str(v),
    ),
    "client_order_id": _ident(ClientOrderId),
    "venue_order_id": _ident(VenueOrderId),
    "account_id": _ident(AccountId),
    "trade_id": _ident(TradeId),
    "position_id": _ident(PositionId),
    "order_list_id": _ident(OrderListId),
    "parent_order_id": _ident(ClientOrderId),
    "linked_order_ids": (
        lambda v: None if v is None else [i.value for i in v],
        lambda v: None if v is None else [ClientOrderId(i) for i in v],
    ),
    "event_id": (lambda v: v.value, UUID4),
    "price": _fixed(Price),
    "trigger_price": _fixed(Price),
    "last_px": _fixed(Price),
    "quantity": _fixed(Quantity),
    "last_qty": _fixed(Quantity),
    "commission": (_money_enc, _money_dec),
    "currency": (_currency_enc, _currency_dec),
    "base_currency": (
        lambda v: None if v is None else _currency_enc(v),
        lambda v: None if v is None else _currency_dec(v),
    ),
    "side": _enum(OrderSide),
    "order_side": _enum(OrderSide),
    "order_type": _enum(OrderType),
    "time_in_force": _enum(TimeInForce),
    "trigger_type": _enum(TriggerType),
    "contingency_type": _enum(ContingencyType),
    "liquidity_side": _enum(LiquiditySide),
    "account_type": _enum(AccountType),
    "balances": (
        lambda v: [_balance_enc(b) for b in v],
        lambda v: [_balance_dec(b) for b in v],
    ),
    "margins": (lambda v: [_margin_enc(m) for m in v], lambda v: [_margin_dec(m) for m in v]),
}
for _name in (
    "post_only",
    "reduce_only",
    "quote_quantity",
    "reconciliation",
    "due_post_only",
    "reported",
    "expire_time_ns",
    "ts_event",
    "ts_init",
    "reason",
    "tags",
    "info",
):
    _K[_name] = _plain()

_IDS = ["trader_id", "strategy_id", "instrument_id", "client_order_id"]
_VENUE = ["venue_order_id", "account_id", "event_id", "ts_event", "ts_init"]

# tag -> (class, constructor fields, attribute of each field when it differs from its name)
_SPECS: dict[int, tuple[type, list[str]]] = {
    1: (
        OrderInitialized,
        [
            *_IDS,
            "side",
            "order_type",
            "quantity",
            "time_in_force",
            "post_only",
            "reduce_only",
            "quote_quantity",
            "price",
            "trigger_price",
            "trigger_type",
            "expire_time_ns",
            "contingency_type",
            "order_list_id",
            "linked_order_ids",
            "parent_order_id",
            "tags",
            "event_id",
            "ts_init",
            "reconciliation",
        ],
    ),
    2: (OrderDenied, [*_IDS, "reason", "event_id", "ts_init"]),
    3: (OrderSubmitted, [*_IDS, "account_id", "event_id", "ts_event", "ts_init"]),
    4: (OrderAccepted, [*_IDS, *_VENUE, "reconciliation"]),
    5: (
        OrderRejected,
        [
            *_IDS,
            "account_id",
            "reason",
            "event_id",
            "ts_event",
            "ts_init",
            "due_post_only",
            "reconciliation",
        ],
    ),
    6: (OrderPendingUpdate, [*_IDS, *_VENUE]),
    7: (OrderPendingCancel, [*_IDS, *_VENUE]),
    8: (
        OrderModifyRejected,
        [*_IDS, "venue_order_id", "account_id", "reason", "event_id", "ts_event", "ts_init"],
    ),
    9: (
        OrderCancelRejected,
        [*_IDS, "venue_order_id", "account_id", "reason", "event_id", "ts_event", "ts_init"],
    ),
    10: (
        OrderUpdated,
        [
            *_IDS,
            "venue_order_id",
            "account_id",
            "quantity",
            "price",
            "trigger_price",
            "event_id",
            "ts_event",
            "ts_init",
        ],
    ),
    11: (OrderCanceled, [*_IDS, *_VENUE, "reconciliation"]),
    12: (OrderExpired, [*_IDS, *_VENUE, "reconciliation"]),
    13: (OrderTriggered, [*_IDS, *_VENUE, "reconciliation"]),
    14: (
        OrderFilled,
        [
            *_IDS,
            "venue_order_id",
            "account_id",
            "trade_id",
            "position_id",
            "order_side",
            "order_type",
            "last_qty",
            "last_px",
            "currency",
            "commission",
            "liquidity_side",
            "event_id",
            "ts_event",
            "ts_init",
            "reconciliation",
            "info",
        ],
    ),
    15: (
        AccountState,
        [
            "account_id",
            "account_type",
            "base_currency",
            "reported",
            "balances",
            "margins",
            "info",
            "event_id",
            "ts_event",
            "ts_init",
        ],
    ),
}
# where the attribute's name differs from the constructor argument's
_ATTRS = {"event_id": "id", "reported": "is_reported"}

_ENCODERS = {
    cls: (tag, [(_ATTRS.get(f, f), _K[f][0]) for f in fields])
    for tag, (cls, fields) in _SPECS.items()
}
_DECODERS = {
    tag: (cls, len(fields), [_K[f][1] for f in fields]) for tag, (cls, fields) in _SPECS.items()
}
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list)


def encode_event(event) -> bytes:
    """The MessagePack record of `event` (an order event or an `AccountState`).

    Raises
    ------
    CodecError
        If `event` is of a type the journal does not store.
    """
    spec = _ENCODERS.get(type(event))
    if spec is None:
        raise CodecError(
            f"encode_event: invalid type {type(event).__name__}, expected an order event or "
            f"AccountState"
        )
    tag, fields = spec
    return _encoder.encode([tag, *[enc(getattr(event, attr)) for attr, enc in fields]])


def decode_event(record: bytes):
    """The event `record` encodes (see `encode_event`).

    Raises
    ------
    CodecError
        If `record` is not a record of this schema (names the tag or the field).
    """
    try:
        items = _decoder.decode(record)
    except msgspec.DecodeError as err:
        raise CodecError(f"event record: invalid MessagePack ({err})") from None
    if not items or type(items[0]) is not int or items[0] not in _DECODERS:
        head = items[0] if items else None
        raise CodecError(f"event record: invalid tag {head!r}, expected one of 1..{len(_SPECS)}")
    cls, count, decoders = _DECODERS[items[0]]
    if len(items) != count + 1:
        raise CodecError(
            f"event record: {cls.__name__} has {len(items) - 1} fields, expected {count}"
        )
    try:
        return cls(*[dec(v) for dec, v in zip(decoders, items[1:], strict=True)])
    except (TypeError, ValueError, IndexError, ValidationError) as err:
        raise CodecError(f"event record: invalid {cls.__name__} ({err})") from None
