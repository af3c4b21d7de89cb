"""Round trips: every data kind written to the catalog and read back equals the original."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.model import (
    AggressorSide,
    Bar,
    BarType,
    BookAction,
    Data,
    InstrumentId,
    OrderBookDelta,
    OrderSide,
    QuoteTick,
    TradeId,
    TradeTick,
)
from core.testkit import TestInstrumentProvider
from node.persistence import ParquetDataCatalog
from node.persistence.schemas import instrument_to_dict

RAW_MAX = 9_223_372_036_000_000_000
TS_MAX = 2**63 - 1
IID = InstrumentId.from_str("EUR/USD.SIM")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _raw(precision: int, non_negative: bool = False) -> st.SearchStrategy[int]:
    step = 10 ** (9 - precision)
    low = 0 if non_negative else -(RAW_MAX // step)
    return st.integers(low, RAW_MAX // step).map(lambda k: k * step)


def _extreme_raw(precision: int, non_negative: bool = False) -> st.SearchStrategy[int]:
    step = 10 ** (9 - precision)
    top = RAW_MAX // step * step
    edges = [0, step, top, top - step] + ([] if non_negative else [-top, -step])
    return st.one_of(st.sampled_from(edges), _raw(precision, non_negative))


_ts = st.integers(0, TS_MAX)


@st.composite
def quotes(draw):
    prec, size_prec = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    n = draw(st.integers(1, 30))
    return [
        QuoteTick.from_raw(
            IID,
            draw(_extreme_raw(prec)),
            draw(_extreme_raw(prec)),
            prec,
            prec,
            draw(_extreme_raw(size_prec, True)),
            draw(_extreme_raw(size_prec, True)),
            size_prec,
            size_prec,
            draw(_ts),
            draw(_ts),
        )
        for _ in range(n)
    ]


@st.composite
def trades(draw):
    prec, size_prec = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    step = 10 ** (9 - size_prec)
    return [
        TradeTick.from_raw(
            IID,
            draw(_extreme_raw(prec)),
            prec,
            draw(st.sampled_from([step, RAW_MAX // step * step])),
            size_prec,
            draw(st.sampled_from(list(AggressorSide))),
            TradeId(draw(st.text("abcXYZ-_0123456789/é", min_size=1, max_size=36))),
            draw(_ts),
            draw(_ts),
        )
        for _ in range(draw(st.integers(1, 30)))
    ]


@st.composite
def bars(draw):
    prec, size_prec = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    bar_type = BarType.from_str("EUR/USD.SIM-1-MINUTE-BID-EXTERNAL")
    out = []
    for _ in range(draw(st.integers(1, 30))):
        lo, o, c, h = sorted(draw(st.lists(_extreme_raw(prec), min_size=4, max_size=4)))
        if draw(st.booleans()):
            o, c = c, o
        out.append(
            Bar.from_raw(
                bar_type,
                o,
                h,
                lo,
                c,
                prec,
                draw(_extreme_raw(size_prec, True)),
                size_prec,
                draw(_ts),
                draw(_ts),
            )  # fmt: skip
        )
    return out


@st.composite
def deltas(draw):
    prec, size_prec = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    out = []
    for _ in range(draw(st.integers(1, 30))):
        action = draw(st.sampled_from(list(BookAction)))
        ts_event, ts_init, seq = draw(_ts), draw(_ts), draw(st.integers(0, 2**64 - 1))
        if action == BookAction.CLEAR:
            out.append(OrderBookDelta.clear(IID, seq, ts_event, ts_init))
            continue
        size_min = 10 ** (9 - size_prec) if action == BookAction.ADD else 0
        size = draw(_extreme_raw(size_prec, True).filter(lambda s, m=size_min: s >= m))
        out.append(
            OrderBookDelta.from_raw(
                IID,
                action,
                draw(st.sampled_from([OrderSide.BUY, OrderSide.SELL])),
                draw(_extreme_raw(prec)),
                prec,
                size,
                size_prec,
                draw(st.integers(0, 2**64 - 1)),
                draw(st.integers(0, 255)),
                seq,
                ts_event,
                ts_init,
            )  # fmt: skip
        )
    return out


def _round_trip(items, cls):
    with tempfile.TemporaryDirectory() as tmp:
        catalog = ParquetDataCatalog(Path(tmp) / "cat")
        catalog.write_data(items)
        back = catalog.query(cls)
    return back, sorted(items, key=lambda x: x.ts_init)


@SETTINGS
@given(quotes())
def test_quote_ticks_round_trip_equal(items):
    back, expected = _round_trip(items, QuoteTick)
    assert back == expected
    assert [repr(x) for x in back] == [repr(x) for x in expected]


@SETTINGS
@given(trades())
def test_trade_ticks_round_trip_equal(items):
    back, expected = _round_trip(items, TradeTick)
    assert back == expected


@SETTINGS
@given(bars())
def test_bars_round_trip_equal(items):
    back, expected = _round_trip(items, Bar)
    assert back == expected


@SETTINGS
@given(deltas())
def test_order_book_deltas_round_trip_equal(items):
    back, expected = _round_trip(items, OrderBookDelta)
    assert back == expected


@SETTINGS
@given(
    st.integers(0, 9),
    st.integers(0, 9),
    st.sampled_from(["0.03", "0", "1.5", "0.000000001"]),
    st.sampled_from(["-0.0001", "0.00002", "0"]),
)
def test_instruments_round_trip_every_field(price_prec, size_prec, margin, fee):
    from core.model import CurrencyPair, Price, Quantity, Symbol
    from core.model.currencies import EUR, USD

    pair = CurrencyPair(
        instrument_id=InstrumentId.from_str("EUR/USD.HYP"),
        raw_symbol=Symbol("EURUSD"),
        base_currency=EUR,
        quote_currency=USD,
        price_precision=price_prec,
        size_precision=size_prec,
        price_increment=Price(Decimal(1).scaleb(-price_prec), price_prec),
        size_increment=Quantity(Decimal(1).scaleb(-size_prec), size_prec),
        ts_event=5,
        ts_init=6,
        margin_init=Decimal(margin),
        margin_maint=Decimal(margin),
        maker_fee=Decimal(fee),
        taker_fee=Decimal(fee),
        info={"note": "hypothesis", "tick": 1},
    )
    items = [
        pair,
        TestInstrumentProvider.default_fx_ccy("USD/JPY"),
        TestInstrumentProvider.btcusdt_perp(),
        TestInstrumentProvider.equity(),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        catalog = ParquetDataCatalog(Path(tmp) / "cat")
        catalog.write_data(items)
        back = catalog.instruments()
    expected = sorted(items, key=lambda i: str(i.id))
    assert [instrument_to_dict(i) for i in back] == [instrument_to_dict(i) for i in expected]
    assert [repr(i) for i in back] == [repr(i) for i in expected]
    assert [type(i) for i in back] == [type(i) for i in expected]


def test_futures_contract_round_trip_every_field(tmp_path):
    from core.model import AssetClass, FuturesContract, Price, Quantity, Symbol
    from core.model.currencies import USD

    future = FuturesContract(
        instrument_id=InstrumentId.from_str("ESZ4.XCME"),
        raw_symbol=Symbol("ESZ4"),
        asset_class=AssetClass.INDEX,
        currency=USD,
        price_precision=2,
        price_increment=Price.from_str("0.25"),
        multiplier=Quantity.from_int(50),
        lot_size=Quantity.from_int(1),
        underlying="ES",
        activation_ns=1,
        expiration_ns=2,
        ts_event=0,
        ts_init=0,
    )
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data([future])
    (back,) = catalog.instruments()
    assert instrument_to_dict(back) == instrument_to_dict(future)


class Signal(Data):
    """A custom data type following the catalog's contract (to_dict / from_dict)."""

    def __init__(self, instrument_id, value: float, label: str, ts_event: int, ts_init: int):
        super().__init__(ts_event, ts_init)
        self.instrument_id = instrument_id
        self.value = value
        self.label = label

    def to_dict(self) -> dict:
        return {"instrument_id": str(self.instrument_id), "value": self.value, "label": self.label}

    @classmethod
    def from_dict(cls, values: dict) -> Signal:
        return cls(
            InstrumentId.from_str(values["instrument_id"]),
            values["value"],
            values["label"],
            values["ts_event"],
            values["ts_init"],
        )

    def __eq__(self, other) -> bool:
        return isinstance(other, Signal) and (
            self.instrument_id,
            self.value,
            self.label,
            self.ts_event,
            self.ts_init,
        ) == (other.instrument_id, other.value, other.label, other.ts_event, other.ts_init)

    __hash__ = None


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=False), st.text(max_size=10), _ts, _ts, st.sampled_from([IID])
        ),
        min_size=1,
        max_size=20,
    )
)
def test_custom_data_round_trip_equal(rows):
    items = [Signal(iid, v, label, te, ti) for v, label, te, ti, iid in rows]
    back, expected = _round_trip(items, Signal)
    assert back == expected
