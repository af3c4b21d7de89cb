"""The Makefile's system step: `make test` installs Debian's chromium when absent, `make demo` never."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dry_run(target: str, stamps: Path, chromium: str) -> str:
    """Return what `make -n target` would run, with the stamps in `stamps`."""
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"STAMP={stamps}", f"CHROMIUM={chromium}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_make_test_without_chromium_updates_then_installs_it_noninteractively(tmp_path):
    for target in ("test", "test-slow", "system"):
        script = dry_run(target, tmp_path, chromium="")
        update = script.index("DEBIAN_FRONTEND=noninteractive apt-get update")
        install = script.index("DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium")
        assert update < install, target
        assert 'if [ "$(id -u)" = 0 ]; then SUDO=;' in script  # sudo only when not root
        assert f"touch {tmp_path}/system" in script


def test_make_test_with_chromium_and_a_fresh_stamp_installs_nothing(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("")
    os.utime(chromium, (1_000_000_000, 1_000_000_000))  # older than the stamp
    (tmp_path / "system").write_text("")
    script = dry_run("test", tmp_path, chromium=str(chromium))
    assert "apt-get" not in script
    assert "-m pytest" in script


def test_make_demo_never_installs_system_packages(tmp_path):
    script = dry_run("demo", tmp_path, chromium="")
    assert "apt-get" not in script
    assert "flotilla backtest configs/ema_cross.toml" in script
