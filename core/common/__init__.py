"""Layer 1 of the kernel: clocks and timers, the message bus, component lifecycle, logging."""

from core.common.clock import Clock, LiveClock, TestClock, TimeEvent, TimeEventHandler
from core.common.component import (
    Component,
    ComponentState,
    ComponentTrigger,
    FiniteStateMachine,
)
from core.common.logging import Logger, LogLevel
from core.common.msgbus import MessageBus
from core.model.uuid import UUID4

__all__ = [
    "Clock",
    "Component",
    "ComponentState",
    "ComponentTrigger",
    "FiniteStateMachine",
    "LiveClock",
    "LogLevel",
    "Logger",
    "MessageBus",
    "TestClock",
    "TimeEvent",
    "TimeEventHandler",
    "UUID4",
]
