"""Trading commands: `SubmitOrder`, `ModifyOrder`, `CancelOrder`, `CancelAllOrders`.

A strategy sends commands; the RiskEngine checks them, the ExecutionEngine routes them to the
client of the order's venue. Each carries a C tag ``kind`` for dispatch.
"""

import cython

from libc.stdint cimport int64_t

from core.model.enums cimport OrderSide
from core.model.identifiers cimport ClientId, ClientOrderId, InstrumentId, PositionId
from core.model.identifiers cimport StrategyId, TraderId, VenueOrderId
from core.model.objects cimport Price, Quantity
from core.model.orders cimport Order
from core.model.uuid cimport UUID4

from core.errors import ValidationError
from core.model.enums import OrderSide as PyOrderSide


cdef class TradingCommand:
    """Base of trading commands."""

    def __repr__(self):
        return (f"{type(self).__name__}(instrument_id={self.instrument_id}, "
                f"strategy_id={self.strategy_id}, id={self.id})")


@cython.final
cdef class SubmitOrder(TradingCommand):
    """Submit `order` to its venue (optionally into an existing HEDGING position)."""

    def __init__(self, TraderId trader_id not None, StrategyId strategy_id not None,
                 Order order not None, UUID4 command_id not None, int64_t ts_init,
                 PositionId position_id=None, ClientId client_id=None):
        self.kind = CommandKind.SUBMIT_ORDER
        self.trader_id = trader_id
        self.strategy_id = strategy_id
        self.instrument_id = order.instrument_id
        self.client_id = client_id
        self.order = order
        self.position_id = position_id
        self.id = command_id
        self.ts_init = ts_init

    @staticmethod
    cdef SubmitOrder create(Order order, UUID4 command_id, int64_t ts_init,
                            PositionId position_id, ClientId client_id):
        """Return a command for `order` from its own trader and strategy (no Python call).

        Precondition: `order` and `command_id` are not None.
        """
        cdef SubmitOrder command = SubmitOrder.__new__(SubmitOrder)
        command.kind = CommandKind.SUBMIT_ORDER
        command.trader_id = order.trader_id
        command.strategy_id = order.strategy_id
        command.instrument_id = order.instrument_id
        command.client_id = client_id
        command.order = order
        command.position_id = position_id
        command.id = command_id
        command.ts_init = ts_init
        return command

    def __repr__(self):
        return f"SubmitOrder(order={self.order!r}, position_id={self.position_id})"


@cython.final
cdef class ModifyOrder(TradingCommand):
    """Change an open order's quantity, price or trigger price (None keeps the value)."""

    def __init__(self, TraderId trader_id not None, StrategyId strategy_id not None,
                 InstrumentId instrument_id not None, ClientOrderId client_order_id not None,
                 VenueOrderId venue_order_id or None, Quantity quantity or None,
                 Price price or None,
                 Price trigger_price or None, UUID4 command_id not None, int64_t ts_init,
                 ClientId client_id=None):
        if quantity is not None and quantity.raw <= 0:
            raise ValidationError(
                f"ModifyOrder {client_order_id}: quantity invalid value {quantity}, expected a "
                f"quantity > 0 (or None to keep the order's quantity)"
            )
        self.kind = CommandKind.MODIFY_ORDER
        self.trader_id = trader_id
        self.strategy_id = strategy_id
        self.instrument_id = instrument_id
        self.client_id = client_id
        self.client_order_id = client_order_id
        self.venue_order_id = venue_order_id
        self.quantity = quantity
        self.price = price
        self.trigger_price = trigger_price
        self.id = command_id
        self.ts_init = ts_init

    def __repr__(self):
        return (f"ModifyOrder(client_order_id={self.client_order_id}, quantity={self.quantity}, "
                f"price={self.price}, trigger_price={self.trigger_price})")


@cython.final
cdef class CancelOrder(TradingCommand):
    """Cancel an open order."""

    def __init__(self, TraderId trader_id not None, StrategyId strategy_id not None,
                 InstrumentId instrument_id not None, ClientOrderId client_order_id not None,
                 VenueOrderId venue_order_id or None, UUID4 command_id not None, int64_t ts_init,
                 ClientId client_id=None):
        self.kind = CommandKind.CANCEL_ORDER
        self.trader_id = trader_id
        self.strategy_id = strategy_id
        self.instrument_id = instrument_id
        self.client_id = client_id
        self.client_order_id = client_order_id
        self.venue_order_id = venue_order_id
        self.id = command_id
        self.ts_init = ts_init

    def __repr__(self):
        return f"CancelOrder(client_order_id={self.client_order_id})"


@cython.final
cdef class CancelAllOrders(TradingCommand):
    """Cancel every open order of the strategy for the instrument (one side, or both)."""

    def __init__(self, TraderId trader_id not None, StrategyId strategy_id not None,
                 InstrumentId instrument_id not None, order_side, UUID4 command_id not None,
                 int64_t ts_init, ClientId client_id=None):
        if order_side not in (OrderSide.NO_ORDER_SIDE, OrderSide.BUY, OrderSide.SELL):
            raise ValidationError(
                f"CancelAllOrders {instrument_id}: order_side invalid value {order_side!r}, "
                f"expected BUY, SELL or NO_ORDER_SIDE (both sides)"
            )
        self.kind = CommandKind.CANCEL_ALL_ORDERS
        self.trader_id = trader_id
        self.strategy_id = strategy_id
        self.instrument_id = instrument_id
        self.client_id = client_id
        self.order_side = <OrderSide><int>order_side
        self.id = command_id
        self.ts_init = ts_init

    def __repr__(self):
        return (f"CancelAllOrders(instrument_id={self.instrument_id}, "
                f"order_side={PyOrderSide(self.order_side).name})")
