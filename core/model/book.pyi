from core.model.data import Data
from core.model.enums import BookAction, OrderSide
from core.model.identifiers import InstrumentId
from core.model.objects import Price, Quantity

class BookOrder:
    side: OrderSide
    price_raw: int
    size_raw: int
    price_precision: int
    size_precision: int
    order_id: int
    price: Price
    size: Quantity
    def __init__(self, side: OrderSide, price: Price, size: Quantity, order_id: int) -> None: ...
    @staticmethod
    def from_raw(
        side: OrderSide,
        price_raw: int,
        price_prec: int,
        size_raw: int,
        size_prec: int,
        order_id: int,
    ) -> BookOrder: ...

class OrderBookDelta(Data):
    instrument_id: InstrumentId
    action: BookAction
    order: BookOrder
    flags: int
    sequence: int
    def __init__(
        self,
        instrument_id: InstrumentId,
        action: BookAction,
        order: BookOrder | None,
        flags: int,
        sequence: int,
        ts_event: int,
        ts_init: int,
    ) -> None: ...
    @staticmethod
    def from_raw(
        instrument_id: InstrumentId,
        action: BookAction,
        side: OrderSide,
        price_raw: int,
        price_prec: int,
        size_raw: int,
        size_prec: int,
        order_id: int,
        flags: int,
        sequence: int,
        ts_event: int,
        ts_init: int,
    ) -> OrderBookDelta: ...
    @staticmethod
    def clear(
        instrument_id: InstrumentId, sequence: int, ts_event: int, ts_init: int
    ) -> OrderBookDelta: ...
