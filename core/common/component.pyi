from collections.abc import Callable, Hashable
from enum import IntEnum

from core.common.clock import Clock
from core.common.logging import Logger
from core.common.msgbus import MessageBus
from core.model.identifiers import ComponentId, TraderId

class ComponentState(IntEnum):
    PRE_INITIALIZED = 0
    READY = 1
    STARTING = 2
    RUNNING = 3
    STOPPING = 4
    STOPPED = 5
    RESUMING = 6
    RESETTING = 7
    DISPOSING = 8
    DISPOSED = 9
    DEGRADING = 10
    DEGRADED = 11
    FAULTING = 12
    FAULTED = 13

class ComponentTrigger(IntEnum):
    INITIALIZE = 1
    START = 2
    START_COMPLETED = 3
    STOP = 4
    STOP_COMPLETED = 5
    RESUME = 6
    RESUME_COMPLETED = 7
    RESET = 8
    RESET_COMPLETED = 9
    DISPOSE = 10
    DISPOSE_COMPLETED = 11
    DEGRADE = 12
    DEGRADE_COMPLETED = 13
    FAULT = 14
    FAULT_COMPLETED = 15

COMPONENT_STATE_TRANSITIONS: dict[tuple[ComponentState, ComponentTrigger], ComponentState]

class FiniteStateMachine:
    state: Hashable
    name: str
    def __init__(
        self,
        state_transition_table: dict[tuple[Hashable, Hashable], Hashable],
        initial_state: Hashable,
        name: str = "FiniteStateMachine",
        state_parser: Callable[[Hashable], str] | None = None,
        trigger_parser: Callable[[Hashable], str] | None = None,
    ) -> None: ...
    def trigger(self, trigger: Hashable) -> None: ...

class Component:
    id: ComponentId
    trader_id: TraderId | None
    clock: Clock
    log: Logger
    msgbus: MessageBus | None
    def __init__(
        self,
        clock: Clock,
        component_id: ComponentId | str | None = None,
        trader_id: TraderId | None = None,
        msgbus: MessageBus | None = None,
    ) -> None: ...
    @property
    def state(self) -> ComponentState: ...
    @property
    def is_initialized(self) -> bool: ...
    @property
    def is_running(self) -> bool: ...
    @property
    def is_stopped(self) -> bool: ...
    @property
    def is_disposed(self) -> bool: ...
    @property
    def is_degraded(self) -> bool: ...
    @property
    def is_faulted(self) -> bool: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def resume(self) -> None: ...
    def reset(self) -> None: ...
    def dispose(self) -> None: ...
    def degrade(self) -> None: ...
    def fault(self) -> None: ...
    def _start(self) -> None: ...
    def _stop(self) -> None: ...
    def _resume(self) -> None: ...
    def _reset(self) -> None: ...
    def _dispose(self) -> None: ...
    def _degrade(self) -> None: ...
    def _fault(self) -> None: ...
