"""Moving averages: `ExponentialMovingAverage` and `SimpleMovingAverage` over one price series.

Inputs are taken from market data as follows; raw int64 prices (9 implied decimals) become
floats by one multiplication by 1e-9 (a mid price sums the two raws first, then multiplies by
0.5e-9, which is the same double as halving). Indicator values are floats: they are signals,
never stored or traded prices.

| input       | price used                                               |
| ----------- | -------------------------------------------------------- |
| `QuoteTick` | ``price_type``: BID, ASK or MID = (bid + ask) / 2; LAST raises |
| `TradeTick` | the trade price (``price_type`` is not consulted)       |
| `Bar`       | the close (``price_type`` is not consulted)             |

| indicator | update on input x (n = inputs seen)                              | initialized when |
| --------- | ---------------------------------------------------------------- | ---------------- |
| EMA       | first: value = x; then value = alpha * x + (1 - alpha) * value   | n ≥ period       |
| SMA       | value = mean of the last min(n, period) inputs                   | n ≥ period       |
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc

from core.indicators.base cimport Indicator
from core.model.data cimport Bar, QuoteTick, TradeTick
from core.model.enums cimport PriceType, enum_value

from core.errors import InvalidTypeError, ValidationError
from core.model.enums import PriceType as PyPriceType

cdef double _RAW_TO_DOUBLE = 1e-9
cdef double _RAW_PAIR_TO_MID = 0.5e-9
cdef int _PERIOD_MAX = 1 << 30


cdef inline object _none_input(Indicator indicator, str method, str arg, str expected):
    # Typed arguments accept None and ``nonecheck`` is off: reading a field of None would feed
    # the average garbage, so the handlers check at the cost of one pointer comparison.
    return InvalidTypeError(f"{indicator.name}.{method}: {arg} is None, expected a {expected}")


cdef class MovingAverage(Indicator):
    """Base of the moving averages: period, price type, value and the data handlers.

    Parameters
    ----------
    period : int
        Number of inputs the average spans, 1 to 2**30.
    price_type : PriceType, default LAST
        Which quote price to use; must be BID, ASK or MID before quote ticks are handled.

    Raises
    ------
    ValidationError
        If `period` is out of range or `price_type` is not a PriceType.
    InvalidTypeError
        If `period` is not an int.
    """

    def __init__(self, period, price_type=PyPriceType.LAST):
        cdef str owner = type(self).__name__
        if not isinstance(period, int) or isinstance(period, bool):
            raise InvalidTypeError(
                f"{owner}: period must be an int, got {type(period).__name__} {period!r}"
            )
        if not 1 <= period <= _PERIOD_MAX:
            raise ValidationError(
                f"{owner}: period invalid value {period!r}, expected an int in 1..{_PERIOD_MAX}"
            )
        cdef int price_type_c = enum_value(PyPriceType, price_type, owner, "price_type")
        super().__init__([period, PyPriceType(price_type_c).name])
        self.period = period
        self.price_type = <PriceType>price_type_c
        self.value = 0.0

    @cython.allow_none_for_extension_args(True)
    cpdef void handle_quote_tick(self, QuoteTick tick):
        """Update the average with the quote price chosen by ``price_type``.

        Raises
        ------
        ValidationError
            If ``price_type`` is LAST, which a quote does not have.
        """
        if tick is None:
            raise _none_input(self, "handle_quote_tick", "tick", "QuoteTick")
        if self.price_type == PriceType.BID:
            self.update_raw(tick.bid_price_raw * _RAW_TO_DOUBLE)
        elif self.price_type == PriceType.ASK:
            self.update_raw(tick.ask_price_raw * _RAW_TO_DOUBLE)
        elif self.price_type == PriceType.MID:
            # Sum as doubles: two raws near the int64 limit would overflow as integers.
            self.update_raw(
                (<double>tick.bid_price_raw + <double>tick.ask_price_raw) * _RAW_PAIR_TO_MID
            )
        else:
            raise ValidationError(
                f"{self.name}: price_type invalid value LAST for quote ticks, expected BID, ASK "
                f"or MID; construct it with price_type=PriceType.MID (or BID/ASK) to feed quotes"
            )

    @cython.allow_none_for_extension_args(True)
    cpdef void handle_trade_tick(self, TradeTick tick):
        """Update the average with the trade price."""
        if tick is None:
            raise _none_input(self, "handle_trade_tick", "tick", "TradeTick")
        self.update_raw(tick.price_raw * _RAW_TO_DOUBLE)

    @cython.allow_none_for_extension_args(True)
    cpdef void handle_bar(self, Bar bar):
        """Update the average with the bar's close."""
        if bar is None:
            raise _none_input(self, "handle_bar", "bar", "Bar")
        self.update_raw(bar.close_raw * _RAW_TO_DOUBLE)

    cpdef void _reset(self):
        self.value = 0.0


cdef class ExponentialMovingAverage(MovingAverage):
    """Exponential moving average with weight ``alpha = 2 / (period + 1)``.

    The first input seeds the value; the average is `initialized` after `period` inputs.

    Parameters
    ----------
    period : int
        Span of the average, 1 to 2**30.
    price_type : PriceType, default LAST
        Which quote price to use (BID, ASK or MID) when fed quote ticks.

    Raises
    ------
    ValidationError
        If `period` < 1 or too large, or `price_type` is not a PriceType.
    """

    def __init__(self, period, price_type=PyPriceType.LAST):
        super().__init__(period, price_type)
        self.alpha = 2.0 / (self.period + 1.0)
        self._decay = 1.0 - self.alpha

    cpdef void update_raw(self, double value):
        """Add one input to the average."""
        if self.has_inputs:
            self.value = self.alpha * value + self._decay * self.value
        else:
            self.has_inputs = True
            self.value = value
        self.count += 1
        if not self.initialized and self.count >= self.period:
            self.initialized = True


cdef class SimpleMovingAverage(MovingAverage):
    """Arithmetic mean of the last `period` inputs (of all inputs until there are `period`).

    The window is a C ring buffer with a running sum; the sum is recomputed from the buffer
    each time the ring wraps, so rounding error never spans more than one window. The average
    is `initialized` after `period` inputs.

    Parameters
    ----------
    period : int
        Window length, 1 to 2**30.
    price_type : PriceType, default LAST
        Which quote price to use (BID, ASK or MID) when fed quote ticks.

    Raises
    ------
    ValidationError
        If `period` < 1 or too large, or `price_type` is not a PriceType.
    MemoryError
        If the window cannot be allocated.
    """

    def __init__(self, period, price_type=PyPriceType.LAST):
        super().__init__(period, price_type)
        cdef double* window = <double*>PyMem_Malloc(self.period * sizeof(double))
        if window == NULL:
            raise MemoryError(f"{self.name}: cannot allocate a window of {self.period} floats")
        PyMem_Free(self._window)  # a repeated __init__ must not leak the previous window
        self._window = window
        self._head = 0
        self._sum = 0.0

    def __dealloc__(self):
        PyMem_Free(self._window)

    cpdef void update_raw(self, double value):
        """Add one input to the window."""
        cdef int i
        cdef double total
        if self.count >= self.period:
            self._sum -= self._window[self._head]
        self._window[self._head] = value
        self._sum += value
        self._head += 1
        if self._head == self.period:
            self._head = 0
            total = 0.0
            for i in range(self.period):
                total += self._window[i]
            self._sum = total
        self.count += 1
        self.has_inputs = True
        if self.count >= self.period:
            self.initialized = True
            self.value = self._sum / self.period
        else:
            self.value = self._sum / self.count

    cpdef void _reset(self):
        MovingAverage._reset(self)
        self._head = 0
        self._sum = 0.0
