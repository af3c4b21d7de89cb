"""Each rule of EXECUTION-RULES.md pinned on a real `BacktestEngine` run.

A `ScriptedStrategy` submits orders at given data timestamps and records every data point and
event it receives with the clock's time; the tests assert the exact sequences, prices,
commissions and balances. Times are whole minutes after `T0` (``ts(i)``).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from core.backtest.models import FillModel, FixedFeeModel, LatencyModel, MakerTakerFeeModel

from core.backtest.config import BacktestEngineConfig
from core.backtest.engine import BacktestEngine, StrategyError
from core.model import (
    AccountType,
    Bar,
    BarType,
    Currency,
    InstrumentId,
    Money,
    OmsType,
    PositionId,
    Price,
    Quantity,
    QuoteTick,
    TimeInForce,
    Venue,
)
from core.testkit import TestInstrumentProvider
from tests.kit.scripted import Limit, Market, ScriptedStrategy, StopMarket, TimeAlert

USD = Currency.from_str("USD")
SIM = Venue("SIM")
EURUSD = "EUR/USD.SIM"
GBPUSD = "GBP/USD.SIM"
BAR = "EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL"
T0 = 1_699_999_980_000_000_000  # a whole minute
MINUTE = 60_000_000_000
MS = 1_000_000
# Order lifecycle noise and position events: left out where a test is about order outcomes.
ORDERS_ONLY = (
    "OrderInitialized",
    "OrderSubmitted",
    "PositionOpened",
    "PositionChanged",
    "PositionClosed",
)
# ... and market data, where a test is only about the order's events.
EVENTS_ONLY = (*ORDERS_ONLY, "QuoteTick", "Bar")


def ts(i: int) -> int:
    return T0 + i * MINUTE


def bar(
    i: int, o: str, h: str, low: str, c: str, volume: str = "1000000", bar_type: str = BAR
) -> Bar:
    return Bar(
        BarType.from_str(bar_type),
        Price.from_str(o),
        Price.from_str(h),
        Price.from_str(low),
        Price.from_str(c),
        Quantity.from_str(volume),
        ts(i),
        ts(i),
    )


def flat_bar(i: int, price: str = "1.10000") -> Bar:
    return bar(i, price, price, price, price)


def quote(
    t: int,
    bid: str,
    ask: str,
    bid_size: str = "1000000",
    ask_size: str = "1000000",
    instrument_id: str = EURUSD,
) -> QuoteTick:
    return QuoteTick(
        InstrumentId.from_str(instrument_id),
        Price.from_str(bid),
        Price.from_str(ask),
        Quantity.from_str(bid_size),
        Quantity.from_str(ask_size),
        t,
        t,
    )


def make_engine(
    *, oms_type=OmsType.NETTING, symbols=("EUR/USD",), raise_handler_errors=False, **venue_options
) -> BacktestEngine:
    engine = BacktestEngine(
        BacktestEngineConfig(raise_handler_errors=raise_handler_errors, log_level="ERROR")
    )
    engine.add_venue(
        SIM,
        oms_type,
        AccountType.MARGIN,
        [Money(1_000_000, USD)],
        base_currency=USD,
        **venue_options,
    )
    for symbol in symbols:
        engine.add_instrument(TestInstrumentProvider.default_fx_ccy(symbol))
    return engine


def run(engine: BacktestEngine, streams: list, *strategies: ScriptedStrategy) -> None:
    for stream in streams:
        engine.add_data(stream)
    for strategy in strategies:
        engine.add_strategy(strategy)
    engine.run()


def balance(engine: BacktestEngine) -> Money:
    return engine.cache.account_for_venue(SIM).balance_total(USD)


def fill_row(t, label, side, qty, px, liquidity="TAKER"):
    return (t, "OrderFilled", label, side, qty, px, liquidity)


# -- bars → price path --------------------------------------------------------------------


def _bracket_strategy() -> ScriptedStrategy:
    return ScriptedStrategy(
        EURUSD,
        bar_types=[BAR],
        at={
            ts(1): [Market("entry", "BUY", "100000")],
            ts(2): [
                Limit("tp", "SELL", "100000", "1.10100", reduce_only=True),
                StopMarket("sl", "SELL", "100000", "1.09900", reduce_only=True),
            ],
        },
    )


@pytest.mark.parametrize(
    ("adaptive", "high", "low", "winner", "loser", "px"),
    [
        # O→H→L→C: the high comes first even when the low is nearer the open
        (False, "1.10150", "1.09850", "tp", "sl", "1.10100"),
        (False, "1.10200", "1.09850", "tp", "sl", "1.10100"),
        # adaptive: the extreme nearer the open first
        (True, "1.10200", "1.09850", "sl", "tp", "1.09900"),
        (True, "1.10150", "1.09800", "tp", "sl", "1.10100"),
        # adaptive tie: low first
        (True, "1.10150", "1.09850", "sl", "tp", "1.09900"),
    ],
)
def test_bar_path_take_profit_and_stop_loss_in_one_bar_first_extreme_wins(
    adaptive, high, low, winner, loser, px
):
    engine = make_engine(bar_adaptive_high_low_ordering=adaptive)
    strategy = _bracket_strategy()
    run(engine, [[flat_bar(1), flat_bar(2), bar(3, "1.10000", high, low, "1.10000")]], strategy)
    liquidity = "MAKER" if winner == "tp" else "TAKER"
    assert strategy.trace(skip=ORDERS_ONLY) == [
        (ts(1), "Bar", BAR, "1.10000"),
        (ts(1), "OrderAccepted", "entry"),
        fill_row(ts(1), "entry", "BUY", "100000", "1.10000"),
        (ts(2), "Bar", BAR, "1.10000"),
        (ts(2), "OrderAccepted", "tp"),
        (ts(2), "OrderAccepted", "sl"),
        # the venue moves through the bar before the strategy sees it
        fill_row(ts(3), winner, "SELL", "100000", px, liquidity),
        (ts(3), "OrderCanceled", loser),
        (ts(3), "Bar", BAR, "1.10000"),
    ]


@pytest.mark.parametrize(
    ("fill_at_next_bar_open", "fill_ts", "px"),
    [(False, ts(1), "1.10100"), (True, ts(2), "1.10150")],
)
def test_market_order_from_on_bar_fills_at_close_or_next_open(fill_at_next_bar_open, fill_ts, px):
    engine = make_engine(fill_at_next_bar_open=fill_at_next_bar_open)
    strategy = ScriptedStrategy(
        EURUSD, bar_types=[BAR], at={ts(1): [Market("entry", "BUY", "100000")]}
    )
    run(
        engine,
        [
            [
                bar(1, "1.10000", "1.10200", "1.09900", "1.10100"),
                bar(2, "1.10150", "1.10300", "1.10050", "1.10250"),
            ]
        ],
        strategy,
    )
    assert strategy.trace(skip=ORDERS_ONLY) == sorted(
        [
            (ts(1), "Bar", BAR, "1.10100"),
            (ts(1), "OrderAccepted", "entry"),
            fill_row(fill_ts, "entry", "BUY", "100000", px),
            (ts(2), "Bar", BAR, "1.10250"),
        ],
        key=lambda r: r[0],
    )


@pytest.mark.parametrize(
    ("fill_at_next_bar_open", "fill_ts", "px"),
    [(False, ts(1), "1.10030"), (True, ts(2), "1.10105")],
)
def test_market_order_with_bid_ask_bars_fills_at_close_or_next_pair_open(
    fill_at_next_bar_open, fill_ts, px
):
    bid_bars, ask_bars = "EUR/USD.SIM-1-MINUTE-BID-EXTERNAL", "EUR/USD.SIM-1-MINUTE-ASK-EXTERNAL"
    engine = make_engine(fill_at_next_bar_open=fill_at_next_bar_open)
    strategy = ScriptedStrategy(
        EURUSD, bar_types=[ask_bars], at={ts(1): [Market("entry", "BUY", "100000")]}
    )
    run(
        engine,
        [
            [
                bar(1, "1.10000", "1.10040", "1.09990", "1.10020", bar_type=bid_bars),
                bar(1, "1.10010", "1.10050", "1.10000", "1.10030", bar_type=ask_bars),
                bar(2, "1.10095", "1.10200", "1.10090", "1.10150", bar_type=bid_bars),
                bar(2, "1.10105", "1.10210", "1.10100", "1.10160", bar_type=ask_bars),
            ]
        ],
        strategy,
    )
    # the ask side of the pair: BUY at the ask close, or at the next pair's ask open
    assert strategy.trace(skip=ORDERS_ONLY) == sorted(
        [
            (ts(1), "Bar", ask_bars, "1.10030"),
            (ts(1), "OrderAccepted", "entry"),
            fill_row(fill_ts, "entry", "BUY", "100000", px),
            (ts(2), "Bar", ask_bars, "1.10160"),
        ],
        key=lambda r: r[0],
    )


# -- limit orders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prob_fill_on_limit", "fill_ts"),
    [
        (1.0, ts(2)),  # the first touch fills
        (0.5, ts(3)),  # seed 10 draws 0.571 (no fill), then 0.429 (fill)
        (0.0, ts(4)),  # touches never fill; the cross does
    ],
)
def test_resting_limit_touch_fills_with_probability_cross_always(prob_fill_on_limit, fill_ts):
    engine = make_engine(
        fill_model=FillModel(prob_fill_on_limit=prob_fill_on_limit, random_seed=10)
    )
    strategy = ScriptedStrategy(
        EURUSD, quotes=[EURUSD], at={ts(1): [Limit("bid", "BUY", "100000", "1.09950")]}
    )
    run(
        engine,
        [
            [
                quote(ts(1), "1.09990", "1.10000"),
                quote(ts(2), "1.09940", "1.09950"),  # touch
                quote(ts(3), "1.09940", "1.09950"),  # touch
                quote(ts(4), "1.09930", "1.09940"),  # cross
                quote(ts(5), "1.09930", "1.09940"),
            ]
        ],
        strategy,
    )
    fills = [r for r in strategy.trace() if r[1] == "OrderFilled"]
    # a resting limit fills as MAKER at its limit price, never better
    assert fills == [fill_row(fill_ts, "bid", "BUY", "100000", "1.09950", "MAKER")]


def test_post_only_limit_that_would_take_is_rejected():
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD,
        quotes=[EURUSD],
        at={
            ts(1): [
                Limit("taker", "BUY", "100000", "1.10000", post_only=True),
                Limit("maker", "BUY", "100000", "1.09990", post_only=True),
            ]
        },
    )
    run(engine, [[quote(ts(1), "1.09990", "1.10000")]], strategy)
    assert strategy.trace(skip=ORDERS_ONLY) == [
        (ts(1), "QuoteTick", EURUSD, "1.09990", "1.10000"),
        (ts(1), "OrderRejected", "taker", "POST_ONLY_WOULD_TAKE"),
        (ts(1), "OrderAccepted", "maker"),
    ]
    (rejected,) = [e for e in strategy.events if type(e).__name__ == "OrderRejected"]
    assert rejected.due_post_only
    assert strategy.orders["taker"].is_closed
    assert not strategy.orders["maker"].is_closed


def test_ioc_limit_fills_displayed_size_then_cancels_the_rest():
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD,
        at={ts(1): [Limit("ioc", "BUY", "100000", "1.10000", time_in_force=TimeInForce.IOC)]},
    )
    run(engine, [[quote(ts(1), "1.09990", "1.10000", ask_size="40000")]], strategy)
    assert strategy.trace(skip=EVENTS_ONLY) == [
        (ts(1), "OrderAccepted", "ioc"),
        fill_row(ts(1), "ioc", "BUY", "40000", "1.10000"),
        (ts(1), "OrderCanceled", "ioc"),
    ]


def test_fok_limit_without_enough_liquidity_is_killed_unfilled():
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD,
        at={ts(1): [Limit("fok", "BUY", "100000", "1.10000", time_in_force=TimeInForce.FOK)]},
    )
    run(engine, [[quote(ts(1), "1.09990", "1.10000", ask_size="40000")]], strategy)
    assert strategy.trace(skip=EVENTS_ONLY) == [
        (ts(1), "OrderAccepted", "fok"),
        (ts(1), "OrderCanceled", "fok"),
    ]
    assert engine.fills == []


@pytest.mark.parametrize("expire_time_ns", [ts(2) + 1, ts(3)])
def test_gtd_limit_expires_on_first_data_at_or_after_expire_time(expire_time_ns):
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD,
        quotes=[EURUSD],
        at={
            ts(1): [
                Limit(
                    "gtd",
                    "BUY",
                    "100000",
                    "1.09900",
                    time_in_force=TimeInForce.GTD,
                    expire_time_ns=expire_time_ns,
                )
            ]
        },
    )
    run(
        engine,
        [
            [
                quote(ts(1), "1.09990", "1.10000"),
                quote(ts(2), "1.09980", "1.09990"),
                quote(ts(3), "1.09890", "1.09900"),  # would fill, but the order is expired first
            ]
        ],
        strategy,
    )
    assert strategy.trace(skip=ORDERS_ONLY) == [
        (ts(1), "QuoteTick", EURUSD, "1.09990", "1.10000"),
        (ts(1), "OrderAccepted", "gtd"),
        (ts(2), "QuoteTick", EURUSD, "1.09980", "1.09990"),
        (ts(3), "OrderExpired", "gtd"),
        (ts(3), "QuoteTick", EURUSD, "1.09890", "1.09900"),
    ]


def test_gtd_limit_expires_on_another_instruments_data_at_expire_time():
    engine = make_engine(symbols=("EUR/USD", "GBP/USD"))
    strategy = ScriptedStrategy(
        EURUSD,
        at={
            ts(1): [
                Limit(
                    "gtd",
                    "BUY",
                    "100000",
                    "1.09900",
                    time_in_force=TimeInForce.GTD,
                    expire_time_ns=ts(2),
                )
            ]
        },
    )
    run(
        engine,
        [
            [quote(ts(1), "1.09990", "1.10000"), quote(ts(4), "1.09990", "1.10000")],
            [quote(ts(2), "1.29990", "1.30000", instrument_id=GBPUSD)],
        ],
        strategy,
    )
    assert strategy.trace(skip=EVENTS_ONLY) == [
        (ts(1), "OrderAccepted", "gtd"),
        (ts(2), "OrderExpired", "gtd"),
    ]


# -- market orders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "sizes", "fills"),
    [
        ("BUY", {"ask_size": "40000"}, [("40000", "1.10000"), ("60000", "1.10001")]),
        ("SELL", {"bid_size": "30000"}, [("30000", "1.09990"), ("70000", "1.09989")]),
    ],
)
def test_market_order_beyond_displayed_size_fills_rest_one_tick_worse(side, sizes, fills):
    engine = make_engine()
    strategy = ScriptedStrategy(EURUSD, at={ts(1): [Market("m", side, "100000")]})
    run(engine, [[quote(ts(1), "1.09990", "1.10000", **sizes)]], strategy)
    assert strategy.trace(skip=EVENTS_ONLY) == [
        (ts(1), "OrderAccepted", "m"),
        *[fill_row(ts(1), "m", side, q, p) for q, p in fills],
    ]


def test_market_order_without_a_market_is_rejected_no_market():
    engine = make_engine(symbols=("EUR/USD", "GBP/USD"))
    strategy = ScriptedStrategy(EURUSD, quotes=[GBPUSD], at={ts(1): [Market("m", "BUY", "100000")]})
    run(engine, [[quote(ts(1), "1.29990", "1.30000", instrument_id=GBPUSD)]], strategy)
    assert strategy.trace(skip=ORDERS_ONLY) == [
        (ts(1), "QuoteTick", GBPUSD, "1.29990", "1.30000"),
        (ts(1), "OrderRejected", "m", "NO_MARKET"),
    ]


# -- stops ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "trigger", "next_bar", "px"),
    [
        # gap: the bar opens beyond the trigger, fill at the open
        ("BUY", "1.10100", ("1.10200", "1.10300", "1.10150", "1.10250"), "1.10200"),
        ("SELL", "1.09900", ("1.09800", "1.09850", "1.09700", "1.09750"), "1.09800"),
        # cross inside the bar: fill at the trigger
        ("BUY", "1.10100", ("1.10000", "1.10200", "1.09950", "1.10150"), "1.10100"),
        ("SELL", "1.09900", ("1.10000", "1.10050", "1.09800", "1.09850"), "1.09900"),
    ],
)
def test_stop_market_gap_fills_at_open_intra_bar_cross_at_trigger(side, trigger, next_bar, px):
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD, at={ts(1): [StopMarket("stop", side, "100000", trigger)]}, bar_types=[BAR]
    )
    run(engine, [[flat_bar(1), bar(2, *next_bar)]], strategy)
    assert strategy.trace(skip=ORDERS_ONLY) == [
        (ts(1), "Bar", BAR, "1.10000"),
        (ts(1), "OrderAccepted", "stop"),
        fill_row(ts(2), "stop", side, "100000", px),
        (ts(2), "Bar", BAR, next_bar[3]),
    ]


@pytest.mark.parametrize(
    ("reject_stop_orders", "expected"),
    [
        (True, [(ts(1), "OrderRejected", "stop", "STOP_ALREADY_IN_MARKET")]),
        (
            False,
            [(ts(1), "OrderAccepted", "stop"), fill_row(ts(1), "stop", "BUY", "100000", "1.10000")],
        ),
    ],
)
def test_stop_already_in_market_rejected_or_filled_as_market(reject_stop_orders, expected):
    engine = make_engine(reject_stop_orders=reject_stop_orders)
    strategy = ScriptedStrategy(
        EURUSD, at={ts(1): [StopMarket("stop", "BUY", "100000", "1.09950")]}
    )
    run(engine, [[quote(ts(1), "1.09990", "1.10000")]], strategy)
    assert strategy.trace(skip=EVENTS_ONLY) == expected


@pytest.mark.parametrize(
    ("side", "px"),
    [("BUY", "1.10001"), ("SELL", "1.09989")],
)
def test_slippage_moves_a_taker_fill_one_tick_against_the_order(side, px):
    engine = make_engine(fill_model=FillModel(prob_slippage=1.0))
    strategy = ScriptedStrategy(EURUSD, at={ts(1): [Market("m", side, "100000")]})
    run(engine, [[quote(ts(1), "1.09990", "1.10000")]], strategy)
    assert strategy.trace(skip=EVENTS_ONLY) == [
        (ts(1), "OrderAccepted", "m"),
        fill_row(ts(1), "m", side, "100000", px),
    ]


# -- fees -------------------------------------------------------------------------------------


def test_maker_taker_commission_is_notional_times_rate_in_cents_and_debited():
    engine = make_engine(fee_model=MakerTakerFeeModel())
    strategy = ScriptedStrategy(
        EURUSD,
        at={
            ts(1): [Market("buy", "BUY", "123000"), Limit("sell", "SELL", "77000", "1.10010")],
        },
    )
    run(
        engine, [[quote(ts(1), "1.10002", "1.10003"), quote(ts(2), "1.10010", "1.10011")]], strategy
    )
    fills = strategy.fills()
    # 123000 × 1.10003 × 0.00002 = 2.7060738 → 2.71 (taker);
    # 77000 × 1.10010 × 0.00002 = 1.694154 → 1.69 (maker)
    assert [(f.liquidity_side.name, str(f.last_px), f.commission) for f in fills] == [
        ("TAKER", "1.10003", Money.from_str("2.71 USD")),
        ("MAKER", "1.10010", Money.from_str("1.69 USD")),
    ]
    # realized (1.10010 − 1.10003) × 77000 = 5.39; 1,000,000 + 5.39 − 2.71 − 1.69
    assert balance(engine) == Money.from_str("1000000.99 USD")


@pytest.mark.parametrize(
    ("charge_once", "commissions", "total"),
    [
        (True, ["1.50 USD", "0.00 USD"], "999998.50 USD"),
        (False, ["1.50 USD", "1.50 USD"], "999997.00 USD"),
    ],
)
def test_fixed_fee_per_order_or_per_fill(charge_once, commissions, total):
    engine = make_engine(
        fee_model=FixedFeeModel(Money.from_str("1.50 USD"), charge_commission_once=charge_once)
    )
    strategy = ScriptedStrategy(EURUSD, at={ts(1): [Market("m", "BUY", "100000")]})
    # 40000 displayed: the order fills in two parts
    run(engine, [[quote(ts(1), "1.09990", "1.10000", ask_size="40000")]], strategy)
    assert [f.commission for f in strategy.fills()] == [Money.from_str(c) for c in commissions]
    assert balance(engine) == Money.from_str(total)


# -- latency ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("insert_ms", "arrival_ms", "px"),
    [
        (2, 3, "1.10020"),  # arrives with the quote at +3 ms: matched after it
        (3, 4, "1.10020"),  # arrives between quotes: matched at +4 ms on the +3 ms book
    ],
)
def test_latency_command_reaches_venue_at_now_plus_base_plus_insert(insert_ms, arrival_ms, px):
    engine = make_engine(
        latency_model=LatencyModel(base_latency_nanos=1 * MS, insert_latency_nanos=insert_ms * MS)
    )
    strategy = ScriptedStrategy(EURUSD, at={T0: [Market("m", "BUY", "100000")]})
    run(
        engine,
        [
            [
                quote(T0 + k * MS, "1.09990", ask)
                for k, ask in ((0, "1.10000"), (1, "1.10010"), (3, "1.10020"), (5, "1.10030"))
            ]
        ],
        strategy,
    )
    assert strategy.trace(skip=EVENTS_ONLY) == [
        (T0 + arrival_ms * MS, "OrderAccepted", "m"),
        fill_row(T0 + arrival_ms * MS, "m", "BUY", "100000", px),
    ]
    submitted = [r for r in strategy.records if r[1] == "OrderSubmitted"]
    assert submitted == [(T0, "OrderSubmitted", "m")]


# -- ordering at one timestamp ----------------------------------------------------------------


def test_same_timestamp_streams_in_added_order_venue_first_timer_last_cascade_settled():
    engine = make_engine(symbols=("EUR/USD", "GBP/USD"))
    strategy = ScriptedStrategy(
        EURUSD,
        quotes=[EURUSD, GBPUSD],
        on_start=[TimeAlert("alert", ts(1))],
        at={ts(0): [Limit("entry", "BUY", "100000", "1.09950")]},
        on_fill={"entry": [Market("hedge", "SELL", "100000", instrument_id=GBPUSD)]},
    )
    # GBP/USD's stream is added first, so at ts(1) it comes first though EUR/USD was
    # registered first
    run(
        engine,
        [
            [
                quote(ts(0), "1.29990", "1.30000", instrument_id=GBPUSD),
                quote(ts(1), "1.30090", "1.30100", instrument_id=GBPUSD),
            ],
            [
                quote(ts(0), "1.09990", "1.10000"),
                quote(ts(1), "1.09940", "1.09950"),
                quote(ts(2), "1.09940", "1.09950"),
            ],
        ],
        strategy,
    )
    assert strategy.trace(skip=("OrderInitialized", "OrderSubmitted")) == [
        (ts(0), "QuoteTick", GBPUSD, "1.29990", "1.30000"),
        # the script runs on the first data point at ts(0); its order is settled after it
        (ts(0), "OrderAccepted", "entry"),
        (ts(0), "QuoteTick", EURUSD, "1.09990", "1.10000"),
        (ts(1), "QuoteTick", GBPUSD, "1.30090", "1.30100"),
        # the venue matches before the strategy sees the quote
        fill_row(ts(1), "entry", "BUY", "100000", "1.09950", "MAKER"),
        (ts(1), "PositionOpened", "EUR/USD.SIM-ScriptedStrategy-000", "100000"),
        (ts(1), "QuoteTick", EURUSD, "1.09940", "1.09950"),
        # the order sent from on_order_filled is settled at the same timestamp
        (ts(1), "OrderAccepted", "hedge"),
        fill_row(ts(1), "hedge", "SELL", "100000", "1.30090"),
        (ts(1), "PositionOpened", "GBP/USD.SIM-ScriptedStrategy-000", "-100000"),
        # the timer at ts(1) fires after all data at ts(1)
        (ts(1), "TimeEvent", "alert"),
        (ts(2), "QuoteTick", EURUSD, "1.09940", "1.09950"),
    ]


def test_timers_fire_in_time_order_before_later_data_and_at_the_last_data_timestamp():
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD,
        on_start=[
            TimeAlert("last", ts(2)),
            TimeAlert("later", ts(1) + 7),
            TimeAlert("sooner", ts(1) + 5),
        ],
    )
    run(
        engine, [[quote(ts(1), "1.09990", "1.10000"), quote(ts(2), "1.09980", "1.09990")]], strategy
    )
    assert strategy.records == [
        (ts(1), "QuoteTick", EURUSD, "1.09990", "1.10000"),
        (ts(1) + 5, "TimeEvent", "sooner"),
        (ts(1) + 7, "TimeEvent", "later"),
        (ts(2), "QuoteTick", EURUSD, "1.09980", "1.09990"),
        # a timer exactly at the last data timestamp still fires, after that data
        (ts(2), "TimeEvent", "last"),
    ]


def test_same_timestamp_bars_in_stream_added_order_only_most_granular_moves_market():
    five = "EUR/USD.SIM-5-MINUTE-LAST-EXTERNAL"
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD, bar_types=[BAR, five], at={ts(4): [Limit("ask", "SELL", "100000", "1.10200")]}
    )
    run(
        engine,
        [
            [bar(5, "1.10000", "1.10200", "1.10000", "1.10200", bar_type=five)],
            [
                flat_bar(4),
                bar(5, "1.10000", "1.10100", "1.10000", "1.10100"),
                bar(6, "1.10100", "1.10200", "1.10100", "1.10200"),
            ],
        ],
        strategy,
    )
    # the 5-minute bar reaches 1.10200 at ts(5) but only the 1-minute bars drive matching
    assert strategy.trace(skip=ORDERS_ONLY) == [
        (ts(4), "Bar", BAR, "1.10000"),
        (ts(4), "OrderAccepted", "ask"),
        (ts(5), "Bar", five, "1.10200"),
        (ts(5), "Bar", BAR, "1.10100"),
        fill_row(ts(6), "ask", "SELL", "100000", "1.10200", "MAKER"),
        (ts(6), "Bar", BAR, "1.10200"),
    ]


# -- positions and money ----------------------------------------------------------------------


def test_netting_flip_through_zero_closes_and_opens_with_commission_split():
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD,
        at={
            ts(1): [Market("long", "BUY", "100000")],
            ts(2): [Market("flip", "SELL", "200000")],
        },
    )
    run(
        engine, [[quote(ts(1), "1.09990", "1.10000"), quote(ts(2), "1.10100", "1.10110")]], strategy
    )
    position_id = "EUR/USD.SIM-ScriptedStrategy-000"
    assert [r for r in strategy.records if r[1].startswith("Position")] == [
        (ts(1), "PositionOpened", position_id, "100000"),
        (ts(2), "PositionClosed", position_id, "0"),
        (ts(2), "PositionOpened", position_id, "-100000"),
    ]
    # fills: 100000 × 1.10000 × 0.00002 = 2.20; 200000 × 1.10100 × 0.00002 = 4.404 → 4.40,
    # split 2.20 to the closing half and 2.20 to the opening half
    assert [f.commission for f in strategy.fills()] == [
        Money.from_str("2.20 USD"),
        Money.from_str("4.40 USD"),
    ]
    closed = list(engine.cache.position_snapshots())
    assert len(closed) == 1
    assert [str(c) for c in closed[0].commissions()] == ["4.40 USD"]  # 2.20 + 2.20
    assert closed[0].realized_pnl == Money.from_str("95.60 USD")  # 100 − 2.20 − 2.20
    (short,) = [p for p in engine.cache.positions() if p.is_open]
    assert [str(c) for c in short.commissions()] == ["2.20 USD"]
    assert (str(short.signed_qty), short.realized_pnl) == ("-100000", Money.from_str("-2.20 USD"))
    # 1,000,000 + 100.00 − 2.20 − 4.40
    assert balance(engine) == Money.from_str("1000093.40 USD")


def test_hedging_positions_are_separate_and_close_by_position_id():
    engine = make_engine(oms_type=OmsType.HEDGING)
    prefix = "EUR/USD.SIM-ScriptedStrategy-000"
    strategy = ScriptedStrategy(
        EURUSD,
        at={
            ts(1): [Market("a", "BUY", "100000")],
            ts(2): [Market("b", "BUY", "50000")],
            ts(3): [Market("c", "SELL", "20000")],
            ts(4): [Market("close_a", "SELL", "100000", position_id=f"{prefix}-1")],
        },
    )
    run(
        engine,
        [
            [
                quote(ts(1), "1.09990", "1.10000"),
                quote(ts(2), "1.09990", "1.10000"),
                quote(ts(3), "1.09990", "1.10000"),
                quote(ts(4), "1.10190", "1.10200"),
            ]
        ],
        strategy,
    )
    assert [r for r in strategy.records if r[1].startswith("Position")] == [
        (ts(1), "PositionOpened", f"{prefix}-1", "100000"),
        (ts(2), "PositionOpened", f"{prefix}-2", "50000"),
        (ts(3), "PositionOpened", f"{prefix}-3", "-20000"),
        (ts(4), "PositionClosed", f"{prefix}-1", "0"),
    ]
    # a: (1.10190 − 1.10000) × 100000 = 190.00, less 2.20 + 2.20 commission
    position_a = engine.cache.position(PositionId(f"{prefix}-1"))
    assert position_a.realized_pnl == Money.from_str("185.60 USD")
    # commissions 2.20 (a) + 1.10 (b) + 0.44 (c: 20000 × 1.09990 × 0.00002 = 0.43996)
    # + 2.20 (close: 100000 × 1.10190 × 0.00002 = 2.2038)
    assert [f.commission for f in strategy.fills()] == [
        Money.from_str(c) for c in ("2.20 USD", "1.10 USD", "0.44 USD", "2.20 USD")
    ]
    assert balance(engine) == Money.from_str("1000184.06 USD")  # + 190 − 5.94


# -- bad data and bad orders ------------------------------------------------------------------


def test_bad_data_is_dropped_counted_and_never_reaches_strategies():
    engine = make_engine()
    strategy = ScriptedStrategy(EURUSD, quotes=[EURUSD], bar_types=[BAR])
    coarse = QuoteTick(
        InstrumentId.from_str(EURUSD),
        Price.from_str("1.1000"),
        Price.from_str("1.1001"),
        Quantity.from_str("1000000"),
        Quantity.from_str("1000000"),
        ts(2),
        ts(2),
    )
    unknown = quote(ts(3), "149.990", "150.000", instrument_id="USD/JPY.SIM")
    zero_bid = quote(ts(3), "0.00000", "1.10000")
    # the checked raw constructor allows a negative price (some markets have them)
    negative_bar = Bar.from_raw(BarType.from_str(BAR), 0, 0, -10_000, 0, 5, 10**15, 0, ts(3), ts(3))
    engine.add_data(
        [
            quote(ts(1), "1.09990", "1.10000"),
            coarse,
            unknown,
            zero_bid,
            negative_bar,
            quote(ts(4), "1.09990", "1.10000"),
        ]
    )
    e9 = 10**9
    engine.add_data(
        {
            "ts_event": np.array([ts(1), ts(2), ts(1), ts(5)], dtype=np.int64),
            "ts_init": np.array([ts(1), ts(2), ts(1), ts(5)], dtype=np.int64),
            "open": np.array([11 * e9 // 10, 0, 11 * e9 // 10, 11 * e9 // 10], dtype=np.int64),
            "high": np.array([11 * e9 // 10, 0, 11 * e9 // 10, 11 * e9 // 10], dtype=np.int64),
            "low": np.array([11 * e9 // 10, 0, 11 * e9 // 10, 11 * e9 // 10], dtype=np.int64),
            "close": np.array([11 * e9 // 10, 0, 11 * e9 // 10, 11 * e9 // 10], dtype=np.int64),
            "volume": np.full(4, 1_000_000 * e9, dtype=np.int64),
        },
        bar_type=BAR,
    )
    engine.add_strategy(strategy)
    engine.run()
    result = engine.get_result()
    assert result.drop_reasons == {
        "price precision 4 != instrument EUR/USD.SIM price_precision 5": 1,
        "unknown instrument USD/JPY.SIM": 1,
        "low 0.00000 <= 0": 1,
        "price <= 0 (bid 0.00000, ask 1.10000)": 1,
        "low -0.00001 <= 0": 1,
        "ts_init going backwards": 1,
    }
    assert result.dropped_data == 6
    assert [(r[0], r[1]) for r in strategy.records] == [
        (ts(1), "QuoteTick"),
        (ts(1), "Bar"),
        (ts(4), "QuoteTick"),
        (ts(5), "Bar"),
    ]
    engine.reset()
    engine.run()
    again = engine.get_result()
    assert (again.dropped_data, again.drop_reasons) == (6, result.drop_reasons)


def test_bad_orders_are_denied_with_a_reason_naming_the_field():
    engine = make_engine()
    strategy = ScriptedStrategy(
        EURUSD,
        at={
            ts(1): [
                Market("fine", "BUY", "100000.5"),
                Market("small", "BUY", "500"),
                Limit("zero", "BUY", "100000", "0.00000"),
                Limit("coarse_px", "BUY", "100000", "1.099995"),
                Market("reduce", "SELL", "100000", reduce_only=True),
            ]
        },
    )
    run(engine, [[quote(ts(1), "1.09990", "1.10000")]], strategy)
    reduce_id = strategy.orders["reduce"].client_order_id
    assert strategy.trace(skip=EVENTS_ONLY) == [
        (
            ts(1),
            "OrderDenied",
            "fine",
            "quantity precision 1 exceeds instrument EUR/USD.SIM size_precision 0",
        ),
        (ts(1), "OrderDenied", "small", "quantity 500 is below min_quantity 1000"),
        (ts(1), "OrderDenied", "zero", "price 0.00000 invalid, expected > 0"),
        (
            ts(1),
            "OrderDenied",
            "coarse_px",
            "price precision 6 exceeds instrument EUR/USD.SIM price_precision 5",
        ),
        (
            ts(1),
            "OrderDenied",
            "reduce",
            f"reduce_only order {reduce_id} would increase the position (position 0)",
        ),
    ]
    assert engine.get_result().denied_orders == 5
    assert engine.fills == []


# -- failing handlers -------------------------------------------------------------------------


def test_on_bar_raising_faults_only_that_strategy_and_logs_the_traceback(capsys):
    engine = make_engine()
    failing = ScriptedStrategy(EURUSD, bar_types=[BAR], fail_on_bar=True, tag="001")
    healthy = ScriptedStrategy(
        EURUSD, bar_types=[BAR], tag="002", at={ts(2): [Market("m", "BUY", "100000")]}
    )
    run(engine, [[flat_bar(1), flat_bar(2), flat_bar(3)]], failing, healthy)
    assert failing.state.name == "FAULTED"
    assert failing.records == [(ts(1), "Bar", BAR, "1.10000")]
    assert healthy.trace(skip=ORDERS_ONLY) == [
        (ts(1), "Bar", BAR, "1.10000"),
        (ts(2), "Bar", BAR, "1.10000"),
        (ts(2), "OrderAccepted", "m"),
        fill_row(ts(2), "m", "BUY", "100000", "1.10000"),
        (ts(3), "Bar", BAR, "1.10000"),
    ]
    assert engine.get_result().handler_errors == 1
    err = capsys.readouterr().err
    assert "on_bar raised" in err
    assert "Traceback (most recent call last)" in err
    assert "RuntimeError: scripted failure on bar" in err


def test_on_bar_raising_with_raise_handler_errors_stops_the_run():
    engine = make_engine(raise_handler_errors=True)
    failing = ScriptedStrategy(EURUSD, bar_types=[BAR], fail_on_bar=True)
    engine.add_data([flat_bar(1), flat_bar(2)])
    engine.add_strategy(failing)
    with pytest.raises(StrategyError, match="on_bar raised"):
        engine.run()
    assert failing.records == [(ts(1), "Bar", BAR, "1.10000")]
    # the state up to the failure is kept and reportable
    assert engine.get_result().handler_errors == 1


# -- determinism ------------------------------------------------------------------------------


def test_reset_then_run_again_gives_the_same_digest_and_events():
    engine = make_engine(
        fill_model=FillModel(prob_fill_on_limit=0.5, prob_slippage=0.5, random_seed=7)
    )
    strategy = ScriptedStrategy(
        EURUSD,
        bar_types=[BAR],
        at={
            ts(1): [Market("a", "BUY", "100000"), Limit("b", "SELL", "100000", "1.10200")],
            ts(3): [Market("c", "SELL", "200000")],
            ts(5): [Limit("d", "BUY", "100000", "1.09800")],
        },
    )
    prices = ["1.10000", "1.10200", "1.10100", "1.09900", "1.09800", "1.09900", "1.10000"]
    bars = [
        bar(i + 1, p, str(Decimal(p) + Decimal("0.00200")), str(Decimal(p) - Decimal("0.00200")), p)
        for i, p in enumerate(prices)
    ]
    run(engine, [bars], strategy)
    first = engine.get_result()
    first_records = list(strategy.records)
    assert first.total_fills >= 3
    engine.reset()
    engine.run()
    second = engine.get_result()
    assert second.digest == first.digest
    assert second.total_fills == first.total_fills
    assert strategy.records == first_records
