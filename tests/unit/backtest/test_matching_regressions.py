"""Explicit regressions for divergences the differential test found between the Cython
`OrderMatchingEngine` pipeline and the reference venue (``tests/kit/reference_matching.py``).

Each scenario runs through both sides with the harness of ``test_matching_differential`` and
also pins the exact event list, so a regression is reported even if both sides changed.
"""

from __future__ import annotations

import pytest

from core.model.enums import OmsType
from tests.kit import reference_matching as ref
from tests.unit.backtest.test_matching_differential import (
    LOT,
    MINUTE,
    T0,
    TICK,
    assert_agree,
    run_cython,
)

CONFIG = ref.VenueConfig(price_increment=TICK, size_increment=LOT)


def _px(level: int) -> int:
    return level * TICK


def _order(oid, side, otype, lots, price=None, trigger=None, tif=ref.GTC, reduce_only=False):
    return ref.Order(oid, side, otype, lots * LOT, price, trigger, tif, False, reduce_only)


# -- HEDGING: reduce_only must use the strategy's net position over all its positions ---------
# Cache.net_position_raw returned only the most recently opened position of the strategy when
# it was open, so with HEDGING (short 60 in one position, long 40 in another: net short 20) a
# reduce-only BUY was rejected as increasing the position.

_HEDGED_SHORT_20 = [
    ref.Quote(T0, _px(200), _px(201), 10 * LOT, 10 * LOT),
    ref.Submit(T0, _order("O1", ref.SELL, ref.MARKET, 6)),
    ref.Submit(T0, _order("O2", ref.BUY, ref.MARKET, 4)),
]


@pytest.mark.parametrize("oms_type", [OmsType.NETTING, OmsType.HEDGING])
def test_reduce_only_limit_hedging_uses_net_position_accepted_and_trimmed(oms_type):
    stream = [
        *_HEDGED_SHORT_20,
        ref.Submit(T0, _order("O3", ref.BUY, ref.LIMIT, 5, price=_px(199), reduce_only=True)),
        ref.Quote(T0 + MINUTE, _px(198), _px(199), 10 * LOT, 10 * LOT),
    ]
    events, dropped = run_cython(CONFIG, stream, oms_type)
    assert [e[1:3] for e in events if e[1] == "O3"] == [
        ("O3", "Accepted"),
        ("O3", "Filled"),
        ("O3", "Canceled"),
    ]
    fill = next(e for e in events if e[1] == "O3" and e[2] == "Filled")
    assert fill[4:] == (2 * LOT, _px(199), ref.MAKER)  # trimmed to the net short of 20
    assert dropped == 0
    assert_agree(CONFIG, stream, oms_type)


@pytest.mark.parametrize("oms_type", [OmsType.NETTING, OmsType.HEDGING])
def test_reduce_only_wrong_side_hedging_rejected(oms_type):
    stream = [
        *_HEDGED_SHORT_20,
        ref.Submit(T0, _order("O3", ref.SELL, ref.MARKET, 1, reduce_only=True)),
    ]
    events, _ = run_cython(CONFIG, stream, oms_type)
    assert events[-1][1:] == ("O3", "Rejected", ref.R_REDUCE_ONLY)
    assert_agree(CONFIG, stream, oms_type)


@pytest.mark.parametrize("oms_type", [OmsType.NETTING, OmsType.HEDGING])
def test_reduce_only_market_hedging_fills_net_quantity_then_canceled(oms_type):
    stream = [
        *_HEDGED_SHORT_20,
        ref.Submit(T0, _order("O3", ref.BUY, ref.MARKET, 5, reduce_only=True)),
    ]
    events, _ = run_cython(CONFIG, stream, oms_type)
    assert [e[2:] for e in events if e[1] == "O3"] == [
        ("Accepted",),
        ("Filled", 3, 2 * LOT, _px(201), ref.TAKER),
        ("Canceled",),
    ]
    assert_agree(CONFIG, stream, oms_type)
