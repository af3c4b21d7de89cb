"""The README's Python tour runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    exec(compile("\n".join(blocks), str(README), "exec"), namespace)  # noqa: S102
    assert namespace["result"].digest == (
        "3137cdd5b443a974392de4f70e6edc9240706f9476e46fb8e9fc0fc4b1077a8b"
    )
    assert len(namespace["orders"]) == 8_794
