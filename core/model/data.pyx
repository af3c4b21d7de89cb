"""Market data: `QuoteTick`, `TradeTick`, `Bar` with `BarType`/`BarSpecification`, and the
`Data` base of every data type (custom data included).

Every data object carries ``ts_event`` (when it happened) and ``ts_init`` (when the node
created it), both int64 UNIX nanoseconds; backtests order data by ``ts_init``. Prices and sizes
are stored raw (int64, 9 implied decimals) with one precision per kind, so columnar loaders build
objects from int64 arrays with ``from_raw`` without a Python object per field; the `Price` and
`Quantity` properties are made on access.

Bar types print and parse in NautilusTrader's form
``<instrument_id>-<step>-<aggregation>-<price type>-<source>``, e.g.
``EUR/USD.SIM-1-MINUTE-MID-EXTERNAL``.
"""

import cython

from datetime import timedelta

from libc.stdint cimport int64_t, uint8_t

from core.model.aggregation cimport BarAggregation
from core.model.currency cimport fnv1a_64
from core.model.enums cimport AggregationSource, AggressorSide, PriceType, enum_value
from core.model.identifiers cimport InstrumentId, TradeId
from core.model.objects cimport POW10, RAW_MAX, Price, Quantity, format_raw

from core.errors import InvalidTypeError, ValidationError
from core.model.aggregation import BarAggregation as PyBarAggregation
from core.model.enums import AggregationSource as PyAggregationSource
from core.model.enums import AggressorSide as PyAggressorSide
from core.model.enums import PriceType as PyPriceType

cdef int64_t _NS_PER_UNIT[17]
_NS_PER_UNIT[:] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1_000_000,  # MILLISECOND
    1_000_000_000,  # SECOND
    60_000_000_000,  # MINUTE
    3_600_000_000_000,  # HOUR
    86_400_000_000_000,  # DAY
    604_800_000_000_000,  # WEEK
    0,  # MONTH: calendar months have no fixed length
]


cdef inline object _invalid(str owner, str field, object value, str expected):
    return ValidationError(f"{owner}: {field} invalid value {value!r}, expected {expected}")


cdef int _check_ts(str owner, int64_t ts_event, int64_t ts_init) except -1:
    if ts_event < 0:
        raise _invalid(owner, "ts_event", ts_event, "UNIX nanoseconds >= 0")
    if ts_init < 0:
        raise _invalid(owner, "ts_init", ts_init, "UNIX nanoseconds >= 0")
    return 0


cdef int _check_raw(str owner, str field, int64_t raw, int precision, bint non_negative) except -1:
    if not 0 <= precision <= 9:
        raise _invalid(owner, f"{field} precision", precision, "0..9")
    if raw > RAW_MAX or raw < -RAW_MAX:
        raise _invalid(owner, f"{field} raw", raw, f"-{RAW_MAX}..{RAW_MAX}")
    if non_negative and raw < 0:
        raise _invalid(owner, field, format_raw(raw, precision), "a value >= 0")
    if raw % POW10[9 - precision] != 0:
        raise _invalid(
            owner, f"{field} raw", raw,
            f"a multiple of {POW10[9 - precision]} (precision {precision})",
        )
    return 0


cdef class Data:
    """Base of every data type; custom data subclasses it and passes the two timestamps.

    Parameters
    ----------
    ts_event : int
        When the event happened, UNIX nanoseconds.
    ts_init : int
        When the object was created in the node, UNIX nanoseconds.
    """

    def __init__(self, int64_t ts_event, int64_t ts_init):
        _check_ts(type(self).__name__, ts_event, ts_init)
        self.ts_event = ts_event
        self.ts_init = ts_init


@cython.final
cdef class DataType:
    """A data stream: a `Data` subclass and the metadata that identifies the stream.

    Parameters
    ----------
    type : type
        A subclass of `Data`.
    metadata : dict, optional
        Keys and values (str, int, float or bool) that identify the stream.
    """

    def __init__(self, type type not None, dict metadata=None):
        if not issubclass(type, Data):
            raise InvalidTypeError(
                f"DataType.type: invalid type {type.__name__}, expected a subclass of Data"
            )
        self.type = type
        self.metadata = dict(metadata) if metadata else {}
        parts = [f"{key}={value}" for key, value in sorted(self.metadata.items())]
        self.topic = type.__name__ + ("." + ".".join(parts) if parts else "")
        self._hash = <Py_hash_t>(fnv1a_64(self.topic) >> 1)

    def __reduce__(self):
        return (DataType, (self.type, self.metadata))

    def __eq__(self, other):
        if not isinstance(other, DataType):
            return NotImplemented
        return self.type is (<DataType>other).type and self.metadata == (<DataType>other).metadata

    def __hash__(self):
        return self._hash

    def __str__(self):
        return self.topic

    def __repr__(self):
        return f"DataType(type={self.type.__name__}, metadata={self.metadata})"


@cython.final
cdef class BarSpecification:
    """What a bar aggregates: ``step`` units of ``aggregation`` over ``price_type``.

    Parameters
    ----------
    step : int
        Units per bar, ≥ 1.
    aggregation : BarAggregation
    price_type : PriceType

    Raises
    ------
    ValidationError
        If `step` < 1 or an enum value is invalid.
    """

    def __init__(self, int step, aggregation, price_type):
        if step < 1:
            raise _invalid("BarSpecification", "step", step, "an integer >= 1")
        self.step = step
        self.aggregation = <BarAggregation>enum_value(
            PyBarAggregation, aggregation, "BarSpecification", "aggregation")
        self.price_type = <PriceType>enum_value(
            PyPriceType, price_type, "BarSpecification", "price_type")

    def __reduce__(self):
        return (BarSpecification, (self.step, self.aggregation, self.price_type))

    def __eq__(self, other):
        if not isinstance(other, BarSpecification):
            return NotImplemented
        cdef BarSpecification o = other
        return (
            self.step == o.step
            and self.aggregation == o.aggregation
            and self.price_type == o.price_type
        )

    def __hash__(self):
        return hash((self.step, <int>self.aggregation, <int>self.price_type))

    def __str__(self):
        return (
            f"{self.step}-{PyBarAggregation(self.aggregation).name}-"
            f"{PyPriceType(self.price_type).name}"
        )

    def __repr__(self):
        return f"BarSpecification({self})"

    @staticmethod
    def from_str(value):
        """Parse ``<step>-<aggregation>-<price type>``, e.g. ``"1-MINUTE-BID"``.

        Raises
        ------
        ValidationError
            If the string is malformed.
        """
        if not isinstance(value, str):
            raise InvalidTypeError(
                f"BarSpecification.value: invalid type {type(value).__name__}, expected str"
            )
        return _parse_spec(value, value, "BarSpecification")

    cpdef bint is_time_aggregated(self):
        """Return whether bars close on a clock (MILLISECOND..MONTH)."""
        return self.aggregation >= BarAggregation.MILLISECOND

    cpdef int64_t interval_ns(self) except? -1:
        """Return the bar's duration in nanoseconds (time aggregations except MONTH).

        Raises
        ------
        ValidationError
            If the aggregation has no fixed duration.
        """
        cdef int64_t unit = _NS_PER_UNIT[<int>self.aggregation]
        if unit == 0:
            raise ValidationError(
                f"BarSpecification {self}: aggregation has no fixed duration, "
                f"expected MILLISECOND, SECOND, MINUTE, HOUR, DAY or WEEK"
            )
        return unit * self.step

    @property
    def timedelta(self):
        """The bar's duration as a `datetime.timedelta`."""
        return timedelta(microseconds=self.interval_ns() // 1000)


cdef BarSpecification _parse_spec(str text, str whole, str owner):
    cdef list parts = text.split("-")
    cdef str expected = "'<step>-<aggregation>-<price type>' such as '1-MINUTE-BID'"
    if owner == "BarType":
        expected = (
            "'<instrument>-<step>-<aggregation>-<price type>-<source>' "
            "such as 'EUR/USD.SIM-1-MINUTE-MID-EXTERNAL'"
        )
    if len(parts) != 3 or not parts[0].isdigit():
        raise ValidationError(f"{owner}.value: invalid value {whole!r}, expected {expected}")
    aggregation = PyBarAggregation.__members__.get(parts[1])
    price_type = PyPriceType.__members__.get(parts[2])
    if aggregation is None:
        raise ValidationError(
            f"{owner}.value: invalid aggregation {parts[1]!r} in {whole!r}, expected one of "
            f"{', '.join(PyBarAggregation.__members__)}"
        )
    if price_type is None:
        raise ValidationError(
            f"{owner}.value: invalid price type {parts[2]!r} in {whole!r}, expected one of "
            f"{', '.join(PyPriceType.__members__)}"
        )
    if int(parts[0]) < 1:
        raise ValidationError(f"{owner}.value: invalid step {parts[0]!r} in {whole!r}, "
                              f"expected an integer >= 1")
    return BarSpecification(int(parts[0]), aggregation, price_type)


@cython.final
cdef class BarType:
    """A bar stream: instrument, specification and who aggregates it (EXTERNAL or INTERNAL).

    Parameters
    ----------
    instrument_id : InstrumentId
    bar_spec : BarSpecification
    aggregation_source : AggregationSource, default EXTERNAL
    """

    def __init__(
        self,
        InstrumentId instrument_id not None,
        BarSpecification bar_spec not None,
        aggregation_source=AggregationSource.EXTERNAL,
    ):
        self.instrument_id = instrument_id
        self.spec = bar_spec
        self.aggregation_source = <AggregationSource>enum_value(
            PyAggregationSource, aggregation_source, "BarType", "aggregation_source")
        self._str = (
            f"{instrument_id.value}-{bar_spec}-"
            f"{PyAggregationSource(self.aggregation_source).name}"
        )
        self._hash = <Py_hash_t>(fnv1a_64(self._str) >> 1)

    def __reduce__(self):
        return (BarType, (self.instrument_id, self.spec, self.aggregation_source))

    def __eq__(self, other):
        if not isinstance(other, BarType):
            return NotImplemented
        return self._str == (<BarType>other)._str

    def __hash__(self):
        return self._hash

    def __str__(self):
        return self._str

    def __repr__(self):
        return f"BarType({self._str})"

    @staticmethod
    cdef BarType from_str_c(str value):
        cdef list parts = value.rsplit("-", 4)
        if len(parts) != 5:
            raise ValidationError(
                f"BarType.value: invalid value {value!r}, expected "
                f"'<instrument>-<step>-<aggregation>-<price type>-<source>' "
                f"such as 'EUR/USD.SIM-1-MINUTE-MID-EXTERNAL'"
            )
        spec = _parse_spec("-".join(parts[1:4]), value, "BarType")
        source = PyAggregationSource.__members__.get(parts[4])
        if source is None:
            raise ValidationError(
                f"BarType.value: invalid aggregation source {parts[4]!r} in {value!r}, "
                f"expected EXTERNAL or INTERNAL"
            )
        try:
            instrument_id = InstrumentId.from_str_c(parts[0])
        except ValidationError as err:
            raise ValidationError(
                f"BarType.value: invalid instrument id {parts[0]!r} in {value!r}, "
                f"expected '<symbol>.<venue>'"
            ) from err
        return BarType(instrument_id, spec, source)

    @staticmethod
    def from_str(value):
        """Parse e.g. ``"EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"``.

        Raises
        ------
        ValidationError
            If the string is malformed.
        """
        if not isinstance(value, str):
            raise InvalidTypeError(
                f"BarType.value: invalid type {type(value).__name__}, expected str"
            )
        return BarType.from_str_c(value)

    cpdef bint is_externally_aggregated(self):
        return self.aggregation_source == AggregationSource.EXTERNAL

    cpdef bint is_internally_aggregated(self):
        return self.aggregation_source == AggregationSource.INTERNAL


def _quote_from_raw(instrument_id, bid, ask, price_prec, bid_size, ask_size, size_prec, ts_event,
                    ts_init):
    return QuoteTick.from_raw_c(instrument_id, bid, ask, price_prec, bid_size, ask_size,
                                size_prec, ts_event, ts_init)


@cython.no_gc
cdef class QuoteTick(Data):
    """The best bid and ask of an instrument, with their sizes.

    Parameters
    ----------
    instrument_id : InstrumentId
    bid_price, ask_price : Price
        Same precision.
    bid_size, ask_size : Quantity
        Same precision.
    ts_event, ts_init : int
        UNIX nanoseconds.

    Raises
    ------
    ValidationError
        If the precisions of the two prices (or the two sizes) differ, or a timestamp is < 0.
    """

    def __init__(
        self,
        InstrumentId instrument_id not None,
        Price bid_price not None,
        Price ask_price not None,
        Quantity bid_size not None,
        Quantity ask_size not None,
        int64_t ts_event,
        int64_t ts_init,
    ):
        _check_quote(instrument_id, bid_price.precision, ask_price.precision,
                     bid_size.precision, ask_size.precision, ts_event, ts_init)
        self.instrument_id = instrument_id
        self.bid_price_raw = bid_price.raw
        self.ask_price_raw = ask_price.raw
        self.bid_size_raw = bid_size.raw
        self.ask_size_raw = ask_size.raw
        self.price_precision = bid_price.precision
        self.size_precision = bid_size.precision
        self.ts_event = ts_event
        self.ts_init = ts_init

    @staticmethod
    cdef QuoteTick from_raw_c(
        InstrumentId instrument_id,
        int64_t bid_price_raw,
        int64_t ask_price_raw,
        uint8_t price_precision,
        int64_t bid_size_raw,
        int64_t ask_size_raw,
        uint8_t size_precision,
        int64_t ts_event,
        int64_t ts_init,
    ):
        """Return a quote without checks (precondition: values valid for their precisions)."""
        cdef QuoteTick quote = QuoteTick.__new__(QuoteTick)
        quote.instrument_id = instrument_id
        quote.bid_price_raw = bid_price_raw
        quote.ask_price_raw = ask_price_raw
        quote.bid_size_raw = bid_size_raw
        quote.ask_size_raw = ask_size_raw
        quote.price_precision = price_precision
        quote.size_precision = size_precision
        quote.ts_event = ts_event
        quote.ts_init = ts_init
        return quote

    @staticmethod
    def from_raw(
        InstrumentId instrument_id not None,
        int64_t bid_price_raw,
        int64_t ask_price_raw,
        int bid_price_prec,
        int ask_price_prec,
        int64_t bid_size_raw,
        int64_t ask_size_raw,
        int bid_size_prec,
        int ask_size_prec,
        int64_t ts_event,
        int64_t ts_init,
    ):
        """Return a quote from raw values (NautilusTrader's argument order), checked.

        Raises
        ------
        ValidationError
            If precisions differ or are not 0..9, a raw value is not on its precision or out of
            range, a size is negative, or a timestamp is < 0.
        """
        _check_quote(instrument_id, bid_price_prec, ask_price_prec, bid_size_prec,
                     ask_size_prec, ts_event, ts_init)
        cdef str owner
        if (
            bid_price_raw % POW10[9 - bid_price_prec]
            or ask_price_raw % POW10[9 - bid_price_prec]
            or bid_size_raw % POW10[9 - bid_size_prec]
            or ask_size_raw % POW10[9 - bid_size_prec]
            or bid_size_raw < 0 or ask_size_raw < 0
            or bid_price_raw > RAW_MAX or bid_price_raw < -RAW_MAX
            or ask_price_raw > RAW_MAX or ask_price_raw < -RAW_MAX
            or bid_size_raw > RAW_MAX or ask_size_raw > RAW_MAX
        ):
            owner = f"QuoteTick {instrument_id.value}"
            _check_raw(owner, "bid_price", bid_price_raw, bid_price_prec, False)
            _check_raw(owner, "ask_price", ask_price_raw, ask_price_prec, False)
            _check_raw(owner, "bid_size", bid_size_raw, bid_size_prec, True)
            _check_raw(owner, "ask_size", ask_size_raw, ask_size_prec, True)
        return QuoteTick.from_raw_c(
            instrument_id, bid_price_raw, ask_price_raw, <uint8_t>bid_price_prec,
            bid_size_raw, ask_size_raw, <uint8_t>bid_size_prec, ts_event, ts_init,
        )

    def __reduce__(self):
        return (_quote_from_raw, (
            self.instrument_id, self.bid_price_raw, self.ask_price_raw, self.price_precision,
            self.bid_size_raw, self.ask_size_raw, self.size_precision, self.ts_event,
            self.ts_init,
        ))

    @property
    def bid_price(self):
        return Price.from_raw_c(self.bid_price_raw, self.price_precision)

    @property
    def ask_price(self):
        return Price.from_raw_c(self.ask_price_raw, self.price_precision)

    @property
    def bid_size(self):
        return Quantity.from_raw_c(self.bid_size_raw, self.size_precision)

    @property
    def ask_size(self):
        return Quantity.from_raw_c(self.ask_size_raw, self.size_precision)

    cpdef Price extract_price(self, PriceType price_type):
        """Return the BID, ASK or MID price (MID has one more decimal, up to 9).

        Raises
        ------
        ValidationError
            For LAST, which a quote does not have.
        """
        if price_type == PriceType.BID:
            return Price.from_raw_c(self.bid_price_raw, self.price_precision)
        if price_type == PriceType.ASK:
            return Price.from_raw_c(self.ask_price_raw, self.price_precision)
        if price_type == PriceType.MID:
            return _mid_price(self.bid_price_raw, self.ask_price_raw, self.price_precision)
        raise ValidationError(
            f"QuoteTick {self.instrument_id}: price_type {price_type!r} invalid, "
            f"expected BID, ASK or MID"
        )

    cpdef Quantity extract_size(self, PriceType price_type):
        """Return the BID, ASK or MID (mean) size.

        Raises
        ------
        ValidationError
            For LAST, which a quote does not have.
        """
        if price_type == PriceType.BID:
            return Quantity.from_raw_c(self.bid_size_raw, self.size_precision)
        if price_type == PriceType.ASK:
            return Quantity.from_raw_c(self.ask_size_raw, self.size_precision)
        if price_type == PriceType.MID:
            mid = _mid_price(self.bid_size_raw, self.ask_size_raw, self.size_precision)
            return Quantity.from_raw_c(mid.raw, mid.precision)
        raise ValidationError(
            f"QuoteTick {self.instrument_id}: price_type {price_type!r} invalid, "
            f"expected BID, ASK or MID"
        )

    def __eq__(self, other):
        if not isinstance(other, QuoteTick):
            return NotImplemented
        cdef QuoteTick o = other
        return (
            self.instrument_id == o.instrument_id
            and self.bid_price_raw == o.bid_price_raw
            and self.ask_price_raw == o.ask_price_raw
            and self.bid_size_raw == o.bid_size_raw
            and self.ask_size_raw == o.ask_size_raw
            and self.price_precision == o.price_precision
            and self.size_precision == o.size_precision
            and self.ts_event == o.ts_event
            and self.ts_init == o.ts_init
        )

    def __hash__(self):
        return hash((self.instrument_id, self.bid_price_raw, self.ask_price_raw, self.ts_event))

    def __repr__(self):
        return (
            f"QuoteTick({self.instrument_id},{self.bid_price},{self.ask_price},"
            f"{self.bid_size},{self.ask_size},{self.ts_event},{self.ts_init})"
        )


cdef int _check_quote(
    InstrumentId instrument_id, int bid_prec, int ask_prec, int bid_size_prec,
    int ask_size_prec, int64_t ts_event, int64_t ts_init,
) except -1:
    cdef str owner
    if bid_prec != ask_prec or bid_size_prec != ask_size_prec or not 0 <= bid_prec <= 9 \
            or not 0 <= bid_size_prec <= 9 or ts_event < 0 or ts_init < 0:
        owner = f"QuoteTick {instrument_id.value}"
        if not 0 <= bid_prec <= 9 or not 0 <= ask_prec <= 9:
            raise _invalid(owner, "bid_price precision", bid_prec, "0..9")
        if bid_prec != ask_prec:
            raise ValidationError(
                f"{owner}: bid_price precision {bid_prec} != ask_price precision {ask_prec}, "
                f"expected equal precisions"
            )
        if not 0 <= bid_size_prec <= 9 or not 0 <= ask_size_prec <= 9:
            raise _invalid(owner, "bid_size precision", bid_size_prec, "0..9")
        if bid_size_prec != ask_size_prec:
            raise ValidationError(
                f"{owner}: bid_size precision {bid_size_prec} != ask_size precision "
                f"{ask_size_prec}, expected equal precisions"
            )
        _check_ts(owner, ts_event, ts_init)
    return 0


cdef Price _mid_price(int64_t a, int64_t b, uint8_t precision):
    cdef int64_t total = a + b
    cdef uint8_t mid_precision = precision + 1 if precision < 9 else 9
    cdef int64_t mid = total // 2
    if total % 2 != 0 and mid % 2 != 0:  # round half to even at the 9th decimal
        mid += 1
    return Price.from_raw_c(mid, mid_precision)


def _trade_from_raw(instrument_id, price, price_prec, size, size_prec, aggressor_side, trade_id,
                    ts_event, ts_init):
    return TradeTick.from_raw_c(instrument_id, price, price_prec, size, size_prec, aggressor_side,
                                trade_id, ts_event, ts_init)


@cython.no_gc
cdef class TradeTick(Data):
    """A trade (match) on the venue.

    Parameters
    ----------
    instrument_id : InstrumentId
    price : Price
    size : Quantity
        Positive.
    aggressor_side : AggressorSide
    trade_id : TradeId
    ts_event, ts_init : int
        UNIX nanoseconds.
    """

    def __init__(
        self,
        InstrumentId instrument_id not None,
        Price price not None,
        Quantity size not None,
        aggressor_side,
        TradeId trade_id not None,
        int64_t ts_event,
        int64_t ts_init,
    ):
        _check_trade(instrument_id, size.raw, size.precision, aggressor_side, ts_event, ts_init)
        self.instrument_id = instrument_id
        self.price_raw = price.raw
        self.price_precision = price.precision
        self.size_raw = size.raw
        self.size_precision = size.precision
        self.aggressor_side = <AggressorSide>aggressor_side
        self.trade_id = trade_id
        self.ts_event = ts_event
        self.ts_init = ts_init

    @staticmethod
    cdef TradeTick from_raw_c(
        InstrumentId instrument_id,
        int64_t price_raw,
        uint8_t price_precision,
        int64_t size_raw,
        uint8_t size_precision,
        AggressorSide aggressor_side,
        TradeId trade_id,
        int64_t ts_event,
        int64_t ts_init,
    ):
        """Return a trade without checks (precondition: values valid for their precisions)."""
        cdef TradeTick trade = TradeTick.__new__(TradeTick)
        trade.instrument_id = instrument_id
        trade.price_raw = price_raw
        trade.price_precision = price_precision
        trade.size_raw = size_raw
        trade.size_precision = size_precision
        trade.aggressor_side = aggressor_side
        trade.trade_id = trade_id
        trade.ts_event = ts_event
        trade.ts_init = ts_init
        return trade

    @staticmethod
    def from_raw(
        InstrumentId instrument_id not None,
        int64_t price_raw,
        int price_prec,
        int64_t size_raw,
        int size_prec,
        aggressor_side,
        TradeId trade_id not None,
        int64_t ts_event,
        int64_t ts_init,
    ):
        """Return a trade from raw values (NautilusTrader's argument order), checked."""
        cdef str owner = f"TradeTick {instrument_id.value}"
        _check_raw(owner, "price", price_raw, price_prec, False)
        _check_raw(owner, "size", size_raw, size_prec, True)
        _check_trade(instrument_id, size_raw, size_prec, aggressor_side, ts_event, ts_init)
        return TradeTick.from_raw_c(
            instrument_id, price_raw, <uint8_t>price_prec, size_raw, <uint8_t>size_prec,
            <AggressorSide>aggressor_side, trade_id, ts_event, ts_init,
        )

    def __reduce__(self):
        return (_trade_from_raw, (
            self.instrument_id, self.price_raw, self.price_precision, self.size_raw,
            self.size_precision, self.aggressor_side, self.trade_id, self.ts_event,
            self.ts_init,
        ))

    @property
    def price(self):
        return Price.from_raw_c(self.price_raw, self.price_precision)

    @property
    def size(self):
        return Quantity.from_raw_c(self.size_raw, self.size_precision)

    def __eq__(self, other):
        if not isinstance(other, TradeTick):
            return NotImplemented
        cdef TradeTick o = other
        return (
            self.instrument_id == o.instrument_id
            and self.price_raw == o.price_raw
            and self.price_precision == o.price_precision
            and self.size_raw == o.size_raw
            and self.size_precision == o.size_precision
            and self.aggressor_side == o.aggressor_side
            and self.trade_id == o.trade_id
            and self.ts_event == o.ts_event
            and self.ts_init == o.ts_init
        )

    def __hash__(self):
        return hash((self.instrument_id, self.trade_id, self.ts_event))

    def __repr__(self):
        return (
            f"TradeTick({self.instrument_id},{self.price},{self.size},"
            f"{PyAggressorSide(self.aggressor_side).name},{self.trade_id},"
            f"{self.ts_event},{self.ts_init})"
        )


cdef int _check_trade(
    InstrumentId instrument_id, int64_t size_raw, int size_prec, object aggressor_side,
    int64_t ts_event, int64_t ts_init,
) except -1:
    cdef str owner = f"TradeTick {instrument_id.value}"
    if size_raw <= 0:
        raise _invalid(owner, "size", format_raw(size_raw, size_prec), "a size > 0")
    enum_value(PyAggressorSide, aggressor_side, owner, "aggressor_side")
    _check_ts(owner, ts_event, ts_init)
    return 0


def _bar_from_raw(bar_type, o, h, lo, c, price_prec, volume, size_prec, ts_event, ts_init,
                  is_revision):
    cdef Bar bar = Bar.from_raw_c(bar_type, o, h, lo, c, price_prec, volume, size_prec, ts_event,
                                  ts_init)
    bar.is_revision = is_revision
    return bar


@cython.no_gc
cdef class Bar(Data):
    """An aggregated bar: open, high, low, close and volume over an interval.

    ``ts_event`` and ``ts_init`` of a time bar are its close time, so a bar is never visible
    before it formed.

    Raises
    ------
    ValidationError
        If the prices have different precisions, ``high`` is below ``open``, ``low`` or
        ``close``, ``low`` is above ``open`` or ``close``, or a timestamp is < 0.
    """

    def __init__(
        self,
        BarType bar_type not None,
        Price open not None,
        Price high not None,
        Price low not None,
        Price close not None,
        Quantity volume not None,
        int64_t ts_event,
        int64_t ts_init,
        bint is_revision=False,
    ):
        cdef str owner = f"Bar {bar_type}"
        for name, price in (("high", high), ("low", low), ("close", close)):
            if (<Price>price).precision != open.precision:
                raise ValidationError(
                    f"{owner}: {name} precision {(<Price>price).precision} != open precision "
                    f"{open.precision}, expected equal precisions"
                )
        _check_bar(bar_type, open.raw, high.raw, low.raw, close.raw, open.precision,
                   ts_event, ts_init)
        self.bar_type = bar_type
        self.open_raw = open.raw
        self.high_raw = high.raw
        self.low_raw = low.raw
        self.close_raw = close.raw
        self.volume_raw = volume.raw
        self.price_precision = open.precision
        self.size_precision = volume.precision
        self.ts_event = ts_event
        self.ts_init = ts_init
        self.is_revision = is_revision

    @staticmethod
    cdef Bar from_raw_c(
        BarType bar_type,
        int64_t open_raw,
        int64_t high_raw,
        int64_t low_raw,
        int64_t close_raw,
        uint8_t price_precision,
        int64_t volume_raw,
        uint8_t size_precision,
        int64_t ts_event,
        int64_t ts_init,
    ):
        """Return a bar without checks (precondition: values valid, low <= open/close <= high)."""
        cdef Bar bar = Bar.__new__(Bar)
        bar.bar_type = bar_type
        bar.open_raw = open_raw
        bar.high_raw = high_raw
        bar.low_raw = low_raw
        bar.close_raw = close_raw
        bar.price_precision = price_precision
        bar.volume_raw = volume_raw
        bar.size_precision = size_precision
        bar.ts_event = ts_event
        bar.ts_init = ts_init
        return bar

    @staticmethod
    def from_raw(
        BarType bar_type not None,
        int64_t open_raw,
        int64_t high_raw,
        int64_t low_raw,
        int64_t close_raw,
        int price_prec,
        int64_t volume_raw,
        int size_prec,
        int64_t ts_event,
        int64_t ts_init,
    ):
        """Return a bar from raw values, checked (see the class's Raises)."""
        cdef str owner = f"Bar {bar_type}"
        _check_raw(owner, "open", open_raw, price_prec, False)
        _check_raw(owner, "high", high_raw, price_prec, False)
        _check_raw(owner, "low", low_raw, price_prec, False)
        _check_raw(owner, "close", close_raw, price_prec, False)
        _check_raw(owner, "volume", volume_raw, size_prec, True)
        _check_bar(bar_type, open_raw, high_raw, low_raw, close_raw, price_prec, ts_event,
                   ts_init)
        return Bar.from_raw_c(bar_type, open_raw, high_raw, low_raw, close_raw,
                              <uint8_t>price_prec, volume_raw, <uint8_t>size_prec, ts_event,
                              ts_init)

    def __reduce__(self):
        return (_bar_from_raw, (
            self.bar_type, self.open_raw, self.high_raw, self.low_raw, self.close_raw,
            self.price_precision, self.volume_raw, self.size_precision, self.ts_event,
            self.ts_init, self.is_revision,
        ))

    @property
    def open(self):
        return Price.from_raw_c(self.open_raw, self.price_precision)

    @property
    def high(self):
        return Price.from_raw_c(self.high_raw, self.price_precision)

    @property
    def low(self):
        return Price.from_raw_c(self.low_raw, self.price_precision)

    @property
    def close(self):
        return Price.from_raw_c(self.close_raw, self.price_precision)

    @property
    def volume(self):
        return Quantity.from_raw_c(self.volume_raw, self.size_precision)

    def is_single_price(self):
        """Return whether open, high, low and close are one price."""
        return self.open_raw == self.high_raw == self.low_raw == self.close_raw

    def __eq__(self, other):
        if not isinstance(other, Bar):
            return NotImplemented
        cdef Bar o = other
        return (
            self.bar_type == o.bar_type
            and self.open_raw == o.open_raw
            and self.high_raw == o.high_raw
            and self.low_raw == o.low_raw
            and self.close_raw == o.close_raw
            and self.volume_raw == o.volume_raw
            and self.price_precision == o.price_precision
            and self.size_precision == o.size_precision
            and self.ts_event == o.ts_event
            and self.ts_init == o.ts_init
        )

    def __hash__(self):
        return hash((self.bar_type, self.close_raw, self.ts_event))

    def __repr__(self):
        return (
            f"Bar({self.bar_type},{self.open},{self.high},{self.low},{self.close},"
            f"{self.volume},{self.ts_event})"
        )


cdef int _check_bar(
    BarType bar_type, int64_t o, int64_t h, int64_t lo, int64_t c, int prec,
    int64_t ts_event, int64_t ts_init,
) except -1:
    cdef str owner
    if h < o or h < lo or h < c or lo > o or lo > c:
        owner = f"Bar {bar_type}"
        if h < lo:
            raise ValidationError(f"{owner}: high {format_raw(h, prec)} < low "
                                  f"{format_raw(lo, prec)}, expected high >= low")
        if h < o or h < c:
            raise ValidationError(f"{owner}: high {format_raw(h, prec)} below open "
                                  f"{format_raw(o, prec)} or close {format_raw(c, prec)}, "
                                  f"expected high >= open and high >= close")
        raise ValidationError(f"{owner}: low {format_raw(lo, prec)} above open "
                              f"{format_raw(o, prec)} or close {format_raw(c, prec)}, "
                              f"expected low <= open and low <= close")
    _check_ts(f"Bar {bar_type}", ts_event, ts_init)
    return 0
