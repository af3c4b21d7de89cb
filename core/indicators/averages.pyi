from core.indicators.base import Indicator
from core.model.enums import PriceType

class MovingAverage(Indicator):
    period: int
    price_type: PriceType
    value: float
    def __init__(self, period: int, price_type: PriceType = ...) -> None: ...

class ExponentialMovingAverage(MovingAverage):
    alpha: float

class SimpleMovingAverage(MovingAverage): ...
