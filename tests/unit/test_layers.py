"""Layering: core/ never imports upward, nor node/, cluster/ or adapters/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"

# Layer of each core package (ARCHITECTURE.md). Modules directly under core/ (errors) are 0.
LAYERS = {
    "model": 0,
    "common": 1,
    "cache": 2,
    "indicators": 2,
    "data": 3,
    "execution": 3,
    "risk": 3,
    "portfolio": 3,
    "trading": 4,
    "backtest": 5,
    "kernel": 5,
    "live": 5,
    "analysis": 1,
    "testkit": 6,
}
FORBIDDEN_TOP = {"node", "cluster", "adapters"}


def _imports(path: Path):
    text = path.read_text()
    if path.suffix in (".pyx", ".pxd"):
        # Cython syntax is not Python: read the import lines only.
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith(("from ", "import ", "cimport ")):
                words = stripped.replace(",", " ").split()
                yield words[1]
        return
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _layer_of(module: str):
    parts = module.split(".")
    if parts[0] != "core" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1], 0)


def _violations(core=CORE):
    found = []
    for path in sorted(core.rglob("*")):
        if path.suffix not in (".py", ".pyx", ".pxd") or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(core)
        own = LAYERS.get(rel.parts[0], 0) if len(rel.parts) > 1 else 0
        for module in _imports(path):
            top = module.split(".")[0]
            if top in FORBIDDEN_TOP:
                found.append(f"{rel}: imports {module} (core may not import {top})")
            layer = _layer_of(module)
            if layer is not None and layer > own:
                found.append(f"{rel} (layer {own}): imports {module} (layer {layer})")
    return found


def test_core_has_no_upward_or_outward_imports():
    assert _violations() == []


def test_every_core_package_has_a_layer():
    packages = {p.name for p in CORE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(LAYERS), f"add the new package to LAYERS: {packages - set(LAYERS)}"


def test_layer_checker_detects_an_upward_import(tmp_path):
    fake = tmp_path / "core"
    (fake / "model").mkdir(parents=True)
    (fake / "model" / "__init__.py").write_text("")
    (fake / "model" / "bad.py").write_text("from core.trading import Strategy\nimport node.cli\n")
    assert _violations(fake) == [
        "model/bad.py (layer 0): imports core.trading (layer 4)",
        "model/bad.py: imports node.cli (core may not import node)",
    ]
