"""The Makefile's system step: `make test` installs Debian's chromium and redis-server when absent,
`make demo` never."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dry_run(target: str, stamps: Path, missing: str) -> str:
    """Return what `make -n target` would run, with the stamps in `stamps`."""
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"STAMP={stamps}", f"MISSING_PKGS={missing}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_make_test_without_chromium_updates_then_installs_it_noninteractively(tmp_path):
    for target in ("test", "test-slow", "system"):
        script = dry_run(target, tmp_path, missing="chromium")
        update = script.index("DEBIAN_FRONTEND=noninteractive apt-get update")
        install = script.index("DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium\n")
        assert update < install, target
        assert 'if [ "$(id -u)" = 0 ]; then SUDO=;' in script  # sudo only when not root
        assert f"touch {tmp_path}/system" in script


def test_make_test_without_redis_installs_only_redis_server(tmp_path):
    script = dry_run("test", tmp_path, missing="redis-server")
    assert script.index("apt-get update") < script.index("apt-get install -y -q redis-server\n")
    assert "install -y -q chromium" not in script


def test_every_missing_package_is_found_by_command_lookup(tmp_path):
    # Without an override, make asks the shell for each binary: a PATH without them lists both.
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "system", f"STAMP={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PATH": "/nonexistent"},
        executable=shutil.which("make"),
    )
    assert "apt-get install -y -q chromium redis-server" in result.stdout


def test_make_test_with_everything_present_and_a_fresh_stamp_installs_nothing(tmp_path):
    (tmp_path / "system").write_text("")
    script = dry_run("test", tmp_path, missing="")
    assert "apt-get" not in script
    assert "-m pytest" in script


def test_make_demo_never_installs_system_packages(tmp_path):
    script = dry_run("demo", tmp_path, missing="chromium redis-server")
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
    script = dry_run("venv", tmp_path, missing="")
    install = script.index("-m pip install -q --require-hashes -r requirements.lock")
    project = script.index("FLOTILLA_NO_EXT=1 .venv/bin/python -m pip install -q --no-deps")
    assert install < project
    assert "--upgrade" not in script  # nothing unlocked, pip itself included
    lock = dry_run("lock", tmp_path, missing="")
    assert "--generate-hashes" in lock and "pyproject.toml build-requirements.in" in lock
    assert (
        "# by the following command:\n#\n#    make lock\n"
        in (ROOT / "requirements.lock").read_text()
    )
