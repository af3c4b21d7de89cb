"""Pins every rule of the reference L1 venue (tests/kit/reference_matching.py) with an explicit
scenario and its exact event list, plus hypothesis invariants over random streams."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.kit.reference_matching import (
    BUY,
    DAY,
    DECISIONS,
    FOK,
    GTC,
    GTD,
    IOC,
    LIMIT,
    LIMIT_IF_TOUCHED,
    MAKER,
    MARKET,
    MARKET_IF_TOUCHED,
    ORDER_TYPES,
    SELL,
    STOP_LIMIT,
    STOP_MARKET,
    TAKER,
    TIFS,
    Accepted,
    Bar,
    Cancel,
    Canceled,
    CancelRejected,
    Expired,
    Filled,
    Modify,
    ModifyRejected,
    Order,
    Quote,
    Rejected,
    Submit,
    Trade,
    Triggered,
    Updated,
    VenueConfig,
    simulate,
)

UNIT = 10**9
TICK = UNIT  # price increment 1.0
LOT = UNIT  # size increment 1.0


def px(n: int) -> int:
    return n * TICK


def q(n: int) -> int:
    return n * LOT


def cfg(**kw) -> VenueConfig:
    return VenueConfig(price_increment=TICK, size_increment=LOT, **kw)


def order(oid, side, type_, qty, price=None, trigger=None, tif=GTC, **kw) -> Order:
    return Order(
        oid,
        side,
        type_,
        q(qty),
        None if price is None else px(price),
        None if trigger is None else px(trigger),
        tif,
        **kw,
    )


def sub(ts, *args, **kw) -> Submit:
    return Submit(ts, order(*args, **kw))


def quote(ts, bid, ask, bid_size=10, ask_size=10) -> Quote:
    return Quote(ts, px(bid), px(ask), q(bid_size), q(ask_size))


def trade(ts, price, size=10) -> Trade:
    return Trade(ts, px(price), q(size))


def bar(ts, o, h, lo, c, volume=40) -> Bar:
    return Bar(ts, px(o), px(h), px(lo), px(c), q(volume))


def fill(ts, oid, n, qty, price, liq) -> Filled:
    return Filled(ts, oid, f"T-{n}", q(qty), px(price), liq)


# The first draws of random.Random(42): 0.6394, 0.0250, 0.2750, ... With p=0.5 the first touch
# draw fails and the second succeeds.
def test_seed_42_draws_assumed_by_these_tests():
    rng = random.Random(42)
    assert rng.random() >= 0.5
    assert rng.random() < 0.5


def test_decisions_are_numbered_in_order():
    assert [d.split(".")[0] for d in DECISIONS] == [str(i) for i in range(1, len(DECISIONS) + 1)]


# ------------------------------------------------------------------ bars: path and ordering

# Take-profit SELL LIMIT 106 and stop-loss SELL STOP_MARKET 95 on the same bar O100 H108 L94.
TP_SL = [
    trade(1, 100),
    sub(2, "TP", SELL, LIMIT, 1, price=106),
    sub(2, "SL", SELL, STOP_MARKET, 1, trigger=95),
]


def test_bar_fixed_ordering_visits_high_before_low():
    events = simulate(cfg(), [*TP_SL, bar(10, 100, 108, 94, 101)])
    assert events == [
        Accepted(2, "TP"),
        Accepted(2, "SL"),
        fill(10, "TP", 1, 1, 106, MAKER),  # at H: bid 108 > 106, filled at the limit
        fill(10, "SL", 2, 1, 95, TAKER),  # at L: crossed within the bar, filled at trigger
    ]


def test_bar_adaptive_ordering_visits_nearer_extreme_first():
    # open - low = 6 < high - open = 8: the low is nearer, visited first.
    events = simulate(
        cfg(bar_adaptive_high_low_ordering=True), [*TP_SL, bar(10, 100, 108, 94, 101)]
    )
    assert events == [
        Accepted(2, "TP"),
        Accepted(2, "SL"),
        fill(10, "SL", 1, 1, 95, TAKER),
        fill(10, "TP", 2, 1, 106, MAKER),
    ]


def test_bar_adaptive_ordering_high_nearer_goes_high_first():
    events = simulate(
        cfg(bar_adaptive_high_low_ordering=True), [*TP_SL, bar(10, 100, 106, 90, 101)]
    )
    assert events == [
        Accepted(2, "TP"),
        Accepted(2, "SL"),
        fill(10, "TP", 1, 1, 106, MAKER),
        fill(10, "SL", 2, 1, 95, TAKER),
    ]


def test_bar_adaptive_ordering_tie_goes_low_first():
    # open - low = 6 == high - open = 6: tie -> low first.
    events = simulate(
        cfg(bar_adaptive_high_low_ordering=True), [*TP_SL, bar(10, 100, 106, 94, 101)]
    )
    assert events == [
        Accepted(2, "TP"),
        Accepted(2, "SL"),
        fill(10, "SL", 1, 1, 95, TAKER),
        fill(10, "TP", 2, 1, 106, MAKER),
    ]
    fixed = simulate(cfg(), [*TP_SL, bar(10, 100, 106, 94, 101)])
    assert [e.order_id for e in fixed if isinstance(e, Filled)] == ["TP", "SL"]


def test_bar_points_display_a_quarter_of_volume_rounded_down_to_the_lot():
    # volume 43 -> 43 // 4 = 10 per point; a BUY 12 takes 10 at the close, 2 one tick worse.
    events = simulate(cfg(), [bar(10, 100, 101, 99, 100, volume=43), sub(11, "M", BUY, MARKET, 12)])
    assert events == [
        Accepted(11, "M"),
        fill(11, "M", 1, 10, 100, TAKER),
        fill(11, "M", 2, 2, 101, TAKER),
    ]


def test_bar_points_display_at_least_one_lot():
    events = simulate(cfg(), [bar(10, 100, 101, 99, 100, volume=3), sub(11, "M", BUY, MARKET, 2)])
    assert events == [
        Accepted(11, "M"),
        fill(11, "M", 1, 1, 100, TAKER),
        fill(11, "M", 2, 1, 101, TAKER),
    ]


def test_bar_volume_rounds_down_to_a_fractional_size_increment():
    config = VenueConfig(price_increment=TICK, size_increment=UNIT // 10)
    # volume 1.0 -> 0.25 per point -> 0.2 after rounding down to 0.1.
    stream = [
        Bar(10, px(100), px(100), px(100), px(100), UNIT),
        Submit(11, Order("M", BUY, MARKET, UNIT, None, None, GTC)),
    ]
    assert simulate(config, stream) == [
        Accepted(11, "M"),
        Filled(11, "M", "T-1", UNIT // 10 * 2, px(100), TAKER),
        Filled(11, "M", "T-2", UNIT // 10 * 8, px(101), TAKER),
    ]


def test_bar_points_equal_to_last_price_are_skipped():
    # A Trade at 100 shows size 1. A flat bar at 100 is entirely skipped, so the book keeps
    # size 1 (the bar's 100-lot points are never applied).
    flat = [
        trade(1, 100, size=1),
        bar(10, 100, 100, 100, 100, volume=400),
        sub(11, "M", BUY, MARKET, 3),
    ]
    assert simulate(cfg(), flat) == [
        Accepted(11, "M"),
        fill(11, "M", 1, 1, 100, TAKER),
        fill(11, "M", 2, 2, 101, TAKER),
    ]
    # After a Quote the last price is reset: the same bar's open is applied (size 100).
    after_quote = [
        quote(1, 99, 101, 1, 1),
        bar(10, 100, 100, 100, 100, volume=400),
        sub(11, "M", BUY, MARKET, 3),
    ]
    assert simulate(cfg(), after_quote) == [Accepted(11, "M"), fill(11, "M", 1, 3, 100, TAKER)]


def test_skipped_point_runs_no_matching_so_no_touch_draw():
    # prob 0.5, seed 42: draw 1 fails, draw 2 succeeds. Bar 1 touches 100 at L (draw 1, fail);
    # its close 100 equals the last price and is skipped (no draw). Bar 2 opens at 100
    # (skipped), goes up to 101, back to 100 at L (draw 2, success).
    stream = [
        trade(1, 102),
        sub(2, "B", BUY, LIMIT, 1, price=100),
        bar(10, 102, 103, 100, 100),
        bar(20, 100, 101, 100, 101),
    ]
    assert simulate(cfg(prob_fill_on_limit=0.5), stream) == [
        Accepted(2, "B"),
        fill(20, "B", 1, 1, 100, MAKER),
    ]


def test_bar_execution_false_ignores_bars():
    stream = [bar(10, 100, 101, 99, 100), sub(11, "M", BUY, MARKET, 1)]
    assert simulate(cfg(bar_execution=False), stream) == [Rejected(11, "M", "NO_MARKET")]


# --------------------------------------------------------------------------- market orders


def test_market_order_after_bar_fills_at_its_close():
    stream = [bar(10, 100, 105, 95, 102), sub(10, "M", BUY, MARKET, 5)]
    assert simulate(cfg(), stream) == [Accepted(10, "M"), fill(10, "M", 1, 5, 102, TAKER)]


def test_market_order_after_bar_fills_at_next_open_with_fill_at_next_bar_open():
    stream = [
        bar(10, 100, 105, 95, 102),
        sub(10, "M", BUY, MARKET, 5),
        bar(20, 103, 107, 101, 104),
    ]
    assert simulate(cfg(fill_at_next_bar_open=True), stream) == [
        Accepted(10, "M"),
        fill(20, "M", 1, 5, 103, TAKER),
    ]


def test_held_market_order_fills_at_next_open_even_when_open_point_is_skipped():
    stream = [
        bar(10, 100, 105, 95, 102),
        sub(10, "M", SELL, MARKET, 5),
        bar(20, 102, 107, 101, 104),  # open == last close: skipped, book still at 102
    ]
    assert simulate(cfg(fill_at_next_bar_open=True), stream) == [
        Accepted(10, "M"),
        fill(20, "M", 1, 5, 102, TAKER),
    ]


def test_held_market_order_fills_before_resting_orders_at_the_open():
    stream = [
        trade(1, 100),
        sub(2, "L", SELL, LIMIT, 1, price=103),
        bar(10, 100, 101, 99, 100),
        sub(10, "M", BUY, MARKET, 1),
        bar(20, 104, 105, 103, 104),
    ]
    assert simulate(cfg(fill_at_next_bar_open=True), stream) == [
        Accepted(2, "L"),
        Accepted(10, "M"),
        fill(20, "M", 1, 1, 104, TAKER),
        fill(20, "L", 2, 1, 103, MAKER),
    ]


def test_held_market_order_is_released_by_a_quote_and_can_be_canceled():
    stream = [
        bar(10, 100, 105, 95, 102),
        sub(10, "M1", BUY, MARKET, 1),
        sub(10, "M2", BUY, MARKET, 1),
        Cancel(11, "M2"),
        Modify(11, "M1", quantity=q(2)),
        quote(12, 101, 103),
    ]
    assert simulate(cfg(fill_at_next_bar_open=True), stream) == [
        Accepted(10, "M1"),
        Accepted(10, "M2"),
        Canceled(11, "M2"),
        ModifyRejected(11, "M1", "MARKET_ORDER_NOT_MODIFIABLE"),
        fill(12, "M1", 1, 1, 103, TAKER),
    ]


def test_market_order_after_quote_is_not_held():
    stream = [bar(10, 100, 105, 95, 102), quote(11, 101, 103), sub(11, "M", BUY, MARKET, 1)]
    assert simulate(cfg(fill_at_next_bar_open=True), stream) == [
        Accepted(11, "M"),
        fill(11, "M", 1, 1, 103, TAKER),
    ]


def test_market_order_remainder_fills_one_tick_worse():
    stream = [
        quote(1, 99, 100, bid_size=2, ask_size=3),
        sub(2, "B", BUY, MARKET, 5),
        sub(3, "S", SELL, MARKET, 5),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        fill(2, "B", 1, 3, 100, TAKER),
        fill(2, "B", 2, 2, 101, TAKER),
        Accepted(3, "S"),
        fill(3, "S", 3, 2, 99, TAKER),
        fill(3, "S", 4, 3, 98, TAKER),
    ]


def test_fills_do_not_consume_displayed_size():
    stream = [
        quote(1, 99, 100, ask_size=3),
        sub(2, "A", BUY, MARKET, 3),
        sub(3, "B", BUY, MARKET, 3),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "A"),
        fill(2, "A", 1, 3, 100, TAKER),
        Accepted(3, "B"),
        fill(3, "B", 2, 3, 100, TAKER),
    ]


def test_trade_sets_both_sides_to_trade_price_and_size():
    stream = [trade(1, 100, size=2), sub(2, "S", SELL, MARKET, 3)]
    assert simulate(cfg(), stream) == [
        Accepted(2, "S"),
        fill(2, "S", 1, 2, 100, TAKER),
        fill(2, "S", 2, 1, 99, TAKER),
    ]


def test_market_order_without_market_is_rejected():
    assert simulate(cfg(), [sub(1, "M", BUY, MARKET, 1)]) == [Rejected(1, "M", "NO_MARKET")]


# ----------------------------------------------------------------------------- limit orders


@pytest.mark.parametrize("prob", [0.0, 0.5, 1.0])
def test_limit_cross_always_fills(prob):
    stream = [quote(1, 101, 103), sub(2, "B", BUY, LIMIT, 2, price=102), quote(3, 100, 101)]
    assert simulate(cfg(prob_fill_on_limit=prob), stream) == [
        Accepted(2, "B"),
        fill(3, "B", 1, 2, 102, MAKER),  # at its limit, never better
    ]


def test_limit_touch_with_prob_zero_never_fills():
    stream = [quote(1, 101, 103), sub(2, "B", BUY, LIMIT, 1, price=102)]
    stream += [quote(3 + i, 100, 102) for i in range(5)]
    assert simulate(cfg(prob_fill_on_limit=0.0), stream) == [Accepted(2, "B")]


def test_limit_touch_with_prob_one_fills():
    stream = [quote(1, 101, 103), sub(2, "B", BUY, LIMIT, 1, price=102), quote(3, 100, 102)]
    assert simulate(cfg(prob_fill_on_limit=1.0), stream) == [
        Accepted(2, "B"),
        fill(3, "B", 1, 1, 102, MAKER),
    ]


def test_limit_touch_with_prob_half_seed_42():
    # draw 1 = 0.639 (no fill at ts 3), draw 2 = 0.025 (fill at ts 4).
    stream = [
        quote(1, 101, 103),
        sub(2, "B", BUY, LIMIT, 1, price=102),
        quote(3, 100, 102),
        quote(4, 100, 102),
    ]
    assert simulate(cfg(prob_fill_on_limit=0.5, seed=42), stream) == [
        Accepted(2, "B"),
        fill(4, "B", 1, 1, 102, MAKER),
    ]


def test_touch_draws_follow_book_priority_arrival():
    def run(first, second):
        stream = [
            quote(1, 98, 102),
            sub(2, first, BUY, LIMIT, 1, price=100),
            sub(3, second, BUY, LIMIT, 1, price=100),
            trade(4, 100),
        ]
        return simulate(cfg(prob_fill_on_limit=0.5), stream)

    # The earlier order draws first (0.639, no fill), the later one draws 0.025 and fills.
    assert run("A", "B")[-1] == fill(4, "B", 1, 1, 100, MAKER)
    assert run("B", "A")[-1] == fill(4, "A", 1, 1, 100, MAKER)


def test_touch_draws_bids_before_asks():
    stream = [
        quote(1, 98, 102),
        sub(2, "S", SELL, LIMIT, 1, price=100),  # earlier arrival, but an ask
        sub(3, "B", BUY, LIMIT, 1, price=100),
        trade(4, 100),
    ]
    # The bid draws first (0.639, no fill); the ask draws 0.025 and fills.
    assert simulate(cfg(prob_fill_on_limit=0.5), stream) == [
        Accepted(2, "S"),
        Accepted(3, "B"),
        fill(4, "S", 1, 1, 100, MAKER),
    ]


def test_crossed_orders_fill_in_priority_order_with_higher_bid_first():
    stream = [
        quote(1, 98, 110),
        sub(2, "B1", BUY, LIMIT, 1, price=100),
        sub(3, "B2", BUY, LIMIT, 1, price=101),
        quote(4, 97, 99),
    ]
    assert simulate(cfg(), stream)[2:] == [
        fill(4, "B2", 1, 1, 101, MAKER),
        fill(4, "B1", 2, 1, 100, MAKER),
    ]


def test_post_only_that_would_take_is_rejected():
    stream = [
        quote(1, 99, 100),
        sub(2, "X", BUY, LIMIT, 1, price=100, post_only=True),
        sub(3, "Y", BUY, LIMIT, 1, price=99, post_only=True),
        sub(4, "Z", SELL, LIMIT, 1, price=99, post_only=True),
        sub(5, "W", SELL, STOP_LIMIT, 1, price=95, trigger=96, post_only=True),
    ]
    assert simulate(cfg(), stream) == [
        Rejected(2, "X", "POST_ONLY_WOULD_TAKE"),
        Accepted(3, "Y"),
        Rejected(4, "Z", "POST_ONLY_WOULD_TAKE"),
        Rejected(5, "W", "POST_ONLY_REQUIRES_LIMIT"),
    ]


def test_marketable_limit_fills_as_taker_never_worse_than_limit_rest_rests():
    stream = [
        quote(1, 99, 100, ask_size=2),
        sub(2, "B", BUY, LIMIT, 5, price=100),
        quote(3, 98, 99),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        fill(2, "B", 1, 2, 100, TAKER),  # 101 for the rest would breach the limit
        fill(3, "B", 2, 3, 100, MAKER),
    ]


def test_marketable_limit_takes_one_tick_worse_within_limit():
    stream = [quote(1, 99, 100, ask_size=2), sub(2, "B", BUY, LIMIT, 5, price=103)]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        fill(2, "B", 1, 2, 100, TAKER),
        fill(2, "B", 2, 3, 101, TAKER),
    ]


def test_ioc_partial_fill_then_cancel():
    stream = [quote(1, 99, 100, ask_size=2), sub(2, "B", BUY, LIMIT, 5, price=100, tif=IOC)]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        fill(2, "B", 1, 2, 100, TAKER),
        Canceled(2, "B"),
    ]


def test_unmarketable_ioc_is_canceled():
    stream = [quote(1, 99, 100), sub(2, "B", BUY, LIMIT, 5, price=98, tif=IOC)]
    assert simulate(cfg(), stream) == [Accepted(2, "B"), Canceled(2, "B")]


def test_fok_killed_when_not_fully_fillable():
    stream = [quote(1, 99, 100, ask_size=2), sub(2, "B", BUY, LIMIT, 5, price=100, tif=FOK)]
    assert simulate(cfg(), stream) == [Accepted(2, "B"), Canceled(2, "B")]


def test_fok_fills_when_fully_fillable():
    stream = [quote(1, 99, 100, ask_size=2), sub(2, "B", BUY, LIMIT, 5, price=101, tif=FOK)]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        fill(2, "B", 1, 2, 100, TAKER),
        fill(2, "B", 2, 3, 101, TAKER),
    ]


# ------------------------------------------------------------------------------------ stops


def test_stop_market_gap_fills_at_open():
    stream = [trade(1, 100), sub(2, "S", SELL, STOP_MARKET, 1, trigger=95), bar(10, 93, 99, 90, 92)]
    assert simulate(cfg(), stream) == [Accepted(2, "S"), fill(10, "S", 1, 1, 93, TAKER)]


def test_stop_market_crossed_within_bar_fills_at_trigger():
    stream = [
        trade(1, 100),
        sub(2, "S", SELL, STOP_MARKET, 1, trigger=95),
        bar(10, 99, 100, 90, 92),
    ]
    assert simulate(cfg(), stream) == [Accepted(2, "S"), fill(10, "S", 1, 1, 95, TAKER)]


def test_buy_stop_market_within_bar_takes_point_size_then_one_tick_worse():
    stream = [
        trade(1, 100),
        sub(2, "B", BUY, STOP_MARKET, 12, trigger=103),
        bar(10, 101, 106, 100, 104),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        fill(10, "B", 1, 10, 103, TAKER),
        fill(10, "B", 2, 2, 104, TAKER),
    ]


def test_stop_market_triggered_by_quote_fills_at_book():
    stream = [quote(1, 99, 100), sub(2, "B", BUY, STOP_MARKET, 1, trigger=102), quote(3, 103, 104)]
    assert simulate(cfg(), stream) == [Accepted(2, "B"), fill(3, "B", 1, 1, 104, TAKER)]


def test_mit_within_bar_fills_at_trigger():
    stream = [
        trade(1, 100),
        sub(2, "B", BUY, MARKET_IF_TOUCHED, 1, trigger=95),
        bar(10, 100, 101, 90, 93),
    ]
    assert simulate(cfg(), stream) == [Accepted(2, "B"), fill(10, "B", 1, 1, 95, TAKER)]


def test_stop_limit_triggers_then_rests_then_fills_as_maker():
    stream = [
        trade(1, 100),
        sub(2, "B", BUY, STOP_LIMIT, 1, price=106, trigger=105),
        bar(10, 100, 110, 99, 105),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        Triggered(10, "B"),  # at H=110: ask 110 > limit 106, rests
        fill(10, "B", 1, 1, 106, MAKER),  # at L=99: crossed
    ]


def test_stop_limit_marketable_on_trigger_fills_as_taker():
    stream = [
        trade(1, 100),
        sub(2, "B", BUY, STOP_LIMIT, 3, price=106, trigger=105),
        trade(3, 105, size=1),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        Triggered(3, "B"),
        fill(3, "B", 1, 1, 105, TAKER),
        fill(3, "B", 2, 2, 106, TAKER),
    ]


def test_lit_triggers_and_follows_limit_rules():
    stream = [
        trade(1, 100),
        sub(2, "S", SELL, LIMIT_IF_TOUCHED, 2, price=104, trigger=105, tif=IOC),
        trade(3, 106, size=1),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "S"),
        Triggered(3, "S"),
        fill(3, "S", 1, 1, 106, TAKER),
        fill(3, "S", 2, 1, 105, TAKER),
    ]


@pytest.mark.parametrize(
    "type_, side, price, trigger",
    [
        (STOP_MARKET, BUY, None, 99),
        (STOP_LIMIT, SELL, 101, 101),
        (MARKET_IF_TOUCHED, BUY, None, 101),
        (LIMIT_IF_TOUCHED, SELL, 98, 99),
    ],
)
def test_stop_in_market_rejected_when_reject_stop_orders(type_, side, price, trigger):
    stream = [quote(1, 99, 100), sub(2, "X", side, type_, 1, price=price, trigger=trigger)]
    assert simulate(cfg(reject_stop_orders=True), stream) == [
        Rejected(2, "X", "STOP_ALREADY_IN_MARKET")
    ]


def test_stop_in_market_fills_as_market_when_not_rejected():
    stream = [quote(1, 99, 100), sub(2, "X", BUY, STOP_MARKET, 1, trigger=99)]
    assert simulate(cfg(reject_stop_orders=False), stream) == [
        Accepted(2, "X"),
        fill(2, "X", 1, 1, 100, TAKER),
    ]


def test_stop_limit_in_market_triggers_then_follows_limit_when_not_rejected():
    stream = [
        quote(1, 99, 100),
        sub(2, "X", BUY, STOP_LIMIT, 1, price=100, trigger=99),
        sub(3, "Y", BUY, STOP_LIMIT, 1, price=98, trigger=99),
    ]
    assert simulate(cfg(reject_stop_orders=False), stream) == [
        Accepted(2, "X"),
        Triggered(2, "X"),
        fill(2, "X", 1, 1, 100, TAKER),
        Accepted(3, "Y"),
        Triggered(3, "Y"),  # limit 98 < ask 100: rests as a limit
    ]


# ------------------------------------------------------------------------ time in force


def test_gtd_expires_on_first_data_with_ts_at_expiry_before_matching():
    stream = [
        quote(100, 99, 101),
        sub(100, "B", BUY, LIMIT, 1, price=100, tif=GTD, expire_time_ns=200),
        quote(150, 99, 101),
        quote(200, 98, 99),  # would cross, but the order expires first
    ]
    assert simulate(cfg(), stream) == [Accepted(100, "B"), Expired(200, "B")]


def test_gtd_fills_before_expiry():
    stream = [
        quote(100, 99, 101),
        sub(100, "B", BUY, LIMIT, 1, price=100, tif=GTD, expire_time_ns=200),
        quote(199, 98, 99),
        quote(200, 98, 99),
    ]
    assert simulate(cfg(), stream) == [Accepted(100, "B"), fill(199, "B", 1, 1, 100, MAKER)]


def test_gtd_with_past_or_missing_expiry_is_rejected():
    stream = [
        quote(100, 99, 101),
        sub(100, "A", BUY, LIMIT, 1, price=100, tif=GTD, expire_time_ns=100),
        sub(100, "B", BUY, LIMIT, 1, price=100, tif=GTD),
    ]
    assert simulate(cfg(), stream) == [
        Rejected(100, "A", "INVALID_EXPIRE_TIME"),
        Rejected(100, "B", "INVALID_EXPIRE_TIME"),
    ]


def test_gtd_expires_on_ignored_bar():
    stream = [
        quote(100, 99, 101),
        sub(100, "B", BUY, LIMIT, 1, price=100, tif=GTD, expire_time_ns=200),
        bar(200, 99, 99, 90, 95),
    ]
    assert simulate(cfg(bar_execution=False), stream) == [Accepted(100, "B"), Expired(200, "B")]


def test_day_behaves_like_gtc():
    stream = [
        quote(1, 99, 101),
        sub(2, "B", BUY, LIMIT, 1, price=100, tif=DAY),
        quote(10**15, 98, 99),
    ]
    assert simulate(cfg(), stream) == [Accepted(2, "B"), fill(10**15, "B", 1, 1, 100, MAKER)]


# ------------------------------------------------------------------------ modify / cancel


def test_modify_and_cancel_lifecycle():
    stream = [
        quote(1, 99, 101),
        sub(2, "B", BUY, LIMIT, 2, price=98, post_only=True),
        Modify(3, "B", quantity=q(3), price=px(97)),
        Modify(4, "B", price=px(101)),  # post-only would take
        Modify(5, "B"),
        Modify(6, "B", trigger_price=px(90)),
        Modify(7, "B", quantity=q(0)),
        Modify(8, "B", price=px(97) + 1),  # off tick
        Cancel(9, "B"),
        Cancel(10, "B"),
        Modify(11, "B", price=px(96)),
        Cancel(12, "nope"),
        Modify(13, "nope", price=px(96)),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        Updated(3, "B", q(3), px(97), None),
        ModifyRejected(4, "B", "POST_ONLY_WOULD_TAKE"),
        ModifyRejected(5, "B", "NOTHING_TO_MODIFY"),
        ModifyRejected(6, "B", "INVALID_TRIGGER_PRICE"),
        ModifyRejected(7, "B", "INVALID_QUANTITY"),
        ModifyRejected(8, "B", "INVALID_PRICE"),
        Canceled(9, "B"),
        CancelRejected(10, "B", "ORDER_CLOSED"),
        ModifyRejected(11, "B", "ORDER_CLOSED"),
        CancelRejected(12, "nope", "UNKNOWN_ORDER"),
        ModifyRejected(13, "nope", "UNKNOWN_ORDER"),
    ]


def test_modify_to_marketable_price_fills_as_taker():
    stream = [
        quote(1, 99, 101, ask_size=1),
        sub(2, "B", BUY, LIMIT, 2, price=98),
        Modify(3, "B", price=px(101)),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        Updated(3, "B", q(2), px(101), None),
        fill(3, "B", 1, 1, 101, TAKER),
    ]


def test_modify_quantity_below_filled_rejected_and_partial_keeps_resting():
    stream = [
        quote(1, 99, 100, ask_size=2),
        sub(2, "B", BUY, LIMIT, 5, price=100),  # 2 filled, 3 resting
        quote(3, 99, 101),
        Modify(3, "B", quantity=q(2)),
        Modify(4, "B", quantity=q(4)),  # leaves 2
        quote(5, 98, 99),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        fill(2, "B", 1, 2, 100, TAKER),
        ModifyRejected(3, "B", "INVALID_QUANTITY"),
        Updated(4, "B", q(4), px(100), None),
        fill(5, "B", 2, 2, 100, MAKER),
    ]


def test_modify_rechecks_marketability_against_the_unchanged_book():
    # DECISION 19 with DECISION 8: the remainder rested while the ask still sat on the limit;
    # an Updated order is re-checked as an arriving one and takes the displayed size again.
    stream = [
        quote(1, 99, 100, ask_size=2),
        sub(2, "B", BUY, LIMIT, 5, price=100),
        Modify(3, "B", quantity=q(4)),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        fill(2, "B", 1, 2, 100, TAKER),
        Updated(3, "B", q(4), px(100), None),
        fill(3, "B", 2, 2, 100, TAKER),
    ]


def test_modify_stop_trigger_into_market():
    stream = [
        quote(1, 99, 100),
        sub(2, "S", BUY, STOP_MARKET, 1, trigger=105),
        Modify(3, "S", trigger_price=px(100)),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "S"),
        ModifyRejected(3, "S", "STOP_ALREADY_IN_MARKET"),
    ]
    assert simulate(cfg(reject_stop_orders=False), stream) == [
        Accepted(2, "S"),
        Updated(3, "S", q(1), None, px(100)),
        fill(3, "S", 1, 1, 100, TAKER),
    ]


def test_modify_trigger_of_triggered_stop_limit_rejected():
    stream = [
        trade(1, 100),
        sub(2, "B", BUY, STOP_LIMIT, 1, price=101, trigger=102),
        quote(3, 102, 103),
        Modify(4, "B", trigger_price=px(110)),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "B"),
        Triggered(3, "B"),
        ModifyRejected(4, "B", "ALREADY_TRIGGERED"),
    ]


# --------------------------------------------------------------------- validation / misc


def test_submission_validation_reasons():
    stream = [
        quote(1, 99, 100),
        sub(2, "A", BUY, LIMIT, 1, price=98),
        sub(3, "A", BUY, LIMIT, 1, price=98),
        sub(4, "Q", BUY, LIMIT, 0, price=98),
        sub(5, "P", BUY, LIMIT, 1),
        sub(6, "M", BUY, MARKET, 1, price=98),
        sub(7, "T", BUY, STOP_MARKET, 1),
        sub(8, "U", BUY, LIMIT, 1, price=98, trigger=97),
        Submit(9, Order("F", BUY, LIMIT, LOT // 2, px(98), None, GTC)),
    ]
    assert simulate(cfg(), stream) == [
        Accepted(2, "A"),
        Rejected(3, "A", "DUPLICATE_ORDER_ID"),
        Rejected(4, "Q", "INVALID_QUANTITY"),
        Rejected(5, "P", "INVALID_PRICE"),
        Rejected(6, "M", "INVALID_PRICE"),
        Rejected(7, "T", "INVALID_TRIGGER_PRICE"),
        Rejected(8, "U", "INVALID_TRIGGER_PRICE"),
        Rejected(9, "F", "INVALID_QUANTITY"),
    ]


def test_reduce_only():
    stream = [
        quote(1, 99, 100),
        sub(2, "R0", SELL, MARKET, 1, reduce_only=True),  # flat: rejected
        sub(3, "L", BUY, MARKET, 2),  # long 2
        sub(4, "R1", BUY, MARKET, 1, reduce_only=True),  # same side: rejected
        sub(5, "R2", SELL, LIMIT, 5, price=99, reduce_only=True),  # trimmed to 2, rest canceled
    ]
    assert simulate(cfg(), stream) == [
        Rejected(2, "R0", "REDUCE_ONLY_WOULD_INCREASE_POSITION"),
        Accepted(3, "L"),
        fill(3, "L", 1, 2, 100, TAKER),
        Rejected(4, "R1", "REDUCE_ONLY_WOULD_INCREASE_POSITION"),
        Accepted(5, "R2"),
        fill(5, "R2", 2, 2, 99, TAKER),
        Canceled(5, "R2"),
    ]


def test_resting_reduce_only_canceled_when_position_gone():
    stream = [
        quote(1, 99, 100),
        sub(2, "L", BUY, MARKET, 1),
        sub(3, "TP", SELL, LIMIT, 1, price=105, reduce_only=True),
        sub(4, "X", SELL, MARKET, 1),  # flat now
        quote(5, 106, 107),
    ]
    assert simulate(cfg(), stream)[-2:] == [fill(4, "X", 2, 1, 99, TAKER), Canceled(5, "TP")]


def test_slippage_moves_taker_fills_one_tick_but_never_past_limit_nor_makers():
    stream = [
        quote(1, 99, 100, ask_size=10),
        sub(2, "M", BUY, MARKET, 1),
        sub(3, "L", BUY, LIMIT, 1, price=100),  # slip to 101 would breach the limit
        sub(4, "R", SELL, LIMIT, 1, price=102),
        quote(5, 103, 104),
    ]
    assert simulate(cfg(prob_slippage=1.0), stream) == [
        Accepted(2, "M"),
        fill(2, "M", 1, 1, 101, TAKER),
        Accepted(3, "L"),
        fill(3, "L", 2, 1, 100, TAKER),
        Accepted(4, "R"),
        fill(5, "R", 3, 1, 102, MAKER),
    ]


def test_slippage_half_draws_once_per_taker_fill():
    # Two taker fills: draw 1 = 0.639 (no slip), draw 2 = 0.025 (slip).
    stream = [quote(1, 99, 100, ask_size=1), sub(2, "M", BUY, MARKET, 2)]
    assert simulate(cfg(prob_slippage=0.5), stream) == [
        Accepted(2, "M"),
        fill(2, "M", 1, 1, 100, TAKER),
        fill(2, "M", 2, 1, 102, TAKER),
    ]


def test_invalid_market_data_raises():
    with pytest.raises(ValueError):
        simulate(cfg(), [bar(1, 100, 99, 98, 100)])
    with pytest.raises(ValueError):
        simulate(cfg(), [Quote(1, px(100) + 1, px(101), q(1), q(1))])
    with pytest.raises(TypeError):
        simulate(cfg(), [object()])


# ----------------------------------------------------------------------- hypothesis streams

prices = st.integers(95, 105)


@st.composite
def market_data(draw, ts):
    kind = draw(st.sampled_from(["quote", "trade", "bar"]))
    if kind == "quote":
        bid = draw(prices)
        ask = bid + draw(st.integers(0, 2))
        return quote(ts, bid, ask, draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    if kind == "trade":
        return trade(ts, draw(prices), draw(st.integers(1, 5)))
    o, c = draw(prices), draw(prices)
    h = max(o, c) + draw(st.integers(0, 3))
    lo = min(o, c) - draw(st.integers(0, 3))
    return bar(ts, o, h, lo, c, draw(st.integers(0, 30)))


@st.composite
def command(draw, ts, ids):
    kind = draw(st.sampled_from(["submit", "submit", "submit", "cancel", "modify", "modify"]))
    if kind != "submit" and ids:
        # Mostly an id submitted before, sometimes an unknown one.
        oid = draw(st.sampled_from([*ids, "unknown"]))
        if kind == "cancel":
            return Cancel(ts, oid)
        field = draw(st.sampled_from(["quantity", "price", "trigger_price", "price+quantity"]))
        return Modify(
            ts,
            oid,
            quantity=q(draw(st.integers(1, 8))) if "quantity" in field else None,
            price=px(draw(prices)) if "price" in field and "trigger" not in field else None,
            trigger_price=px(draw(prices)) if field == "trigger_price" else None,
        )
    # A fresh id, or now and then a duplicate.
    oid = draw(st.sampled_from(ids)) if ids and draw(st.integers(0, 9)) == 0 else f"O{len(ids)}"
    ids.append(oid)
    type_ = draw(st.sampled_from(ORDER_TYPES))
    tif = draw(st.sampled_from(TIFS))
    return sub(
        ts,
        oid,
        draw(st.sampled_from([BUY, SELL])),
        type_,
        draw(st.integers(1, 8)),
        price=draw(prices) if type_ in (LIMIT, STOP_LIMIT, LIMIT_IF_TOUCHED) else None,
        trigger=draw(prices) if type_ not in (MARKET, LIMIT) else None,
        tif=tif,
        post_only=type_ == LIMIT and draw(st.booleans()),
        reduce_only=draw(st.integers(0, 4)) == 0,
        expire_time_ns=ts + draw(st.integers(1, 5)) if tif == GTD else None,
    )


@st.composite
def streams(draw):
    items, ids, ts = [], [], 0
    for _ in range(draw(st.integers(1, 40))):
        ts += draw(st.integers(0, 2))
        if draw(st.booleans()):
            items.append(draw(market_data(ts)))
        else:
            items.append(draw(command(ts, ids)))
    return items


configs = st.builds(
    cfg,
    bar_adaptive_high_low_ordering=st.booleans(),
    reject_stop_orders=st.booleans(),
    fill_at_next_bar_open=st.booleans(),
    prob_fill_on_limit=st.sampled_from([0.0, 0.5, 1.0]),
    prob_slippage=st.sampled_from([0.0, 0.5, 1.0]),
    seed=st.integers(0, 3),
)


def check_invariants(config, stream, events):
    submitted = {}  # latest submitted Order per id (the accepted one)
    for item in stream:
        if isinstance(item, Submit):
            submitted.setdefault(item.order.id, item.order)
    qty, price, filled, closed = {}, {}, {}, set()
    item_ts = {item.ts for item in stream}
    trade_ids = []
    for e in events:
        assert e.ts in item_ts
        oid = e.order_id
        if isinstance(e, Accepted):
            assert oid not in qty
            qty[oid], price[oid], filled[oid] = submitted[oid].quantity, submitted[oid].price, 0
        elif isinstance(e, Updated):
            assert oid in qty and oid not in closed
            qty[oid], price[oid] = e.quantity, e.price
        elif isinstance(e, Filled):
            assert oid in qty and oid not in closed
            o = submitted[oid]
            assert e.last_qty > 0 and e.last_qty % config.size_increment == 0
            assert e.last_px % config.price_increment == 0
            filled[oid] += e.last_qty
            assert filled[oid] <= qty[oid]  # filled + leaves == quantity, leaves >= 0
            if price[oid] is not None:  # never worse than the limit
                if o.side == BUY:
                    assert e.last_px <= price[oid]
                else:
                    assert e.last_px >= price[oid]
            if e.liquidity == MAKER:
                assert e.last_px == price[oid]
                assert o.type in (LIMIT, STOP_LIMIT, LIMIT_IF_TOUCHED)
            trade_ids.append(e.trade_id)
            if filled[oid] == qty[oid]:
                closed.add(oid)
        elif isinstance(e, Triggered):
            assert submitted[oid].type in (STOP_LIMIT, LIMIT_IF_TOUCHED) and oid not in closed
        elif isinstance(e, Rejected):
            pass  # a rejected submission (possibly a duplicate id) closes nothing
        elif isinstance(e, (Canceled, Expired)):
            assert oid in qty and oid not in closed
            closed.add(oid)
    assert trade_ids == [f"T-{i}" for i in range(1, len(trade_ids) + 1)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs, stream=streams())
def test_invariants_over_random_streams(config, stream):
    events = simulate(config, stream)
    check_invariants(config, stream, events)
    # Deterministic: same stream and seed -> same events.
    assert simulate(config, stream) == events


def test_invariant_checker_can_fail():
    stream = [quote(1, 99, 100), sub(2, "B", BUY, LIMIT, 1, price=98)]
    bad = [Accepted(2, "B"), Filled(2, "B", "T-1", q(1), px(99), MAKER)]
    with pytest.raises(AssertionError):
        check_invariants(cfg(), stream, bad)
