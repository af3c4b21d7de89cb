"""BacktestNode and `flotilla backtest`: configs over catalog data, results folders, lineage."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from configs.strategies.ema_cross import EMACross, EMACrossConfig
from core.backtest import BacktestEngine, BacktestEngineConfig
from core.errors import ConfigError
from core.model import AccountType, Money, OmsType, Venue
from core.model.currencies import USD
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars, random_walk_quotes
from node.backtest import BacktestNode, load_run_result, run_backtest
from node.backtest.node import result_id_of, user_modules
from node.cli import main
from node.config import config_from_dict
from node.persistence import ParquetDataCatalog
from tests.kit import recorder
from tests.kit.run_config import ema_run_config

BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
N_BARS = 5_000


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(N_BARS, seed=11)))
    return path


def _config(catalog_path, **changes) -> dict:
    return ema_run_config(catalog_path, **changes)


def _python_digest() -> str:
    engine = BacktestEngine(BacktestEngineConfig(log_level="ERROR"))
    engine.add_venue(
        Venue("SIM"),
        OmsType.NETTING,
        AccountType.MARGIN,
        [Money(1_000_000, USD)],
        base_currency=USD,
    )
    engine.add_instrument(TestInstrumentProvider.default_fx_ccy("EUR/USD"))
    engine.add_data(random_walk_bars(N_BARS, seed=11), bar_type=BAR_TYPE)
    engine.add_strategy(EMACross(EMACrossConfig(instrument_id="EUR/USD.SIM", bar_type=BAR_TYPE)))
    engine.run()
    return engine.get_result().digest


def test_cli_run_and_python_engine_give_the_same_digest(catalog_path, tmp_path, capsys):
    config_file = tmp_path / "ema.json"
    config_file.write_text(json.dumps(_config(catalog_path)))
    results = tmp_path / "results"
    assert main(["backtest", str(config_file), "--results", str(results), "--no-tearsheet"]) == 0
    out = capsys.readouterr().out
    config = config_from_dict(_config(catalog_path))
    result_id = result_id_of(config, user_modules(config))
    stored = load_run_result(results / result_id)
    assert stored.iterations == N_BARS
    assert stored.total_orders > 100
    assert stored.digest == _python_digest()
    assert f"digest              {stored.digest}" in out
    assert f"results             {results / result_id}" in out


def test_chunk_size_does_not_change_the_digest(catalog_path):
    digests = {
        run_backtest(config_from_dict(_config(catalog_path, chunk_size=size))).digest
        for size in (1, 333, 65_536)
    }
    assert digests == {_python_digest()}


def test_results_folder_holds_reports_statistics_config_and_lineage(catalog_path, tmp_path):
    config = config_from_dict(_config(catalog_path))
    result = run_backtest(config, tmp_path, tearsheet=False)
    run_dir = tmp_path / result.result_id
    assert result.run_dir == str(run_dir)
    names = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    assert names == sorted(
        ["config.json", "lineage.json", "result.json", "statistics.json"]
        + [
            f"reports/{r}.{ext}"
            for r in ("orders", "fills", "positions", "account_SIM")
            for ext in ("csv", "parquet")
        ]
    )
    assert config_from_dict(json.loads((run_dir / "config.json").read_text())) == config
    stats = json.loads((run_dir / "statistics.json").read_text())
    assert stats["digest"] == result.digest
    assert stats["statistics"]["USD"]["PnL (total)"] == result.statistics["USD"]["PnL (total)"]
    lineage = json.loads((run_dir / "lineage.json").read_text())
    assert lineage["config_id"] == config.id
    assert len(lineage["data_files"]) >= 1
    assert all(len(f["sha256"]) == 64 for f in lineage["data_files"])
    import pandas as pd

    fills = pd.read_parquet(run_dir / "reports" / "fills.parquet")
    assert len(fills) == result.total_fills
    assert not list(tmp_path.glob(".*tmp*"))  # the temporary folder was renamed into place


def test_same_inputs_are_not_run_again_unless_forced(catalog_path, tmp_path):
    config = config_from_dict(_config(catalog_path))
    first = run_backtest(config, tmp_path, tearsheet=False)
    again = run_backtest(config, tmp_path, tearsheet=False)
    forced = run_backtest(config, tmp_path, tearsheet=False, force=True)
    assert not first.reused and again.reused and not forced.reused
    assert first.digest == again.digest == forced.digest


def test_changed_data_file_is_run_again(tmp_path):
    path = tmp_path / "catalog"
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(500, seed=1)))
    config = config_from_dict(_config(path))
    first = run_backtest(config, tmp_path / "results", tearsheet=False)
    data_file = catalog.files(__import__("core.model", fromlist=["Bar"]).Bar, BAR_TYPE)[0]
    data_file.write_bytes(data_file.read_bytes())  # same bytes: still recognised
    assert run_backtest(config, tmp_path / "results", tearsheet=False).reused
    for f in catalog.files(__import__("core.model", fromlist=["Bar"]).Bar, BAR_TYPE):
        f.unlink()
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(500, seed=2)))
    second = run_backtest(config, tmp_path / "results", tearsheet=False)
    assert not second.reused
    assert second.digest != first.digest


def _merge_catalog(path):
    """Quotes of EUR/USD and GBP/USD and trades of GBP/USD, with equal timestamps."""
    catalog = ParquetDataCatalog(path)
    catalog.write_data(
        [
            TestInstrumentProvider.default_fx_ccy("EUR/USD"),
            TestInstrumentProvider.default_fx_ccy("GBP/USD"),
        ]
    )

    def quotes(ts):
        q = random_walk_quotes(len(ts), seed=3)
        q["ts_event"] = q["ts_init"] = np.array(ts, dtype=np.int64)
        return pa.table(q)

    catalog.write_table("quote_tick", "EUR/USD.SIM", quotes([10, 20, 30]))
    catalog.write_table("quote_tick", "GBP/USD.SIM", quotes([20, 40]))
    trades = {
        "ts_event": np.array([5, 20, 30], dtype=np.int64),
        "ts_init": np.array([5, 20, 30], dtype=np.int64),
        "price": np.array([1_250_000_000] * 3, dtype=np.int64),
        "size": np.array([10**12] * 3, dtype=np.int64),
        "aggressor_side": np.array([1, 2, 1], dtype=np.int8),
        "trade_id": pa.array(["a", "b", "c"]),
    }
    catalog.write_table("trade_tick", "GBP/USD.SIM", pa.table(trades))


def test_two_data_types_and_two_instruments_merge_by_ts_init_ties_in_config_order(tmp_path):
    _merge_catalog(tmp_path / "c")
    config = config_from_dict(
        _config(
            tmp_path / "c",
            data=[
                {
                    "catalog_path": str(tmp_path / "c"),
                    "data_cls": "TradeTick",
                    "instrument_ids": ["GBP/USD.SIM"],
                },
                {
                    "catalog_path": str(tmp_path / "c"),
                    "data_cls": "QuoteTick",
                    "instrument_ids": ["EUR/USD.SIM", "GBP/USD.SIM"],
                },
            ],
            strategies=[],
            actors=[
                {
                    "actor_path": "tests.kit.recorder:Recorder",
                    "config": {
                        "quote_instruments": ["EUR/USD.SIM", "GBP/USD.SIM"],
                        "trade_instruments": ["GBP/USD.SIM"],
                    },
                }
            ],
            chunk_size=1,
        )
    )
    recorder.RECORDED.clear()
    run_backtest(config)
    assert recorder.RECORDED == [
        ("trade", "GBP/USD.SIM", 5),
        ("quote", "EUR/USD.SIM", 10),
        ("trade", "GBP/USD.SIM", 20),
        ("quote", "EUR/USD.SIM", 20),
        ("quote", "GBP/USD.SIM", 20),
        ("trade", "GBP/USD.SIM", 30),
        ("quote", "EUR/USD.SIM", 30),
        ("quote", "GBP/USD.SIM", 40),
    ]


def test_missing_catalog_fails_with_its_path(tmp_path, capsys):
    config_file = tmp_path / "ema.json"
    config_file.write_text(json.dumps(_config(tmp_path / "nowhere")))
    assert main(["backtest", str(config_file), "--results", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert (
        f"flotilla backtest: error: data[0].catalog_path: catalog '{tmp_path / 'nowhere'}' not "
        f"found, expected a catalog directory" in err
    )


def test_instrument_missing_from_catalog_is_named(tmp_path):
    path = tmp_path / "c"
    ParquetDataCatalog(path).write_table("bar", BAR_TYPE, pa.table(random_walk_bars(10)))
    with pytest.raises(ConfigError, match=r"data\[0\]: instrument EUR/USD.SIM not in catalog"):
        run_backtest(config_from_dict(_config(path)))


def test_bad_config_exits_1_with_one_line_and_debug_shows_traceback(catalog_path, tmp_path, capsys):
    data = _config(catalog_path)
    data["venues"][0]["oms_type"] = "NET"
    config_file = tmp_path / "bad.json"
    config_file.write_text(json.dumps(data))
    assert main(["backtest", str(config_file)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"flotilla backtest: error: {config_file}: venues[0].oms_type: expected one of NETTING, "
        f'HEDGING, got "NET"\n'
    )
    with pytest.raises(ConfigError):
        main(["backtest", str(config_file), "--debug"])


def test_usage_errors_exit_2(capsys):
    assert main(["backtest"]) == 2
    assert "the following arguments are required: config" in capsys.readouterr().err
    assert main(["nonsense"]) == 2


def test_report_prints_the_stored_summary(catalog_path, tmp_path, capsys):
    config = config_from_dict(_config(catalog_path))
    result = run_backtest(config, tmp_path, tearsheet=False)
    assert main(["report", result.run_dir]) == 0
    out = capsys.readouterr().out
    assert result.digest in out and "PnL (total)" in out
    assert main(["report", str(tmp_path)]) == 1
    assert "not a finished run directory" in capsys.readouterr().err


def test_backtest_node_runs_many_and_records_failures(catalog_path, tmp_path):
    good = config_from_dict(_config(catalog_path))
    bad = config_from_dict(_config(tmp_path / "missing"))
    results = BacktestNode([good, bad], raise_exception=False).run()
    assert [r.config_id for r in results] == [good.id, bad.id]
    assert results[0].error is None and results[0].digest == _python_digest()
    assert "not found, expected a catalog directory" in results[1].error
    with pytest.raises(ConfigError):
        BacktestNode([good, bad]).run()
    with pytest.raises(ConfigError, match=r"expected a non-empty list of BacktestRunConfig"):
        BacktestNode([])


def test_help_of_every_command_has_examples(capsys):
    from node.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert "example" in (sub.epilog or ""), name
    assert main(["backtest", "--help"]) == 0
    assert "flotilla backtest configs/ema_cross.toml" in capsys.readouterr().out


def test_grid_cell_from_the_catalog_gives_the_run_backtest_digest(catalog_path):
    from cluster.grid.cell import run_cell

    config = config_from_dict(_config(catalog_path, chunk_size=500))
    cell = run_cell(config.id, config)
    assert cell.error is None
    assert cell.digest == run_backtest(config).digest == _python_digest()
    assert cell.iterations == N_BARS


def _compute_config(catalog_path, compute: dict) -> dict:
    return _config(
        catalog_path,
        strategies=[
            {
                "strategy_path": "tests.kit.compute_strategy:ComputeSignalStrategy",
                "config": {
                    "instrument_id": "EUR/USD.SIM",
                    "bar_type": BAR_TYPE,
                    "max_requests": 300,
                },
            }
        ],
        compute={"base_latency_ns": 30_000_000_000, "jitter_ns": 60_000_000_000, "seed": 3}
        | compute,
    )


def test_config_compute_in_process_and_through_a_broker_give_one_digest(catalog_path, tmp_path):
    from tests.kit.compute import Processes, wait_workers

    handler = "tests.kit.compute_handlers:momentum_signal"
    in_process = run_backtest(
        config_from_dict(_compute_config(catalog_path, {"handlers": {"signal": handler}}))
    )
    assert in_process.total_fills > 10
    procs = Processes(tmp_path)
    try:
        _, frontend, backend_endpoint = procs.broker()
        procs.worker(backend_endpoint, "signal", handler)
        procs.worker(backend_endpoint, "signal", handler)
        from cluster.compute import ZmqComputeBackend

        probe = ZmqComputeBackend(frontend, heartbeat_interval_ms=100)
        try:
            wait_workers(probe, "signal", 2)
        finally:
            probe.close()
        brokered = run_backtest(
            config_from_dict(_compute_config(catalog_path, {"broker": frontend}))
        )
    finally:
        procs.stop_all()
    assert brokered.digest == in_process.digest


def test_config_compute_needs_exactly_one_of_handlers_or_broker(catalog_path):
    with pytest.raises(ConfigError, match=r"compute\.handlers: expected either in-process"):
        config_from_dict(_compute_config(catalog_path, {}))
    bad = {"handlers": {"signal": "tests.kit.compute_handlers:nope"}}
    with pytest.raises(
        ConfigError,
        match=r"compute\.handlers\['signal'\]: module 'tests.kit.compute_handlers' has no function",
    ):
        config_from_dict(_compute_config(catalog_path, bad))


def test_grid_cell_whose_handler_raises_without_raise_handler_errors_is_failed(catalog_path):
    from cluster.grid.cell import run_cell

    data = _config(catalog_path)
    data["strategies"] = [
        {
            "strategy_path": "tests.kit.grid:FragileEMACross",
            "config": {
                "instrument_id": "EUR/USD.SIM",
                "bar_type": BAR_TYPE,
                "raise_on_fast_period": 10,
            },
        }
    ]
    data["engine"] = {"log_level": "ERROR", "raise_handler_errors": False}
    config = config_from_dict(data)
    cell = run_cell(config.id, config)
    assert cell.error is not None
    assert cell.error.startswith("StrategyError: 1 handler error(s), first in FragileEMACross-000")
    assert "RuntimeError: deliberate failure at bar 50" in cell.error
    assert cell.handler_errors == 1 and cell.iterations == N_BARS


def test_custom_data_streams_from_the_catalog_in_chunks_merged_with_quotes(tmp_path):
    from tests.kit.recorder import Signal

    _merge_catalog(tmp_path / "c")
    catalog = ParquetDataCatalog(tmp_path / "c")
    eurusd = TestInstrumentProvider.default_fx_ccy("EUR/USD").id
    catalog.write_data([Signal(eurusd, v, ts, ts) for v, ts in ((0.5, 10), (-1.0, 25), (2.0, 25))])
    config = config_from_dict(
        _config(
            tmp_path / "c",
            data=[
                {
                    "catalog_path": str(tmp_path / "c"),
                    "data_cls": "tests.kit.recorder:Signal",
                    "instrument_ids": ["EUR/USD.SIM"],
                },
                {
                    "catalog_path": str(tmp_path / "c"),
                    "data_cls": "QuoteTick",
                    "instrument_ids": ["EUR/USD.SIM"],
                },
            ],
            strategies=[],
            actors=[
                {
                    "actor_path": "tests.kit.recorder:Recorder",
                    "config": {"quote_instruments": ["EUR/USD.SIM"], "signals": True},
                }
            ],
            chunk_size=1,
        )
    )
    recorder.RECORDED.clear()
    result = run_backtest(config)
    assert recorder.RECORDED == [
        ("signal", "EUR/USD.SIM", 10),
        ("quote", "EUR/USD.SIM", 10),
        ("quote", "EUR/USD.SIM", 20),
        ("signal", "EUR/USD.SIM", 25),
        ("signal", "EUR/USD.SIM", 25),
        ("quote", "EUR/USD.SIM", 30),
    ]
    assert result.iterations == 6
