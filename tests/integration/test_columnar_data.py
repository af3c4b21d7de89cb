"""Columnar data: a pyarrow Table and numpy arrays give the same run as data objects."""

from __future__ import annotations

import pyarrow as pa
import pytest

from configs.strategies.ema_cross import EMACross, EMACrossConfig
from core.backtest import BacktestEngine, BacktestEngineConfig
from core.errors import DataError
from core.model import AccountType, Bar, BarType, Money, OmsType, Venue
from core.model.currencies import USD
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars, random_walk_quotes

BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"


def _engine() -> BacktestEngine:
    engine = BacktestEngine(BacktestEngineConfig(log_level="ERROR"))
    engine.add_venue(
        Venue("SIM"),
        OmsType.NETTING,
        AccountType.MARGIN,
        [Money(1_000_000, USD)],
        base_currency=USD,
    )
    engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))
    return engine


def _run(add) -> str:
    engine = _engine()
    add(engine)
    engine.add_strategy(EMACross(EMACrossConfig(instrument_id="EUR/USD.SIM", bar_type=BAR_TYPE)))
    engine.run()
    result = engine.get_result()
    assert result.iterations == 5_000
    assert result.total_orders > 0
    return result.digest


def _as_objects(columns) -> list[Bar]:
    bar_type = BarType.from_str(BAR_TYPE)
    return [
        Bar.from_raw(
            bar_type,
            int(columns["open"][i]),
            int(columns["high"][i]),
            int(columns["low"][i]),
            int(columns["close"][i]),
            5,
            int(columns["volume"][i]),
            0,
            int(columns["ts_event"][i]),
            int(columns["ts_init"][i]),
        )
        for i in range(len(columns["ts_init"]))
    ]


def test_pyarrow_table_numpy_arrays_and_objects_give_one_digest():
    columns = random_walk_bars(5_000, seed=3)
    from_arrays = _run(lambda e: e.add_data(columns, bar_type=BAR_TYPE))
    from_table = _run(lambda e: e.add_data(pa.table(columns), bar_type=BAR_TYPE))
    from_objects = _run(lambda e: e.add_data(_as_objects(columns)))
    assert from_arrays == from_table == from_objects


def test_columnar_data_missing_column_raises():
    columns = random_walk_bars(10)
    del columns["volume"]
    with pytest.raises(DataError, match=r"columnar bars: missing column 'volume'"):
        _engine().add_data(columns, bar_type=BAR_TYPE)


def test_columnar_data_without_bar_type_or_instrument_raises():
    with pytest.raises(DataError, match=r"needs bar_type=\.\.\. \(bars\) or instrument_id"):
        _engine().add_data(random_walk_bars(10))


def test_add_data_of_unsupported_type_raises():
    with pytest.raises(DataError, match=r"add_data: invalid type str, expected a list"):
        _engine().add_data("bars.csv", bar_type=BAR_TYPE)


def _batches(columns, sizes):
    """Return a chunk source: RecordBatches of the given sizes (0 = an empty batch)."""
    table = pa.table(columns)

    def source():
        offset = 0
        for size in sizes:
            yield table.slice(offset, size).to_batches()[0] if size else table.slice(0, 0)
            offset += size
        if offset < table.num_rows:
            yield from table.slice(offset).to_batches(max_chunksize=777)

    return source


def test_chunk_source_gives_the_digest_of_whole_columns():
    columns = random_walk_bars(5_000, seed=3)
    whole = _run(lambda e: e.add_data(columns, bar_type=BAR_TYPE))
    chunked = _run(lambda e: e.add_data(_batches(columns, [1, 0, 999, 0, 2000]), bar_type=BAR_TYPE))
    assert chunked == whole


def test_chunk_source_is_read_again_on_reset():
    columns = random_walk_bars(5_000, seed=3)
    calls = []

    def source():
        calls.append(1)
        return iter(pa.table(columns).to_batches(max_chunksize=1_000))

    engine = _engine()
    engine.add_data(source, bar_type=BAR_TYPE)
    engine.add_strategy(EMACross(EMACrossConfig(instrument_id="EUR/USD.SIM", bar_type=BAR_TYPE)))
    engine.run()
    first = engine.get_result()
    engine.reset()
    engine.run()
    second = engine.get_result()
    assert len(calls) == 2
    assert first.iterations == second.iterations == 5_000
    assert first.digest == second.digest


def test_chunk_source_drops_backwards_rows_across_chunks_and_counts_them():
    columns = random_walk_bars(100, seed=3)
    ts = columns["ts_init"].copy()
    ts[50] = ts[10]  # first row of the second chunk goes back in time
    columns["ts_init"] = ts
    columns["ts_event"] = ts
    engine = _engine()
    engine.add_data(lambda: iter(pa.table(columns).to_batches(max_chunksize=50)), bar_type=BAR_TYPE)
    engine.run()
    result = engine.get_result()
    assert result.iterations == 99
    assert result.drop_reasons == {"ts_init going backwards": 1}


def test_chunk_source_with_missing_column_raises_when_read():
    columns = random_walk_bars(10)
    del columns["close"]
    engine = _engine()
    with pytest.raises(DataError, match=r"columnar bars: missing column 'close'"):
        engine.add_data(lambda: iter([columns]), bar_type=BAR_TYPE)


def test_chunk_source_with_instrument_id_needs_data_cls():
    with pytest.raises(DataError, match=r"needs data_cls=QuoteTick or data_cls=TradeTick"):
        _engine().add_data(lambda: iter([]), instrument_id="EUR/USD.SIM")


def _trade_columns(n: int) -> dict:
    import numpy as np

    quotes = random_walk_quotes(n, seed=5)
    return {
        "ts_event": quotes["ts_event"],
        "ts_init": quotes["ts_init"],
        "price": quotes["bid"],
        "size": np.full(n, 10_000 * 10**9, dtype=np.int64),
        "aggressor_side": np.arange(n, dtype=np.int64) % 2 + 1,
        "trade_id": np.array([f"T{i}" for i in range(n)], dtype=object),
    }


def test_trade_columns_equal_trade_objects():
    from core.model import TradeTick

    columns = _trade_columns(300)
    seen = {}
    for name, add in (
        ("columns", lambda e: e.add_data(columns, instrument_id="EUR/USD.SIM")),
        ("table", lambda e: e.add_data(pa.table(columns), instrument_id="EUR/USD.SIM")),
        (
            "source",
            lambda e: e.add_data(
                lambda: iter(pa.table(columns).to_batches(max_chunksize=64)),
                instrument_id="EUR/USD.SIM",
                data_cls=TradeTick,
            ),
        ),
    ):
        engine = _engine()
        add(engine)
        received = []
        engine.data_engine  # noqa: B018 - the engine exists before run
        engine.msgbus.subscribe("data.trades.*", received.append)
        engine.run()
        seen[name] = [
            (t.ts_init, t.price_raw, t.size_raw, int(t.aggressor_side), str(t.trade_id))
            for t in received
        ]
    assert seen["columns"] == seen["table"] == seen["source"]
    assert len(seen["columns"]) == 300
    assert seen["columns"][3] == (
        int(columns["ts_init"][3]),
        int(columns["price"][3]),
        10_000 * 10**9,
        2,
        "T3",
    )


def test_trade_columns_with_bad_rows_drop_and_count():
    columns = _trade_columns(10)
    columns["size"][2] = 0
    columns["aggressor_side"][4] = 7
    columns["trade_id"][6] = ""
    engine = _engine()
    engine.add_data(columns, instrument_id="EUR/USD.SIM")
    engine.run()
    result = engine.get_result()
    assert result.iterations == 7
    assert result.drop_reasons == {
        "non-positive size": 1,
        "invalid aggressor_side": 1,
        "invalid trade_id": 1,
    }


def test_object_chunk_source_equals_the_object_list_and_drops_backwards_items():
    objects = _as_objects(random_walk_bars(5_000, seed=3))
    chunks = [objects[i : i + 700] for i in range(0, 5_000, 700)]
    calls = []

    def source():
        calls.append(1)
        return iter([[], *chunks])

    whole = _run(lambda e: e.add_data(list(objects)))
    chunked = _run(lambda e: e.add_data(source))
    assert chunked == whole and len(calls) == 1

    backwards = [objects[:10], [objects[5], *objects[10:20]]]  # objects[5] goes back in time
    engine = _engine()
    engine.add_data(lambda: iter(backwards))
    engine.run()
    result = engine.get_result()
    assert result.iterations == 20
    assert result.drop_reasons == {"ts_init going backwards": 1}
    engine.reset()
    engine.run()
    assert engine.get_result().iterations == 20


def test_object_chunk_source_with_a_non_data_item_raises():
    engine = _engine()
    with pytest.raises(DataError, match=r"ObjectChunkStream: item 'bar' is str, expected a Data"):
        engine.add_data(lambda: iter([["bar"]]))


def test_columnar_quotes_carry_the_instruments_own_id_object():
    # Data built from columns share the cached instrument's id object, so the per-event dict
    # lookups keyed by it (cache, venue, topics) match on identity; the values are unchanged.
    from core.trading.strategy import Strategy

    class Seen(Strategy):
        def on_start(self):
            self.ids = []
            self.subscribe_quote_ticks(self.cache.instrument_ids()[0])

        def on_quote_tick(self, tick):
            self.ids.append(tick.instrument_id)

    engine = _engine()
    engine.add_data(random_walk_quotes(3, seed=1), instrument_id="EUR/USD.SIM")
    strategy = Seen()
    engine.add_strategy(strategy)
    engine.run()
    instrument = engine.cache.instrument(strategy.ids[0])
    assert len(strategy.ids) == 3
    assert all(i is instrument.id for i in strategy.ids)
    assert str(strategy.ids[0]) == "EUR/USD.SIM"
