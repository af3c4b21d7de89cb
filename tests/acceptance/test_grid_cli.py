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

import numpy as np
import pandas as pd
import pytest

from cluster.grid.cell import run_cell
from cluster.grid.spec import load_grid_spec
from tests.kit.browser import plotly_charts_drawn
from tests.kit.grid import BAR_TYPE, memory_data, memory_data_two_weeks

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
    bounds = tmp_path / "bounds"
    bounds.mkdir()
    spec_path.write_text(WALK_FORWARD + TEMPLATE + f'bounds_dir = "{bounds}"\n')
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
    # Each cell saw exactly its own window, both bounds inclusive on ts_init: the 1-minute
    # bars (stamped at their close, from 00:01 on the first day) from the first stamped at or
    # after the window's start to the last stamped at or before its end. The windows differ
    # (rolling by 2 days), so a cell run on another window cannot pass.
    ts = np.asarray(memory_data_two_weeks().streams[BAR_TYPE]["ts_init"])

    def bars(start, end):
        inside = ts[(ts >= start) & (ts <= end)]
        return int(inside[0]), int(inside[-1])

    seen = {}
    for name in os.listdir(bounds):
        fast, slow, first, last = (int(x) for x in name.split("-"))
        seen.setdefault((fast, slow), set()).add((first, last))
    expected = {}
    for cell in spec.cells():
        w = spec.windows[cell.window]
        assert (cell.config.start, cell.config.end) == (w.train_start, w.train_end)
        key = (cell.params["fast_ema_period"], cell.params["slow_ema_period"])
        expected.setdefault(key, set()).add(bars(w.train_start, w.train_end))
    for step in wf["steps"]:
        key = (step["params"]["fast_ema_period"], step["params"]["slow_ema_period"])
        expected[key].add(bars(step["test_start"], step["test_end"]))
        w = spec.windows[step["window"]]
        assert (step["test_start"], step["test_end"]) == (w.test_start, w.test_end)
    assert seen == expected
    minute = 60_000_000_000
    first_window = spec.windows[0]
    assert bars(first_window.train_start, first_window.train_end) == (
        first_window.train_start + minute,  # no bar closes at 2024-01-01T00:00
        first_window.train_end + 1 - minute,
    )
    for w in spec.windows[1:]:  # a bar closes on every later window's start
        assert bars(w.train_start, w.train_end) == (w.train_start, w.train_end + 1 - minute)
    assert len({span for spans in seen.values() for span in spans}) == 2 * len(spec.windows)
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


# -- issue 11 point 8 (no orphans, no traversal, no bombs, Ctrl-C) and 13 (resume in make test) --

SMALL = """
[grid]
name = "small"
memory_data = "tests.kit.grid:memory_data"

[[axes]]
path = "strategies[0].config.fast_ema_period"
values = [3, 5]

[[axes]]
path = "strategies[0].config.slow_ema_period"
values = [12, 20]
"""


def _small_spec(tmp_path, extra: str = "") -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL + TEMPLATE + extra)
    return path


def _start(*args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "node.cli", *args],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _ray_session(out: Path) -> str:
    return (out / "ray-session.txt").read_text().strip()


@pytest.mark.timeout(240)
def test_grid_resume_runs_exactly_the_missing_cells_and_names_corrupt_cells(tmp_path):
    spec_path = _small_spec(tmp_path)
    out = tmp_path / "out"
    full = flotilla("grid", str(spec_path), "--results", str(out), "--no-progress")
    assert full.returncode == 0, full.stderr
    assert "grid small: 4 cells, 0 failed, 4 run now" in full.stdout
    assert not Path(_ray_session(out)).exists()  # a finished grid leaves no Ray folder in /tmp
    first = (out / "results.parquet").read_bytes()
    ids = sorted(p.stem for p in (out / "cells").glob("*.json"))
    assert len(ids) == 4 and set((out / "submitted-1.txt").read_text().split()) == set(ids)
    deleted = {ids[0], ids[2]}
    for cell_id in deleted:
        (out / "cells" / f"{cell_id}.json").unlink()
    # Without --resume a folder with results is refused; with it, only the two missing run.
    again = flotilla("grid", str(spec_path), "--results", str(out), "--no-progress")
    assert again.returncode == 1 and "--resume to go on, --force to start over" in again.stderr
    resumed = flotilla("grid", str(spec_path), "--results", str(out), "--resume", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert "grid small: 4 cells, 0 failed, 2 run now" in resumed.stdout
    assert set((out / "submitted-2.txt").read_text().split()) == deleted
    assert (out / "results.parquet").read_bytes() == first  # equal to the full run, bytewise
    # A truncated cell file is named, with what to do about it; --force starts over.
    victim = out / "cells" / f"{ids[1]}.json"
    victim.write_bytes(victim.read_bytes()[:40])
    broken = flotilla("grid", str(spec_path), "--results", str(out), "--resume", "--no-progress")
    assert broken.returncode == 1
    line = broken.stderr.strip().splitlines()
    assert len(line) == 1 and "Traceback" not in broken.stderr, broken.stderr
    assert line[0].startswith(f"flotilla grid: error: {victim}: corrupt stored cell result (")
    assert line[0].endswith(
        "delete the file to run that cell again with --resume, or run the grid again with --force"
    )
    both = flotilla("grid", str(spec_path), "--results", str(out), "--resume", "--force")
    assert both.returncode == 1 and "--resume and --force: expected one of them" in both.stderr
    forced = flotilla("grid", str(spec_path), "--results", str(out), "--force", "--no-progress")
    assert forced.returncode == 0, forced.stderr
    assert "grid small: 4 cells, 0 failed, 4 run now" in forced.stdout
    assert sorted(p.name for p in out.glob("submitted-*.txt")) == ["submitted-1.txt"]
    assert (out / "results.parquet").read_bytes() == first


@pytest.mark.timeout(240)
def test_grid_driver_sigkilled_mid_grid_leaves_no_ray_process(tmp_path):
    from cluster.grid.warden import session_processes
    from tests.kit.compute import eventually

    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    spec_path = _small_spec(tmp_path, f'pid_dir = "{pid_dir}"\nsleep_per_bar_s = 0.002\n')
    out = tmp_path / "out"
    driver = _start("grid", str(spec_path), "--results", str(out), "--no-progress")
    try:
        eventually(lambda: list(pid_dir.glob("*.pid")), timeout=120)  # a cell is running
        temp_dir = _ray_session(out)
        running = session_processes(temp_dir)
        assert len(running) >= 4, running  # gcs, raylet, agents, a worker at least
        assert driver.pid not in running or len(running) > 1
        driver.kill()  # SIGKILL of the driver alone, not of a process group
        driver.wait(timeout=30)
        assert driver.returncode == -signal.SIGKILL
        # Every process of that Ray session ends: head, agents and workers; and its folder
        # under /tmp is removed (sockets, logs, spilled objects of a session nobody can join).
        eventually(lambda: not session_processes(temp_dir), timeout=60)
        eventually(lambda: not Path(temp_dir).exists(), timeout=30)
    finally:
        if driver.poll() is None:
            driver.kill()
        driver.communicate(timeout=30)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("moment", ["importing", "mid-run"])
def test_grid_ctrl_c_prints_one_line_exits_130_and_stops_ray(tmp_path, moment):
    from cluster.grid.warden import session_processes
    from tests.kit.compute import eventually

    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    spec_path = _small_spec(tmp_path, f'pid_dir = "{pid_dir}"\nsleep_per_bar_s = 0.002\n')
    out = tmp_path / "out"
    driver = _start("grid", str(spec_path), "--results", str(out), "--no-progress")
    try:
        if moment == "importing":
            eventually(lambda: _importing_kernel(driver.pid), timeout=30, interval=0.002)
        else:
            eventually(lambda: list(pid_dir.glob("*.pid")), timeout=120)
        driver.send_signal(signal.SIGINT)
        _, stderr = driver.communicate(timeout=60)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate(timeout=30)
    assert driver.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["flotilla grid: interrupted"], stderr
    if moment == "mid-run":
        temp_dir = _ray_session(out)
        eventually(lambda: not session_processes(temp_dir), timeout=60)
        eventually(lambda: not Path(temp_dir).exists(), timeout=30)


def _importing_kernel(pid: int) -> bool:
    """Return whether the process has begun loading the kernel's extension modules.

    That happens while the commands' modules are imported, after the interpreter has
    installed its SIGINT handler and long before the grid starts.
    """
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return f"{ROOT}/core/" in maps


BOMB = """
[grid]
name = "bomb"
[[axes]]
path = "engine.seed"
range = { start = 1, stop = 1000000000, step = 1 }
[[axes]]
path = "strategies[0].config.fast_ema_period"
range = { start = 1, stop = 1000000000, step = 1 }
"""


@pytest.mark.timeout(120)
def test_grid_of_billions_of_cells_refused_with_the_count_in_little_memory(tmp_path):
    path = tmp_path / "bomb.toml"
    path.write_text(BOMB + TEMPLATE)
    assert len(BOMB) < 260
    process = subprocess.Popen(
        [sys.executable, "-m", "node.cli", "grid", str(path), "--results", str(tmp_path / "o")],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 1, stderr
    assert stderr.strip().splitlines() == [
        f"flotilla grid: error: {path}: grid.max_cells: the grid asks for "
        "1,000,000,000,000,000,000 cells (1,000,000,000 x 1,000,000,000 axis values), expected "
        "at most 100,000; narrow the axes or windows, or raise grid.max_cells (or --max-cells)"
    ]
    assert usage.ru_maxrss < 400 * 1024  # KiB: the imports, nothing per cell
    assert not (tmp_path / "o").exists()
    # The cap is a flag too.
    small = _small_spec(tmp_path)
    done = flotilla("grid", str(small), "--max-cells", "3", "--results", str(tmp_path / "o"))
    assert done.returncode == 1 and "asks for 4 cells (2 x 2 axis values), expected at most 3" in (
        done.stderr
    )
    assert (
        flotilla("grid", str(small), "--max-cells", "0")
        .stderr.strip()
        .endswith("--max-cells 0 invalid, expected >= 1")
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["../../../x", "/tmp/abs-grid", "a/b"])
def test_grid_name_that_leaves_the_grids_folder_is_refused(tmp_path, name):
    path = tmp_path / "named.toml"
    path.write_text(SMALL.replace('name = "small"', f'name = "{name}"') + TEMPLATE)
    before = sorted(p.name for p in ROOT.parent.iterdir())
    done = subprocess.run(
        [sys.executable, "-m", "node.cli", "grid", str(path)],
        cwd=tmp_path,  # the default results folder is .flotilla/grids/<name> under here
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"flotilla grid: error: {path}: grid.name: expected 1 to 100 letters, digits, '_', '.' "
        "or '-', starting with a letter or digit, without '..' (it names the folder "
        f".flotilla/grids/<name>), got {name!r}"
    ]
    assert not (tmp_path / ".flotilla").exists() and not Path("/tmp/abs-grid").exists()
    assert sorted(p.name for p in ROOT.parent.iterdir()) == before


@pytest.mark.timeout(60)
def test_report_of_a_corrupt_result_json_names_the_file_and_hints_force(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "lineage.json").write_text("{}")
    (run_dir / "result.json").write_text('{"config_id": "abc", "name": "x", "dig')
    done = flotilla("report", str(run_dir))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"flotilla report: error: {run_dir / 'result.json'}: corrupt stored run result ("
    ), done.stderr
    assert lines[0].endswith("run the backtest again with --force")


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "command", [["backtest", "configs/ema_cross.toml", "--force"], ["catalog", "--help"]]
)
def test_any_command_ctrl_c_while_importing_prints_one_line_and_exits_130(tmp_path, command):
    from tests.kit.compute import eventually

    args = [*command, "--results", str(tmp_path / "r")] if command[0] == "backtest" else command
    process = _start(*args)
    try:
        eventually(lambda: _importing_kernel(process.pid), timeout=30, interval=0.002)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines() == [f"flotilla {command[0]}: interrupted"], stderr
