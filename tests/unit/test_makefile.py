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


def _lock_pins() -> dict[str, tuple[str, int]]:
    """Return {normalised name: (version, number of hashes)} of requirements.lock."""
    import re

    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-]+)==([^ \\]+)", line)
        if pin:
            current = re.sub(r"[-_.]+", "-", pin.group(1)).lower()
            pins[current] = (pin.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def test_lock_pins_every_declared_dependency_with_hashes_inside_its_range():
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = list(project["project"]["dependencies"]) + list(project["build-system"]["requires"])
    for extra in ("test", "bench", "lint"):
        declared += project["project"]["optional-dependencies"][extra]
    pins = _lock_pins()
    assert len(pins) >= len(set(declared))
    for text in declared:
        requirement = Requirement(text)
        name = requirement.name.replace("_", "-").replace(".", "-").lower()
        assert name in pins, f"{name} is declared in pyproject.toml but not locked"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (text, version)
        assert hashes >= 1, f"{name}=={version} has no hash"
    for name, (version, hashes) in pins.items():
        assert hashes >= 1, f"{name}=={version} has no hash"


def test_make_venv_installs_only_the_locked_hashes_then_the_project_without_deps(tmp_path):
    script = dry_run("venv", tmp_path, chromium="/usr/bin/chromium")
    install = script.index("-m pip install -q --require-hashes -r requirements.lock")
    project = script.index("FLOTILLA_NO_EXT=1 .venv/bin/python -m pip install -q --no-deps")
    assert install < project
    assert "--upgrade" not in script  # nothing unlocked, pip itself included
    lock = dry_run("lock", tmp_path, chromium="/usr/bin/chromium")
    assert "--generate-hashes" in lock and "pyproject.toml build-requirements.in" in lock
    assert (
        "# by the following command:\n#\n#    make lock\n"
        in (ROOT / "requirements.lock").read_text()
    )
