"""Venue models: fills (`FillModel`), latency (`LatencyModel`) and fees (`FeeModel`s).

Each model is one small interface. By default amounts are exact: fees are rational rates applied
to the exact notional in integers and rounded half to even to the currency's precision once
(``rounding="exact"``). ``rounding="float"`` (the venue option ``fee_rounding``) reproduces
NautilusTrader 1.231 to the cent instead, for users comparing a migration:

===========  ===================================================================================
rounding     maker/taker commission
===========  ===================================================================================
``exact``    round_half_even(qty × price × multiplier × rate) at the currency's precision;
             100,000 × 1.08750 × 0.00002 = 2.175 → 2.18 USD
``float``    notional = round_half_away(float(qty) × float(multiplier) × float(price)) (inverse:
             × (1.0 / float(price))), then round_half_away(float(notional × rate)), each at the
             currency's precision in binary floating point; 2.175 is the double
             2.17499999999999982… → 2.17 USD
===========  ===================================================================================

Fixed and per-contract commissions are money amounts, not rates, and are the same either way.

=======================  ==================================================================
model                    rule
=======================  ==================================================================
FillModel                ``prob_fill_on_limit``: chance a resting limit fills when the market
                         only touches its price; ``prob_slippage``: chance an L1 taker fill
                         is one tick worse. One seeded ``random.Random`` per venue; a
                         probability of 0 or 1 draws nothing.
LatencyModel             a command reaches the venue at ``now + base + insert|update|cancel``
MakerTakerFeeModel       commission = notional × (maker_fee | taker_fee) of the instrument,
                         in the cost currency (quote; base for inverse instruments)
FixedFeeModel            a fixed Money per order (first fill) or per fill
PerContractFeeModel      a fixed Money × filled quantity
=======================  ==================================================================
"""

cimport cython

import random

from libc.math cimport fabs
from libc.math cimport round as c_round
from libc.stdint cimport int64_t

from core.model.currency cimport Currency
from core.model.enums cimport LiquiditySide
from core.model.instruments cimport Instrument
from core.model.objects cimport POW10, Money
from core.model.orders cimport Order
from core.model.position cimport div_round_half_even, scaled_product_c

from core.errors import ValidationError

cdef object _E9 = 10 ** 9
cdef object _E18 = 10 ** 18
# Integers up to 2**53 are exact in a double, so a quotient of two of them is correctly rounded.
cdef double _EXACT_DOUBLE = 9007199254740992.0
cdef int64_t _EXACT_INT = 9007199254740992
cdef double _INT64_LIMIT = 9.2e18
cdef double[10] _POW10_F = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
_ROUNDINGS = ("exact", "float")


cdef inline double _as_f64(int64_t raw):
    """Return the double nearest to ``raw / 10**9`` (NautilusTrader's ``as_f64``)."""
    if -_EXACT_INT <= raw <= _EXACT_INT:
        return <double>raw / 1e9
    return <object>raw / _E9  # Python int / int is correctly rounded too


cdef int64_t _float_commission(int64_t qty_raw, int64_t px_raw, Instrument instrument,
                               object num, object den, int precision) except? -1:
    """Return NautilusTrader's maker/taker commission (raw) in binary floating point.

    The notional is a float product rounded half away from zero to `precision` (their
    ``Money(float)``); the commission is the exact ``notional × num / den`` converted to the
    nearest double, then rounded the same way.
    """
    cdef double scale = _POW10_F[precision]
    cdef double q = _as_f64(qty_raw)
    cdef double m = _as_f64(instrument.multiplier.raw)
    cdef double x = _as_f64(px_raw)
    cdef double notional = q * m * (1.0 / x) if instrument.is_inverse else q * m * x
    cdef double units = c_round(notional * scale)
    cdef double commission
    cdef double units_rate
    cdef int64_t num_c
    cdef int64_t den_c
    if fabs(units) > _EXACT_DOUBLE:
        raise OverflowError(
            f"{instrument.id}: notional {notional} too large for fee_rounding='float'"
        )
    # float(Decimal(notional) * rate): the quotient of exact integers, correctly rounded.
    if -_EXACT_INT <= num <= _EXACT_INT and 0 < den <= _EXACT_INT // 1_000_000_000:
        num_c = num
        den_c = den
        units_rate = units * <double>num_c
        if fabs(units_rate) <= _EXACT_DOUBLE:
            commission = units_rate / (<double>den_c * scale)
        else:
            commission = (<object><int64_t>units * num) / (den * 10 ** precision)
    else:
        commission = (<object><int64_t>units * num) / (den * 10 ** precision)
    units = c_round(commission * scale)
    if fabs(units * _POW10_F[9 - precision]) >= _INT64_LIMIT:
        raise OverflowError(
            f"{instrument.id}: commission {commission} exceeds the Money range"
        )
    return <int64_t>units * POW10[9 - precision]


cdef double _probability(object value, str field) except? -1:
    try:
        p = float(value)
    except (TypeError, ValueError) as err:
        raise ValidationError(
            f"FillModel.{field}: invalid value {value!r}, expected a probability in 0..1"
        ) from err
    if not 0.0 <= p <= 1.0:
        raise ValidationError(
            f"FillModel.{field}: invalid value {value!r}, expected a probability in 0..1"
        )
    return p


cdef class FillModel:
    """Probabilistic fill behaviour of a simulated venue.

    Parameters
    ----------
    prob_fill_on_limit : float, default 1.0
        Chance a resting limit order fills when the market touches (not crosses) its price.
    prob_slippage : float, default 0.0
        Chance an L1 taker fill is one tick worse.
    random_seed : int, optional
        Seed of the venue's generator (default 42, so runs are reproducible).
    """

    def __init__(self, prob_fill_on_limit=1.0, prob_slippage=0.0, random_seed=None):
        self.prob_fill_on_limit = _probability(prob_fill_on_limit, "prob_fill_on_limit")
        self.prob_slippage = _probability(prob_slippage, "prob_slippage")
        if random_seed is not None and not isinstance(random_seed, int):
            raise ValidationError(
                f"FillModel.random_seed: invalid value {random_seed!r}, expected an int"
            )
        self.random_seed = 42 if random_seed is None else random_seed
        self.reset()

    cpdef void reset(self) except *:
        """Restart the generator from the seed (a reset run draws the same numbers)."""
        self._rng = random.Random(self.random_seed)

    cdef bint is_limit_filled(self) except -1:
        if self.prob_fill_on_limit >= 1.0:
            return True
        if self.prob_fill_on_limit <= 0.0:
            return False
        return self._rng.random() < self.prob_fill_on_limit

    cdef bint is_slipped(self) except -1:
        if self.prob_slippage <= 0.0:
            return False
        if self.prob_slippage >= 1.0:
            return True
        return self._rng.random() < self.prob_slippage

    def __repr__(self):
        return (f"FillModel(prob_fill_on_limit={self.prob_fill_on_limit}, "
                f"prob_slippage={self.prob_slippage}, random_seed={self.random_seed})")


cdef class LatencyModel:
    """Delay between a command leaving the node and reaching the venue (nanoseconds).

    Parameters
    ----------
    base_latency_nanos : int, default 0
    insert_latency_nanos, update_latency_nanos, cancel_latency_nanos : int, default 0
        Added to the base for submit, modify and cancel commands.
    """

    def __init__(self, int64_t base_latency_nanos=0, int64_t insert_latency_nanos=0,
                 int64_t update_latency_nanos=0, int64_t cancel_latency_nanos=0):
        for name, value in (("base_latency_nanos", base_latency_nanos),
                            ("insert_latency_nanos", insert_latency_nanos),
                            ("update_latency_nanos", update_latency_nanos),
                            ("cancel_latency_nanos", cancel_latency_nanos)):
            if value < 0:
                raise ValidationError(
                    f"LatencyModel.{name}: invalid value {value}, expected nanoseconds >= 0"
                )
        self.base_latency_nanos = base_latency_nanos
        self.insert_latency_nanos = insert_latency_nanos
        self.update_latency_nanos = update_latency_nanos
        self.cancel_latency_nanos = cancel_latency_nanos

    def __repr__(self):
        return (f"LatencyModel(base={self.base_latency_nanos}, insert={self.insert_latency_nanos}"
                f", update={self.update_latency_nanos}, cancel={self.cancel_latency_nanos})")


cdef class FeeModel:
    """Base of fee models: the commission of one fill.

    ``rounding`` is ``"exact"`` (the default) or ``"float"`` (NautilusTrader's binary floating
    point, see the module table); only rate-based models use it.
    """

    def __cinit__(self, *args, **kwargs):
        self.rounding = "exact"
        self._float_rounding = False

    cpdef FeeModel with_rounding(self, str rounding):
        """Return this model with commissions rounded by `rounding` (`self` if unchanged).

        Raises
        ------
        ValidationError
            If `rounding` is not ``"exact"`` or ``"float"``.
        """
        _check_rounding(rounding)
        return self

    cdef int64_t commission_raw(self, Order order, int64_t qty_raw, int64_t px_raw,
                                Instrument instrument, LiquiditySide liquidity_side) except? -1:
        raise NotImplementedError(f"{type(self).__name__} must implement commission_raw")

    @cython.allow_none_for_extension_args(True)
    cpdef Money get_commission(self, Order order, object fill_qty, object fill_px,
                               Instrument instrument, LiquiditySide liquidity_side):
        """Return the commission of filling `fill_qty` of `order` at `fill_px`."""
        return Money.from_raw_c(
            self.commission_raw(order, fill_qty.raw, fill_px.raw, instrument, liquidity_side),
            self.commission_currency(instrument),
        )

    cdef Currency commission_currency(self, Instrument instrument):
        """Return the currency commissions are charged in."""
        return instrument.get_cost_currency()


cdef class MakerTakerFeeModel(FeeModel):
    """Commission = notional × the instrument's maker or taker fee rate.

    Parameters
    ----------
    rounding : {"exact", "float"}, default "exact"
        ``"exact"``: the exact value rounded half to even once; ``"float"``: NautilusTrader's
        float arithmetic (see the module docstring).
    """

    def __init__(self, str rounding="exact"):
        _check_rounding(rounding)
        self.rounding = rounding
        self._float_rounding = rounding == "float"
        self._rates = {}

    cpdef FeeModel with_rounding(self, str rounding):
        _check_rounding(rounding)
        if rounding == self.rounding:
            return self
        return MakerTakerFeeModel(rounding)

    def __repr__(self):
        return f"MakerTakerFeeModel(rounding={self.rounding!r})"

    cdef int64_t commission_raw(self, Order order, int64_t qty_raw, int64_t px_raw,
                                Instrument instrument, LiquiditySide liquidity_side) except? -1:
        cdef tuple rates = self._rates.get(instrument.id)
        cdef Currency currency = instrument.get_cost_currency()
        cdef int step = 9 - currency.precision
        if rates is None:
            rates = (instrument.maker_fee.as_integer_ratio(),
                     instrument.taker_fee.as_integer_ratio())
            self._rates[instrument.id] = rates
        cdef int64_t fast
        num, den = rates[0] if liquidity_side == LiquiditySide.MAKER else rates[1]
        if num == 0:
            return 0
        if self._float_rounding:
            return _float_commission(qty_raw, px_raw, instrument, num, den, currency.precision)
        if not instrument.is_inverse and scaled_product_c(
                qty_raw, px_raw, instrument.multiplier.raw, num, den, step, &fast):
            return fast
        if instrument.is_inverse:
            # notional (base, raw) = qty × mult / px
            numerator = <object>qty_raw * instrument.multiplier.raw * _E9 * num
            denominator = <object>px_raw * _E9 * den
        else:
            numerator = <object>qty_raw * px_raw * instrument.multiplier.raw * num
            denominator = _E18 * den
        return div_round_half_even(numerator, denominator * POW10[step]) * POW10[step]


cdef class FixedFeeModel(FeeModel):
    """A fixed commission per order (on its first fill) or per fill.

    Parameters
    ----------
    commission : Money
        Charged per order or per fill; must be ≥ 0.
    charge_commission_once : bool, default True
        Charge only the first fill of each order.
    """

    def __init__(self, Money commission not None, bint charge_commission_once=True):
        if commission.raw < 0:
            raise ValidationError(
                f"FixedFeeModel.commission: invalid value {commission}, expected >= 0"
            )
        self.commission = commission
        self.charge_commission_once = charge_commission_once

    cdef int64_t commission_raw(self, Order order, int64_t qty_raw, int64_t px_raw,
                                Instrument instrument, LiquiditySide liquidity_side) except? -1:
        if self.charge_commission_once and order.filled_raw > 0:
            return 0
        return self.commission.raw

    cdef Currency commission_currency(self, Instrument instrument):
        return self.commission.currency


cdef class PerContractFeeModel(FeeModel):
    """A fixed commission per unit (contract) filled.

    Parameters
    ----------
    commission : Money
        Per contract; must be ≥ 0.
    """

    def __init__(self, Money commission not None):
        if commission.raw < 0:
            raise ValidationError(
                f"PerContractFeeModel.commission: invalid value {commission}, expected >= 0"
            )
        self.commission = commission

    cdef int64_t commission_raw(self, Order order, int64_t qty_raw, int64_t px_raw,
                                Instrument instrument, LiquiditySide liquidity_side) except? -1:
        cdef int step = 9 - self.commission.currency.precision
        value = <object>qty_raw * self.commission.raw
        return div_round_half_even(value, _E9 * POW10[step]) * POW10[step]

    cdef Currency commission_currency(self, Instrument instrument):
        return self.commission.currency


cdef void _check_rounding(str rounding) except *:
    if rounding not in _ROUNDINGS:
        raise ValidationError(
            f"FeeModel.rounding: invalid value {rounding!r}, expected 'exact' or 'float'"
        )
