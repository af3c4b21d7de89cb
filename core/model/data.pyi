from datetime import timedelta
from typing import Any

from core.model.enums import AggregationSource, AggressorSide, BarAggregation, PriceType
from core.model.identifiers import InstrumentId, TradeId
from core.model.objects import Price, Quantity

class Data:
    ts_event: int
    ts_init: int
    def __init__(self, ts_event: int, ts_init: int) -> None: ...

class DataType:
    type: type[Data]
    metadata: dict[str, Any]
    topic: str
    def __init__(self, type: type[Data], metadata: dict[str, Any] | None = None) -> None: ...

class BarSpecification:
    step: int
    aggregation: BarAggregation
    price_type: PriceType
    def __init__(self, step: int, aggregation: BarAggregation, price_type: PriceType) -> None: ...
    @staticmethod
    def from_str(value: str) -> BarSpecification: ...
    def is_time_aggregated(self) -> bool: ...
    def interval_ns(self) -> int: ...
    @property
    def timedelta(self) -> timedelta: ...

class BarType:
    instrument_id: InstrumentId
    spec: BarSpecification
    aggregation_source: AggregationSource
    def __init__(
        self,
        instrument_id: InstrumentId,
        bar_spec: BarSpecification,
        aggregation_source: AggregationSource = ...,
    ) -> None: ...
    @staticmethod
    def from_str(value: str) -> BarType: ...
    def is_externally_aggregated(self) -> bool: ...
    def is_internally_aggregated(self) -> bool: ...

class QuoteTick(Data):
    instrument_id: InstrumentId
    bid_price_raw: int
    ask_price_raw: int
    bid_size_raw: int
    ask_size_raw: int
    price_precision: int
    size_precision: int
    bid_price: Price
    ask_price: Price
    bid_size: Quantity
    ask_size: Quantity
    def __init__(
        self,
        instrument_id: InstrumentId,
        bid_price: Price,
        ask_price: Price,
        bid_size: Quantity,
        ask_size: Quantity,
        ts_event: int,
        ts_init: int,
    ) -> None: ...
    @staticmethod
    def from_raw(
        instrument_id: InstrumentId,
        bid_price_raw: int,
        ask_price_raw: int,
        bid_price_prec: int,
        ask_price_prec: int,
        bid_size_raw: int,
        ask_size_raw: int,
        bid_size_prec: int,
        ask_size_prec: int,
        ts_event: int,
        ts_init: int,
    ) -> QuoteTick: ...
    def extract_price(self, price_type: PriceType) -> Price: ...
    def extract_size(self, price_type: PriceType) -> Quantity: ...

class TradeTick(Data):
    instrument_id: InstrumentId
    price_raw: int
    size_raw: int
    price_precision: int
    size_precision: int
    aggressor_side: AggressorSide
    trade_id: TradeId
    price: Price
    size: Quantity
    def __init__(
        self,
        instrument_id: InstrumentId,
        price: Price,
        size: Quantity,
        aggressor_side: AggressorSide,
        trade_id: TradeId,
        ts_event: int,
        ts_init: int,
    ) -> None: ...
    @staticmethod
    def from_raw(
        instrument_id: InstrumentId,
        price_raw: int,
        price_prec: int,
        size_raw: int,
        size_prec: int,
        aggressor_side: AggressorSide,
        trade_id: TradeId,
        ts_event: int,
        ts_init: int,
    ) -> TradeTick: ...

class Bar(Data):
    bar_type: BarType
    open_raw: int
    high_raw: int
    low_raw: int
    close_raw: int
    volume_raw: int
    price_precision: int
    size_precision: int
    is_revision: bool
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Quantity
    def __init__(
        self,
        bar_type: BarType,
        open: Price,
        high: Price,
        low: Price,
        close: Price,
        volume: Quantity,
        ts_event: int,
        ts_init: int,
        is_revision: bool = False,
    ) -> None: ...
    @staticmethod
    def from_raw(
        bar_type: BarType,
        open_raw: int,
        high_raw: int,
        low_raw: int,
        close_raw: int,
        price_prec: int,
        volume_raw: int,
        size_prec: int,
        ts_event: int,
        ts_init: int,
    ) -> Bar: ...
    def is_single_price(self) -> bool: ...
