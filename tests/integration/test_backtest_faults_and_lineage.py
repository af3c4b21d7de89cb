"""`flotilla backtest` keys results on code and fails faulted runs (issue 11, points 2 and 3).

Every test writes its strategy modules to ``tmp_path`` and runs the real CLI in a subprocess
with ``tmp_path`` on ``PYTHONPATH``, as a user's project would, so editing a module between runs
is what a user does: a new process imports the edited file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from core.backtest import StrategyError
from core.testkit import TestInstrumentProvider
from core.testkit.data import random_walk_bars
from node.backtest import BacktestNode, load_run_result, run_backtest
from node.config import config_from_dict
from node.persistence import ParquetDataCatalog

ROOT = Path(__file__).resolve().parents[2]
BAR_TYPE = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
N_BARS = 300

# A strategy that buys on every `trade_every`-th bar (0: never), through a helper module.
TRADER = """
from decimal import Decimal

from core.model import BarType, InstrumentId, OrderSide
from core.model.objects import Quantity
from core.trading.config import StrategyConfig
from core.trading.strategy import Strategy

from {helper} import should_trade


class TraderConfig(StrategyConfig, frozen=True):
    instrument_id: str
    bar_type: str
    trade_every: int = 10
    quantity: str = "1000"


class Trader(Strategy):
    def __init__(self, config: TraderConfig) -> None:
        super().__init__(config)
        self.bars = 0

    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str(self.config.bar_type))

    def on_bar(self, bar) -> None:
        self.bars += 1
        if should_trade(self.bars, self.config.trade_every):
            order = self.order_factory.market(
                InstrumentId.from_str(self.config.instrument_id),
                OrderSide.BUY,
                Quantity.from_str(self.config.quantity),
            )
            self.submit_order(order)
"""

HELPER = """
def should_trade(count, every):
    return {rule}
"""

RAISER = """
from core.model import BarType
from core.trading.config import StrategyConfig
from core.trading.strategy import Strategy


class RaiserConfig(StrategyConfig, frozen=True):
    bar_type: str


class Raiser(Strategy):
    def __init__(self, config: RaiserConfig) -> None:
        super().__init__(config)

    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str(self.config.bar_type))

    def on_bar(self, bar) -> None:
        raise RuntimeError(f"deliberate failure at {bar.ts_init} in {self.id}")
"""


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog")
    catalog = ParquetDataCatalog(path)
    catalog.write_data([TestInstrumentProvider.default_fx_ccy("EUR/USD")])
    catalog.write_table("bar", BAR_TYPE, pa.table(random_walk_bars(N_BARS, seed=5)))
    return path


def _write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text))
    # A rewrite within the same second keeps the size and mtime that a stale .pyc records.
    for cache in path.parent.glob(f"__pycache__/{path.stem}.*.pyc"):
        cache.unlink()


def _toml(
    catalog_path, strategies: list[tuple[str, dict]], engine: str = "", tag: str = "cfg"
) -> str:
    lines = [
        f'name = "{tag}"',
        "[engine]",
        'log_level = "OFF"',
        engine,
        "[[venues]]",
        'name = "SIM"',
        'oms_type = "NETTING"',
        'account_type = "MARGIN"',
        'starting_balances = ["1000000 USD"]',
        'base_currency = "USD"',
        "[[data]]",
        f"catalog_path = {json.dumps(str(catalog_path))}",
        'data_cls = "Bar"',
        f'bar_types = ["{BAR_TYPE}"]',
    ]
    for path, config in strategies:
        lines += ["[[strategies]]", f'strategy_path = "{path}"', "[strategies.config]"]
        lines += [f"{key} = {json.dumps(value)}" for key, value in config.items()]
    return "\n".join(lines) + "\n"


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    return subprocess.run(
        [sys.executable, "-m", "node.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _trader_setup(tmp_path, catalog_path, module: str, rule: str = "count % every == 0"):
    _write(tmp_path / f"{module}_helper.py", HELPER.format(rule=rule))
    _write(tmp_path / f"{module}.py", TRADER.format(helper=f"{module}_helper"))
    config = tmp_path / f"{module}.toml"
    strategy = (
        f"{module}:Trader",
        {"instrument_id": "EUR/USD.SIM", "bar_type": BAR_TYPE, "trade_every": 10},
    )
    config.write_text(_toml(catalog_path, [strategy]))
    return config


def _orders_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.strip().startswith("orders / fills"))


def _run_dir(out: str) -> Path:
    line = next(line for line in out.splitlines() if line.strip().startswith("results "))
    return Path(line.split()[-1])


# -- point 2: results are keyed on code ---------------------------------------------------------


def test_backtest_rerun_after_editing_the_strategy_module_runs_the_new_code(tmp_path, catalog_path):
    config = _trader_setup(tmp_path, catalog_path, "edit_me")
    results = tmp_path / "results"
    args = ("backtest", str(config), "--results", str(results), "--no-tearsheet")
    first = _cli(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    assert _orders_line(first.stdout).split()[-3:] == ["30", "/", "30"]
    # The strategy no longer trades: the same config must not show the stored 30 orders.
    _write(
        tmp_path / "edit_me.py",
        TRADER.format(helper="edit_me_helper").replace(
            "if should_trade(", "if False and should_trade("
        ),
    )
    second = _cli(tmp_path, *args)
    assert second.returncode == 0, second.stderr
    assert not second.stdout.startswith("Stored result")
    assert _orders_line(second.stdout).split()[-3:] == ["0", "/", "0"]
    assert _run_dir(second.stdout) != _run_dir(first.stdout)
    # Unchanged code, config and data: the stored result, and its first line says so.
    third = _cli(tmp_path, *args)
    assert third.returncode == 0, third.stderr
    assert third.stdout.splitlines()[0].startswith("Stored result of flotilla backtest cfg")
    assert "not run again, same config, code and data; --force to run again" in third.stdout
    assert _orders_line(third.stdout).split()[-3:] == ["0", "/", "0"]
    assert not first.stdout.startswith("Stored result")


def test_backtest_rerun_after_editing_a_module_the_strategy_imports_runs_again(
    tmp_path, catalog_path
):
    config = _trader_setup(tmp_path, catalog_path, "uses_helper")
    args = ("backtest", str(config), "--results", str(tmp_path / "r"), "--no-tearsheet")
    first = _cli(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    assert _orders_line(first.stdout).split()[-3:] == ["30", "/", "30"]
    _write(tmp_path / "uses_helper_helper.py", HELPER.format(rule="count % (2 * every) == 0"))
    second = _cli(tmp_path, *args)
    assert second.returncode == 0, second.stderr
    assert not second.stdout.startswith("Stored result")
    assert _orders_line(second.stdout).split()[-3:] == ["15", "/", "15"]


def test_lineage_records_the_sha256_of_every_user_module_and_the_code_version(
    tmp_path, catalog_path
):
    import hashlib

    config = _trader_setup(tmp_path, catalog_path, "lineage_mod")
    proc = _cli(
        tmp_path, "backtest", str(config), "--results", str(tmp_path / "r"), "--no-tearsheet"
    )
    assert proc.returncode == 0, proc.stderr
    run_dir = _run_dir(proc.stdout)
    lineage = json.loads((run_dir / "lineage.json").read_text())
    expected = [
        {
            "module": name,
            "path": str((tmp_path / f"{name}.py").resolve()),
            "sha256": hashlib.sha256((tmp_path / f"{name}.py").read_bytes()).hexdigest(),
        }
        for name in ("lineage_mod", "lineage_mod_helper")
    ]
    assert lineage["user_modules"] == expected
    assert lineage["result_id"] == run_dir.name
    assert lineage["result_id"] != lineage["config_id"]
    assert lineage["faulted"] is False
    assert lineage["package_version"] and "git_commit" in lineage
    result = json.loads((run_dir / "result.json").read_text())
    assert result["result_id"] == run_dir.name


def test_flotilla_package_modules_are_not_user_modules_and_configs_modules_are(catalog_path):
    from node.backtest.node import user_modules

    config = config_from_dict(
        json.loads(
            json.dumps(
                {
                    "venues": [
                        {
                            "name": "SIM",
                            "oms_type": "NETTING",
                            "account_type": "MARGIN",
                            "starting_balances": ["1000000 USD"],
                        }
                    ],
                    "data": [
                        {
                            "catalog_path": str(catalog_path),
                            "data_cls": "Bar",
                            "bar_types": [BAR_TYPE],
                        }
                    ],
                    "strategies": [
                        {
                            "strategy_path": "configs.strategies.ema_cross:EMACross",
                            "config_path": "configs.strategies.ema_cross:EMACrossConfig",
                            "config": {"instrument_id": "EUR/USD.SIM", "bar_type": BAR_TYPE},
                        }
                    ],
                }
            )
        )
    )
    assert [m["module"] for m in user_modules(config)] == [
        "configs",
        "configs.strategies",
        "configs.strategies.ema_cross",
    ]


# -- point 3: a faulting strategy fails the run -------------------------------------------------


def test_strategy_raising_in_every_on_bar_stops_the_run_and_exits_1(tmp_path, catalog_path):
    _write(tmp_path / "raiser_a.py", RAISER)
    config = tmp_path / "raiser.toml"
    config.write_text(_toml(catalog_path, [("raiser_a:Raiser", {"bar_type": BAR_TYPE})]))
    args = ("backtest", str(config), "--results", str(tmp_path / "r"), "--no-tearsheet")
    proc = _cli(tmp_path, *args)
    assert proc.returncode == 1
    first_line = proc.stdout.splitlines()[0]
    assert "FAULTED: stopped by a handler error" in first_line
    assert "  events processed    1\n" in proc.stdout
    assert "  handler errors      1\n" in proc.stdout
    assert "Raiser-000.on_bar: RuntimeError: deliberate failure at" in proc.stdout
    error_lines = [line for line in proc.stderr.splitlines() if line.startswith("flotilla")]
    assert len(error_lines) == 1
    assert error_lines[0].startswith(
        "flotilla backtest: error: StrategyError: Raiser-000.on_bar raised RuntimeError: "
        "deliberate failure at"
    )
    assert "raise_handler_errors = true" in error_lines[0]
    run_dir = _run_dir(proc.stdout)
    assert json.loads((run_dir / "lineage.json").read_text())["faulted"] is True
    # A faulted run is never reused: the same command runs (and fails) again.
    again = _cli(tmp_path, *args)
    assert again.returncode == 1
    assert not again.stdout.startswith("Stored result")
    assert "FAULTED" in again.stdout.splitlines()[0]
    report = _cli(tmp_path, "report", str(run_dir))
    assert report.returncode == 1 and "FAULTED" in report.stdout.splitlines()[0]


def test_raise_handler_errors_false_runs_on_and_counts_failed_handlers(tmp_path, catalog_path):
    _write(tmp_path / "raiser_b.py", RAISER)
    config = tmp_path / "carry_on.toml"
    strategies = [
        ("raiser_b:Raiser", {"bar_type": BAR_TYPE, "order_id_tag": "001"}),
        ("raiser_b:Raiser", {"bar_type": BAR_TYPE, "order_id_tag": "002"}),
    ]
    config.write_text(_toml(catalog_path, strategies, engine="raise_handler_errors = false"))
    args = ("backtest", str(config), "--results", str(tmp_path / "r"), "--no-tearsheet")
    proc = _cli(tmp_path, *args)
    assert proc.returncode == 1
    assert "FAULTED: 2 handler error(s), the run went on" in proc.stdout.splitlines()[0]
    assert f"  events processed    {N_BARS}\n" in proc.stdout
    assert "  handler errors      2\n" in proc.stdout
    assert "Raiser-001.on_bar: RuntimeError" in proc.stdout
    assert "Raiser-002.on_bar: RuntimeError" in proc.stdout
    assert "error: 2 handler error(s) in a run that went on" in proc.stderr
    allowed = _cli(tmp_path, *args, "--allow-handler-errors")
    assert allowed.returncode == 0, allowed.stderr
    assert not allowed.stdout.startswith("Stored result")  # handlers failed: never reused
    assert "  handler errors      2\n" in allowed.stdout


def test_denied_orders_are_listed_with_reasons_first_ten_and_the_rest_counted(
    tmp_path, catalog_path
):
    _write(tmp_path / "denied_helper.py", HELPER.format(rule="count <= 12"))
    _write(tmp_path / "denied.py", TRADER.format(helper="denied_helper"))
    config = tmp_path / "denied.toml"
    strategy = (
        "denied:Trader",
        {"instrument_id": "EUR/USD.SIM", "bar_type": BAR_TYPE, "quantity": "1000.5"},
    )
    config.write_text(_toml(catalog_path, [strategy]))
    proc = _cli(tmp_path, "backtest", str(config), "--results", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    at = lines.index("  denied orders       12")
    listed = lines[at + 1 : at + 11]
    assert all("(Trader-000): " in line and "precision" in line for line in listed), listed
    assert lines[at + 11] == "    ... and 2 more"
    assert not lines[at + 12].startswith("    ")


# -- the Python API ------------------------------------------------------------------------------


def _raiser_config(catalog_path, **engine) -> dict:
    return {
        "engine": {"log_level": "OFF", **engine},
        "venues": [
            {
                "name": "SIM",
                "oms_type": "NETTING",
                "account_type": "MARGIN",
                "starting_balances": ["1000000 USD"],
            }
        ],
        "data": [{"catalog_path": str(catalog_path), "data_cls": "Bar", "bar_types": [BAR_TYPE]}],
        "strategies": [
            {
                "strategy_path": "tests.kit.grid:FragileEMACross",
                "config": {
                    "instrument_id": "EUR/USD.SIM",
                    "bar_type": BAR_TYPE,
                    "raise_on_fast_period": 10,
                },
            }
        ],
    }


def test_run_backtest_raises_strategy_error_and_writes_the_run_marked_faulted(
    tmp_path, catalog_path
):
    config = config_from_dict(_raiser_config(catalog_path))
    assert config.engine.raise_handler_errors is True
    with pytest.raises(StrategyError, match=r"FragileEMACross-000\.on_bar raised RuntimeError"):
        run_backtest(config, tmp_path, tearsheet=False)
    (run_dir,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    stored = load_run_result(run_dir)
    assert stored.error.startswith("StrategyError: FragileEMACross-000.on_bar raised")
    assert stored.handler_errors == 1 and 0 < stored.iterations < N_BARS
    assert json.loads((run_dir / "lineage.json").read_text())["faulted"] is True
    result = run_backtest(config, tmp_path, tearsheet=False, raise_on_fault=False)
    assert not result.reused and result.is_faulted
    (failed,) = BacktestNode([config], raise_exception=False).run()
    assert failed.error == stored.error and failed.iterations == stored.iterations
