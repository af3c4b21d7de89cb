from core.backtest.exchange import SimulatedExchange
from core.backtest.stream import DataStream
from core.common.clock import Clock
from core.data.engine import DataEngine
from core.execution.client import ExecutionClient
from core.model.data import Data
from core.model.identifiers import AccountId

class StreamMerger:
    emitted: int
    def __init__(self, streams: list[DataStream]) -> None: ...
    def head_ts(self) -> int: ...
    def next(self) -> Data | None: ...

class SandboxExecutionClient(ExecutionClient):
    commands: int
    def __init__(self, exchange: SimulatedExchange, account_id: AccountId) -> None: ...
    def set_listener(self, callback) -> None: ...

class LiveDispatcher:
    events: int
    accepted: int
    restamp: bool
    def __init__(
        self,
        data_engine: DataEngine,
        clock: Clock,
        exchanges: list[SimulatedExchange],
        restamp: bool = True,
    ) -> None: ...
    def on_data(self, data: Data) -> None: ...
    def settle(self) -> None: ...
    def next_command_time(self) -> int: ...
