"""The kernel refuses ``None`` where an object is expected (issue 11, point 12).

setup.py compiles every module with ``allow_none_for_extension_args=False`` and ``nonecheck``:
a typed argument of a ``def``/``cpdef`` function refuses ``None`` with ``TypeError`` unless it
says ``or None``. Without that, a ``None`` slipped into ``Cache.add_instrument`` or an event
constructor was stored as a typed pointer and crashed the process later.
"""

import json
import subprocess
import sys
from pathlib import Path

from core.cache.cache import Cache

ROOT = Path(__file__).resolve().parents[2]


def test_every_public_kernel_entry_point_refuses_none_with_type_error():
    # In a subprocess: with the checks off the probe's calls run their bodies on None and the
    # interpreter dies with SIGSEGV, which must fail this test rather than the whole run.
    done = subprocess.run(
        [sys.executable, "-m", "tests.kit.none_probe"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"probe died (rc {done.returncode}): {done.stderr[-2000:]}"
    result = json.loads(done.stdout)
    assert result["accepted"] == [], "entry points that took None:\n" + "\n".join(
        result["accepted"]
    )
    assert result["skipped"] == []
    # The probe found the kernel's entry points (a broken source parser must not pass vacuously).
    assert len(result["refused"]) >= 150, len(result["refused"])
    for expected in (
        "core.cache.cache.Cache.add_instrument",
        "core.cache.cache.Cache.add_order",
        "core.model.events.OrderFilled.__init__",
        "core.model.instruments.Instrument.__init__",
        "core.trading.strategy.Strategy.submit_order",
        "core.portfolio.portfolio.Portfolio.update_fill",
    ):
        assert expected in result["refused"], expected


def test_cache_add_instrument_none_is_a_type_error_naming_the_argument():
    cache = Cache()
    try:
        cache.add_instrument(None)
    except TypeError as error:
        assert "'instrument'" in str(error)
    else:
        raise AssertionError("Cache.add_instrument(None) was accepted")
    assert cache.instruments() == []
