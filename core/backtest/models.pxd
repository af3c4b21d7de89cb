from libc.stdint cimport int64_t

from core.model.currency cimport Currency
from core.model.enums cimport LiquiditySide
from core.model.instruments cimport Instrument
from core.model.objects cimport Money
from core.model.orders cimport Order


cdef class FillModel:
    cdef readonly double prob_fill_on_limit
    cdef readonly double prob_slippage
    cdef readonly object random_seed
    cdef object _rng

    cpdef void reset(self) except *
    cdef bint is_limit_filled(self) except -1
    cdef bint is_slipped(self) except -1


cdef class LatencyModel:
    cdef readonly int64_t base_latency_nanos
    cdef readonly int64_t insert_latency_nanos
    cdef readonly int64_t update_latency_nanos
    cdef readonly int64_t cancel_latency_nanos


cdef class FeeModel:
    cdef readonly str rounding
    cdef bint _float_rounding

    cpdef FeeModel with_rounding(self, str rounding)
    cdef int64_t commission_raw(self, Order order, int64_t qty_raw, int64_t px_raw,
                                Instrument instrument, LiquiditySide liquidity_side) except? -1
    cpdef Money get_commission(self, Order order, object fill_qty, object fill_px,
                               Instrument instrument, LiquiditySide liquidity_side)
    cdef Currency commission_currency(self, Instrument instrument)


cdef class MakerTakerFeeModel(FeeModel):
    cdef dict _rates


cdef class FixedFeeModel(FeeModel):
    cdef readonly Money commission
    cdef readonly bint charge_commission_once


cdef class PerContractFeeModel(FeeModel):
    cdef readonly Money commission
