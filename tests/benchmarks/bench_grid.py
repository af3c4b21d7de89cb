"""Benchmark a 64-cell EMA grid on Ray with 1 and 2 workers against `multiprocessing.Pool`.

Run with ``python tests/benchmarks/bench_grid.py [--bars N]`` (``make bench``); not collected by
pytest. Each cell is the EMA cross backtest over the same seeded 1-minute bars (shared once
through Ray's object store; given to the pool's processes by its initializer), with its own
(fast, slow) periods. Reported:

- cells/s in one process (the baseline), with a Pool of 1 and 2 processes, and with Ray at
  1 and 2 cells in flight (warm workers in both cases: one warm-up round is not timed);
- the speed-up of 2 workers over 1 (target >= 1.8 on 2 cores);
- Ray's fixed overhead per cell: (Ray wall time with 1 worker - the in-process time) / cells,
  and the round trip of an empty task (target <= 50 ms).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

if __package__ is None:  # run as a script from anywhere: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks._machine import header  # noqa: E402

_MEMORY = None


def _init_pool(memory) -> None:
    global _MEMORY
    _MEMORY = memory


def _pool_cell(item):
    from cluster.grid.cell import run_cell

    cell_id, config = item
    return run_cell(cell_id, config, _MEMORY).digest


def _empty() -> int:
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=50_000, help="bars per cell (default 50,000)")
    parser.add_argument("--cells", type=int, default=64, help="cells (a square number, 64)")
    args = parser.parse_args()
    side = int(round(args.cells**0.5))
    import ray

    from cluster.grid.cell import run_cell
    from cluster.grid.runner import GridRunner
    from cluster.grid.spec import AxisConfig, GridSpec
    from node.config import config_from_dict, config_to_dict
    from tests.kit.grid import memory_data, template_dict

    memory = memory_data(bars=args.bars)
    spec = GridSpec(
        config_from_dict(template_dict()),
        [
            AxisConfig(
                path="strategies[0].config.fast_ema_period", values=list(range(3, 3 + side))
            ),
            AxisConfig(
                path="strategies[0].config.slow_ema_period",
                values=list(range(20, 20 + 3 * side, 3)),
            ),
        ],
    )
    cells = spec.cells()
    print(header(f"grid: {len(cells)} EMA cross cells, {args.bars:,} bars each"))
    rows = []

    started = time.perf_counter()
    digests = {c.id: run_cell(c.id, c.config, memory).digest for c in cells}
    serial = time.perf_counter() - started
    rows.append(("one process (baseline)", serial))

    items = [(c.id, config_to_dict(c.config)) for c in cells]
    for workers in (1, 2):
        with multiprocessing.get_context("spawn").Pool(
            workers, initializer=_init_pool, initargs=(memory,)
        ) as pool:
            pool.map(_pool_cell, items[:workers])  # warm-up, not timed
            started = time.perf_counter()
            out = pool.map(_pool_cell, items, chunksize=1)
            rows.append((f"multiprocessing.Pool({workers})", time.perf_counter() - started))
        assert out == [digests[c.id] for c in cells], "Pool digests differ"

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}},
    )
    try:
        empty = ray.remote(num_cpus=1)(_empty)
        ray.get([empty.remote() for _ in range(4)])  # start both workers
        started = time.perf_counter()
        for _ in range(50):
            ray.get(empty.remote())
        empty_rtt = (time.perf_counter() - started) / 50
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                runner = GridRunner(tmp, memory=memory, max_parallel=workers, progress=False)
                runner.run(cells[:2])  # warm-up: imports in the workers, not timed
            with tempfile.TemporaryDirectory() as tmp:
                runner = GridRunner(tmp, memory=memory, max_parallel=workers, progress=False)
                started = time.perf_counter()
                results = runner.run(cells)
                rows.append((f"Ray, {workers} in flight", time.perf_counter() - started))
            assert all(results[c.id].digest == digests[c.id] for c in cells), "Ray digests differ"
    finally:
        ray.shutdown()

    walls = dict(rows)
    print(f"{'runner':<28}{'wall s':>9}{'cells/s':>10}{'vs baseline':>13}")
    for name, wall in rows:
        print(f"{name:<28}{wall:>9.2f}{len(cells) / wall:>10.2f}{serial / wall:>12.2f}x")
    ray1, ray2 = walls["Ray, 1 in flight"], walls["Ray, 2 in flight"]
    pool1, pool2 = walls["multiprocessing.Pool(1)"], walls["multiprocessing.Pool(2)"]
    print(
        f"speed-up 2 vs 1 workers: Ray {ray1 / ray2:.2f}x, Pool {pool1 / pool2:.2f}x "
        f"(target >= 1.8x)"
    )
    print(
        f"Ray overhead per cell: {(ray1 - serial) / len(cells) * 1000:.1f} ms "
        f"(1 worker vs one process; Pool(1): {(pool1 - serial) / len(cells) * 1000:.1f} ms); "
        f"empty task round trip {empty_rtt * 1000:.2f} ms (target <= 50 ms)"
    )
    print(f"cell time in one process: {serial / len(cells) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
