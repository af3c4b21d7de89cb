import core.indicators

EXPORTED = ["ExponentialMovingAverage", "Indicator", "MovingAverage", "SimpleMovingAverage"]


def test_indicators_exports_are_pinned_and_sorted():
    assert core.indicators.__all__ == EXPORTED
    assert all(hasattr(core.indicators, name) for name in EXPORTED)
