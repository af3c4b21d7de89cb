"""The demo backtest: pinned digest, identical in fresh processes with any hash seed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from node.cli import main
from node.demo import build_demo_engine

ROOT = Path(__file__).resolve().parents[2]

# sha256 of the canonical fill log of `make demo` (EMA 10/20 cross, 100,000 seeded bars).
DEMO_DIGEST = "3137cdd5b443a974392de4f70e6edc9240706f9476e46fb8e9fc0fc4b1077a8b"

_SCRIPT = (
    "from node.demo import build_demo_engine\n"
    "e = build_demo_engine()\n"
    "e.run()\n"
    "print(e.get_result().digest)\n"
)


def test_demo_digest_is_pinned():
    engine = build_demo_engine()
    engine.run()
    result = engine.get_result()
    assert result.iterations == 100_000
    assert result.total_orders == 8_794
    assert result.digest == DEMO_DIGEST


@pytest.mark.parametrize("hash_seed", ["0", "1", "random"])
def test_demo_digest_identical_in_fresh_process(hash_seed):
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == DEMO_DIGEST


def test_demo_reset_and_rerun_gives_same_digest():
    engine = build_demo_engine(bars=20_000)
    engine.run()
    first = engine.get_result().digest
    engine.reset()
    engine.run()
    assert engine.get_result().digest == first


def test_cli_demo_prints_report(capsys):
    assert main(["demo", "--bars", "5000"]) == 0
    out = capsys.readouterr().out
    assert "Flotilla backtest: EMA(10/20) cross" in out
    assert "digest" in out and "Sharpe Ratio (252 days)" in out


def test_cli_demo_bad_bars_exits_2(capsys):
    assert main(["demo", "--bars", "0"]) == 2
    assert "argument --bars: invalid value 0, expected an integer > 0" in capsys.readouterr().err
