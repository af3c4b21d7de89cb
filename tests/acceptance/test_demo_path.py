"""The `make demo` path: bundled CSV -> catalog -> TOML config -> `flotilla backtest`.

It must give the digest of the in-memory demo engine (the bars in the CSV are the seeded random
walk written with 5 decimals), print the summary and the tearsheet's path, and leave a results
folder that `flotilla report` reads.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from node.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIGEST = "3137cdd5b443a974392de4f70e6edc9240706f9476e46fb8e9fc0fc4b1077a8b"


def test_make_demo_commands_give_the_pinned_digest(tmp_path, capsys, monkeypatch):
    # The config's catalog path is relative to the working directory, as in `make demo`.
    shutil.copytree(ROOT / "configs", tmp_path / "configs", ignore=shutil.ignore_patterns("*.pyc"))
    monkeypatch.chdir(tmp_path)
    catalog = ".flotilla/catalog"
    assert main(["catalog", "add-instrument", "--fx", "EUR/USD.SIM", "--catalog", catalog]) == 0
    code = main(
        [
            "catalog",
            "import",
            "bars",
            "configs/data/EURUSD-1-MINUTE-MID.csv.gz",
            "--instrument",
            "EUR/USD.SIM",
            "--bar-type",
            "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL",
            "--catalog",
            catalog,
            "--strict",
        ]
    )
    assert code == 0
    assert "imported 100,000 of 100,000 rows (bars)" in capsys.readouterr().out
    args = ["backtest", "configs/ema_cross.toml", "--results", ".flotilla/results"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"digest              {DEMO_DIGEST}" in out
    assert "orders / fills      8,794 / 8,794" in out
    tearsheet = next(line for line in out.splitlines() if "tearsheet" in line).split()[-1]
    assert os.path.getsize(tearsheet) > 1_000_000  # plotly.js inlined
    # Same config, code and data: not run again; the first line says the result is stored.
    assert main(args) == 0
    stored = capsys.readouterr().out
    assert stored.startswith("Stored result of flotilla backtest ema-cross-demo (config ")
    assert "not run again, same config, code and data; --force to run again" in stored
    assert f"digest              {DEMO_DIGEST}" in stored
    run_dir = Path(tearsheet).parent
    assert main(["report", str(run_dir)]) == 0
    assert DEMO_DIGEST in capsys.readouterr().out
