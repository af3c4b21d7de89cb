"""The Ray grid runner: cells as Ray tasks, results streamed into a resumable results folder.

``<results>/`` holds:

| file                     | holds                                                            |
| ------------------------ | ---------------------------------------------------------------- |
| ``cells/<cell id>.json`` | one `CellResult` per finished cell (ok or failed), written       |
|                          | atomically as it arrives: what ``--resume`` skips                 |
| ``submitted-<n>.txt``    | the cells session n of the driver submitted, one id a line        |
| ``results.parquet``      | one row per cell sorted by cell id: ids, parameters, digest,     |
|                          | error, counts, statistics. No times or hosts: byte-identical     |
|                          | between runs of the same grid                                    |
| ``timings.parquet``      | cell id, elapsed seconds, worker node, worker pid (vary per run) |
| ``returns.parquet``      | cell id, day, daily return (for the diagnostics)                 |
| ``ray-session.txt``      | the temp dir of the local Ray head the last driver started       |

A worker killed mid-task is retried by Ray (``max_retries``); its cell arrives once, because
the driver keys results by cell id. A cell that raises is recorded with its error.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from cluster.grid.cell import CellResult, InMemoryData, run_cell
from cluster.grid.spec import GridCell
from cluster.grid.warden import Warden, start_warden
from core.errors import DataError, FlotillaError, ValidationError
from node.config import config_to_dict

__all__ = [
    "GridRunner",
    "GridVerificationError",
    "clear_results",
    "load_cell_results",
    "results_frame",
]

_REPO_ROOT = str(Path(__file__).resolve().parents[2])


class GridVerificationError(FlotillaError):
    """A cell re-run in the driver gave another digest than its Ray worker."""


def _ray_task(cell_id: str, config: dict, memory: InMemoryData | None) -> bytes:
    return msgspec.json.encode(run_cell(cell_id, config, memory))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def load_cell_results(results_dir: str | Path) -> dict[str, CellResult]:
    """Return the finished cells stored in a results folder, by cell id."""
    cells_dir = Path(results_dir) / "cells"
    out: dict[str, CellResult] = {}
    if not cells_dir.is_dir():
        return out
    for path in sorted(cells_dir.glob("*.json")):
        try:
            result = msgspec.json.decode(path.read_bytes(), type=CellResult)
        except msgspec.DecodeError as err:  # ValidationError is a DecodeError
            raise DataError(
                f"{path}: corrupt stored cell result ({err}), expected a cell written by "
                f"flotilla grid; delete the file to run that cell again with --resume, or run "
                f"the grid again with --force"
            ) from err
        if result.cell_id != path.stem:
            raise DataError(
                f"{path}: stored cell result of cell {result.cell_id[:12]!r}, expected "
                f"{path.stem[:12]!r} (its file name); delete the file to run that cell again "
                f"with --resume, or run the grid again with --force"
            )
        out[path.stem] = result
    return out


# What a grid run writes into its results folder, and so what --force may delete there.
_RESULT_FILES = (
    "results.parquet",
    "timings.parquet",
    "returns.parquet",
    "walk_forward.json",
    "diagnostics.json",
    "report.html",
    "ray-session.txt",
)


def clear_results(results_dir: str | Path) -> None:
    """Delete what a grid run wrote into `results_dir` (``--force``); nothing else."""
    out = Path(results_dir)
    cells_dir = out / "cells"
    if cells_dir.is_dir():
        for path in cells_dir.glob("*.json"):
            path.unlink()
        for path in cells_dir.glob(".*.json.tmp-*"):
            path.unlink()
    for path in out.glob("submitted-*.txt"):
        path.unlink()
    for name in _RESULT_FILES:
        (out / name).unlink(missing_ok=True)


class GridRunner:
    """Run grid cells on Ray (local by default) into a results folder.

    Parameters
    ----------
    results_dir : str or Path
    ray_address : str, optional
        An existing cluster (``"ray://host:10001"`` or ``"host:6379"``); default: a local Ray
        head (dashboard off, 127.0.0.1) run by a `cluster.grid.warden` that stops it when
        this process ends, however it ends (call `close` to stop it sooner).
    max_parallel : int, optional
        Cells in flight at once (default: the cluster's CPUs).
    memory : InMemoryData, optional
        Data shared through the object store instead of the catalog.
    max_retries : int, default 3
        Retries of a cell whose worker process died.
    progress : bool, default True
        Show a progress bar (cells done, failed, cells/s, ETA) on stderr.
    """

    def __init__(
        self,
        results_dir: str | Path,
        *,
        ray_address: str | None = None,
        max_parallel: int | None = None,
        memory: InMemoryData | None = None,
        max_retries: int = 3,
        progress: bool = True,
    ) -> None:
        if max_parallel is not None and max_parallel < 1:
            raise ValidationError(f"--max-parallel {max_parallel} invalid, expected >= 1")
        if max_retries < 0:
            raise ValidationError(f"max_retries {max_retries} invalid, expected >= 0")
        self.results_dir = Path(results_dir)
        self.ray_address = ray_address
        self.max_parallel = max_parallel
        self.memory = memory
        self.max_retries = max_retries
        self.progress = progress
        self.ran: list[str] = []
        self._warden: Warden | None = None

    # -- Ray --------------------------------------------------------------------------------

    def _init_ray(self):
        import ray

        if ray.is_initialized():
            return ray
        pythonpath = os.pathsep.join(p for p in [_REPO_ROOT, os.environ.get("PYTHONPATH", "")] if p)
        runtime_env = {"env_vars": {"PYTHONPATH": pythonpath}}
        if self.ray_address:
            ray.init(address=self.ray_address, log_to_driver=False)
            return ray
        # A local head run by a warden that reaps it when this process ends, even by SIGKILL
        # (see cluster.grid.warden). /tmp, not the results folder: Ray's socket paths must
        # stay short.
        temp_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
        (self.results_dir / "ray-session.txt").write_text(temp_dir + "\n")
        self._warden = start_warden(temp_dir, self.max_parallel or os.cpu_count() or 1)
        ray.init(
            address=self._warden.address,
            _node_ip_address="127.0.0.1",
            runtime_env=runtime_env,
            log_to_driver=False,
            logging_level=logging.WARNING,  # not "connecting to..." on every run
        )
        return ray

    def close(self) -> None:
        """Disconnect from Ray and stop the local head this runner started (if any)."""
        if self._warden is None:
            return
        import ray

        ray.shutdown()
        self._warden.close()
        self._warden = None

    # -- running ----------------------------------------------------------------------------

    def run(
        self,
        cells: list[GridCell],
        *,
        resume: bool = False,
        on_result: Callable[[CellResult], None] | None = None,
    ) -> dict[str, CellResult]:
        """Run the cells not yet in the results folder (all of them unless `resume`).

        Returns every cell's result by id (stored ones included when resuming).

        Raises
        ------
        ValidationError
            If the results folder already holds results and `resume` is not set.
        """
        cells_dir = self.results_dir / "cells"
        stored = load_cell_results(self.results_dir)
        wanted = {c.id for c in cells}
        if stored and not resume and wanted & set(stored):
            raise ValidationError(
                f"results folder {self.results_dir} already holds {len(stored)} cell results, "
                f"expected --resume to go on, --force to start over or another --results folder"
            )
        cells_dir.mkdir(parents=True, exist_ok=True)
        results = {k: v for k, v in stored.items() if k in wanted}
        todo = [c for c in cells if c.id not in results]
        session = 1 + len(list(self.results_dir.glob("submitted-*.txt")))
        submitted_log = self.results_dir / f"submitted-{session}.txt"
        submitted_log.write_text("")
        self.ran = []
        if not todo:
            return results
        ray = self._init_ray()
        task = ray.remote(num_cpus=1, max_retries=self.max_retries)(_ray_task)
        memory_ref = ray.put(self.memory) if self.memory is not None else None
        limit = self.max_parallel or max(1, int(ray.cluster_resources().get("CPU", 1)))
        pending: dict[Any, str] = {}
        queue = list(todo)
        bar = _ProgressBar(len(cells), len(results), enabled=self.progress)
        try:
            with open(submitted_log, "a") as log:
                while queue or pending:
                    while queue and len(pending) < limit:
                        cell = queue.pop(0)
                        ref = task.remote(cell.id, config_to_dict(cell.config), memory_ref)
                        pending[ref] = cell.id
                        log.write(cell.id + "\n")
                        log.flush()
                    done, _ = ray.wait(list(pending), num_returns=1)
                    for ref in done:
                        cell_id = pending.pop(ref)
                        try:
                            result = msgspec.json.decode(ray.get(ref), type=CellResult)
                        except Exception as err:  # the task died more often than retried
                            result = CellResult(
                                cell_id=cell_id,
                                error=f"{type(err).__name__}: worker lost after "
                                f"{self.max_retries} retries",
                            )
                        _write_atomic(cells_dir / f"{cell_id}.json", msgspec.json.encode(result))
                        results[cell_id] = result
                        self.ran.append(cell_id)
                        bar.advance(result.error is not None)
                        if on_result is not None:
                            on_result(result)
        finally:
            bar.close()
            for ref in pending:
                ray.cancel(ref, force=True)
        return results

    def verify(
        self, cells: list[GridCell], results: dict[str, CellResult], k: int, seed: int = 0
    ) -> list[str]:
        """Re-run `k` random successful cells in this process; return their ids.

        Raises
        ------
        GridVerificationError
            If any digest differs from the one the worker returned.
        """
        import random

        ok = sorted(c.id for c in cells if c.id in results and results[c.id].error is None)
        chosen = random.Random(seed).sample(ok, min(k, len(ok)))
        by_id = {c.id: c for c in cells}
        mismatches = []
        for cell_id in chosen:
            local = run_cell(cell_id, by_id[cell_id].config, self.memory)
            if local.digest != results[cell_id].digest:
                mismatches.append(
                    f"cell {cell_id[:12]} ({by_id[cell_id].label()}): worker digest "
                    f"{results[cell_id].digest[:16]}, driver digest {local.digest[:16]}"
                    + (f" (driver error: {local.error})" if local.error else "")
                )
        if mismatches:
            raise GridVerificationError(
                f"--verify: {len(mismatches)} of {len(chosen)} cells differ: "
                + "; ".join(mismatches)
            )
        return chosen


class _ProgressBar:
    """Cells done, failed, cells/s and ETA on stderr (rich)."""

    def __init__(self, total: int, already: int, enabled: bool) -> None:
        self.enabled = enabled and total > 0
        self.failed = 0
        self.done = already
        self.started = time.perf_counter()
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("grid"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} cells"),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("{task.fields[rate]} cells/s"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            "grid", total=total, completed=already, failed=0, rate="-"
        )
        self._new = 0

    def advance(self, failed: bool) -> None:
        if not self.enabled:
            return
        self.failed += failed
        self._new += 1
        rate = self._new / max(time.perf_counter() - self.started, 1e-9)
        self._progress.update(self._task, advance=1, failed=self.failed, rate=f"{rate:.2f}")

    def close(self) -> None:
        if self.enabled:
            self._progress.stop()


# -- the results table --------------------------------------------------------------------------


def results_frame(cells: list[GridCell], results: dict[str, CellResult]):
    """Return (results, timings, returns) DataFrames, each sorted by cell id.

    ``results`` holds only what a rerun reproduces; ``timings`` what varies (elapsed,
    worker node and pid); ``returns`` the daily returns in long form.
    """
    import pandas as pd

    rows, timings, returns = [], [], []
    axis_names: list[str] = []
    for cell in cells:
        for name in cell.params:
            if name not in axis_names:
                axis_names.append(name)
    stat_columns: list[str] = []
    for cell in sorted(cells, key=lambda c: c.id):
        result = results.get(cell.id)
        if result is None:
            continue
        row: dict[str, Any] = {
            "cell_id": cell.id,
            "role": cell.role,
            "window": -1 if cell.window is None else cell.window,
            "index": json.dumps(list(cell.index)),
            "params": json.dumps(cell.params, sort_keys=True),
        }
        for name in axis_names:
            row[f"param.{name}"] = cell.params.get(name)
        row.update(
            digest=result.digest,
            error=result.error,
            iterations=result.iterations,
            total_orders=result.total_orders,
            total_fills=result.total_fills,
            total_positions=result.total_positions,
            handler_errors=result.handler_errors,
        )
        for currency in sorted(result.statistics):
            for key, value in result.statistics[currency].items():
                if key == "Currency":
                    continue
                column = f"{currency} {key}"
                row[column] = float(value) if value is not None else float("nan")
                if column not in stat_columns:
                    stat_columns.append(column)
        rows.append(row)
        timings.append(
            {
                "cell_id": cell.id,
                "elapsed_s": result.elapsed_s,
                "worker_node": result.worker_node,
                "worker_pid": result.worker_pid,
            }
        )
        returns.extend(
            {"cell_id": cell.id, "day": d, "return": r}
            for d, r in zip(result.return_days, result.returns, strict=True)
        )
    frame = pd.DataFrame(rows)
    for column in stat_columns:
        if column not in frame:
            frame[column] = float("nan")
    return (
        frame,
        pd.DataFrame(timings, columns=["cell_id", "elapsed_s", "worker_node", "worker_pid"]),
        pd.DataFrame(returns, columns=["cell_id", "day", "return"]),
    )


def write_results(results_dir: str | Path, cells: list[GridCell], results: dict[str, CellResult]):
    """Write ``results.parquet``, ``timings.parquet`` and ``returns.parquet``; return the
    results frame."""
    out = Path(results_dir)
    frame, timings, returns = results_frame(cells, results)
    frame.to_parquet(out / "results.parquet", index=False)
    timings.to_parquet(out / "timings.parquet", index=False)
    returns.to_parquet(out / "returns.parquet", index=False)
    return frame
