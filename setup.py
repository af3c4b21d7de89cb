"""Build the Cython extensions of the kernel.

Every ``.pyx`` under ``core/`` (and later ``node/``, ``cluster/``, ``adapters/``) becomes an
extension module of the same dotted name. Compiler directives live here, in one place.

Environment switches
--------------------
FLOTILLA_ANNOTATE=1   write Cython's HTML annotation beside each module.
FLOTILLA_PROFILE=1    compile with ``profile``/``linetrace`` for py-spy/cProfile and coverage.
FLOTILLA_DEBUG=1      compile with ``-O0 -g``.
FLOTILLA_UNSAFE=1     compile with every safety check off (bounds, wraparound, None, initialisation),
                      for measuring what the checks cost; never for a build that runs money.

Safety checks are on by default: index bounds, negative-index wraparound, memoryview
initialisation, ``None`` in typed variables (``nonecheck``), and typed extension-type arguments of
``def``/``cpdef`` functions refuse ``None`` with ``TypeError`` unless declared ``=None`` or
``or None`` (``allow_none_for_extension_args=False``). Hot functions whose indices are proven turn
bounds/wraparound off locally with ``@cython.boundscheck(False)``/``@cython.wraparound(False)``
where ``tests/benchmarks`` shows the check costs (STYLE.md).
FLOTILLA_NO_EXT=1     install metadata only (used by the editable install after an in-place
                      build, so the extensions are not compiled twice).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from setuptools import setup

ROOT = Path(__file__).parent
PACKAGES = ("core", "node", "cluster", "adapters")


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "False")


def _extensions():
    if _flag("FLOTILLA_NO_EXT"):
        return []
    from Cython.Build import cythonize
    from setuptools import Extension

    profile = _flag("FLOTILLA_PROFILE")
    debug = _flag("FLOTILLA_DEBUG")
    safe = not _flag("FLOTILLA_UNSAFE")
    directives = {
        "language_level": 3,
        "binding": False,
        "embedsignature": True,
        "boundscheck": safe,
        "wraparound": safe,
        "initializedcheck": safe,
        "cdivision": True,
        "nonecheck": safe,
        "allow_none_for_extension_args": not safe,
        "profile": profile,
        "linetrace": profile,
        "freethreading_compatible": False,
    }
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
    if profile:
        macros.append(("CYTHON_TRACE", "1"))
    compile_args = (
        ["-O0", "-g"] if debug else ["-O3", "-Wno-unreachable-code", "-Wno-format-truncation"]
    )
    extensions = []
    for package in PACKAGES:
        for pyx in sorted((ROOT / package).rglob("*.pyx")):
            rel = pyx.relative_to(ROOT)
            name = ".".join(rel.with_suffix("").parts)
            extensions.append(
                Extension(
                    name,
                    [str(rel)],
                    include_dirs=[np.get_include()],
                    define_macros=macros,
                    extra_compile_args=compile_args,
                )
            )
    # Cython recompiles by timestamp only: a changed directive (safety checks, profiling) or
    # compiler flag would otherwise leave stale .c files built the old way. The stamp records
    # the settings of the last build; a difference forces one full recompile.
    stamp = ROOT / "build" / "cython-settings.json"
    settings = json.dumps(
        {"directives": directives, "macros": macros, "args": compile_args}, sort_keys=True
    )
    force = not stamp.exists() or stamp.read_text() != settings
    modules = cythonize(
        extensions,
        force=force,
        compiler_directives=directives,
        annotate=_flag("FLOTILLA_ANNOTATE"),
        nthreads=int(os.environ.get("FLOTILLA_JOBS", "2")),
        quiet=True,
    )
    for module in modules:
        for source in module.sources:
            _allow_none_pickle_state(Path(source))
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(settings)
    return modules


# Cython's generated pickle support passes ``None`` as the state of an object it restores with
# ``__setstate__`` and then refuses it, because the module-wide
# ``allow_none_for_extension_args=False`` reaches its internal ``tuple __pyx_state`` argument too:
# every auto-pickled class failed with "Argument '__pyx_state' has incorrect type". That argument
# is Cython's own, never user input, so it gets the default back (``None`` allowed). Only files
# with the exact generated test are rewritten, so unchanged modules keep their timestamps.
_PICKLE_STATE_TEST = '(((PyObject *)__pyx_v___pyx_state), (&PyTuple_Type), 0, "__pyx_state", 1)'


def _allow_none_pickle_state(source: Path) -> None:
    if source.suffix != ".c" or not source.exists():
        return
    text = source.read_text()
    if _PICKLE_STATE_TEST in text:
        fixed = _PICKLE_STATE_TEST.replace("), 0, ", "), 1, ")
        source.write_text(text.replace(_PICKLE_STATE_TEST, fixed))


setup(ext_modules=_extensions())
