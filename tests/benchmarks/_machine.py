"""Machine and version header shared by the benchmark scripts."""

from __future__ import annotations

import datetime as _dt
import os
import platform


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def header(title: str) -> str:
    import Cython
    import numpy

    return "\n".join(
        [
            f"== {title}",
            f"date      {_dt.datetime.now(_dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
            f"machine   {cpu_model()}, {os.cpu_count()} cores, {platform.system()} "
            f"{platform.release()}",
            f"versions  Python {platform.python_version()}, Cython {Cython.__version__}, "
            f"numpy {numpy.__version__}",
        ]
    )
