"""Arrow schemas of the catalog's data kinds and the conversions between objects and tables.

Every fixed-point column is int64 *raw* (value x 10**9, the kernel's ``.raw``); the precision
of a stream's prices and sizes is kept once, in the Parquet schema metadata, so a column never
carries floats. The columns are exactly what the backtest engine's columnar streams take:

| kind               | identifier      | columns                                                  |
| ------------------ | --------------- | -------------------------------------------------------- |
| `quote_tick`       | instrument id   | ts_event, ts_init, bid, ask, bid_size, ask_size          |
| `trade_tick`       | instrument id   | ts_event, ts_init, price, size, aggressor_side (uint8),  |
|                    |                 | trade_id (string)                                        |
| `bar`              | str(bar_type)   | ts_event, ts_init, open, high, low, close, volume        |
| `order_book_delta` | instrument id   | ts_event, ts_init, action, side, price, size, order_id,  |
|                    |                 | flags, sequence                                          |
| `instrument`       | instrument id   | ts_event, ts_init, cls, payload (JSON, exact values)     |
| `custom.<module>.<Class>` | see `custom_identifier` | ts_event, ts_init and the class's ``to_dict`` fields |

Schema metadata keys (UTF-8): ``kind``, ``identifier``, ``price_precision``,
``size_precision`` and, where they apply, ``instrument_id``, ``bar_type``, ``data_class``.

Custom data contract: a Python subclass of `core.model.data.Data` that defines
``to_dict(self) -> dict`` (JSON-friendly scalars: int, float, str, bool, None; ``ts_event``
and ``ts_init`` included) and a classmethod ``from_dict(cls, values) -> instance``. Its
identifier is ``str(self.instrument_id)`` when it has one, else ``"default"``.
"""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from core.errors import DataError
from core.model.book import OrderBookDelta
from core.model.currency import Currency
from core.model.data import Bar, BarType, Data, QuoteTick, TradeTick
from core.model.enums import AssetClass, CurrencyType
from core.model.identifiers import InstrumentId, Symbol, TradeId
from core.model.instruments import (
    CryptoPerpetual,
    CurrencyPair,
    Equity,
    FuturesContract,
    Instrument,
)
from core.model.objects import Money, Price, Quantity

__all__ = [
    "BUILTIN_KINDS",
    "INSTRUMENT_KIND",
    "SCHEMAS",
    "custom_identifier",
    "instrument_from_dict",
    "instrument_to_dict",
    "kind_of",
    "objects_to_table",
    "table_to_objects",
]

INSTRUMENT_KIND = "instrument"
CUSTOM_PREFIX = "custom."

_I64 = pa.int64()
SCHEMAS: dict[str, pa.Schema] = {
    "quote_tick": pa.schema(
        [(name, _I64) for name in ("ts_event", "ts_init", "bid", "ask", "bid_size", "ask_size")]
    ),
    "trade_tick": pa.schema(
        [
            ("ts_event", _I64),
            ("ts_init", _I64),
            ("price", _I64),
            ("size", _I64),
            ("aggressor_side", pa.uint8()),
            ("trade_id", pa.string()),
        ]
    ),
    "bar": pa.schema(
        [(name, _I64) for name in ("ts_event", "ts_init", "open", "high", "low", "close", "volume")]
    ),
    "order_book_delta": pa.schema(
        [
            ("ts_event", _I64),
            ("ts_init", _I64),
            ("action", pa.uint8()),
            ("side", pa.uint8()),
            ("price", _I64),
            ("size", _I64),
            ("order_id", pa.uint64()),
            ("flags", pa.uint8()),
            ("sequence", pa.uint64()),
        ]
    ),
    INSTRUMENT_KIND: pa.schema(
        [("ts_event", _I64), ("ts_init", _I64), ("cls", pa.string()), ("payload", pa.string())]
    ),
}
"""The Arrow schema (without metadata) of each built-in kind."""

BUILTIN_KINDS = ("quote_tick", "trade_tick", "bar", "order_book_delta")
"""The market-data kinds with fixed-point columns (and precisions in the metadata)."""

FIXED_POINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "quote_tick": ("bid", "ask", "bid_size", "ask_size"),
    "trade_tick": ("price", "size"),
    "bar": ("open", "high", "low", "close", "volume"),
    "order_book_delta": ("price", "size"),
}
"""Raw int64 columns (value x 10**9) per kind; `where` filters take their literals in real units."""

PRICE_COLUMNS: dict[str, tuple[str, ...]] = {
    "quote_tick": ("bid", "ask"),
    "trade_tick": ("price",),
    "bar": ("open", "high", "low", "close"),
    "order_book_delta": ("price",),
}

_KIND_OF_CLASS = {
    QuoteTick: "quote_tick",
    TradeTick: "trade_tick",
    Bar: "bar",
    OrderBookDelta: "order_book_delta",
}


def kind_of(data_cls: type | str) -> str:
    """Return the catalog kind of a data class (or check and return a kind string).

    Raises
    ------
    DataError
        If `data_cls` is neither a `Data` subclass nor a known kind string.
    """
    if isinstance(data_cls, str):
        if data_cls in SCHEMAS or data_cls.startswith(CUSTOM_PREFIX):
            return data_cls
        raise DataError(
            f"data kind {data_cls!r} unknown, expected one of {', '.join(SCHEMAS)} or "
            f"'{CUSTOM_PREFIX}<module>.<Class>'"
        )
    if not isinstance(data_cls, type) or not issubclass(data_cls, Data):
        raise DataError(f"data class {data_cls!r} invalid, expected a subclass of Data")
    if data_cls in _KIND_OF_CLASS:
        return _KIND_OF_CLASS[data_cls]
    if issubclass(data_cls, Instrument):
        return INSTRUMENT_KIND
    if not (hasattr(data_cls, "to_dict") and hasattr(data_cls, "from_dict")):
        raise DataError(
            f"custom data class {data_cls.__module__}.{data_cls.__qualname__} cannot be stored: "
            f"expected methods to_dict(self) -> dict and classmethod from_dict(cls, values)"
        )
    return f"{CUSTOM_PREFIX}{data_cls.__module__}.{data_cls.__qualname__}"


def custom_identifier(item: Data) -> str:
    """Return the catalog identifier of a custom data object (its instrument id or "default")."""
    instrument_id = getattr(item, "instrument_id", None)
    return str(instrument_id) if instrument_id is not None else "default"


def identifier_of(kind: str, item: Data) -> str:
    """Return the identifier a data object is stored under."""
    if kind == "bar":
        return str(item.bar_type)
    if kind == INSTRUMENT_KIND:
        return str(item.id)
    if kind.startswith(CUSTOM_PREFIX):
        return custom_identifier(item)
    return str(item.instrument_id)


# -- objects -> table ----------------------------------------------------------------------------


def _one(values: set, what: str, identifier: str):
    if len(values) != 1:
        raise DataError(
            f"{identifier}: {what} {sorted(values)} mixed in one write, expected one {what} "
            f"per stream"
        )
    return values.pop()


def objects_to_table(kind: str, identifier: str, items: list) -> pa.Table:
    """Return the items (all of one kind and identifier) as a table with its schema metadata.

    Raises
    ------
    DataError
        If the items mix precisions or a custom item's ``to_dict`` is unusable.
    """
    meta: dict[str, str] = {"kind": kind, "identifier": identifier}
    ts_event = [x.ts_event for x in items]
    ts_init = [x.ts_init for x in items]
    if kind == "quote_tick":
        prec = _one({x.price_precision for x in items}, "price precision", identifier)
        size_prec = _one({x.size_precision for x in items}, "size precision", identifier)
        columns = [
            ts_event,
            ts_init,
            [x.bid_price_raw for x in items],
            [x.ask_price_raw for x in items],
            [x.bid_size_raw for x in items],
            [x.ask_size_raw for x in items],
        ]
        meta |= {"instrument_id": identifier}
    elif kind == "trade_tick":
        prec = _one({x.price_precision for x in items}, "price precision", identifier)
        size_prec = _one({x.size_precision for x in items}, "size precision", identifier)
        columns = [
            ts_event,
            ts_init,
            [x.price_raw for x in items],
            [x.size_raw for x in items],
            [int(x.aggressor_side) for x in items],
            [x.trade_id.value for x in items],
        ]
        meta |= {"instrument_id": identifier}
    elif kind == "bar":
        prec = _one({x.price_precision for x in items}, "price precision", identifier)
        size_prec = _one({x.size_precision for x in items}, "size precision", identifier)
        columns = [
            ts_event,
            ts_init,
            [x.open_raw for x in items],
            [x.high_raw for x in items],
            [x.low_raw for x in items],
            [x.close_raw for x in items],
            [x.volume_raw for x in items],
        ]
        meta |= {"bar_type": identifier, "instrument_id": str(items[0].bar_type.instrument_id)}
    elif kind == "order_book_delta":
        # A CLEAR's empty order has precision 0 whatever the stream's: it does not vote.
        priced = [x for x in items if x.action != 4] or items
        prec = _one({x.order.price_precision for x in priced}, "price precision", identifier)
        size_prec = _one({x.order.size_precision for x in priced}, "size precision", identifier)
        columns = [
            ts_event,
            ts_init,
            [int(x.action) for x in items],
            [int(x.order.side) for x in items],
            [x.order.price_raw for x in items],
            [x.order.size_raw for x in items],
            [x.order.order_id for x in items],
            [x.flags for x in items],
            [x.sequence for x in items],
        ]
        meta |= {"instrument_id": identifier}
    elif kind == INSTRUMENT_KIND:
        table = pa.table(
            [
                ts_event,
                ts_init,
                [type(x).__name__ for x in items],
                [json.dumps(instrument_to_dict(x), sort_keys=True) for x in items],
            ],
            schema=SCHEMAS[kind],
        )
        return table.replace_schema_metadata(meta | {"instrument_id": identifier})
    else:
        return _custom_to_table(kind, identifier, items, meta)
    table = pa.table(columns, schema=SCHEMAS[kind])
    meta |= {"price_precision": str(prec), "size_precision": str(size_prec)}
    return table.replace_schema_metadata(meta)


def _custom_to_table(kind: str, identifier: str, items: list, meta: dict) -> pa.Table:
    rows = []
    for item in items:
        row = item.to_dict()
        if not isinstance(row, dict):
            raise DataError(
                f"{kind} {identifier}: to_dict() returned {type(row).__name__}, expected a dict"
            )
        row["ts_event"] = item.ts_event
        row["ts_init"] = item.ts_init
        rows.append(row)
    try:
        table = pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise DataError(
            f"{kind} {identifier}: to_dict() values cannot be stored ({err}), expected "
            f"one scalar type per field (int, float, str, bool, None)"
        ) from err
    names = ["ts_event", "ts_init"]
    names += sorted(n for n in table.column_names if n not in ("ts_event", "ts_init"))
    table = table.select(names)
    cls = type(items[0])
    return table.replace_schema_metadata(
        meta | {"data_class": f"{cls.__module__}:{cls.__qualname__}"}
    )


# -- table -> objects ----------------------------------------------------------------------------


def table_to_objects(
    kind: str, identifier: str, table: pa.Table | pa.RecordBatch, meta: dict, data_cls=None
):
    """Return the rows of a catalog table (or batch) as data objects, in row order.

    Raises
    ------
    DataError
        If a stored value is invalid for its type (a corrupted or foreign file).
    """
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    n = table.num_rows
    if kind == INSTRUMENT_KIND:
        return [instrument_from_dict(json.loads(p)) for p in cols["payload"]]
    if kind.startswith(CUSTOM_PREFIX):
        cls = data_cls if isinstance(data_cls, type) else _import_class(meta["data_class"])
        return [cls.from_dict({k: cols[k][i] for k in cols}) for i in range(n)]
    prec = int(meta["price_precision"])
    size_prec = int(meta["size_precision"])
    ts_event, ts_init = cols["ts_event"], cols["ts_init"]
    try:
        if kind == "quote_tick":
            iid = InstrumentId.from_str(identifier)
            bid, ask, bs, az = cols["bid"], cols["ask"], cols["bid_size"], cols["ask_size"]
            return [
                QuoteTick.from_raw(
                    iid,
                    bid[i],
                    ask[i],
                    prec,
                    prec,
                    bs[i],
                    az[i],
                    size_prec,
                    size_prec,
                    ts_event[i],
                    ts_init[i],
                )  # fmt: skip
                for i in range(n)
            ]
        if kind == "trade_tick":
            iid = InstrumentId.from_str(identifier)
            price, size, side, tid = (
                cols["price"],
                cols["size"],
                cols["aggressor_side"],
                cols["trade_id"],
            )
            return [
                TradeTick.from_raw(
                    iid,
                    price[i],
                    prec,
                    size[i],
                    size_prec,
                    side[i],
                    TradeId(tid[i]),
                    ts_event[i],
                    ts_init[i],
                )  # fmt: skip
                for i in range(n)
            ]
        if kind == "bar":
            bar_type = BarType.from_str(identifier)
            o, h, lo, c, v = (cols[k] for k in ("open", "high", "low", "close", "volume"))
            return [
                Bar.from_raw(
                    bar_type,
                    o[i],
                    h[i],
                    lo[i],
                    c[i],
                    prec,
                    v[i],
                    size_prec,
                    ts_event[i],
                    ts_init[i],
                )  # fmt: skip
                for i in range(n)
            ]
        if kind == "order_book_delta":
            iid = InstrumentId.from_str(identifier)
            action, side, price, size = (cols[k] for k in ("action", "side", "price", "size"))
            oid, flags, seq = cols["order_id"], cols["flags"], cols["sequence"]
            out = []
            for i in range(n):
                if action[i] == 4:  # CLEAR: the empty order has precision 0
                    out.append(OrderBookDelta.clear(iid, seq[i], ts_event[i], ts_init[i]))
                else:
                    out.append(
                        OrderBookDelta.from_raw(
                            iid,
                            action[i],
                            side[i],
                            price[i],
                            prec,
                            size[i],
                            size_prec,
                            oid[i],
                            flags[i],
                            seq[i],
                            ts_event[i],
                            ts_init[i],
                        )  # fmt: skip
                    )
            return out
    except ValueError as err:
        raise DataError(f"{kind} {identifier}: stored value invalid: {err}") from err
    raise DataError(f"data kind {kind!r} unknown")


def _import_class(path: str) -> type:
    module, _, name = path.partition(":")
    try:
        obj = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise DataError(
            f"custom data class {path!r} cannot be imported ({err}); pass the class to query()"
        ) from err
    return obj


# -- instruments ---------------------------------------------------------------------------------

_INSTRUMENT_CLASSES = {
    cls.__name__: cls for cls in (CurrencyPair, Equity, CryptoPerpetual, FuturesContract)
}


def _currency_to_dict(currency: Currency) -> dict[str, Any]:
    return {
        "code": currency.code,
        "precision": currency.precision,
        "iso4217": currency.iso4217,
        "name": currency.name,
        "currency_type": CurrencyType(currency.currency_type).name,
    }


def _currency_from_dict(d: dict[str, Any]) -> Currency:
    if Currency.is_registered(d["code"]):
        registered = Currency.from_str(d["code"])
        if _currency_to_dict(registered) == d:
            return registered
    return Currency(
        d["code"], d["precision"], d["iso4217"], d["name"], CurrencyType[d["currency_type"]]
    )


def _value_to_json(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Price):
        return {"price": str(value)}
    if isinstance(value, Quantity):
        return {"quantity": str(value)}
    if isinstance(value, Money):
        return {"money_raw": value.raw, "currency": _currency_to_dict(value.currency)}
    if isinstance(value, Currency):
        return {"currency": _currency_to_dict(value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, Symbol | InstrumentId):
        return value.value
    if isinstance(value, float):
        return value
    if isinstance(value, dict):
        return {"dict": {str(k): _value_to_json(v) for k, v in sorted(value.items())}}
    raise DataError(f"instrument field value {value!r} of type {type(value).__name__} unsupported")


def _value_from_json(value):
    if not isinstance(value, dict):
        return value
    if "price" in value:
        return Price.from_str(value["price"])
    if "quantity" in value:
        return Quantity.from_str(value["quantity"])
    if "money_raw" in value:
        return Money.from_raw(value["money_raw"], _currency_from_dict(value["currency"]))
    if "currency" in value:
        return _currency_from_dict(value["currency"])
    if "decimal" in value:
        return Decimal(value["decimal"])
    if "dict" in value:
        return {k: _value_from_json(v) for k, v in value["dict"].items()}
    raise DataError(f"instrument payload value {value!r} unknown")


_COMMON = (
    "max_quantity",
    "min_quantity",
    "margin_init",
    "margin_maint",
    "maker_fee",
    "taker_fee",
    "info",
)
_FIELDS = {
    "CurrencyPair": (
        "raw_symbol", "base_currency", "quote_currency", "price_precision", "size_precision",
        "price_increment", "size_increment", "multiplier", "lot_size", "max_notional",
        "min_notional", "max_price", "min_price", *_COMMON,
    ),
    "Equity": ("raw_symbol", "currency", "price_precision", "price_increment", "lot_size",
               "isin", *_COMMON),
    "CryptoPerpetual": (
        "raw_symbol", "base_currency", "quote_currency", "settlement_currency", "is_inverse",
        "price_precision", "size_precision", "price_increment", "size_increment",
        "multiplier", "lot_size", "max_notional", "min_notional", "max_price", "min_price",
        *_COMMON,
    ),
    "FuturesContract": (
        "raw_symbol", "asset_class", "currency", "price_precision", "price_increment",
        "multiplier", "lot_size", "underlying", "activation_ns", "expiration_ns",
        "max_price", "min_price", *_COMMON,
    ),
}  # fmt: skip


def instrument_to_dict(instrument: Instrument) -> dict[str, Any]:
    """Return every constructor argument of `instrument` as JSON-friendly, exact values.

    Two instruments are equal in every field exactly when their dicts are equal (the
    instruments' own ``==`` compares ids only).
    """
    cls = type(instrument).__name__
    if cls not in _FIELDS:
        raise DataError(
            f"instrument {instrument.id}: class {cls} cannot be stored, expected one of "
            f"{', '.join(_FIELDS)}"
        )
    out: dict[str, Any] = {
        "cls": cls,
        "instrument_id": instrument.id.value,
        "ts_event": instrument.ts_event,
        "ts_init": instrument.ts_init,
    }
    for name in _FIELDS[cls]:
        if name == "currency":
            value = instrument.quote_currency
        elif name == "asset_class":
            value = AssetClass(instrument.asset_class).name
        else:
            value = getattr(instrument, name)
        out[name] = _value_to_json(value)
    return out


def instrument_from_dict(values: dict[str, Any]) -> Instrument:
    """Return the instrument `instrument_to_dict` described.

    Raises
    ------
    DataError
        If the class is unknown or a field is missing or invalid.
    """
    cls_name = values.get("cls")
    if cls_name not in _INSTRUMENT_CLASSES:
        raise DataError(
            f"instrument cls {cls_name!r} unknown, expected one of {', '.join(_FIELDS)}"
        )
    try:
        kwargs = {name: _value_from_json(values[name]) for name in _FIELDS[cls_name]}
        kwargs["raw_symbol"] = Symbol(kwargs["raw_symbol"])
        if "asset_class" in kwargs:
            kwargs["asset_class"] = AssetClass[kwargs["asset_class"]]
        return _INSTRUMENT_CLASSES[cls_name](
            instrument_id=InstrumentId.from_str(values["instrument_id"]),
            ts_event=values["ts_event"],
            ts_init=values["ts_init"],
            **kwargs,
        )
    except KeyError as err:
        raise DataError(
            f"instrument {values.get('instrument_id')!r}: field {err} missing, expected every "
            f"field of {cls_name}"
        ) from err
    except (ValueError, TypeError) as err:
        raise DataError(f"instrument {values.get('instrument_id')!r}: {err}") from err


def numpy_int64(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Return an int64 column as a numpy array (zero-copy when it has one chunk)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column.to_numpy(zero_copy_only=False)
