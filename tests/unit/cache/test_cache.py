"""Unit tests of `Cache` (core/cache/cache.pyx): indexes of orders, positions, accounts, data."""

import gc

import pytest
from core.cache.cache import Cache
from core.model.accounts import CashAccount, MarginAccount
from core.model.events import OrderFilled
from core.model.position import Position

from core.errors import ValidationError
from core.model.currency import Currency
from core.model.data import Bar, BarType, QuoteTick, TradeTick
from core.model.enums import AggressorSide, LiquiditySide, OrderSide, OrderType
from core.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    Venue,
)
from core.model.objects import Money, Price, Quantity
from core.model.uuid import UUIDFactory
from core.testkit import TestInstrumentProvider
from tests.kit.order_events import ACCOUNT, STRATEGY, TRADER, VENUE_ORDER, EventBuilder

USD = Currency.from_str("USD")
EURUSD = TestInstrumentProvider.default_fx_ccy("EUR/USD")
GBPUSD = TestInstrumentProvider.default_fx_ccy("GBP/USD")
AAPL = TestInstrumentProvider.equity()
OTHER = StrategyId("S-002")
BUY, SELL = OrderSide.BUY, OrderSide.SELL
_UUIDS = UUIDFactory(11)


def fill(instrument, side, qty, position_id, strategy=STRATEGY, coid="O-1", trade="T-1"):
    return OrderFilled(
        TRADER,
        strategy,
        instrument.id,
        ClientOrderId(coid),
        VENUE_ORDER,
        ACCOUNT,
        TradeId(trade),
        PositionId(position_id),
        side,
        OrderType.MARKET,
        Quantity.from_str(qty),
        Price.from_str("1.10000") if instrument.price_precision == 5 else Price.from_str("100.00"),
        USD,
        Money(0, USD),
        LiquiditySide.TAKER,
        _UUIDS.generate(),
        1,
        1,
    )


def position(instrument, side, qty, position_id, strategy=STRATEGY):
    return Position(instrument, fill(instrument, side, qty, position_id, strategy))


@pytest.fixture
def cache():
    c = Cache()
    c.add_instrument(EURUSD)
    c.add_instrument(GBPUSD)
    c.add_instrument(AAPL)
    return c


# -- instruments ----------------------------------------------------------------------------


def test_cache_instrument_added_is_returned_and_unknown_is_none(cache):
    assert cache.instrument(EURUSD.id) is EURUSD
    assert cache.instrument(InstrumentId.from_str("USD/JPY.SIM")) is None


def test_cache_instruments_filtered_by_venue_keep_insertion_order(cache):
    assert cache.instruments() == [EURUSD, GBPUSD, AAPL]
    assert cache.instrument_ids(Venue("SIM")) == [EURUSD.id, GBPUSD.id]
    assert cache.instruments(Venue("XNAS")) == [AAPL]
    assert cache.instruments(Venue("NOWHERE")) == []


# -- orders ---------------------------------------------------------------------------------


def test_cache_add_order_duplicate_client_order_id_raises(cache):
    b = EventBuilder()
    cache.add_order(b.market(coid="O-1"))
    with pytest.raises(ValidationError, match=r"Cache: client_order_id O-1 already exists"):
        cache.add_order(b.limit(coid="O-1"))
    assert cache.orders_total_count() == 1


def test_cache_order_unknown_is_none(cache):
    assert cache.order(ClientOrderId("O-404")) is None


def test_cache_initialized_order_is_neither_open_nor_closed(cache):
    order = EventBuilder().limit(coid="O-1")
    cache.add_order(order)
    assert cache.order(ClientOrderId("O-1")) is order
    assert cache.orders_open() == []
    assert cache.orders_closed() == []


@pytest.mark.parametrize(
    ("steps", "is_open", "is_closed"),
    [
        (["submitted"], True, False),
        (["submitted", "accepted"], True, False),
        (["submitted", "accepted", "pending_cancel"], True, False),
        (["submitted", "accepted", "canceled"], False, True),
        (["submitted", "rejected"], False, True),
        (["denied"], False, True),
        (["submitted", "accepted", "expired"], False, True),
    ],
)
def test_cache_update_order_after_events_moves_between_open_and_closed(
    cache, steps, is_open, is_closed
):
    b = EventBuilder()
    order = b.limit(coid="O-1")
    cache.add_order(order)
    for step in steps:
        order.apply(getattr(b, step)(order))
        cache.update_order(order)
    assert (cache.orders_open() == [order]) is is_open
    assert (cache.orders_closed() == [order]) is is_closed
    assert cache.orders_open_count() == int(is_open)


def test_cache_partially_filled_order_stays_open_and_full_fill_closes_it(cache):
    b = EventBuilder()
    order = b.limit(coid="O-1", qty="100000")
    cache.add_order(order)
    for event in (b.submitted(order), b.accepted(order), b.filled(order, "40000")):
        order.apply(event)
        cache.update_order(order)
    assert cache.orders_open() == [order]
    order.apply(b.filled(order, "60000"))
    cache.update_order(order)
    assert cache.orders_open() == []
    assert cache.orders_closed() == [order]


def test_cache_add_order_already_open_is_indexed_open(cache):
    b = EventBuilder()
    order = b.limit(coid="O-1")
    order.apply(b.submitted(order))
    cache.add_order(order)
    assert cache.orders_open() == [order]


def test_cache_orders_filters_by_instrument_strategy_and_side(cache):
    b = EventBuilder()
    o1 = b.limit(coid="O-1", side=BUY)
    o2 = b.limit(coid="O-2", side=SELL, instrument=GBPUSD.id)
    o3 = b.market(coid="O-3", side=SELL)
    for order in (o1, o2, o3):
        cache.add_order(order)
        order.apply(b.submitted(order))
        cache.update_order(order)
    assert cache.orders() == [o1, o2, o3]
    assert cache.orders(EURUSD.id) == [o1, o3]
    assert cache.orders(side=SELL) == [o2, o3]
    assert cache.orders(strategy_id=STRATEGY) == [o1, o2, o3]
    assert cache.orders(strategy_id=OTHER) == []
    assert cache.orders_open(EURUSD.id, STRATEGY, SELL) == [o3]
    assert cache.orders_open(strategy_id=OTHER) == []
    assert cache.orders_open_count(GBPUSD.id) == 1


def test_cache_add_order_with_position_id_indexes_the_target_position(cache):
    b = EventBuilder()
    cache.add_order(b.market(coid="O-1"), PositionId("P-7"))
    cache.add_order(b.market(coid="O-2"))
    assert cache.position_id_for_order(ClientOrderId("O-1")) == PositionId("P-7")
    assert cache.position_id_for_order(ClientOrderId("O-2")) is None
    cache.add_position_id_for_order(ClientOrderId("O-2"), PositionId("P-8"))
    assert cache.position_id_for_order(ClientOrderId("O-2")) == PositionId("P-8")


def _position_index(cache):
    # The cache's order -> position index (a C attribute, reached through the GC referents).
    [index] = [
        d
        for d in gc.get_referents(cache)
        if isinstance(d, dict) and any(isinstance(v, PositionId) for v in d.values())
    ] or [{}]
    return index


def test_cache_filled_order_drops_its_index_entry_and_answers_from_the_order(cache):
    b = EventBuilder()
    order = b.market(coid="O-1", qty="100000")
    cache.add_order(order, PositionId("P-7"))
    for event in (
        b.submitted(order),
        b.accepted(order),
        b.filled(order, "40000", position_id="P-7"),
    ):
        order.apply(event)
        cache.update_order(order)
    assert ClientOrderId("O-1") in _position_index(cache)
    order.apply(b.filled(order, "60000", position_id="P-7"))
    cache.update_order(order)
    assert ClientOrderId("O-1") not in _position_index(cache)
    assert cache.position_id_for_order(ClientOrderId("O-1")) == PositionId("P-7")


def test_cache_order_closed_unfilled_keeps_its_position_id(cache):
    b = EventBuilder()
    order = b.limit(coid="O-1")
    cache.add_order(order, PositionId("P-7"))
    for event in (b.submitted(order), b.accepted(order), b.canceled(order)):
        order.apply(event)
        cache.update_order(order)
    assert order.is_closed and order.position_id is None
    assert cache.position_id_for_order(ClientOrderId("O-1")) == PositionId("P-7")


# -- positions ------------------------------------------------------------------------------


def test_cache_position_open_then_closed_moves_out_of_the_open_index(cache):
    pos = position(EURUSD, BUY, "100000", "P-1")
    cache.add_position(pos)
    assert cache.position(PositionId("P-1")) is pos
    assert cache.positions_open() == [pos]
    assert cache.positions_closed() == []
    pos.apply(fill(EURUSD, SELL, "100000", "P-1", coid="O-2", trade="T-2"))
    cache.update_position(pos)
    assert cache.positions_open() == []
    assert cache.positions_closed() == [pos]
    assert cache.positions() == [pos]
    assert cache.positions_open_count() == 0


def test_cache_positions_filter_by_instrument_and_strategy(cache):
    p1 = position(EURUSD, BUY, "100000", "P-1")
    p2 = position(GBPUSD, SELL, "50000", "P-2")
    p3 = position(EURUSD, SELL, "20000", "P-3", strategy=OTHER)
    for p in (p1, p2, p3):
        cache.add_position(p)
    assert cache.positions_open(EURUSD.id) == [p1, p3]
    assert cache.positions_open(strategy_id=OTHER) == [p3]
    assert cache.positions(GBPUSD.id, STRATEGY) == [p2]
    assert cache.positions_open_count(EURUSD.id, STRATEGY) == 1


def test_cache_position_unknown_is_none(cache):
    assert cache.position(PositionId("P-404")) is None


def test_cache_snapshot_position_keeps_the_closed_state(cache):
    pos = position(EURUSD, BUY, "100000", "P-1")
    cache.snapshot_position(pos)
    assert cache.position_snapshots() == [pos]
    cache.position_snapshots().clear()  # a copy: the cache's list is untouched
    assert cache.position_snapshots() == [pos]


def test_cache_net_position_raw_netting_single_position(cache):
    cache.add_position(position(EURUSD, SELL, "30000", "EUR/USD.SIM-S-001"))
    assert cache.net_position_raw(EURUSD.id) == -30_000 * 10**9
    assert cache.net_position_raw(EURUSD.id, STRATEGY) == -30_000 * 10**9
    assert cache.net_position_raw(GBPUSD.id) == 0


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (None, (100_000 - 30_000 + 20_000 - 5_000) * 10**9),
        (STRATEGY, (100_000 - 30_000 + 20_000) * 10**9),
        (OTHER, -5_000 * 10**9),
        (StrategyId("S-999"), 0),
    ],
)
def test_cache_net_position_raw_hedging_sums_every_open_position(cache, strategy, expected):
    cache.add_position(position(EURUSD, BUY, "100000", "P-1"))
    cache.add_position(position(EURUSD, SELL, "30000", "P-2"))
    cache.add_position(position(EURUSD, BUY, "20000", "P-3"))
    cache.add_position(position(EURUSD, SELL, "5000", "P-4", strategy=OTHER))
    cache.add_position(position(GBPUSD, BUY, "70000", "P-5"))
    closed = position(EURUSD, BUY, "40000", "P-6")
    closed.apply(fill(EURUSD, SELL, "40000", "P-6", coid="O-2", trade="T-2"))
    cache.add_position(closed)
    assert cache.net_position_raw(EURUSD.id, strategy) == expected


# -- accounts -------------------------------------------------------------------------------


def test_cache_accounts_by_id_and_by_venue(cache):
    sim = MarginAccount(AccountId("SIM-001"), USD, [Money(1_000, USD)])
    xnas = CashAccount(AccountId("XNAS-001"), USD, [Money(500, USD)])
    cache.add_account(sim)
    cache.add_account(xnas)
    assert cache.account(AccountId("SIM-001")) is sim
    assert cache.account(AccountId("SIM-002")) is None
    assert cache.account_for_venue(Venue("SIM")) is sim
    assert cache.account_for_venue(Venue("XNAS")) is xnas
    assert cache.account_for_venue(Venue("BINANCE")) is None
    assert cache.accounts() == [sim, xnas]


# -- market data ----------------------------------------------------------------------------


def quote(bid, ask, ts, instrument=EURUSD):
    return QuoteTick(
        instrument.id,
        Price.from_str(bid),
        Price.from_str(ask),
        Quantity.from_str("1000000"),
        Quantity.from_str("1000000"),
        ts,
        ts,
    )


BAR_TYPE = BarType.from_str("EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL")


def bar(close, ts):
    px = Price.from_str(close)
    return Bar(BAR_TYPE, px, px, px, px, Quantity.from_str("1000000"), ts, ts)


def trade(px, ts):
    return TradeTick(
        EURUSD.id,
        Price.from_str(px),
        Quantity.from_str("1000"),
        AggressorSide.BUYER,
        TradeId(f"T-{ts}"),
        ts,
        ts,
    )


def test_cache_market_data_keeps_the_last_value_per_key(cache):
    assert cache.quote_tick(EURUSD.id) is None
    assert cache.trade_tick(EURUSD.id) is None
    assert cache.bar(BAR_TYPE) is None
    assert not cache.has_quote_ticks(EURUSD.id)
    assert not cache.has_bars(BAR_TYPE)
    q1, q2 = quote("1.10000", "1.10010", 1), quote("1.10020", "1.10030", 2)
    g1 = quote("1.30000", "1.30010", 1, instrument=GBPUSD)
    for q in (q1, g1, q2):
        cache.add_quote_tick(q)
    t1, t2 = trade("1.10000", 1), trade("1.10005", 2)
    cache.add_trade_tick(t1)
    cache.add_trade_tick(t2)
    b1, b2 = bar("1.10000", 60), bar("1.10100", 120)
    cache.add_bar(b1)
    cache.add_bar(b2)
    assert cache.quote_tick(EURUSD.id) is q2
    assert cache.quote_tick(GBPUSD.id) is g1
    assert cache.trade_tick(EURUSD.id) is t2
    assert cache.bar(BAR_TYPE) is b2
    assert cache.has_quote_ticks(EURUSD.id)
    assert cache.has_bars(BAR_TYPE)


def test_cache_reset_clears_state_and_keeps_instruments(cache):
    b = EventBuilder()
    order = b.limit(coid="O-1")
    order.apply(b.submitted(order))
    cache.add_order(order, PositionId("P-1"))
    cache.add_position(position(EURUSD, BUY, "100000", "P-1"))
    cache.snapshot_position(position(EURUSD, BUY, "100000", "P-0"))
    cache.add_account(MarginAccount(AccountId("SIM-001"), USD, [Money(1_000, USD)]))
    cache.add_quote_tick(quote("1.10000", "1.10010", 1))
    cache.add_trade_tick(trade("1.10000", 1))
    cache.add_bar(bar("1.10000", 60))

    cache.reset()

    assert cache.instruments() == [EURUSD, GBPUSD, AAPL]
    assert cache.orders() == []
    assert cache.orders_open() == []
    assert cache.orders_total_count() == 0
    assert cache.position_id_for_order(ClientOrderId("O-1")) is None
    assert cache.positions() == []
    assert cache.positions_open() == []
    assert cache.position_snapshots() == []
    assert cache.net_position_raw(EURUSD.id) == 0
    assert cache.accounts() == []
    assert cache.account_for_venue(Venue("SIM")) is None
    assert cache.quote_tick(EURUSD.id) is None
    assert cache.trade_tick(EURUSD.id) is None
    assert cache.bar(BAR_TYPE) is None
    # The same client order id can be used again after a reset.
    cache.add_order(EventBuilder().limit(coid="O-1"))
    assert cache.orders_total_count() == 1
