"""Venue models: fills (`FillModel`), latency (`LatencyModel`) and fees (`FeeModel`s).

Each model is one small interface. Amounts are exact: fees are rational rates applied to the
exact notional in integers and rounded half to even to the currency's precision once.

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
    """Base of fee models: the commission of one fill."""

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
    """Commission = notional × the instrument's maker or taker fee rate."""

    def __init__(self):
        self._rates = {}

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
