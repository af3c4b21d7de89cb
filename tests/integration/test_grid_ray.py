"""Grids on a local Ray: digests equal a sequential run, results are byte-identical between
runs, failing cells are recorded, killed workers are retried, `--verify` catches a mismatch."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from cluster.grid.cell import run_cell
from cluster.grid.runner import GridRunner, GridVerificationError, load_cell_results, write_results
from cluster.grid.spec import AxisConfig, GridSpec
from node.config import config_from_dict
from tests.kit.grid import memory_data, template_dict

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    import builtins

    temp = tmp_path_factory.mktemp("ray")
    original_print = builtins.print  # ray.init replaces print (tqdm_ray's safe_print)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _temp_dir=str(temp),
        runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}},
        log_to_driver=False,
    )
    yield
    ray.shutdown()
    builtins.print = original_print


def grid(**strategy_config):
    template = config_from_dict(template_dict(**strategy_config))
    return GridSpec(
        template,
        [
            AxisConfig(path="strategies[0].config.fast_ema_period", values=[3, 5, 7, 9]),
            AxisConfig(path="strategies[0].config.slow_ema_period", values=[12, 16, 20, 24]),
        ],
    )


@pytest.mark.timeout(120)
def test_grid_on_ray_matches_sequential_run_and_is_byte_identical(local_ray, tmp_path):
    spec = grid(raise_on_fast_period=7)
    cells = spec.cells()
    assert len(cells) == 16
    data = memory_data()
    first = GridRunner(tmp_path / "a", memory=data, progress=False).run(cells)
    sequential = {c.id: run_cell(c.id, c.config, data) for c in cells}
    assert sorted(first) == sorted(sequential)
    for cell in cells:
        assert first[cell.id].digest == sequential[cell.id].digest, cell.label()
        assert first[cell.id].statistics == sequential[cell.id].statistics
    # The strategy raises for fast period 7: those 4 cells carry the error, the 12 others ran.
    failed = sorted(c.params["slow_ema_period"] for c in cells if first[c.id].error)
    assert failed == [12, 16, 20, 24]
    for cell in cells:
        if cell.params["fast_ema_period"] == 7:
            assert "deliberate failure at bar 50" in first[cell.id].error
            assert first[cell.id].digest == ""
        else:
            assert first[cell.id].error is None and first[cell.id].total_orders > 0
    frame = write_results(tmp_path / "a", cells, first)
    assert list(frame["cell_id"]) == sorted(c.id for c in cells)
    assert frame["error"].notna().sum() == 4
    assert "elapsed_s" not in frame and "worker_node" not in frame
    second = GridRunner(tmp_path / "b", memory=data, progress=False, max_parallel=1).run(cells)
    write_results(tmp_path / "b", cells, second)
    assert (tmp_path / "a" / "results.parquet").read_bytes() == (
        tmp_path / "b" / "results.parquet"
    ).read_bytes()
    # The stored cells are what a resumed run finds: nothing left to run.
    runner = GridRunner(tmp_path / "a", memory=data, progress=False)
    assert runner.run(cells, resume=True).keys() == first.keys()
    assert runner.ran == []
    with pytest.raises(Exception, match="already holds 16 cell results, expected --resume"):
        GridRunner(tmp_path / "a", memory=data, progress=False).run(cells)


@pytest.mark.timeout(120)
def test_verify_reruns_cells_in_driver_and_fails_loudly_on_a_mismatch(local_ray, tmp_path):
    spec = grid()
    cells = spec.cells()[:4]
    data = memory_data()
    runner = GridRunner(tmp_path, memory=data, progress=False)
    results = runner.run(cells)
    chosen = runner.verify(cells, results, k=3)
    assert len(chosen) == 3 and len(set(chosen)) == 3
    # A worker digest that differs (as a non-deterministic strategy would give) is caught.
    import msgspec

    tampered = dict(results)
    victim = sorted(results)[0]
    tampered[victim] = msgspec.structs.replace(results[victim], digest="0" * 64)
    with pytest.raises(GridVerificationError, match=r"--verify: 1 of 4 cells differ: cell "):
        runner.verify(cells, tampered, k=4)


@pytest.mark.timeout(120)
def test_worker_killed_mid_task_is_retried_and_its_cell_appears_once(local_ray, tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    spec = grid(pid_dir=str(pid_dir), sleep_per_bar_s=0.0005)
    cells = spec.cells()[:4]
    data = memory_data()
    killed = []

    def kill_first_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for path in sorted(pid_dir.glob("*.pid")):
                pid = int(path.read_text())
                os.kill(pid, signal.SIGKILL)  # a Ray worker process running a cell
                killed.append(pid)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_first_worker)
    killer.start()
    results = GridRunner(tmp_path / "out", memory=data, progress=False, max_retries=2).run(cells)
    killer.join(timeout=60)
    assert len(killed) == 1
    assert sorted(results) == sorted(c.id for c in cells)
    assert len(list((tmp_path / "out" / "cells").glob("*.json"))) == 4
    assert load_cell_results(tmp_path / "out").keys() == results.keys()
    for cell in cells:
        assert results[cell.id].error is None, results[cell.id].error
        assert results[cell.id].digest == run_cell(cell.id, cell.config, data).digest
    assert killed[0] not in {r.worker_pid for r in results.values()}
