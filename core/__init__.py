"""Flotilla's kernel: everything that runs inside one trading node's single thread.

The hot types are Cython extension modules compiled in place by ``make build``. Importing
``core`` from a source tree that was never built fails here, with the command that fixes it.
"""

from importlib.util import find_spec as _find_spec

__version__ = "0.1.0"

if _find_spec("core.model.objects") is None or _find_spec("core.model.objects").origin.endswith(
    ".pyx"
):
    raise ImportError(
        "Flotilla's Cython kernel is not built in this tree (core/model/objects is missing its "
        "compiled module). Run `make build` (or `make test`, which builds first) from the "
        "repository root, then import again."
    )
