"""Differential test: the Cython `OrderMatchingEngine` (driven by a real `BacktestEngine`) must
emit the same order events, in the same global order, as the pure-Python reference venue in
``tests/kit/reference_matching.py`` on hypothesis-generated streams.

How the Cython side is driven
-----------------------------
* One instrument ``EUR/USD.SIM`` with price increment 0.5 at price precision 1 and size
  increment 10 at size precision 0, so off-tick prices (``x.1``) and off-lot quantities (``15``)
  can be expressed and the venue's own INVALID_PRICE / INVALID_QUANTITY checks are reached.
* ``RiskEngineConfig(bypass=True)``: the RiskEngine forwards every command, so the venue sees
  every order (pre-trade checks would otherwise deny off-tick, off-lot or reduce-only orders
  before the venue and the two sides could not be compared).
* A `_ScriptedStrategy` subscribes to the data and, in ``on_quote_tick`` / ``on_trade_tick`` /
  ``on_bar``, issues the commands that follow that data item in the reference stream; with zero
  latency they are settled right after the data point, as the reference assumes. Commands that
  come before any market data are issued on a quote of a second instrument (``GBP/USD.SIM``,
  never traded) one nanosecond before the stream starts: commands sent from ``on_start`` would
  only reach the venue after the first data point.
* Cancel and modify commands are sent to the RiskEngine directly (not through
  ``Strategy.cancel_order`` / ``modify_order``), so cancels/modifies of closed or unknown orders
  and empty modifies reach the venue as in the reference.
* Events come from ``on_order_event``. Cancel/modify rejections of closed or unknown orders
  (reasons ORDER_CLOSED / UNKNOWN_ORDER) cannot reach a strategy: the ExecutionEngine drops
  events for unknown orders and for orders in a terminal status, and counts them in
  ``rejected_event_count``. Those reference events are compared by that count instead.
* Compared per event: ts_event, order, kind, reason / quantity / prices, liquidity and the
  venue's trade counter (reference ``T-<n>``, Cython ``SIM-1-<n>``). The OmsType is drawn
  too: reduce_only uses the strategy's net position under NETTING and HEDGING alike.
* Duplicate client order ids are not generated: the ExecutionEngine caches an order by id, so a
  second order object with the same id cannot be followed through the strategy.
"""

from __future__ import annotations

from decimal import Decimal

from core.backtest.models import FillModel
from core.model.commands import CancelOrder, ModifyOrder
from core.trading.strategy import Strategy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.backtest.config import BacktestEngineConfig
from core.backtest.engine import BacktestEngine
from core.model.currency import Currency
from core.model.data import Bar, BarType, QuoteTick, TradeTick
from core.model.enums import (
    AccountType,
    AggressorSide,
    LiquiditySide,
    OmsType,
    OrderSide,
    TimeInForce,
)
from core.model.identifiers import ClientOrderId, InstrumentId, Symbol, TradeId, Venue
from core.model.instruments import CurrencyPair
from core.model.objects import Money, Price, Quantity
from core.model.uuid import UUIDFactory
from core.risk.config import RiskEngineConfig
from tests.kit import reference_matching as ref

UNIT = 10**9
PRICE_PRECISION = 1
SIZE_PRECISION = 0
TICK = UNIT // 2  # price increment 0.5
LOT = 10 * UNIT  # size increment 10
OFF_TICK = UNIT // 10  # 0.1: on the precision grid, off the tick grid
OFF_LOT = 5 * UNIT  # 5 units: on the precision grid, off the lot grid
MINUTE = 60 * UNIT
T0 = 1_700_000_000 * UNIT  # first market data item of a stream
PRE_TS = T0 - 1  # the dummy quote that carries the commands before any market data

USD = Currency.from_str("USD")
VENUE = Venue("SIM")
INSTRUMENT_ID = InstrumentId(Symbol("EUR/USD"), VENUE)
DUMMY_ID = InstrumentId(Symbol("GBP/USD"), VENUE)
BAR_TYPE = BarType.from_str("EUR/USD.SIM-1-MINUTE-LAST-EXTERNAL")

_SIDES = {ref.BUY: OrderSide.BUY, ref.SELL: OrderSide.SELL}
_TIFS = {
    ref.GTC: TimeInForce.GTC,
    ref.IOC: TimeInForce.IOC,
    ref.FOK: TimeInForce.FOK,
    ref.GTD: TimeInForce.GTD,
    ref.DAY: TimeInForce.DAY,
}
_LIQUIDITY = {LiquiditySide.MAKER: ref.MAKER, LiquiditySide.TAKER: ref.TAKER}
# Reasons of venue events the ExecutionEngine drops (closed or unknown order).
_UNDELIVERABLE = (ref.R_ORDER_CLOSED, ref.R_UNKNOWN_ORDER)


def _instrument(symbol: str) -> CurrencyPair:
    instrument_id = InstrumentId(Symbol(symbol), VENUE)
    return CurrencyPair(
        instrument_id=instrument_id,
        raw_symbol=Symbol(symbol),
        base_currency=Currency.from_str(symbol[:3]),
        quote_currency=USD,
        price_precision=PRICE_PRECISION,
        size_precision=SIZE_PRECISION,
        price_increment=Price(Decimal("0.5"), PRICE_PRECISION),
        size_increment=Quantity(10, SIZE_PRECISION),
        ts_event=0,
        ts_init=0,
        margin_init=Decimal("0.01"),
        margin_maint=Decimal("0.01"),
        maker_fee=Decimal("0"),
        taker_fee=Decimal("0"),
    )


def _price(raw: int) -> Price:
    return Price.from_raw(raw, PRICE_PRECISION)


def _qty(raw: int) -> Quantity:
    return Quantity.from_raw(raw, SIZE_PRECISION)


# --------------------------------------------------------------------------------------------
# Event normalisation (both sides map to the same tuples)
# --------------------------------------------------------------------------------------------


def _ref_key(event) -> tuple:
    kind = type(event).__name__
    if isinstance(event, ref.Filled):
        count = int(event.trade_id.rsplit("-", 1)[1])
        return (
            event.ts,
            event.order_id,
            kind,
            count,
            event.last_qty,
            event.last_px,
            event.liquidity,
        )
    if isinstance(event, (ref.Rejected, ref.ModifyRejected, ref.CancelRejected)):
        return (event.ts, event.order_id, kind, event.reason)
    if isinstance(event, ref.Updated):
        return (event.ts, event.order_id, kind, event.quantity, event.price, event.trigger_price)
    return (event.ts, event.order_id, kind)


def _is_undeliverable(event) -> bool:
    return isinstance(event, (ref.ModifyRejected, ref.CancelRejected)) and (
        event.reason in _UNDELIVERABLE
    )


def _cy_key(event, rid: str) -> tuple | None:
    kind = type(event).__name__
    ts = event.ts_event
    if kind == "OrderFilled":
        return (
            ts,
            rid,
            "Filled",
            int(event.trade_id.value.rsplit("-", 1)[1]),  # the venue's trade counter
            event.last_qty.raw,
            event.last_px.raw,
            _LIQUIDITY[event.liquidity_side],
        )
    if kind in ("OrderRejected", "OrderModifyRejected", "OrderCancelRejected"):
        return (ts, rid, kind[len("Order") :], event.reason)
    if kind == "OrderUpdated":
        return (
            ts,
            rid,
            "Updated",
            event.quantity.raw,
            None if event.price is None else event.price.raw,
            None if event.trigger_price is None else event.trigger_price.raw,
        )
    if kind in ("OrderAccepted", "OrderTriggered", "OrderCanceled", "OrderExpired"):
        return (ts, rid, kind[len("Order") :])
    return None  # local events: OrderInitialized, OrderSubmitted, OrderPending*


# --------------------------------------------------------------------------------------------
# The scripted strategy
# --------------------------------------------------------------------------------------------


class _ScriptedStrategy(Strategy):
    """Issues, at each data point, the reference commands that follow it in the stream."""

    def __init__(self, blocks: list[list]) -> None:
        super().__init__()
        self._blocks = blocks  # commands after data point i (0 = the dummy quote)
        self._next = 0
        self._command_uuids = UUIDFactory(7)
        self.orders = {}  # reference id -> Order
        self.rid_of = {}  # ClientOrderId -> reference id
        self.events: list[tuple] = []

    def on_start(self) -> None:
        self.subscribe_quote_ticks(DUMMY_ID)
        self.subscribe_quote_ticks(INSTRUMENT_ID)
        self.subscribe_trade_ticks(INSTRUMENT_ID)
        self.subscribe_bars(BAR_TYPE)

    def on_quote_tick(self, tick) -> None:
        self._run_block()

    def on_trade_tick(self, tick) -> None:
        self._run_block()

    def on_bar(self, bar) -> None:
        self._run_block()

    def on_order_event(self, event) -> None:
        key = _cy_key(event, self.rid_of[event.client_order_id])
        if key is not None:
            self.events.append(key)

    def _run_block(self) -> None:
        block = self._blocks[self._next]
        self._next += 1
        for command in block:
            if isinstance(command, ref.Submit):
                self._submit(command.order)
            elif isinstance(command, ref.Cancel):
                self._cancel(command.order_id)
            else:
                self._modify(command)

    def _client_order_id(self, rid: str) -> ClientOrderId:
        order = self.orders.get(rid)
        if order is not None:
            return order.client_order_id
        client_order_id = ClientOrderId(f"UNKNOWN-{rid}")
        self.rid_of[client_order_id] = rid
        return client_order_id

    def _submit(self, o: ref.Order) -> None:
        factory = self.order_factory
        side = _SIDES[o.side]
        qty = _qty(o.quantity)
        tif = _TIFS[o.tif]
        extra = {"time_in_force": tif, "reduce_only": o.reduce_only}
        if o.tif == ref.GTD:
            extra["expire_time"] = o.expire_time_ns
        if o.type == ref.MARKET:
            order = factory.market(INSTRUMENT_ID, side, qty, **extra)
        elif o.type == ref.LIMIT:
            order = factory.limit(
                INSTRUMENT_ID, side, qty, _price(o.price), post_only=o.post_only, **extra
            )
        elif o.type == ref.STOP_MARKET:
            order = factory.stop_market(INSTRUMENT_ID, side, qty, _price(o.trigger_price), **extra)
        elif o.type == ref.STOP_LIMIT:
            order = factory.stop_limit(
                INSTRUMENT_ID,
                side,
                qty,
                _price(o.price),
                _price(o.trigger_price),
                post_only=o.post_only,
                **extra,
            )
        elif o.type == ref.MARKET_IF_TOUCHED:
            order = factory.market_if_touched(
                INSTRUMENT_ID, side, qty, _price(o.trigger_price), **extra
            )
        else:
            order = factory.limit_if_touched(
                INSTRUMENT_ID,
                side,
                qty,
                _price(o.price),
                _price(o.trigger_price),
                post_only=o.post_only,
                **extra,
            )
        self.orders[o.id] = order
        self.rid_of[order.client_order_id] = o.id
        self.submit_order(order)

    def _cancel(self, rid: str) -> None:
        order = self.orders.get(rid)
        if order is not None and not order.is_closed:
            self.cancel_order(order)
            return
        self.msgbus.send(
            "RiskEngine.execute",
            CancelOrder(
                self.trader_id,
                self.strategy_id,
                INSTRUMENT_ID,
                self._client_order_id(rid),
                None if order is None else order.venue_order_id,
                self._command_uuids.generate(),
                self.clock.timestamp_ns(),
            ),
        )

    def _modify(self, cmd: ref.Modify) -> None:
        order = self.orders.get(cmd.order_id)
        quantity = None if cmd.quantity is None else _qty(cmd.quantity)
        price = None if cmd.price is None else _price(cmd.price)
        trigger_price = None if cmd.trigger_price is None else _price(cmd.trigger_price)
        if (
            order is not None
            and not order.is_closed
            and (quantity is not None or price is not None or trigger_price is not None)
        ):
            self.modify_order(order, quantity, price, trigger_price)
            return
        self.msgbus.send(
            "RiskEngine.execute",
            ModifyOrder(
                self.trader_id,
                self.strategy_id,
                INSTRUMENT_ID,
                self._client_order_id(cmd.order_id),
                None if order is None else order.venue_order_id,
                quantity,
                price,
                trigger_price,
                self._command_uuids.generate(),
                self.clock.timestamp_ns(),
            ),
        )


# --------------------------------------------------------------------------------------------
# Running both sides
# --------------------------------------------------------------------------------------------


def _to_data(item, index: int):
    if isinstance(item, ref.Quote):
        return QuoteTick(
            INSTRUMENT_ID,
            _price(item.bid),
            _price(item.ask),
            _qty(item.bid_size),
            _qty(item.ask_size),
            item.ts,
            item.ts,
        )
    if isinstance(item, ref.Trade):
        return TradeTick(
            INSTRUMENT_ID,
            _price(item.price),
            _qty(item.size),
            AggressorSide.NO_AGGRESSOR,
            TradeId(f"X-{index}"),
            item.ts,
            item.ts,
        )
    return Bar(
        BAR_TYPE,
        _price(item.open),
        _price(item.high),
        _price(item.low),
        _price(item.close),
        _qty(item.volume),
        item.ts,
        item.ts,
    )


def split_stream(stream: list) -> tuple[list, list[list]]:
    """Return (market data items, commands after each data point; index 0 = before any)."""
    data = []
    blocks: list[list] = [[]]
    for item in stream:
        if isinstance(item, (ref.Quote, ref.Trade, ref.Bar)):
            data.append(item)
            blocks.append([])
        else:
            blocks[-1].append(item)
    return data, blocks


def run_cython(
    config: ref.VenueConfig, stream: list, oms_type: OmsType = OmsType.NETTING
) -> tuple[list[tuple], int]:
    """Run `stream` through a BacktestEngine; return (event keys, dropped venue events).

    `oms_type` does not change the venue's behaviour: reduce_only uses the strategy's net
    position, which is the same whether positions are netted or hedged."""
    data, blocks = split_stream(stream)
    engine = BacktestEngine(
        BacktestEngineConfig(
            log_level="OFF",
            raise_handler_errors=True,
            risk_engine=RiskEngineConfig(bypass=True),
        )
    )
    engine.add_venue(
        VENUE,
        oms_type,
        AccountType.MARGIN,
        starting_balances=[Money(1_000_000_000, USD)],
        base_currency=USD,
        fill_model=FillModel(config.prob_fill_on_limit, config.prob_slippage, config.seed),
        bar_execution=config.bar_execution,
        bar_adaptive_high_low_ordering=config.bar_adaptive_high_low_ordering,
        reject_stop_orders=config.reject_stop_orders,
        fill_at_next_bar_open=config.fill_at_next_bar_open,
    )
    engine.add_instrument(_instrument("EUR/USD"))
    engine.add_instrument(_instrument("GBP/USD"))
    dummy = QuoteTick(
        DUMMY_ID, _price(100 * UNIT), _price(101 * UNIT), _qty(LOT), _qty(LOT), PRE_TS, PRE_TS
    )
    engine.add_data([dummy] + [_to_data(item, i) for i, item in enumerate(data)])
    strategy = _ScriptedStrategy(blocks)
    engine.add_strategy(strategy)
    engine.run()
    assert strategy._next == len(blocks), "every data point must reach the strategy"
    return strategy.events, engine.exec_engine.rejected_event_count


def run_reference(config: ref.VenueConfig, stream: list) -> tuple[list[tuple], int]:
    events = ref.simulate(config, stream)
    keys = [_ref_key(e) for e in events if not _is_undeliverable(e)]
    return keys, sum(1 for e in events if _is_undeliverable(e))


def assert_agree(
    config: ref.VenueConfig, stream: list, oms_type: OmsType = OmsType.NETTING
) -> None:
    expected, expected_dropped = run_reference(config, stream)
    actual, dropped = run_cython(config, stream, oms_type)
    for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
        assert e == a, (
            f"event {i}: reference {e} != cython {a}\nreference {expected}\ncython {actual}"
        )
    assert actual == expected
    assert dropped == expected_dropped


# --------------------------------------------------------------------------------------------
# Stream generation
# --------------------------------------------------------------------------------------------

LOW_LEVEL = 196  # price levels in ticks: 98.0 .. 102.0
HIGH_LEVEL = 204


def _level(n: int) -> int:
    return n * TICK


levels = st.integers(LOW_LEVEL, HIGH_LEVEL)
lots = st.integers(1, 5)


@st.composite
def venue_configs(draw) -> ref.VenueConfig:
    return ref.VenueConfig(
        price_increment=TICK,
        size_increment=LOT,
        bar_execution=draw(st.booleans()),
        bar_adaptive_high_low_ordering=draw(st.booleans()),
        reject_stop_orders=draw(st.booleans()),
        fill_at_next_bar_open=draw(st.booleans()),
        prob_fill_on_limit=draw(st.sampled_from([0.0, 0.5, 1.0])),
        prob_slippage=draw(st.sampled_from([0.0, 0.5])),
        seed=42,
    )


@st.composite
def market_data(draw, ts: int, mid: int):
    """A Quote, Trade or Bar near `mid` (a price level in ticks)."""
    near = st.integers(max(LOW_LEVEL, mid - 3), min(HIGH_LEVEL, mid + 3))
    kind = draw(st.sampled_from(["quote", "quote", "trade", "bar", "bar"]))
    if kind == "quote":
        bid = draw(near)
        ask = bid + draw(st.integers(0, 2))
        return ref.Quote(ts, _level(bid), _level(ask), draw(lots) * LOT, draw(lots) * LOT)
    if kind == "trade":
        return ref.Trade(ts, _level(draw(near)), draw(lots) * LOT)
    o, c = draw(near), draw(near)
    high = max(o, c) + draw(st.integers(0, 2))
    low = min(o, c) - draw(st.integers(0, 2))
    volume = draw(st.integers(0, 200)) * UNIT
    return ref.Bar(ts, _level(o), _level(high), _level(low), _level(c), volume)


def _mid_of(item) -> int:
    if isinstance(item, ref.Quote):
        return (item.bid + item.ask) // 2 // TICK
    if isinstance(item, ref.Trade):
        return item.price // TICK
    return item.close // TICK


@st.composite
def submit(draw, oid: str, ts: int, mid: int, data_ts: list[int]) -> ref.Submit:
    otype = draw(st.sampled_from(ref.ORDER_TYPES))
    side = draw(st.sampled_from(ref.SIDES))
    quantity = draw(st.integers(1, 6)) * LOT + draw(st.sampled_from([0] * 11 + [OFF_LOT]))

    def price() -> int:
        level = mid + draw(st.integers(-4, 4))
        return _level(level) + draw(st.sampled_from([0] * 15 + [OFF_TICK]))

    limit = price() if otype in ref.PRICED_TYPES else None
    trigger = price() if otype in ref.TRIGGER_TYPES else None
    tifs = (ref.GTC, ref.IOC, ref.FOK, ref.DAY) if otype == ref.MARKET else ref.TIFS
    tif = draw(st.sampled_from(tifs))
    expire = None
    if tif == ref.GTD:
        # Around the data timestamps: equal to one (expires there), just after, or in the
        # past (rejected at submission).
        expire = draw(st.sampled_from(data_ts)) + draw(st.sampled_from([0, 1, -1]))
    post_only = otype in ref.PRICED_TYPES and draw(st.integers(0, 4)) == 0
    reduce_only = draw(st.integers(0, 5)) == 0
    return ref.Submit(
        ts,
        ref.Order(oid, side, otype, quantity, limit, trigger, tif, post_only, reduce_only, expire),
    )


@st.composite
def streams(draw, config: ref.VenueConfig) -> list:
    """Commands before any data, then data items each followed by 0-3 commands. Data
    timestamps never decrease (equal ones included); prices stay near the current market."""
    n_data = draw(st.integers(1, 12))
    data_ts = [T0]
    for _ in range(n_data - 1):
        data_ts.append(data_ts[-1] + draw(st.sampled_from([0, MINUTE, MINUTE, MINUTE])))
    stream: list = []
    ids: list[str] = []
    mid = 200
    # The reference venue, fed as the stream grows, tells which orders are still open, so
    # cancels and modifies mostly hit live orders.
    venue = ref._Venue(config)

    def add(item) -> None:
        stream.append(item)
        for kind, handler in (
            (ref.Quote, venue.on_quote),
            (ref.Trade, venue.on_trade),
            (ref.Bar, venue.on_bar),
            (ref.Submit, venue.on_submit),
            (ref.Cancel, venue.on_cancel),
            (ref.Modify, venue.on_modify),
        ):
            if isinstance(item, kind):
                handler(item)

    def commands(ts: int) -> None:
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["submit", "submit", "cancel", "modify", "modify"]))
            open_ids = list(venue.working)
            if kind != "submit" and not open_ids and draw(st.integers(0, 3)):
                kind = "submit"  # nothing open: mostly submit instead
            if kind == "submit":
                oid = f"O{len(ids) + 1}"
                ids.append(oid)
                add(draw(submit(oid, ts, mid, data_ts)))
                continue
            target = draw(st.sampled_from(open_ids * 6 + ids + ["X9"]))
            if kind == "cancel":
                add(ref.Cancel(ts, target))
                continue
            quantity = draw(
                st.none() | st.integers(1, 6).map(lambda n: n * LOT) | st.just(2 * LOT + OFF_LOT)
            )
            offsets = st.integers(-4, 4).map(lambda n: _level(mid + n))
            new_price = draw(st.none() | offsets | st.just(_level(mid) + OFF_TICK))
            new_trigger = draw(st.none() | offsets)
            add(ref.Modify(ts, target, quantity, new_price, new_trigger))

    commands(PRE_TS)
    for ts in data_ts:
        item = draw(market_data(ts, mid))
        add(item)
        mid = _mid_of(item)
        commands(ts)
    return stream


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_matching_engine_random_streams_agree_with_reference(data):
    config = data.draw(venue_configs(), label="config")
    stream = data.draw(streams(config), label="stream")
    oms_type = data.draw(st.sampled_from([OmsType.NETTING, OmsType.HEDGING]), label="oms_type")
    assert_agree(config, stream, oms_type)
