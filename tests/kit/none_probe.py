"""Probe every public kernel entry point with ``None`` where it expects an object.

Run as ``python -m tests.kit.none_probe``; prints one JSON document. It reads the kernel's
``.pyx`` sources for the ``def``/``cpdef`` signatures (the compiled modules carry no
introspectable signature with ``binding=False``), picks each function's first required argument
typed as an extension type or a builtin container (``list``, ``dict``, ...) that does not
declare ``or None``, and calls the function with ``None`` there: C-typed arguments before it get
a zero, untyped ones ``None``. The kernel compiled with its safety checks refuses the call with
``TypeError`` before the body runs; compiled without them the body runs on ``None`` and usually
crashes the process, which is why the test runs this probe in a subprocess.
"""

from __future__ import annotations

import enum
import importlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILTINS = {
    "dict": dict,
    "list": list,
    "tuple": tuple,
    "str": str,
    "bytes": bytes,
    "set": set,
    "type": type,
}
C_SCALARS = re.compile(
    r"^(u?int(8|16|32|64)?(_t)?|long|short|char|Py_ssize_t|size_t|double|float|bint|Py_hash_t)$"
)
SIGNATURE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<kind>cpdef|def)\s+(?:[\w\[\]\.:,]+\s+)*?(?P<name>\w+)\s*"
    r"\((?P<args>[^()]*(?:\([^()]*\)[^()]*)*)\)\s*(?:->\s*[\w\[\]\. ]+)?\s*"
    r"(?:except\s*[\*\?\-\w]*\s*)?(?:noexcept\s*)?:",
    re.M,
)
CLASS = re.compile(r"^cdef class (\w+)", re.M)


def _split_args(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [" ".join(p.split()) for p in parts if p.strip()]


def _registry() -> tuple[dict[str, type], list[tuple[object, Path]]]:
    types: dict[str, type] = {}
    modules = []
    for pyx in sorted((ROOT / "core").rglob("*.pyx")):
        name = ".".join(pyx.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(name)
        modules.append((module, pyx))
        for value in vars(module).values():
            if isinstance(value, type):
                types.setdefault(value.__name__, value)
    return types, modules


def _entry_points(module, pyx: Path):
    """Yield (owner class or None, function name, decorators, arg specs) for public functions."""
    text = pyx.read_text()
    classes = [(m.start(), m.group(1)) for m in CLASS.finditer(text)]
    for match in SIGNATURE.finditer(text):
        name, indent = match.group("name"), match.group("indent")
        if name.startswith("_") and name != "__init__":
            continue
        preceding = text[: match.start()].rstrip("\n").split("\n")
        decorators = []
        for line in reversed(preceding):
            if line.strip().startswith("@"):
                decorators.append(line.strip())
            else:
                break
        owner = None
        if indent:
            before = [c for c in classes if c[0] < match.start()]
            if not before:
                continue
            owner = getattr(module, before[-1][1], None)
            if owner is None or before[-1][1].startswith("_"):
                continue
        elif match.group("kind") == "def" and not hasattr(module, name):
            continue
        yield owner, name, decorators, _split_args(match.group("args"))


def _plan(args: list[str], types: dict[str, type], bound: bool):
    """The call's positional values and the targeted argument, or None if nothing to probe."""
    values, target = [], None
    specs = args[1:] if bound and args and args[0].split()[-1] == "self" else args
    for spec in specs:
        if spec.startswith("*") or "=" in spec:
            break  # only required positionals are probed; defaults and *args end the scan
        words = spec.replace(" not None", "").replace(" or None", "").split()
        if len(words) == 1:
            values.append(None)  # untyped: any object
            continue
        type_name, arg = words[-2], words[-1]
        cls = BUILTINS.get(type_name) or types.get(type_name)
        if C_SCALARS.match(type_name):
            values.append(0)
        elif isinstance(cls, type) and issubclass(cls, enum.Enum):
            values.append(next(iter(cls)))
        elif cls is None:
            values.append(None)  # a type we cannot resolve (memoryview, fused): leave it open
        elif " or None" in spec:
            values.append(None)
        elif target is None:
            target = arg
            values.append(None)
        else:
            values.append(None)  # checked after the target, so never reached
    return (values, target) if target is not None else None


def probe() -> dict:
    types, modules = _registry()
    results = {"refused": [], "accepted": [], "skipped": []}
    for module, pyx in modules:
        for owner, name, decorators, args in _entry_points(module, pyx):
            label = f"{module.__name__}.{owner.__name__ + '.' if owner else ''}{name}"
            if any("allow_none_for_extension_args(True)" in d for d in decorators):
                continue  # handles None itself (and is tested where it is defined)
            static = any(d in ("@staticmethod", "@classmethod") for d in decorators)
            plan = _plan(args, types, bound=owner is not None and not static)
            if plan is None:
                continue
            values, target = plan
            if owner is None or static:
                call = getattr(owner or module, name)
            else:
                try:
                    instance = owner.__new__(owner)
                except TypeError:
                    results["skipped"].append(label)
                    continue
                call = getattr(instance, name)
            try:
                call(*values)
            except TypeError as error:
                if f"'{target}'" in str(error):
                    results["refused"].append(label)
                else:
                    results["accepted"].append(f"{label}({target}): {error}")
                continue
            except Exception as error:  # the body ran with None: the check did not fire
                results["accepted"].append(f"{label}({target}): {type(error).__name__}: {error}")
                continue
            results["accepted"].append(f"{label}({target}): returned")
    return results


if __name__ == "__main__":
    json.dump(probe(), sys.stdout)
