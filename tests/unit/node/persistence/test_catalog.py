"""ParquetDataCatalog: layout, overlap refusal, missing catalog, streaming, filters, tables."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.errors import DataError
from core.model import Bar, InstrumentId, Price, Quantity, QuoteTick
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from node.persistence import CatalogEntry, ParquetDataCatalog
from node.persistence.catalog import escape_identifier, unescape_identifier

IID = InstrumentId.from_str("EUR/USD.SIM")
BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"


def _quotes(start: int, n: int, bid="1.10000", ask="1.10010", size=1000):
    return [
        QuoteTick(
            IID,
            Price.from_str(bid),
            Price.from_str(ask),
            Quantity.from_int(size + i % 3),
            Quantity.from_int(size),
            ts,
            ts,
        )
        for i, ts in enumerate(range(start, start + n))
    ]


def test_catalog_missing_read_raises_not_found(tmp_path):
    catalog = ParquetDataCatalog(tmp_path / "nope")
    for call in (
        catalog.list_data,
        catalog.instruments,
        lambda: catalog.query(QuoteTick),
        lambda: list(catalog.stream(QuoteTick, IID)),
        lambda: catalog.files(QuoteTick, IID),
    ):
        with pytest.raises(DataError, match=r"catalog .*nope: not found, expected an existing"):
            call()


def test_catalog_write_creates_layout_named_by_time_range(tmp_path):
    catalog = ParquetDataCatalog(tmp_path / "cat")
    (path,) = catalog.write_data(_quotes(100, 50))
    assert path == tmp_path / "cat/data/quote_tick/EUR%2FUSD.SIM/100-149.parquet"
    meta = catalog.metadata(QuoteTick, IID)
    assert meta["price_precision"] == 5 and meta["size_precision"] == 0
    assert meta["instrument_id"] == "EUR/USD.SIM"
    schema = pq.read_schema(path)
    assert schema.names == ["ts_event", "ts_init", "bid", "ask", "bid_size", "ask_size"]
    assert all(t == pa.int64() for t in schema.types)
    assert pq.read_table(path).column("bid")[0].as_py() == 1_100_000_000


def test_identifier_escaping_round_trips():
    for identifier in ("EUR/USD.SIM", "a%2Fb.X", "BTC-PERP.BINANCE", "x y/z.V"):
        escaped = escape_identifier(identifier)
        assert "/" not in escaped
        assert unescape_identifier(escaped) == identifier
    with pytest.raises(DataError, match="identifier '..' invalid"):
        escape_identifier("..")


def test_catalog_overlapping_write_refused_and_nothing_written(tmp_path):
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data(_quotes(100, 50))
    bars = [
        Bar.from_raw(
            __import__("core.model", fromlist=["BarType"]).BarType.from_str(BAR_TYPE),
            1_000_000_000, 1_000_000_000, 1_000_000_000, 1_000_000_000, 5, 0, 0, 1, 1,
        )
    ]  # fmt: skip
    with pytest.raises(DataError) as info:
        catalog.write_data(bars + _quotes(140, 20))
    message = str(info.value)
    assert "write of quote_tick EUR/USD.SIM range [140, 159]" in message
    assert "overlaps existing file" in message and "100-149.parquet range [100, 149]" in message
    assert "nothing was written" in message
    # the bar group of the same call was not written either
    assert [e.kind for e in catalog.list_data()] == ["quote_tick"]
    catalog.write_data(_quotes(150, 10))  # adjacent, not overlapping
    assert [p.name for p in catalog.files(QuoteTick, IID)] == ["100-149.parquet", "150-159.parquet"]
    assert not list((tmp_path / "data/quote_tick/EUR%2FUSD.SIM").glob(".*"))


def test_catalog_precision_change_refused(tmp_path):
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data(_quotes(0, 5))
    with pytest.raises(DataError, match="price_precision 4 differs from the stored stream's 5"):
        catalog.write_data(_quotes(10, 5, bid="1.1000", ask="1.1001"))


def test_catalog_mixed_precision_in_one_write_refused(tmp_path):
    items = _quotes(0, 2) + _quotes(2, 2, bid="1.1000", ask="1.1001")
    with pytest.raises(DataError, match=r"price precision \[4, 5\] mixed in one write"):
        ParquetDataCatalog(tmp_path).write_data(items)


def test_stream_small_batches_in_order_equal_query(tmp_path):
    catalog = ParquetDataCatalog(tmp_path, max_rows_per_file=400)
    quotes = _quotes(0, 1000)
    catalog.write_data(quotes[500:])
    catalog.write_data(quotes[:500])
    assert len(catalog.files(QuoteTick, IID)) == 4
    batches = list(catalog.stream(QuoteTick, IID, batch_size=128))
    assert len(batches) >= 8
    assert all(b.num_rows <= 128 for b in batches)
    ts = [t for b in batches for t in b.column("ts_init").to_pylist()]
    assert ts == list(range(1000))
    assert catalog.query(QuoteTick) == quotes


def test_stream_time_range_inclusive_and_skips_files(tmp_path):
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data(_quotes(0, 100))
    catalog.write_data(_quotes(1000, 100))
    got = list(catalog.stream(QuoteTick, IID, start=50, end=1010, batch_size=30))
    ts = [t for b in got for t in b.column("ts_init").to_pylist()]
    assert ts == list(range(50, 100)) + list(range(1000, 1011))
    assert catalog.query(QuoteTick, start=2000) == []
    iso = catalog.query(QuoteTick, start="1970-01-01T00:00:00.000001", end=pd_ts(1050))
    assert [q.ts_init for q in iso] == list(range(1000, 1051))


def pd_ts(ns: int):
    import pandas as pd

    return pd.Timestamp(ns, unit="ns", tz="UTC")


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("bid_size > 1000", [1, 2, 4, 5]),
        ("bid_size == 1001 or bid_size == 1002 and ts_init < 3", [1, 2, 4]),
        ("not bid_size > 1000", [0, 3]),
        ("ask - bid < 0.0002 and ts_init <= 2", [0, 1, 2]),
        ("(ask + bid) / 2 > 1.10004", [0, 1, 2, 3, 4, 5]),
        ("1 <= ts_init < 3", [1, 2]),
        ("ts_init in [0, 5]", [0, 5]),
        ("ts_init >= '1970-01-01T00:00:00.000000004'", [4, 5]),
        ("bid_size - 1000 >= 2", [2, 5]),
    ],
)
def test_query_where_expression_real_units(tmp_path, where, expected):
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data(_quotes(0, 6))
    assert [q.ts_init for q in catalog.query(QuoteTick, where=where)] == expected


@pytest.mark.parametrize(
    ("where", "match"),
    [
        ("bid >", "syntax error"),
        ("__import__('os').system('true')", "Call not allowed"),
        ("bid.real > 1", "Attribute not allowed"),
        ("spread > 1", "column 'spread' unknown, expected one of ts_event, ts_init, bid"),
        ("bid > 'x'", "string literal 'x' compared with a number column"),
        ("bid > 1.0000000001", "more than 9 decimals"),
        ("bid * ask > 1", r"\* and / need a number literal"),
        ("bid", "not a condition"),
        ("1 < 2", "compares or combines two literals"),
        ("ts_init > 1.5", "expected an integer"),
        ("ts_init > 'yesterday-ish'", "unparseable"),
        ("ask - ts_init > 0", "combines a fixed term with a int term"),
    ],
)
def test_query_bad_where_raises_naming_expression(tmp_path, where, match):
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data(_quotes(0, 3))
    with pytest.raises(DataError, match=match) as info:
        catalog.query(QuoteTick, where=where)
    assert repr(where) in str(info.value)


def test_trade_where_enum_by_name(tmp_path):
    from core.model import AggressorSide, TradeId, TradeTick

    trades = [
        TradeTick(IID, Price.from_str("1.1"), Quantity.from_int(1), side, TradeId(str(i)), i, i)
        for i, side in enumerate([AggressorSide.BUYER, AggressorSide.SELLER, AggressorSide.BUYER])
    ]
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data(trades)
    got = catalog.query(TradeTick, where="aggressor_side == 'SELLER' or trade_id == '2'")
    assert [t.trade_id.value for t in got] == ["1", "2"]
    with pytest.raises(DataError, match="aggressor_side value 'SOLD' unknown"):
        catalog.query(TradeTick, where="aggressor_side == 'SOLD'")


def test_write_table_vectorised_bars_match_objects(tmp_path):
    columns = random_walk_bars(2_000, seed=3)
    table = pa.table(columns)
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_table("bar", BAR_TYPE, table, price_precision=5, size_precision=0)
    bars = catalog.query(Bar)
    assert len(bars) == 2_000
    assert bars[10].close_raw == int(columns["close"][10])
    assert catalog.metadata(Bar, BAR_TYPE)["bar_type"] == BAR_TYPE
    batch = next(catalog.stream(Bar, BAR_TYPE))
    assert batch.schema.names == ["ts_event", "ts_init", "open", "high", "low", "close", "volume"]
    entry = catalog.list_data()[0]
    assert entry == CatalogEntry(
        "bar", BAR_TYPE, 2_000, int(columns["ts_init"][0]), int(columns["ts_init"][-1]),
        tuple(catalog.files(Bar, BAR_TYPE)),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda t: t.drop(["ask"]), r"column\(s\) ask missing"),
        (
            lambda t: t.set_column(2, "bid", pa.array([1, 2, 3])),
            "raw 1 invalid, expected a multiple",
        ),
        (lambda t: t.set_column(1, "ts_init", pa.array([0, -1, 2])), "ts_init -1 invalid"),
        (
            lambda t: t.set_column(4, "bid_size", pa.array([None, 1, 2], pa.int64())),
            "column 'bid_size' has 1 null",
        ),
        (
            lambda t: t.set_column(2, "bid", pa.array(["a", "b", "c"])),
            "column 'bid' of type string invalid, expected int64",
        ),
    ],
)
def test_write_table_bad_input_raises(tmp_path, change, match):
    step = 10_000
    table = pa.table(
        {
            "ts_event": [0, 1, 2],
            "ts_init": [0, 1, 2],
            "bid": [step, step, step],
            "ask": [step, step, step],
            "bid_size": [10**9] * 3,
            "ask_size": [10**9] * 3,
        }
    )
    catalog = ParquetDataCatalog(tmp_path)
    with pytest.raises(DataError, match=match):
        catalog.write_table("quote_tick", IID, change(table), price_precision=5, size_precision=0)
    with pytest.raises(DataError, match="kind 'ticks' unknown"):
        catalog.write_table("ticks", IID, table, price_precision=5, size_precision=0)


def test_instruments_readding_identical_is_noop_and_filter_by_id(tmp_path):
    catalog = ParquetDataCatalog(tmp_path)
    eurusd = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    assert len(catalog.write_data([eurusd, TestInstrumentProvider.equity()])) == 2
    assert catalog.write_data([eurusd]) == []
    assert [str(i.id) for i in catalog.instruments([IID])] == ["EUR/USD.SIM"]
    assert [str(i.id) for i in catalog.query(type(eurusd))] == ["AAPL.XNAS", "EUR/USD.SIM"]


def test_query_multiple_identifiers_sorted_by_ts_init_stable(tmp_path):
    other = InstrumentId.from_str("GBP/USD.SIM")
    a = _quotes(0, 4)
    b = [
        QuoteTick(other, q.bid_price, q.ask_price, q.bid_size, q.ask_size, q.ts_event, q.ts_init)
        for q in _quotes(2, 4)
    ]
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data(b + a)
    got = catalog.query(QuoteTick)
    assert [(str(q.instrument_id), q.ts_init) for q in got] == [
        ("EUR/USD.SIM", 0), ("EUR/USD.SIM", 1), ("EUR/USD.SIM", 2), ("GBP/USD.SIM", 2),
        ("EUR/USD.SIM", 3), ("GBP/USD.SIM", 3), ("GBP/USD.SIM", 4), ("GBP/USD.SIM", 5),
    ]  # fmt: skip
    assert catalog.query(QuoteTick, identifiers=[other]) == b


def test_foreign_file_in_stream_directory_raises(tmp_path):
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_data(_quotes(0, 3))
    (tmp_path / "data/quote_tick/EUR%2FUSD.SIM/notes.txt").write_text("x")
    with pytest.raises(DataError, match="notes.txt is not a catalog file"):
        catalog.query(QuoteTick)


def test_custom_class_without_contract_refused(tmp_path):
    from core.model import Data

    class Plain(Data):
        pass

    with pytest.raises(DataError, match="expected methods to_dict"):
        ParquetDataCatalog(tmp_path).write_data([Plain(0, 0)])


def test_write_table_precision_from_instrument_else_finest(tmp_path):
    table = pa.table(
        {"ts_event": [0], "ts_init": [0], "bid": [1_100_000_000], "ask": [1_100_100_000],
         "bid_size": [10**9], "ask_size": [10**9]}
    )  # fmt: skip
    catalog = ParquetDataCatalog(tmp_path)
    catalog.write_table("quote_tick", "GBP/USD.SIM", table)
    assert catalog.metadata(QuoteTick, "GBP/USD.SIM")["price_precision"] == 4
    assert catalog.metadata(QuoteTick, "GBP/USD.SIM")["size_precision"] == 0
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("quote_tick", IID, table)
    assert catalog.metadata(QuoteTick, IID)["price_precision"] == 5
    assert str(catalog.query(QuoteTick, [IID])[0].ask_price) == "1.10010"
