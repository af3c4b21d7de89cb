"""Flotilla's kernel: everything that runs inside one trading node's single thread.

The hot types are Cython extension modules compiled in place by ``make build``. Importing
``core`` from a source tree that was never built fails here, with the command that fixes it.
"""

from importlib.machinery import EXTENSION_SUFFIXES as _SUFFIXES
from pathlib import Path as _Path

__version__ = "0.1.0"

if not any((_Path(__file__).parent / "model" / f"objects{s}").exists() for s in _SUFFIXES):
    raise ImportError(
        "Flotilla's Cython kernel is not built in this tree (core/model/objects has no compiled "
        "module). Run `make build` (or `make test`, which builds first) from the repository "
        "root, then import again."
    )
