from collections.abc import Callable, Iterator, Mapping
from typing import Any

from core.model.data import BarType, Data
from core.model.identifiers import InstrumentId

Chunk = Any  # a pyarrow RecordBatch or Table, or a mapping of column name -> array

class DataStream:
    priority: int
    head_ts: int
    dropped_count: int
    drop_reasons: dict[str, int]
    length: int
    def reset(self) -> None: ...
    def seek(self, start_ns: int) -> None: ...
    def __len__(self) -> int: ...

class ListStream(DataStream):
    def __init__(self, data: list[Data], priority: int = 0) -> None: ...
    def bar_types(self) -> list[BarType]: ...

class ObjectChunkStream(DataStream):
    def __init__(self, source: Callable[[], Iterator[list[Data]]], priority: int = 0) -> None: ...

class ArrayStream(DataStream): ...

class BarArrayStream(ArrayStream):
    bar_type: BarType
    def __init__(
        self,
        bar_type: BarType,
        columns: Mapping[str, Any] | None,
        price_precision: int,
        size_precision: int,
        priority: int = 0,
        source: Callable[[], Iterator[Chunk]] | None = None,
    ) -> None: ...

class QuoteArrayStream(ArrayStream):
    instrument_id: InstrumentId
    def __init__(
        self,
        instrument_id: InstrumentId,
        columns: Mapping[str, Any] | None,
        price_precision: int,
        size_precision: int,
        priority: int = 0,
        source: Callable[[], Iterator[Chunk]] | None = None,
    ) -> None: ...

class TradeArrayStream(ArrayStream):
    instrument_id: InstrumentId
    def __init__(
        self,
        instrument_id: InstrumentId,
        columns: Mapping[str, Any] | None,
        price_precision: int,
        size_precision: int,
        priority: int = 0,
        source: Callable[[], Iterator[Chunk]] | None = None,
    ) -> None: ...
