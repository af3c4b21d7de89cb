"""Layer 2 indicators: the `Indicator` base and the moving averages.

Import from here or from the defining module (``core.indicators.averages`` etc.). The kernel
cimports the classes from the ``.pxd`` files to call the handlers through C.
"""

from core.indicators.averages import (
    ExponentialMovingAverage,
    MovingAverage,
    SimpleMovingAverage,
)
from core.indicators.base import Indicator

__all__ = [
    "ExponentialMovingAverage",
    "Indicator",
    "MovingAverage",
    "SimpleMovingAverage",
]
