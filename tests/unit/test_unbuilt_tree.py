"""``import core`` on a tree whose Cython modules were never compiled says how to build."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_core_unbuilt_tree_explains_how_to_build(tmp_path):
    shutil.copytree(
        ROOT / "core",
        tmp_path / "core",
        ignore=shutil.ignore_patterns("*.so", "*.c", "*.html", "__pycache__"),
    )
    result = subprocess.run(
        [sys.executable, "-c", "import core"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "Cython kernel is not built" in result.stderr
    assert "make build" in result.stderr
