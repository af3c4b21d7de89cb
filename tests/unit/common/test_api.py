import ast
from pathlib import Path

import core.common

PUBLIC = [
    "Clock",
    "Component",
    "ComponentState",
    "ComponentTrigger",
    "FiniteStateMachine",
    "LiveClock",
    "LogLevel",
    "Logger",
    "MessageBus",
    "TestClock",
    "TimeEvent",
    "TimeEventHandler",
    "UUID4",
]


def test_common_all_is_pinned_and_sorted():
    assert core.common.__all__ == PUBLIC == sorted(PUBLIC)
    assert all(hasattr(core.common, name) for name in PUBLIC)


def test_common_uuid4_is_the_model_type():
    from core.model.uuid import UUID4

    assert core.common.UUID4 is UUID4


def test_common_imports_only_model_errors_and_itself():
    root = Path(core.common.__file__).parent
    allowed = ("core.model", "core.errors", "core.common")
    for path in sorted([*root.glob("*.pyx"), *root.glob("*.pxd"), *root.glob("*.py")]):
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("from", "import", "cimport"):
                module = words[1]
                if module.startswith(("core", "node", "cluster", "adapters")):
                    assert module.startswith(allowed), f"{path.name}: imports {module}"


def test_common_stubs_parse():
    root = Path(core.common.__file__).parent
    for stub in sorted(root.glob("*.pyi")):
        ast.parse(stub.read_text(), filename=str(stub))
