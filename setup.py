"""Build the Cython extensions of the kernel.

Every ``.pyx`` under ``core/`` (and later ``node/``, ``cluster/``, ``adapters/``) becomes an
extension module of the same dotted name. Compiler directives live here, in one place.

Environment switches
--------------------
FLOTILLA_ANNOTATE=1   write Cython's HTML annotation beside each module.
FLOTILLA_PROFILE=1    compile with ``profile``/``linetrace`` for py-spy/cProfile and coverage.
FLOTILLA_DEBUG=1      compile with ``-O0 -g`` and bounds checks on.
FLOTILLA_NO_EXT=1     install metadata only (used by the editable install after an in-place
                      build, so the extensions are not compiled twice).
"""

from __future__ import annotations

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
    directives = {
        "language_level": 3,
        "binding": False,
        "embedsignature": True,
        "boundscheck": debug,
        "wraparound": debug,
        "initializedcheck": debug,
        "cdivision": True,
        "nonecheck": False,
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
    return cythonize(
        extensions,
        compiler_directives=directives,
        annotate=_flag("FLOTILLA_ANNOTATE"),
        nthreads=int(os.environ.get("FLOTILLA_JOBS", "2")),
        quiet=True,
    )


setup(ext_modules=_extensions())
