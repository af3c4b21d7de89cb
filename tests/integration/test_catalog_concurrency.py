"""The catalog under real concurrent writers, kill -9 and a full disk (issue 11 point 5).

Every writer here is a real `flotilla` process (``python -m node.cli`` or a short script on
the catalog API); nothing is mocked. Processes are bounded in number and time and killed at
teardown.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from core.model import QuoteTick
from node.cli import main
from node.persistence import ParquetDataCatalog
from tests.kit.compute import ROOT, eventually

IID = "EUR/USD.SIM"
T0 = 1_704_067_200_000_000_000
MS = 1_000_000
ROWS = 200_000
TIMEOUT = 120

# Waits on stdin after its imports, so two processes start importing at the same moment;
# then runs exactly what `python -m node.cli ARGS` runs.
GATED_CLI = textwrap.dedent(
    """
    import sys
    from node.cli import main
    print("ready", flush=True)
    sys.stdin.read(1)
    sys.exit(main(sys.argv[1:]))
    """
)


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture
def procs():
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)


def _catalog(path: Path) -> Path:
    assert main(["catalog", "add-instrument", "--fx", IID, "--catalog", str(path)]) == 0
    return path


def _csv(path: Path, start_row: int, rows: int) -> Path:
    """Quotes one ms apart from row `start_row` (prices on the 5-decimal grid)."""
    i = np.arange(start_row, start_row + rows)
    bid = 110_000 + (i % 97)
    lines = [
        f"{T0 + k * MS},1.{b:05d},1.{b + 1:05d}" for k, b in zip(i, bid - 100_000, strict=True)
    ]
    path.write_text("timestamp,bid,ask\n" + "\n".join(lines) + "\n")
    return path


def _import_argv(csv: Path, catalog: Path) -> list[str]:
    return ["catalog", "import", "quotes", str(csv), "--instrument", IID, "--catalog", str(catalog)]


def _data_files(catalog: Path) -> list[Path]:
    return sorted((catalog / "data" / "quote_tick" / "EUR%2FUSD.SIM").glob("*.parquet"))


def _assert_disjoint(catalog: Path) -> None:
    """The files' real ``ts_init`` ranges (read from their contents) do not overlap."""
    ranges = []
    for path in _data_files(catalog):
        ts = pq.read_table(path, columns=["ts_init"]).column("ts_init").to_numpy()
        assert (np.diff(ts) >= 0).all(), path
        ranges.append((int(ts[0]), int(ts[-1]), path.name))
    ranges.sort()
    for (_, end, a), (start, _, b) in zip(ranges, ranges[1:], strict=False):
        assert start > end, f"{a} and {b} overlap"


@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_imports_of_overlapping_ranges_exactly_one_succeeds(
    tmp_path, procs, attempt
):
    catalog = _catalog(tmp_path / "cat")
    first = _csv(tmp_path / "a.csv", 0, ROWS)
    second = _csv(tmp_path / "b.csv", ROWS // 2, ROWS)  # overlaps the second half of a.csv
    for csv in (first, second):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", GATED_CLI, *_import_argv(csv, catalog)],
                cwd=ROOT,
                env=_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for proc in procs:
        assert proc.stdout.readline() == "ready\n"
    for proc in procs:  # open the gate for both
        proc.stdin.write("go")
        proc.stdin.flush()
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT)
        outcomes.append((proc.returncode, out, err))
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 1], outcomes
    (_, out, _) = next(o for o in outcomes if o[0] == 0)
    (_, _, err) = next(o for o in outcomes if o[0] == 1)
    files = _data_files(catalog)
    assert len(files) == 1, files
    winner = files[0].name
    assert winner in out
    # The refusal names both files: the winner's (existing) and the one it would have written.
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1 and "overlaps existing file" in lines[0], err
    assert winner in lines[0]
    loser_start = T0 + (0 if winner.startswith(str(T0 + ROWS // 2 * MS)) else ROWS // 2) * MS
    assert f"as new file {loser_start}-" in lines[0]
    assert "Traceback" not in err
    _assert_disjoint(catalog)
    assert len(ParquetDataCatalog(catalog).query(QuoteTick, [IID])) == ROWS
    assert not [p for p in files[0].parent.iterdir() if p.name.startswith(".")]


WRITER = textwrap.dedent(
    """
    import sys
    import pyarrow as pa
    from core.testkit.data import random_walk_quotes
    from node.persistence import ParquetDataCatalog

    path, rows, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    table = pa.table(random_walk_quotes(rows, seed=3, start_ns=start, interval_ns=1000))
    # Many files per write: the commit (temporary files, then renames) takes a while.
    ParquetDataCatalog(path, max_rows_per_file=rows // 20).write_table(
        "quote_tick", "EUR/USD.SIM", table
    )
    print("written", flush=True)
    """
)


def _writer(procs, catalog: Path, rows: int, start: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(catalog), str(rows), str(start)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    procs.append(proc)
    return proc


def _temps(catalog: Path) -> list[Path]:
    directory = catalog / "data" / "quote_tick" / "EUR%2FUSD.SIM"
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writer_killed_mid_write_leaves_temp_files_the_next_write_sweeps(tmp_path, procs):
    catalog = _catalog(tmp_path / "cat")
    for _ in range(3):  # bounded: a fast machine could finish the write before the kill
        writer = _writer(procs, catalog, 2_000_000, T0)
        eventually(
            lambda w=writer: _temps(catalog) or w.poll() is not None,
            timeout=TIMEOUT,
            interval=0.001,
        )
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=TIMEOUT)
        if _temps(catalog):
            break
        for path in _data_files(catalog):
            path.unlink()
    left = _temps(catalog)
    assert left, "the writer finished before it could be killed"
    assert writer.returncode == -signal.SIGKILL
    # Readers never see the temporary files nor a partial file.
    assert not any(e.kind == "quote_tick" for e in ParquetDataCatalog(catalog).list_data())
    assert ParquetDataCatalog(catalog).files(QuoteTick, IID) == []
    # The next write (a real CLI import) takes the lock the dead writer held and sweeps them.
    csv = _csv(tmp_path / "next.csv", 0, 100)
    result = subprocess.run(
        [sys.executable, "-m", "node.cli", *_import_argv(csv, catalog)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert _temps(catalog) == []
    for path in left:
        assert f"removed {path}: a temporary file left by an interrupted write" in result.stderr
    assert [p.name for p in _data_files(catalog)] == [f"{T0}-{T0 + 99 * MS}.parquet"]


def test_writer_interrupted_mid_write_removes_its_temp_files(tmp_path, procs):
    catalog = _catalog(tmp_path / "cat")
    for _ in range(3):  # bounded, as above
        writer = _writer(procs, catalog, 2_000_000, T0)
        eventually(
            lambda w=writer: _temps(catalog) or w.poll() is not None,
            timeout=TIMEOUT,
            interval=0.001,
        )
        writer.send_signal(signal.SIGINT)  # Ctrl-C
        writer.wait(timeout=TIMEOUT)
        if writer.returncode != 0:
            break
        for path in _data_files(catalog):
            path.unlink()
    assert writer.returncode == -signal.SIGINT, writer.stderr.read()
    assert "KeyboardInterrupt" in writer.stderr.read()
    # The interrupted write cleaned up after itself: no temporary file, no partial data.
    assert _temps(catalog) == [] and _data_files(catalog) == []


def _locked_waiters(pid: int) -> bool:
    """True if `pid` waits for a lock (a ``->`` line of /proc/locks)."""
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()  # "1: -> FLOCK ADVISORY WRITE <pid> <dev:inode> 0 EOF"
        if len(parts) > 5 and parts[1] == "->" and parts[5] == str(pid):
            return True
    return False


def test_a_live_writers_temp_files_are_never_swept(tmp_path, procs):
    catalog = _catalog(tmp_path / "cat")
    slow = _writer(procs, catalog, 2_000_000, T0)
    for _ in range(3):
        eventually(
            lambda w=slow: _temps(catalog) or w.poll() is not None, timeout=TIMEOUT, interval=0.001
        )
        slow.send_signal(signal.SIGSTOP)  # mid-write, holding the lock, its temp files open
        if _temps(catalog):
            break
        slow.send_signal(signal.SIGCONT)
        slow.wait(timeout=TIMEOUT)
        for path in _data_files(catalog):
            path.unlink()
        slow = _writer(procs, catalog, 2_000_000, T0)
    assert _temps(catalog), "the writer finished before it could be stopped"
    held = _temps(catalog)
    # A second writer (a later, disjoint range) must wait for the lock, not sweep.
    other = _writer(procs, catalog, 20_000, T0 + 10**15)
    eventually(lambda: _locked_waiters(other.pid), timeout=TIMEOUT)
    assert all(p.exists() for p in held)
    slow.send_signal(signal.SIGCONT)
    for proc in (slow, other):
        out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err
        assert out == "written\n"
    assert _temps(catalog) == []
    assert len(_data_files(catalog)) == 40
    _assert_disjoint(catalog)


def _limit_file_size() -> None:
    # Ignore SIGXFSZ so an oversize write fails with EFBIG instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 10, 256 << 10))


def test_full_disk_write_fails_clearly_and_leaves_nothing(tmp_path):
    catalog = _catalog(tmp_path / "cat")
    csv = _csv(tmp_path / "big.csv", 0, ROWS)
    result = subprocess.run(
        [sys.executable, "-m", "node.cli", *_import_argv(csv, catalog)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_file_size,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("flotilla catalog: error: catalog ")
    assert "writing " in lines[0] and ".parquet failed (" in lines[0]
    assert "File too large" in lines[0] and "nothing was written" in lines[0]
    assert _data_files(catalog) == [] and _temps(catalog) == []
    assert not any(e.kind == "quote_tick" for e in ParquetDataCatalog(catalog).list_data())
    # Without the limit the same import succeeds: the catalog was left usable.
    assert main(_import_argv(csv, catalog)) == 0
    assert len(_data_files(catalog)) == 1
