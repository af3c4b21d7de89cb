"""`flotilla grid` end to end in real processes: walk-forward, report, verify, resume after the
driver is SIGKILLed (with Ray workers SIGKILLed too), usage errors."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cluster.grid.cell import run_cell
from cluster.grid.spec import load_grid_spec
from tests.kit.browser import plotly_charts_drawn
from tests.kit.grid import memory_data

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = """
[template]
name = "grid-cli"
[template.engine]
log_level = "ERROR"
[[template.venues]]
name = "SIM"
oms_type = "NETTING"
account_type = "MARGIN"
starting_balances = ["1000000 USD"]
base_currency = "USD"
[[template.data]]
catalog_path = "memory"
data_cls = "Bar"
bar_type = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
[[template.strategies]]
strategy_path = "tests.kit.grid:FragileEMACross"
[template.strategies.config]
instrument_id = "EUR/USD.SIM"
bar_type = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"
trade_size = 100000
"""

WALK_FORWARD = """
[grid]
name = "wf"
constraint = "fast_ema_period < slow_ema_period"
memory_data = "tests.kit.grid:memory_data_two_weeks"
statistic = "PnL (total)"

[[axes]]
path = "strategies[0].config.fast_ema_period"
values = [5, 10, 30]

[[axes]]
path = "strategies[0].config.slow_ema_period"
values = [20, 40]

[walk_forward]
start = "2024-01-01"
end = "2024-01-14T23:59:00Z"
train = "4D"
test = "2D"
"""


def flotilla(*args, timeout=180):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "node.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


@pytest.mark.timeout(180)
def test_grid_cli_walk_forward_report_and_verify(tmp_path, browser):
    spec_path = tmp_path / "wf.toml"
    spec_path.write_text(WALK_FORWARD + TEMPLATE)
    out = tmp_path / "out"
    done = flotilla("grid", str(spec_path), "--results", str(out), "--verify", "2", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "grid wf: 24 cells, 0 failed, 24 run now" in done.stdout  # 5 x 4 train + 4 test
    assert "verified 2 cells in the driver: digests equal" in done.stdout
    table = pd.read_parquet(out / "results.parquet")
    assert list(table["cell_id"]) == sorted(table["cell_id"])
    assert sorted(table["role"].unique()) == ["test", "train"]
    # Walk-forward: each window's test cell runs the params that won its train window.
    spec = load_grid_spec(spec_path)
    wf = json.loads((out / "walk_forward.json").read_text())
    assert len(wf["steps"]) == len(spec.windows) == 4
    for step in wf["steps"]:
        train = table[(table["role"] == "train") & (table["window"] == step["window"])]
        best = train.loc[train["USD PnL (total)"].idxmax()]
        assert step["params"] == json.loads(best["params"])
        assert step["in_sample"] == best["USD PnL (total)"]
        test = table[table["cell_id"] == step["test_cell_id"]].iloc[0]
        assert test["role"] == "test" and step["out_of_sample"] == test["USD PnL (total)"]
    # The stitched series is the test cells' daily returns, in window order.
    assert len(wf["stitched_returns"]) == sum(
        len(pd.read_parquet(out / "returns.parquet").query("cell_id == @s['test_cell_id']"))
        for s in wf["steps"]
    )
    report = (out / "report.html").read_text()
    assert "Plotly.newPlot" in report and 'src="http' not in report  # plotly.js inlined
    assert "Walk-forward" in report and "probability of backtest overfitting" in report
    drawn, errors, outside = plotly_charts_drawn(browser, out / "report.html")
    assert drawn >= 1 and report.count("Plotly.newPlot") == drawn
    assert errors == [] and outside == []


@pytest.mark.timeout(60)
def test_grid_cli_user_errors_exit_1_with_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(WALK_FORWARD.replace("values = [20, 40]", "values = []") + TEMPLATE)
    done = flotilla("grid", str(bad))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("flotilla grid: error: ")
    assert "axes[1].values: expected at least one value, got []" in done.stderr
    done = flotilla("grid", str(bad), "--max-parallel", "0")
    assert done.returncode == 1 and "--max-parallel 0 invalid, expected >= 1" in done.stderr
    assert flotilla("grid").returncode == 2


CHAOS = """
[grid]
name = "chaos"
memory_data = "tests.kit.grid:memory_data"

[[axes]]
path = "strategies[0].config.fast_ema_period"
values = [3, 4, 5, 6]

[[axes]]
path = "strategies[0].config.slow_ema_period"
values = [12, 16, 20, 24]
"""


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_chaos_workers_and_driver_killed_then_resume_runs_only_missing_cells(tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    text = CHAOS + TEMPLATE + f'pid_dir = "{pid_dir}"\nsleep_per_bar_s = 0.0004\n'
    spec_path = tmp_path / "chaos.toml"
    spec_path.write_text(text)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "node.cli", "grid", str(spec_path), "--results", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # The driver and the Ray it starts share a new session: killing the group kills them all.
    driver = subprocess.Popen(
        [*args, "--no-progress", "--max-parallel", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    rng = random.Random(20261124)
    killed: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(killed) < 2 and time.monotonic() < deadline:  # two seeded worker kills
            pids = sorted(int(p.stem) for p in pid_dir.glob("*.pid")) if pid_dir.exists() else []
            alive = [p for p in pids if p not in killed and _alive(p)]
            if alive:
                victim = rng.choice(alive)
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                time.sleep(0.3)
            time.sleep(0.02)
        assert len(killed) == 2
        cells_dir = out / "cells"
        while time.monotonic() < deadline:  # then the driver, after some results
            if cells_dir.is_dir() and len(list(cells_dir.glob("*.json"))) >= 6:
                break
            time.sleep(0.02)
        os.killpg(driver.pid, signal.SIGKILL)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
        driver.wait(timeout=30)
    stored = {p.stem for p in (out / "cells").glob("*.json")}
    spec = load_grid_spec(spec_path)
    all_ids = {c.id for c in spec.cells()}
    assert 6 <= len(stored) < 16 and stored <= all_ids
    resumed = subprocess.run(
        [*args, "--resume", "--no-progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert resumed.returncode == 0, resumed.stderr
    second = set((out / "submitted-2.txt").read_text().split())
    assert second == all_ids - stored  # the resumed driver ran only the missing cells
    table = pd.read_parquet(out / "results.parquet")
    assert sorted(table["cell_id"]) == sorted(all_ids) and table["cell_id"].is_unique
    data = memory_data()
    digests = dict(zip(table["cell_id"], table["digest"], strict=True))
    for cell in spec.cells():
        assert digests[cell.id] == run_cell(cell.id, cell.config, data).digest, cell.label()
    assert table["error"].isna().all()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
