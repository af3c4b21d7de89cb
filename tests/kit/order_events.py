"""Builders of orders and order events for model tests, with deterministic ids.

`EventBuilder` makes every order event kind for one order with fixed trader, strategy and
account ids and event ids drawn from a seeded `UUIDFactory`, so a test reads as the sequence of
events it applies (``order.apply(b.accepted(order))``).
"""

from __future__ import annotations

from core.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from core.model.orders import (
    LimitIfTouchedOrder,
    LimitOrder,
    MarketIfTouchedOrder,
    MarketOrder,
    StopLimitOrder,
    StopMarketOrder,
)

from core.model.currency import Currency
from core.model.enums import LiquiditySide, OrderSide, OrderType, TriggerType
from core.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from core.model.objects import Money, Price, Quantity
from core.model.uuid import UUIDFactory

TRADER = TraderId("TRADER-001")
STRATEGY = StrategyId("S-001")
ACCOUNT = AccountId("SIM-001")
VENUE_ORDER = VenueOrderId("V-1")
EURUSD = InstrumentId.from_str("EUR/USD.SIM")


class EventBuilder:
    """Make orders and order events with deterministic event ids and increasing times."""

    __test__ = False

    def __init__(self, seed: int = 7) -> None:
        self.uuids = UUIDFactory(seed)
        self.ts = 0
        self.trade_seq = 0

    def _next(self):
        self.ts += 1_000
        return self.uuids.generate(), self.ts

    # Orders ---------------------------------------------------------------------------------

    def market(self, side=OrderSide.BUY, qty="100000", coid="O-1", instrument=EURUSD, **kw):
        return MarketOrder(
            TRADER,
            STRATEGY,
            instrument,
            ClientOrderId(coid),
            side,
            Quantity.from_str(qty),
            self.uuids.generate(),
            0,
            **kw,
        )

    def limit(
        self, side=OrderSide.BUY, qty="100000", price="1.10000", coid="O-1", instrument=EURUSD, **kw
    ):
        return LimitOrder(
            TRADER,
            STRATEGY,
            instrument,
            ClientOrderId(coid),
            side,
            Quantity.from_str(qty),
            Price.from_str(price),
            self.uuids.generate(),
            0,
            **kw,
        )

    def stop_market(
        self,
        side=OrderSide.BUY,
        qty="100000",
        trigger="1.10000",
        coid="O-1",
        trigger_type=TriggerType.DEFAULT,
        **kw,
    ):
        return StopMarketOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId(coid),
            side,
            Quantity.from_str(qty),
            Price.from_str(trigger),
            trigger_type,
            self.uuids.generate(),
            0,
            **kw,
        )

    def stop_limit(
        self,
        side=OrderSide.BUY,
        qty="100000",
        price="1.10010",
        trigger="1.10000",
        coid="O-1",
        trigger_type=TriggerType.DEFAULT,
        **kw,
    ):
        return StopLimitOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId(coid),
            side,
            Quantity.from_str(qty),
            Price.from_str(price),
            Price.from_str(trigger),
            trigger_type,
            self.uuids.generate(),
            0,
            **kw,
        )

    def mit(
        self,
        side=OrderSide.BUY,
        qty="100000",
        trigger="1.10000",
        coid="O-1",
        trigger_type=TriggerType.DEFAULT,
        **kw,
    ):
        return MarketIfTouchedOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId(coid),
            side,
            Quantity.from_str(qty),
            Price.from_str(trigger),
            trigger_type,
            self.uuids.generate(),
            0,
            **kw,
        )

    def lit(
        self,
        side=OrderSide.BUY,
        qty="100000",
        price="1.09990",
        trigger="1.10000",
        coid="O-1",
        trigger_type=TriggerType.DEFAULT,
        **kw,
    ):
        return LimitIfTouchedOrder(
            TRADER,
            STRATEGY,
            EURUSD,
            ClientOrderId(coid),
            side,
            Quantity.from_str(qty),
            Price.from_str(price),
            Price.from_str(trigger),
            trigger_type,
            self.uuids.generate(),
            0,
            **kw,
        )

    # Order events ---------------------------------------------------------------------------

    def denied(self, order):
        uid, ts = self._next()
        return OrderDenied(
            TRADER, STRATEGY, order.instrument_id, order.client_order_id, "denied by test", uid, ts
        )

    def submitted(self, order):
        uid, ts = self._next()
        return OrderSubmitted(
            TRADER, STRATEGY, order.instrument_id, order.client_order_id, ACCOUNT, uid, ts, ts
        )

    def accepted(self, order):
        uid, ts = self._next()
        return OrderAccepted(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            uid,
            ts,
            ts,
        )

    def rejected(self, order):
        uid, ts = self._next()
        return OrderRejected(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            ACCOUNT,
            "rejected by test",
            uid,
            ts,
            ts,
        )

    def pending_update(self, order):
        uid, ts = self._next()
        return OrderPendingUpdate(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            uid,
            ts,
            ts,
        )

    def pending_cancel(self, order):
        uid, ts = self._next()
        return OrderPendingCancel(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            uid,
            ts,
            ts,
        )

    def modify_rejected(self, order):
        uid, ts = self._next()
        return OrderModifyRejected(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            "no",
            uid,
            ts,
            ts,
        )

    def cancel_rejected(self, order):
        uid, ts = self._next()
        return OrderCancelRejected(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            "no",
            uid,
            ts,
            ts,
        )

    def updated(self, order, qty=None, price=None, trigger=None):
        uid, ts = self._next()
        quantity = Quantity.from_str(qty) if qty is not None else order.quantity
        return OrderUpdated(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            quantity,
            Price.from_str(price) if price is not None else None,
            Price.from_str(trigger) if trigger is not None else None,
            uid,
            ts,
            ts,
        )

    def canceled(self, order):
        uid, ts = self._next()
        return OrderCanceled(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            uid,
            ts,
            ts,
        )

    def expired(self, order):
        uid, ts = self._next()
        return OrderExpired(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            uid,
            ts,
            ts,
        )

    def triggered(self, order):
        uid, ts = self._next()
        return OrderTriggered(
            TRADER,
            STRATEGY,
            order.instrument_id,
            order.client_order_id,
            VENUE_ORDER,
            ACCOUNT,
            uid,
            ts,
            ts,
        )

    def filled(
        self,
        order,
        qty,
        px="1.10000",
        trade_id=None,
        commission=None,
        currency="USD",
        position_id="P-1",
    ):
        return fill_event(
            self,
            order.instrument_id,
            order.client_order_id,
            order.side,
            qty,
            px,
            trade_id=trade_id,
            commission=commission,
            currency=currency,
            position_id=position_id,
            order_type=order.order_type,
        )


def fill_event(
    builder,
    instrument_id,
    client_order_id,
    side,
    qty,
    px,
    trade_id=None,
    commission=None,
    currency="USD",
    position_id="P-1",
    order_type=OrderType.MARKET,
    account=ACCOUNT,
):
    """Return an `OrderFilled`; `commission` is a Money text such as ``"2.00 USD"``."""
    uid, ts = builder._next()
    if trade_id is None:
        builder.trade_seq += 1
        trade_id = f"T-{builder.trade_seq}"
    ccy = Currency.from_str(currency)
    fee = Money.from_str(commission) if commission is not None else Money(0, ccy)
    return OrderFilled(
        TRADER,
        STRATEGY,
        instrument_id,
        ClientOrderId(client_order_id) if isinstance(client_order_id, str) else client_order_id,
        VENUE_ORDER,
        account,
        TradeId(trade_id),
        PositionId(position_id) if position_id is not None else None,
        side,
        order_type,
        Quantity.from_str(qty) if isinstance(qty, str) else qty,
        Price.from_str(px) if isinstance(px, str) else px,
        ccy,
        fee,
        LiquiditySide.TAKER,
        uid,
        ts,
        ts,
    )
