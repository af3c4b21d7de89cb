"""`flotilla backtest` over a damaged catalog fails with the files named, never a silent drop
(issue 11 point 5): overlapping files, a corrupt file, rows going back in time."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.errors import DataError
from core.model import Bar
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from node.backtest import run_backtest
from node.cli import main
from node.config import config_from_dict
from node.persistence import ParquetDataCatalog
from tests.kit.run_config import ema_run_config

BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
N = 2_000
MOVED = 10  # rows moved to the end of a file: each goes back in time


@pytest.fixture
def catalog(tmp_path):
    catalog = ParquetDataCatalog(tmp_path / "cat")
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(N, seed=5)))
    return catalog


def _config(catalog, tmp_path, **data_changes) -> str:
    data = ema_run_config(catalog.path, name="integrity")
    data["data"][0].update(data_changes)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(data))
    return str(path)


def _backtest(config, tmp_path, *extra) -> int:
    results = tmp_path / "results"
    return main(["backtest", config, "--results", str(results), "--no-tearsheet", *extra])


def test_backtest_refuses_overlapping_catalog_files_naming_both(catalog, tmp_path, capsys):
    first = catalog.files(Bar, BAR_TYPE)[0]
    # A second copy of the second half, planted by hand: every one of its rows would repeat.
    half = pq.read_table(first).slice(N // 2)
    ts = half.column("ts_init").to_numpy()
    planted = first.parent / f"{ts[0]}-{ts[-1]}.parquet"
    pq.write_table(half, planted)
    assert _backtest(_config(catalog, tmp_path), tmp_path) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err
    assert str(first) in err and str(planted) in err and "overlap" in err
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_backtest_names_a_corrupt_catalog_file(catalog, tmp_path, capsys):
    path = catalog.files(Bar, BAR_TYPE)[0]
    path.write_bytes(path.read_bytes()[:-100])  # the footer is gone
    assert _backtest(_config(catalog, tmp_path), tmp_path) == 1
    err = capsys.readouterr().err
    assert f"error: catalog file {path} unreadable" in err and "Traceback" not in err


def _unsort(catalog) -> None:
    """Rewrite the stream's file with rows 100..109 moved to its end (name and range kept)."""
    path = catalog.files(Bar, BAR_TYPE)[0]
    table = pq.read_table(path)
    order = np.r_[0:100, 100 + MOVED : N, 100 : 100 + MOVED]
    pq.write_table(table.take(pa.array(order)), path)


def test_backtest_fails_on_rows_going_backwards_with_count_and_first_rows(
    catalog, tmp_path, capsys
):
    _unsort(catalog)
    ts = random_walk_bars(N, seed=5)["ts_init"]
    assert _backtest(_config(catalog, tmp_path), tmp_path) == 1
    err = capsys.readouterr().err
    assert f"bar {BAR_TYPE}: {MOVED} row(s) going backwards in time" in err
    assert "more than max_backwards 0; first: " in err
    assert f"ts_init {ts[100]} (" in err and f"after {ts[N - 1]} (" in err
    # One row fewer tolerated than there are: still refused.
    assert _backtest(_config(catalog, tmp_path), tmp_path, "--max-backwards", str(MOVED - 1)) == 1
    assert "more than max_backwards 9" in capsys.readouterr().err


def test_backtest_tolerates_rows_going_backwards_up_to_the_option(catalog, tmp_path, capsys):
    _unsort(catalog)
    argv = ["--max-backwards", str(MOVED)]
    assert _backtest(_config(catalog, tmp_path), tmp_path, *argv) == 0
    config = config_from_dict(json.loads((tmp_path / "run.json").read_text()))
    result = run_backtest(config, max_backwards=MOVED)
    assert result.drop_reasons == {"ts_init going backwards": MOVED}
    assert result.iterations == N - MOVED
    with pytest.raises(DataError, match="10 row\\(s\\) going backwards"):
        run_backtest(config)
    assert _backtest(_config(catalog, tmp_path), tmp_path, "--max-backwards", "-1") == 2


def test_the_data_config_max_backwards_allows_that_many_rows_from_the_config_file(
    catalog, tmp_path, capsys
):
    _unsort(catalog)
    assert _backtest(_config(catalog, tmp_path, max_backwards=MOVED - 1), tmp_path) == 1
    assert f"more than max_backwards {MOVED - 1}" in capsys.readouterr().err
    assert _backtest(_config(catalog, tmp_path, max_backwards=MOVED), tmp_path) == 0
    config = config_from_dict(json.loads((tmp_path / "run.json").read_text()))
    assert config.data[0].max_backwards == MOVED
    assert run_backtest(config).drop_reasons == {"ts_init going backwards": MOVED}
    # the larger of the run's and the config's allowance holds
    assert run_backtest(config, max_backwards=0).iterations == N - MOVED
    # a negative allowance is a located error at load, exit 1, one line
    assert _backtest(_config(catalog, tmp_path, max_backwards=-1), tmp_path) == 1
    err = capsys.readouterr().err
    assert "data[0].max_backwards" in err and "expected an int >= 0" in err
    assert err.count("\n") == 1


def test_backtest_of_an_intact_catalog_is_unchanged(catalog, tmp_path):
    config = config_from_dict(json.loads(open(_config(catalog, tmp_path)).read()))
    result = run_backtest(config)
    assert result.drop_reasons == {} and result.iterations == N
    shutil.rmtree(tmp_path / "results", ignore_errors=True)
