"""Reference model of one simulated L1_MBP venue for one instrument (pure Python).

This is the executable specification the Cython ``OrderMatchingEngine`` is differentially
tested against. It favours clarity over speed and uses integers only: every price and size is
a raw int64 (value x 10**9); ``VenueConfig.price_increment`` / ``size_increment`` are raw too.

The rules come from /work/shared/EXECUTION-RULES.md; each rule's text is quoted (``RULE:``) in a
comment above the code that implements it. Where that document is silent, the choice made here
is marked ``DECISION n:`` and numbered; the Cython engine must follow the same decisions. The
full list is repeated in ``DECISIONS`` at the end of this module.

Stream contract of :func:`simulate`: the stream is a list of market data (Quote, Trade, Bar)
and commands (Submit, Cancel, Modify) in processing order. A market data item is applied (book
update, then matching of working orders); a command is processed against the current state when
it appears (a command right after a data item is a strategy reacting to it with zero latency).
Every event carries the ts of the item being processed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

BUY = "BUY"
SELL = "SELL"
SIDES = (BUY, SELL)

MARKET = "MARKET"
LIMIT = "LIMIT"
STOP_MARKET = "STOP_MARKET"
STOP_LIMIT = "STOP_LIMIT"
MARKET_IF_TOUCHED = "MARKET_IF_TOUCHED"
LIMIT_IF_TOUCHED = "LIMIT_IF_TOUCHED"
ORDER_TYPES = (MARKET, LIMIT, STOP_MARKET, STOP_LIMIT, MARKET_IF_TOUCHED, LIMIT_IF_TOUCHED)

# Types carrying a limit price / a trigger price.
PRICED_TYPES = (LIMIT, STOP_LIMIT, LIMIT_IF_TOUCHED)
TRIGGER_TYPES = (STOP_MARKET, STOP_LIMIT, MARKET_IF_TOUCHED, LIMIT_IF_TOUCHED)
STOP_TYPES = (STOP_MARKET, STOP_LIMIT)  # trigger when the market moves away through it
TOUCH_TYPES = (MARKET_IF_TOUCHED, LIMIT_IF_TOUCHED)  # trigger when the market comes to it
MARKET_STYLE_TRIGGER_TYPES = (STOP_MARKET, MARKET_IF_TOUCHED)
LIMIT_STYLE_TRIGGER_TYPES = (STOP_LIMIT, LIMIT_IF_TOUCHED)

GTC = "GTC"
IOC = "IOC"
FOK = "FOK"
GTD = "GTD"
DAY = "DAY"
TIFS = (GTC, IOC, FOK, GTD, DAY)

MAKER = "MAKER"
TAKER = "TAKER"

# Reject reasons (the Cython engine must use the same strings).
R_DUPLICATE_ID = "DUPLICATE_ORDER_ID"
R_INVALID_QUANTITY = "INVALID_QUANTITY"
R_INVALID_PRICE = "INVALID_PRICE"
R_INVALID_TRIGGER = "INVALID_TRIGGER_PRICE"
R_INVALID_EXPIRE = "INVALID_EXPIRE_TIME"
R_POST_ONLY_NOT_LIMIT = "POST_ONLY_REQUIRES_LIMIT"
R_REDUCE_ONLY = "REDUCE_ONLY_WOULD_INCREASE_POSITION"
R_NO_MARKET = "NO_MARKET"
R_POST_ONLY_WOULD_TAKE = "POST_ONLY_WOULD_TAKE"
R_STOP_IN_MARKET = "STOP_ALREADY_IN_MARKET"
R_UNKNOWN_ORDER = "UNKNOWN_ORDER"
R_ORDER_CLOSED = "ORDER_CLOSED"
R_NOTHING_TO_MODIFY = "NOTHING_TO_MODIFY"
R_MARKET_NOT_MODIFIABLE = "MARKET_ORDER_NOT_MODIFIABLE"
R_ALREADY_TRIGGERED = "ALREADY_TRIGGERED"


# --------------------------------------------------------------------------------------------
# Market data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quote:
    ts: int
    bid: int
    ask: int
    bid_size: int
    ask_size: int


@dataclass(frozen=True, slots=True)
class Trade:
    ts: int
    price: int
    size: int


@dataclass(frozen=True, slots=True)
class Bar:
    ts: int  # ts_init = the bar's close time
    open: int
    high: int
    low: int
    close: int
    volume: int


# --------------------------------------------------------------------------------------------
# Orders and commands
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    side: str
    type: str
    quantity: int
    price: int | None
    trigger_price: int | None
    tif: str
    post_only: bool = False
    reduce_only: bool = False
    expire_time_ns: int | None = None


@dataclass(frozen=True, slots=True)
class Submit:
    ts: int
    order: Order


@dataclass(frozen=True, slots=True)
class Cancel:
    ts: int
    order_id: str


@dataclass(frozen=True, slots=True)
class Modify:
    ts: int
    order_id: str
    quantity: int | None = None
    price: int | None = None
    trigger_price: int | None = None


@dataclass(frozen=True, slots=True)
class VenueConfig:
    price_increment: int
    size_increment: int
    bar_execution: bool = True
    bar_adaptive_high_low_ordering: bool = False
    reject_stop_orders: bool = True
    fill_at_next_bar_open: bool = False
    prob_fill_on_limit: float = 1.0
    prob_slippage: float = 0.0
    seed: int = 42


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accepted:
    ts: int
    order_id: str


@dataclass(frozen=True, slots=True)
class Rejected:
    ts: int
    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Triggered:
    ts: int
    order_id: str


@dataclass(frozen=True, slots=True)
class Filled:
    ts: int
    order_id: str
    trade_id: str
    last_qty: int
    last_px: int
    liquidity: str


@dataclass(frozen=True, slots=True)
class Canceled:
    ts: int
    order_id: str


@dataclass(frozen=True, slots=True)
class CancelRejected:
    ts: int
    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Expired:
    ts: int
    order_id: str


@dataclass(frozen=True, slots=True)
class ModifyRejected:
    ts: int
    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Updated:
    ts: int
    order_id: str
    quantity: int
    price: int | None
    trigger_price: int | None


Event = (
    Accepted
    | Rejected
    | Triggered
    | Filled
    | Canceled
    | CancelRejected
    | Expired
    | ModifyRejected
    | Updated
)


# --------------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------------

# Kinds of price point, passed to matching. A STOP_MARKET/MIT fill price depends on it.
TICK = "TICK"  # a Quote or a Trade
BAR_OPEN = "BAR_OPEN"  # the open point of a bar
BAR_INTRA = "BAR_INTRA"  # the high, low or close point of a bar


@dataclass(slots=True)
class _Working:
    """An open order at the venue: the submitted order plus its mutable state."""

    order: Order
    seq: int  # arrival number (submission order); never changes, not even on Modify
    quantity: int
    price: int | None
    trigger_price: int | None
    filled: int = 0
    triggered: bool = False
    held: bool = False  # MARKET waiting for the next bar's open (fill_at_next_bar_open)

    @property
    def leaves(self) -> int:
        return self.quantity - self.filled

    @property
    def side(self) -> str:
        return self.order.side

    @property
    def is_limit_now(self) -> bool:
        """True when the order currently behaves as a resting limit order."""
        return self.order.type == LIMIT or (
            self.order.type in LIMIT_STYLE_TRIGGER_TYPES and self.triggered
        )

    @property
    def matching_price(self) -> int:
        """Price used for book priority: the limit price once it acts as a limit, else the
        trigger price."""
        if self.is_limit_now:
            assert self.price is not None
            return self.price
        assert self.trigger_price is not None
        return self.trigger_price


class _Venue:
    def __init__(self, config: VenueConfig):
        if config.price_increment <= 0 or config.size_increment <= 0:
            raise ValueError("increments must be positive")
        self.cfg = config
        self.tick = config.price_increment
        self.lot = config.size_increment
        # RULE: "Each venue owns its seeded random generator; nothing uses the process-global
        # `random`."
        self.rng = random.Random(config.seed)
        # L1 book. None until the first data item that moves the market.
        self.bid: int | None = None
        self.ask: int | None = None
        self.bid_size: int = 0
        self.ask_size: int = 0
        # DECISION 3: "last price" for the bar skip rules = the price of the most recent Trade
        # or applied bar point; a Quote resets it to None (so the next bar's open is applied).
        self.last: int | None = None
        # True when the most recent market data item was a Bar applied with bar_execution.
        self.last_data_was_bar = False
        self.working: dict[str, _Working] = {}  # open orders, insertion = arrival order
        self.seen_ids: set[str] = set()
        self.next_seq = 0
        self.trade_count = 0
        self.position = 0  # net filled quantity: BUY +, SELL -  (used by reduce_only)
        self.events: list[Event] = []

    # ----------------------------------------------------------------------------- helpers

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def chance(self, probability: float) -> bool:
        # DECISION 9: a probability >= 1 is always true and <= 0 always false, WITHOUT a draw;
        # only 0 < p < 1 consumes exactly one `rng.random()` and succeeds when it is < p.
        if probability >= 1.0:
            return True
        if probability <= 0.0:
            return False
        return self.rng.random() < probability

    def worse(self, side: str, price: int, ticks: int = 1) -> int:
        """`price` moved `ticks` ticks against an order of `side`."""
        return price + ticks * self.tick if side == BUY else price - ticks * self.tick

    @staticmethod
    def within_limit(side: str, price: int, limit: int) -> bool:
        return price <= limit if side == BUY else price >= limit

    def opposite_top(self, side: str) -> tuple[int | None, int]:
        """Best opposite price and its displayed size for an order of `side`."""
        return (self.ask, self.ask_size) if side == BUY else (self.bid, self.bid_size)

    def reduces(self, side: str) -> bool:
        """True when an order of `side` would reduce the current (non-flat) position."""
        return (self.position > 0 and side == SELL) or (self.position < 0 and side == BUY)

    def close(self, w: _Working) -> None:
        del self.working[w.order.id]

    def is_open(self, w: _Working) -> bool:
        return self.working.get(w.order.id) is w

    def set_book(self, bid: int, ask: int, bid_size: int, ask_size: int) -> None:
        self.bid, self.ask, self.bid_size, self.ask_size = bid, ask, bid_size, ask_size

    # ------------------------------------------------------------------------ market data

    def check_price(self, price: int, what: str) -> None:
        if price % self.tick:
            raise ValueError(f"{what} {price} is not a multiple of price_increment")

    def check_size(self, size: int, what: str) -> None:
        if size <= 0 or size % self.lot:
            raise ValueError(f"{what} {size} must be a positive multiple of size_increment")

    def on_quote(self, q: Quote) -> None:
        self.check_price(q.bid, "bid")
        self.check_price(q.ask, "ask")
        self.check_size(q.bid_size, "bid_size")
        self.check_size(q.ask_size, "ask_size")
        if q.bid > q.ask:
            raise ValueError("crossed quote")
        self.expire(q.ts)
        # RULE: "`QuoteTick` | sets best bid/ask and their sizes"
        self.set_book(q.bid, q.ask, q.bid_size, q.ask_size)
        self.last = None
        self.last_data_was_bar = False
        self.release_held(q.ts)
        self.match(q.ts, TICK)

    def on_trade(self, t: Trade) -> None:
        self.check_price(t.price, "trade price")
        self.check_size(t.size, "trade size")
        self.expire(t.ts)
        # RULE: "`TradeTick` | sets bid = ask = trade price, then matches"
        # DECISION 4: both displayed sizes = the trade size.
        self.set_book(t.price, t.price, t.size, t.size)
        self.last = t.price
        self.last_data_was_bar = False
        self.release_held(t.ts)
        self.match(t.ts, TICK)

    def bar_path(self, bar: Bar) -> list[tuple[str, int]]:
        # RULE: "LAST/MID bars become four trade points Open -> High -> Low -> Close"
        # RULE: "Option `bar_adaptive_high_low_ordering`: visit the extreme nearer the open
        # first (tie: low first)."
        low_first = False
        if self.cfg.bar_adaptive_high_low_ordering:
            low_first = (bar.open - bar.low) <= (bar.high - bar.open)
        if low_first:
            middle = [("L", bar.low), ("H", bar.high)]
        else:
            middle = [("H", bar.high), ("L", bar.low)]
        return [("O", bar.open), *middle, ("C", bar.close)]

    def point_applies(self, name: str, price: int) -> bool:
        # RULE: "A point equal to the last price is skipped (open if unchanged, high only if
        # above, low only if below, close if changed)."
        if self.last is None:
            return True
        if name == "O" or name == "C":
            return price != self.last
        if name == "H":
            return price > self.last
        return price < self.last  # "L"

    def on_bar(self, bar: Bar) -> None:
        for p, what in (
            (bar.open, "open"),
            (bar.high, "high"),
            (bar.low, "low"),
            (bar.close, "close"),
        ):
            self.check_price(p, what)
        if not (bar.low <= min(bar.open, bar.close) and bar.high >= max(bar.open, bar.close)):
            raise ValueError("inconsistent bar")
        if bar.volume < 0:
            raise ValueError("negative volume")
        # RULE: "Data ignored by matching still advances the clock" -> DECISION 6: GTD expiry
        # is checked on every market data item, including a bar ignored because
        # bar_execution=False.
        self.expire(bar.ts)
        # RULE: "`Bar` (EXTERNAL, `bar_execution=True`) | becomes four price points"
        if not self.cfg.bar_execution:
            return
        # RULE: "Each point carries volume/4 (at least one size increment) as displayed
        # liquidity." -> volume // 4 rounded DOWN to the size increment, minimum one increment.
        size = max(self.lot, (bar.volume // 4) // self.lot * self.lot)
        for name, price in self.bar_path(bar):
            applies = self.point_applies(name, price)
            if applies:
                # RULE: each point sets bid = ask = point (LAST/MID semantics).
                self.set_book(price, price, size, size)
                self.last = price
            if name == "O":
                # DECISION 2: held MARKET orders (fill_at_next_bar_open) fill right after the
                # open step of the next bar, whether or not the open point was skipped, before
                # working orders are matched at that point.
                self.release_held(bar.ts)
            if applies:
                # RULE: "Matching runs after each point, so resting orders can fill at O, H, L
                # or C."  A skipped point runs no matching (DECISION 5: and leaves the book,
                # including its displayed sizes, untouched).
                self.match(bar.ts, BAR_OPEN if name == "O" else BAR_INTRA)
        self.last_data_was_bar = True

    # ----------------------------------------------------------------------------- expiry

    def expire(self, ts: int) -> None:
        # RULE: "GTD (expires on the first iteration with `ts >= expire_time`)"
        # DECISION 6: checked at the start of each market data item, before the book update
        # and matching, in arrival order, for every open GTD order (resting, held, untriggered).
        # Commands never expire orders.
        for w in list(self.working.values()):
            if w.order.tif == GTD and ts >= w.order.expire_time_ns:
                self.emit(Expired(ts, w.order.id))
                self.close(w)

    # --------------------------------------------------------------------------- matching

    def match(self, ts: int, kind: str) -> None:
        # RULE: "inside a book, bids before asks, price priority, then arrival order."
        # DECISION 7: the book position of an order is its limit price when it acts as a limit
        # (LIMIT, or STOP_LIMIT/LIT once triggered) and its trigger price otherwise. BUY orders
        # (bids) are visited first, highest price first; then SELL orders (asks), lowest price
        # first; equal prices by arrival. The list is fixed at the start of the pass; held
        # MARKET orders are not in it. The RNG draws of one data point happen in this order.
        live = [w for w in self.working.values() if not w.held]
        bids = sorted((w for w in live if w.side == BUY), key=lambda w: (-w.matching_price, w.seq))
        asks = sorted((w for w in live if w.side == SELL), key=lambda w: (w.matching_price, w.seq))
        for w in bids + asks:
            if not self.is_open(w):
                continue
            if w.is_limit_now:
                self.match_resting_limit(w, ts)
            elif self.is_triggerable(w, w.trigger_price):
                self.trigger(w, ts, kind)

    def match_resting_limit(self, w: _Working, ts: int) -> None:
        # RULE: "Matched on touch: BUY when ask <= limit, SELL when bid >= limit."
        # RULE: "A resting limit fills as MAKER at its limit price, never better."
        # RULE: "`FillModel.prob_fill_on_limit` applies only when the market sits exactly on the
        # limit (a touch); a cross always fills."
        # DECISION 8: a resting limit fills its whole leaves quantity at once (L1 displayed size
        # does not cap MAKER fills). A touch draws `chance(prob_fill_on_limit)` once per order
        # per data point (bar point); a failed draw leaves the order resting untouched.
        opposite, _ = self.opposite_top(w.side)
        price = w.price
        assert opposite is not None and price is not None
        crossed = opposite < price if w.side == BUY else opposite > price
        touched = opposite == price
        if crossed or (touched and self.chance(self.cfg.prob_fill_on_limit)):
            self.fill(w, ts, [(w.leaves, price)], MAKER)

    def is_triggerable(self, w: _Working, trigger: int | None) -> bool:
        # RULE: "Stop: BUY triggers when ask >= trigger, SELL when bid <= trigger. Touch
        # (MIT/LIT): BUY when ask <= trigger, SELL when bid >= trigger."
        assert trigger is not None
        if self.ask is None or self.bid is None:
            return False
        if w.order.type in STOP_TYPES:
            return self.ask >= trigger if w.side == BUY else self.bid <= trigger
        return self.ask <= trigger if w.side == BUY else self.bid >= trigger

    def trigger(self, w: _Working, ts: int, kind: str) -> None:
        if w.order.type in MARKET_STYLE_TRIGGER_TYPES:
            # DECISION 10: STOP_MARKET / MIT emit no Triggered event; they go straight to fills.
            # RULE: "Triggered STOP_MARKET with bars: if the bar opens beyond the trigger (a
            # gap), fill at the open; if the trigger is crossed within the bar, fill at the
            # trigger price."
            # DECISION 11: the same applies to MIT. Triggered at a bar's open point -> market
            # fill at the book (= the open); at a bar's H/L/C point -> market fill with the
            # trigger price as "best price" (displayed size = the point's size, remainder one
            # tick worse); triggered by a Quote/Trade -> market fill at the book.
            if kind == BAR_INTRA:
                _, size = self.opposite_top(w.side)
                self.fill_market_style(w, ts, w.trigger_price, size)
            else:
                self.fill_market(w, ts)
        else:
            # RULE: "STOP_LIMIT/LIT emit `OrderTriggered`, then follow the limit rules."
            self.emit(Triggered(ts, w.order.id))
            w.triggered = True
            self.enter_limit(w, ts)

    # ------------------------------------------------------------------------------ fills

    def take_chunks(self, side: str, best: int, size: int, qty: int, limit: int | None):
        """Split `qty` into L1 taker fills: up to `size` at `best`, the remainder one tick
        worse (only if that is within `limit`, when a limit is given)."""
        # RULE: "Fill at the best opposite price (BUY at ask, SELL at bid) up to displayed
        # size; on L1 the remainder fills one tick worse"
        chunks = []
        first = min(qty, size)
        if first > 0:
            chunks.append((first, best))
        rest = qty - first
        if rest > 0:
            px = self.worse(side, best)
            if limit is None or self.within_limit(side, px, limit):
                chunks.append((rest, px))
        return chunks

    def fill_market(self, w: _Working, ts: int) -> None:
        best, size = self.opposite_top(w.side)
        assert best is not None
        self.fill_market_style(w, ts, best, size)

    def fill_market_style(self, w: _Working, ts: int, best: int, size: int) -> None:
        self.fill(w, ts, self.take_chunks(w.side, best, size, w.leaves, None), TAKER)

    def fill(self, w: _Working, ts: int, chunks, liquidity: str, limit: int | None = None) -> None:
        """Emit one Filled per chunk (in order); close the order when nothing is left."""
        if w.order.reduce_only:
            # RULE: "`reduce_only` (rejected if it would increase the position)."
            # DECISION 12: at fill time a reduce-only order may fill at most |position| and only
            # against the position (chunks trimmed from the end); if it cannot reduce, or the
            # position is flat after its fills, the order's remainder is Canceled.
            allowed = abs(self.position) if self.reduces(w.side) else 0
            trimmed = []
            for qty, px in chunks:
                take = min(qty, allowed)
                if take > 0:
                    trimmed.append((take, px))
                    allowed -= take
            chunks = trimmed
        for qty, px in chunks:
            if liquidity == TAKER:
                # RULE: "`FillModel.prob_slippage`: on L1, a fill moves one tick against the
                # order."  DECISION 13: only TAKER fills slip (MAKER fills stay exactly at the
                # limit); one `chance(prob_slippage)` per TAKER fill, made just before that
                # fill's event; a slip that would breach the order's limit is not applied (the
                # draw is still consumed).
                if self.chance(self.cfg.prob_slippage):
                    slipped = self.worse(w.side, px)
                    if limit is None or self.within_limit(w.side, slipped, limit):
                        px = slipped
            self.trade_count += 1
            # RULE: "Trade ids and venue order ids are deterministic (a counter per venue)."
            self.emit(Filled(ts, w.order.id, f"T-{self.trade_count}", qty, px, liquidity))
            w.filled += qty
            self.position += qty if w.side == BUY else -qty
        if w.leaves == 0:
            self.close(w)
        elif w.order.reduce_only and (self.position == 0 or not chunks):
            self.emit(Canceled(ts, w.order.id))
            self.close(w)

    def enter_limit(self, w: _Working, ts: int) -> None:
        """A limit order arriving (submission, trigger of STOP_LIMIT/LIT, or Modify)."""
        # RULE: "A marketable limit fills at once as TAKER at book prices, never worse than its
        # limit. Unmarketable IOC/FOK is cancelled."
        # DECISION 14: marketable = BUY ask <= limit / SELL bid >= limit (a touch counts; no
        # prob_fill_on_limit draw for an arriving order). Taker fills: up to the displayed size
        # at the best price, the remainder one tick worse only if that is within the limit;
        # whatever is left rests (GTC/GTD/DAY) or is Canceled (IOC). FOK: if the whole leaves
        # quantity cannot be filled that way, Canceled with no fill.
        best, size = self.opposite_top(w.side)
        price = w.price
        assert price is not None
        marketable = best is not None and self.within_limit(w.side, best, price)
        tif = w.order.tif
        if marketable:
            chunks = self.take_chunks(w.side, best, size, w.leaves, price)
            if tif == FOK and sum(q for q, _ in chunks) < w.leaves:
                self.emit(Canceled(ts, w.order.id))
                self.close(w)
                return
            self.fill(w, ts, chunks, TAKER, limit=price)
        if self.is_open(w) and tif in (IOC, FOK):
            self.emit(Canceled(ts, w.order.id))
            self.close(w)

    def release_held(self, ts: int) -> None:
        for w in [w for w in self.working.values() if w.held]:
            w.held = False
            self.fill_market(w, ts)

    # --------------------------------------------------------------------------- commands

    def validate(self, o: Order, ts: int) -> str | None:
        if o.side not in SIDES or o.type not in ORDER_TYPES or o.tif not in TIFS:
            raise ValueError(f"malformed order {o!r}")
        # DECISION 1: validation order and reasons, first failure wins:
        if o.id in self.seen_ids:
            return R_DUPLICATE_ID
        if o.quantity <= 0 or o.quantity % self.lot:
            return R_INVALID_QUANTITY
        if (o.price is None) == (o.type in PRICED_TYPES) or (
            o.price is not None and o.price % self.tick
        ):
            return R_INVALID_PRICE
        if (o.trigger_price is None) == (o.type in TRIGGER_TYPES) or (
            o.trigger_price is not None and o.trigger_price % self.tick
        ):
            return R_INVALID_TRIGGER
        # DECISION 15: GTD needs expire_time_ns > submission ts; other TIFs ignore it.
        if o.tif == GTD and (o.expire_time_ns is None or o.expire_time_ns <= ts):
            return R_INVALID_EXPIRE
        # DECISION 16: post_only is only valid on LIMIT orders.
        if o.post_only and o.type != LIMIT:
            return R_POST_ONLY_NOT_LIMIT
        if o.reduce_only:
            if not self.reduces(o.side):
                return R_REDUCE_ONLY
        best, _ = self.opposite_top(o.side)
        # RULE: "A market order with no market on its side is rejected."
        if o.type == MARKET and best is None:
            return R_NO_MARKET
        # RULE: "`post_only` that would take liquidity is rejected."
        if o.post_only and best is not None and self.within_limit(o.side, best, o.price):
            return R_POST_ONLY_WOULD_TAKE
        # RULE: "A stop already in the market at submission is rejected when
        # `reject_stop_orders=True` (default)"  (all four trigger types).
        if o.type in TRIGGER_TYPES and self.cfg.reject_stop_orders:
            probe = _Working(o, -1, o.quantity, o.price, o.trigger_price)
            if self.is_triggerable(probe, o.trigger_price):
                return R_STOP_IN_MARKET
        return None

    def on_submit(self, cmd: Submit) -> None:
        o, ts = cmd.order, cmd.ts
        reason = self.validate(o, ts)
        self.seen_ids.add(o.id)
        if reason is not None:
            self.emit(Rejected(ts, o.id, reason))
            return
        # DECISION 17: every order that passes validation gets Accepted first, then any
        # immediate fills / triggers / cancels follow.
        w = _Working(o, self.next_seq, o.quantity, o.price, o.trigger_price)
        self.next_seq += 1
        self.working[o.id] = w
        self.emit(Accepted(ts, o.id))
        if o.type == MARKET:
            # RULE: "Submitted from `on_bar` with no latency: fills at that bar's close" (the
            # book after a bar sits at its close).  RULE: "Option `fill_at_next_bar_open=True`:
            # fills at the next bar's open instead."
            # DECISION 2: with fill_at_next_bar_open, a MARKET order (only this type) submitted
            # while the most recent market data item was a Bar is held; it fills as a market
            # order right after the open step of the next Bar (before other matching at the
            # open), or right after the book update of the next Quote/Trade if that comes first.
            if self.cfg.fill_at_next_bar_open and self.last_data_was_bar:
                w.held = True
            else:
                self.fill_market(w, ts)
        elif o.type == LIMIT:
            self.enter_limit(w, ts)
        elif self.is_triggerable(w, w.trigger_price):
            # RULE: "otherwise STOP_MARKET/MIT fill as market, STOP_LIMIT/LIT trigger then match."
            self.trigger(w, ts, TICK)

    def on_cancel(self, cmd: Cancel) -> None:
        w = self.working.get(cmd.order_id)
        if w is None:
            reason = R_ORDER_CLOSED if cmd.order_id in self.seen_ids else R_UNKNOWN_ORDER
            self.emit(CancelRejected(cmd.ts, cmd.order_id, reason))
            return
        self.emit(Canceled(cmd.ts, cmd.order_id))
        self.close(w)

    def on_modify(self, cmd: Modify) -> None:
        ts = cmd.ts
        w = self.working.get(cmd.order_id)
        if w is None:
            reason = R_ORDER_CLOSED if cmd.order_id in self.seen_ids else R_UNKNOWN_ORDER
            self.emit(ModifyRejected(ts, cmd.order_id, reason))
            return
        reason = self.validate_modify(w, cmd)
        if reason is not None:
            self.emit(ModifyRejected(ts, cmd.order_id, reason))
            return
        if cmd.quantity is not None:
            w.quantity = cmd.quantity
        if cmd.price is not None:
            w.price = cmd.price
        if cmd.trigger_price is not None:
            w.trigger_price = cmd.trigger_price
        self.emit(Updated(ts, w.order.id, w.quantity, w.price, w.trigger_price))
        # DECISION 19: after an update the order is re-checked like an arriving order: a
        # (triggered) limit that is now marketable fills at once as TAKER; an untriggered
        # trigger order that is now triggerable (reject_stop_orders=False) triggers at once.
        if w.is_limit_now:
            self.enter_limit(w, ts)
        elif self.is_triggerable(w, w.trigger_price):
            self.trigger(w, ts, TICK)

    def validate_modify(self, w: _Working, cmd: Modify) -> str | None:
        # DECISION 18: Modify checks, first failure wins. Quantity is the new TOTAL quantity
        # and must exceed the filled quantity; arrival priority is kept.
        if cmd.quantity is None and cmd.price is None and cmd.trigger_price is None:
            return R_NOTHING_TO_MODIFY
        if w.order.type == MARKET:
            return R_MARKET_NOT_MODIFIABLE
        if cmd.quantity is not None and (
            cmd.quantity <= w.filled or cmd.quantity % self.lot or cmd.quantity <= 0
        ):
            return R_INVALID_QUANTITY
        if cmd.price is not None and (w.order.type not in PRICED_TYPES or cmd.price % self.tick):
            return R_INVALID_PRICE
        if cmd.trigger_price is not None:
            if w.order.type not in TRIGGER_TYPES or cmd.trigger_price % self.tick:
                return R_INVALID_TRIGGER
            if w.triggered:
                return R_ALREADY_TRIGGERED
        new_price = cmd.price if cmd.price is not None else w.price
        best, _ = self.opposite_top(w.side)
        # Brief: "rejected if the new price would make a post-only cross".
        if w.order.post_only and best is not None and self.within_limit(w.side, best, new_price):
            return R_POST_ONLY_WOULD_TAKE
        if cmd.trigger_price is not None and self.cfg.reject_stop_orders:
            if self.is_triggerable(w, cmd.trigger_price):
                return R_STOP_IN_MARKET
        return None


def simulate(config: VenueConfig, stream) -> list[Event]:
    """Run `stream` (market data and commands, in processing order) through one venue."""
    venue = _Venue(config)
    for item in stream:
        if isinstance(item, Quote):
            venue.on_quote(item)
        elif isinstance(item, Trade):
            venue.on_trade(item)
        elif isinstance(item, Bar):
            venue.on_bar(item)
        elif isinstance(item, Submit):
            venue.on_submit(item)
        elif isinstance(item, Cancel):
            venue.on_cancel(item)
        elif isinstance(item, Modify):
            venue.on_modify(item)
        else:
            raise TypeError(f"unexpected stream item {item!r}")
    return venue.events


# The choices made where EXECUTION-RULES.md is silent. The Cython engine must copy them.
DECISIONS = (
    "1. Submit validation order, first failure wins, reason strings as R_*: duplicate id; "
    "quantity (>0, on size increment); price (present iff LIMIT/STOP_LIMIT/LIT, on tick); "
    "trigger (present iff a trigger type, on tick); GTD expire time; post_only on non-LIMIT; "
    "reduce_only not reducing; MARKET with no opposite side; post_only that would take "
    "(BUY limit >= ask / SELL limit <= bid); trigger type already triggerable with "
    "reject_stop_orders. Malformed side/type/tif strings raise ValueError.",
    "2. fill_at_next_bar_open: only MARKET orders submitted while the most recent market data "
    "item was an executed Bar are held (Accepted at submission). They fill as market orders "
    "(arrival order) right after the open step of the next Bar (skipped or not) and before the "
    "matching at that point, or right after the book update of a Quote/Trade if one comes "
    "first. They can be canceled and can expire; they cannot be modified.",
    "3. 'Last price' for the bar skip rules is the price of the last Trade or applied bar point; "
    "a Quote resets it, so the next bar's open is always applied after a Quote.",
    "4. A Trade sets both displayed sizes to the trade size.",
    "5. A skipped bar point changes nothing (book, sizes) and runs no matching. Bar points all "
    "display max(size_increment, floor_to_increment(volume // 4)).",
    "6. GTD expiry is checked at the start of every market data item (also bars ignored when "
    "bar_execution=False), before the book update, in arrival order; commands never expire "
    "orders. DAY is treated exactly as GTC.",
    "7. Matching pass per price point: BUY orders by matching price descending then SELL orders "
    "ascending, ties by arrival; matching price = limit price for LIMIT and triggered "
    "STOP_LIMIT/LIT, trigger price otherwise. The list is fixed at the start of the pass; an "
    "order triggered in the pass is not matched again at that point (its arrival check already "
    "ran against the same book). Modify keeps arrival priority.",
    "8. A resting limit fills its whole leaves at once at its limit price (MAKER); L1 displayed "
    "size does not cap it. Fills never consume displayed size (every order sees the same L1 "
    "book until the next data update).",
    "9. Randomness: one random.Random(seed) per simulation. chance(p): p >= 1 -> True and "
    "p <= 0 -> False without drawing; otherwise one rng.random() < p. Draws happen in event "
    "order: touch draws for resting limits (only on an exact touch, once per order per point, "
    "in the matching order of 7) and one slippage draw per TAKER fill just before it.",
    "10. STOP_MARKET and MIT emit no Triggered event; STOP_LIMIT and LIT emit Triggered.",
    "11. Triggered STOP_MARKET/MIT: at a bar's open point or by a Quote/Trade -> market fill at "
    "the book; at a bar's H/L/C point -> market fill with the trigger price as best price "
    "(up to the point's displayed size, remainder one tick worse). Same rule for MIT.",
    "12. reduce_only: at submission rejected unless the position is non-zero and the order "
    "side reduces it; at each fill the fills are trimmed (from the end) to |position|; if the "
    "order then cannot fill or leaves the position flat with quantity remaining, the rest is "
    "Canceled. This trimming overrides FOK's all-or-nothing.",
    "13. Slippage (prob_slippage) applies only to TAKER fills, one draw per fill; a slip that "
    "would cross the order's limit price is not applied (the draw is still consumed).",
    "14. An arriving limit (submission, STOP_LIMIT/LIT trigger, Modify) is marketable when "
    "BUY ask <= limit / SELL bid >= limit (touch included, no prob_fill_on_limit draw): "
    "TAKER fill up to displayed size at best, remainder one tick worse only if within the "
    "limit; then rests (GTC/GTD/DAY) or Canceled (IOC/FOK). FOK that cannot fill its whole "
    "leaves this way is Canceled with no fill. Every market-style fill (MARKET, STOP_MARKET, "
    "MIT) fills fully: displayed size at best, the rest one tick worse, so their TIF has no "
    "effect.",
    "15. GTD requires expire_time_ns > submission ts (else Rejected INVALID_EXPIRE_TIME); "
    "other TIFs ignore expire_time_ns.",
    "16. post_only is only allowed on LIMIT orders.",
    "17. Every order passing validation emits Accepted before any Filled/Triggered/Canceled. "
    "Cancel of an unknown id -> CancelRejected UNKNOWN_ORDER; of a closed (or rejected) id -> "
    "CancelRejected ORDER_CLOSED (same reasons for ModifyRejected).",
    "18. Modify checks, first failure wins: nothing to modify; MARKET not modifiable; quantity "
    "(new total, > filled, on increment); price only for priced types; trigger only for "
    "trigger types; trigger of a triggered order; post_only would take with the new price; "
    "new trigger already triggerable with reject_stop_orders.",
    "19. After Updated, the order is re-checked as if arriving: a limit (or triggered "
    "STOP_LIMIT/LIT) now marketable fills as TAKER; an untriggered trigger order now "
    "triggerable (reject_stop_orders=False) triggers at once (market fill at the book).",
)
