"""The event codec of the node's journal: every stored event decodes to its original, field for
field; foreign or corrupt records are refused by name."""

from __future__ import annotations

import msgspec
import pytest
from core.model.events import AccountBalance, AccountState, MarginBalance

from core.model.currency import Currency
from core.model.enums import AccountType, CurrencyType, OrderSide
from core.model.identifiers import AccountId, ClientOrderId, InstrumentId, OrderListId
from core.model.objects import Money
from core.model.uuid import UUID4
from node.persistence.codec import CodecError, decode_event, encode_event
from tests.kit.order_events import EventBuilder


def _norm(value):
    if hasattr(value, "raw") and hasattr(value, "currency"):
        return ("money", value.raw, _norm(value.currency))
    if hasattr(value, "raw") and hasattr(value, "precision"):
        return (type(value).__name__, value.raw, value.precision)
    if isinstance(value, Currency):
        return ("ccy", value.code, value.precision, value.iso4217, value.name, value.currency_type)
    if isinstance(value, AccountBalance):
        return ("bal", _norm(value.total), _norm(value.locked), _norm(value.free))
    if isinstance(value, MarginBalance):
        return ("mar", _norm(value.initial), _norm(value.maintenance), str(value.instrument_id))
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    return (type(value).__name__, value if isinstance(value, int | str | float) else str(value))


def fields(event) -> dict:
    out = {}
    for name in dir(event):
        if name.startswith("_"):
            continue
        value = getattr(event, name)
        if callable(value):
            continue
        if name == "info" and value is None:
            value = {}  # AccountState's constructor keeps no info as {}: the same meaning
        out[name] = _norm(value)
    return out


def _every_kind():
    b = EventBuilder(seed=3)
    limit = b.limit(
        coid="O-L",
        tags=["entry", "ema"],
        order_list_id=OrderListId("OL-1"),
        linked_order_ids=[ClientOrderId("O-2")],
        parent_order_id=ClientOrderId("O-0"),
    )
    market = b.market(side=OrderSide.SELL, coid="O-M")
    stop = b.stop_limit(coid="O-S")
    return [
        limit.init_event,
        market.init_event,
        stop.init_event,
        b.denied(market),
        b.submitted(limit),
        b.accepted(limit),
        b.rejected(limit),
        b.pending_update(limit),
        b.pending_cancel(limit),
        b.modify_rejected(limit),
        b.cancel_rejected(limit),
        b.updated(limit, qty="50000", price="1.20000"),
        b.canceled(limit),
        b.expired(limit),
        b.triggered(stop),
        b.filled(limit, "40000", commission="1.25 USD"),
        b.filled(market, "1", px="1.00001", position_id=None, currency="JPY"),
    ]


@pytest.mark.parametrize("event", _every_kind(), ids=lambda e: type(e).__name__)
def test_every_order_event_kind_round_trips_field_for_field(event):
    decoded = decode_event(encode_event(event))
    assert type(decoded) is type(event)
    assert decoded == event  # same event id
    assert fields(decoded) == fields(event)


def test_account_states_round_trip_with_custom_currencies_and_margins():
    coin = Currency("ZZC", 8, 0, "Test coin", CurrencyType.CRYPTO)
    usd = Currency.from_str("USD")
    state = AccountState(
        AccountId("SIM-001"),
        AccountType.MARGIN,
        usd,
        True,
        [
            AccountBalance(Money(1000, usd), Money(10, usd), Money(990, usd)),
            AccountBalance(
                Money.from_raw(123_456_780, coin), Money(0, coin), Money.from_raw(123_456_780, coin)
            ),
        ],
        [MarginBalance(Money(5, usd), Money(2, usd), InstrumentId.from_str("EUR/USD.SIM"))],
        {"note": "x"},
        UUID4(),
        5,
        6,
    )
    decoded = decode_event(encode_event(state))
    assert decoded == state
    assert fields(decoded) == fields(state)
    assert decoded.balances[1].total.currency.code == "ZZC"


def test_every_event_of_a_backtest_round_trips(tmp_path):
    import pyarrow as pa

    from core.testkit import TestInstrumentProvider
    from core.testkit.data import random_walk_bars
    from node.backtest.node import build_engine
    from node.config import config_from_dict
    from node.persistence import ParquetDataCatalog
    from tests.kit.run_config import BAR_TYPE, ema_run_config

    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(800, seed=5)))
    engine, _ = build_engine(config_from_dict(ema_run_config(tmp_path)))
    try:
        engine.run()
        events = [e for order in engine.kernel.cache.orders() for e in order.events]
        events += [s for account in engine.kernel.cache.accounts() for s in account.events]
    finally:
        engine.dispose()
    assert len(events) > 100
    for event in events:
        assert fields(decode_event(encode_event(event))) == fields(event)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (b"\xc1", "invalid MessagePack"),
        (msgspec.msgpack.encode([99, 1]), "invalid tag 99"),
        (msgspec.msgpack.encode(["OrderFilled"]), "invalid tag 'OrderFilled'"),
        (msgspec.msgpack.encode([]), "invalid tag None"),
        (msgspec.msgpack.encode([2, "T", "S"]), "OrderDenied has 2 fields, expected 7"),
        (
            msgspec.msgpack.encode([2, "T-1", "S-1", "EUR/USD.SIM", "O-1", "r", "bad uuid", 1]),
            "invalid OrderDenied",
        ),
    ],
)
def test_foreign_or_corrupt_records_are_refused_by_name(record, expected):
    with pytest.raises(CodecError, match=expected):
        decode_event(record)


def test_only_journal_events_encode():
    with pytest.raises(CodecError, match="invalid type str"):
        encode_event("not an event")
