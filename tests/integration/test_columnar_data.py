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
from core.testkit.data import random_walk_bars

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
