from core.common.clock cimport Clock
from core.common.logging cimport Logger
from core.common.msgbus cimport MessageBus
from core.model.identifiers cimport ComponentId, Identifier, TraderId


# C names are prefixed: state and trigger names (READY, START, FAULT, ...) are too generic
# to share the C namespace of every module that cimports this one.
cpdef enum ComponentState:
    PRE_INITIALIZED "COMPONENT_STATE_PRE_INITIALIZED" = 0
    READY "COMPONENT_STATE_READY" = 1
    STARTING "COMPONENT_STATE_STARTING" = 2
    RUNNING "COMPONENT_STATE_RUNNING" = 3
    STOPPING "COMPONENT_STATE_STOPPING" = 4
    STOPPED "COMPONENT_STATE_STOPPED" = 5
    RESUMING "COMPONENT_STATE_RESUMING" = 6
    RESETTING "COMPONENT_STATE_RESETTING" = 7
    DISPOSING "COMPONENT_STATE_DISPOSING" = 8
    DISPOSED "COMPONENT_STATE_DISPOSED" = 9
    DEGRADING "COMPONENT_STATE_DEGRADING" = 10
    DEGRADED "COMPONENT_STATE_DEGRADED" = 11
    FAULTING "COMPONENT_STATE_FAULTING" = 12
    FAULTED "COMPONENT_STATE_FAULTED" = 13


cpdef enum ComponentTrigger:
    INITIALIZE "COMPONENT_TRIGGER_INITIALIZE" = 1
    START "COMPONENT_TRIGGER_START" = 2
    START_COMPLETED "COMPONENT_TRIGGER_START_COMPLETED" = 3
    STOP "COMPONENT_TRIGGER_STOP" = 4
    STOP_COMPLETED "COMPONENT_TRIGGER_STOP_COMPLETED" = 5
    RESUME "COMPONENT_TRIGGER_RESUME" = 6
    RESUME_COMPLETED "COMPONENT_TRIGGER_RESUME_COMPLETED" = 7
    RESET "COMPONENT_TRIGGER_RESET" = 8
    RESET_COMPLETED "COMPONENT_TRIGGER_RESET_COMPLETED" = 9
    DISPOSE "COMPONENT_TRIGGER_DISPOSE" = 10
    DISPOSE_COMPLETED "COMPONENT_TRIGGER_DISPOSE_COMPLETED" = 11
    DEGRADE "COMPONENT_TRIGGER_DEGRADE" = 12
    DEGRADE_COMPLETED "COMPONENT_TRIGGER_DEGRADE_COMPLETED" = 13
    FAULT "COMPONENT_TRIGGER_FAULT" = 14
    FAULT_COMPLETED "COMPONENT_TRIGGER_FAULT_COMPLETED" = 15


cdef class FiniteStateMachine:
    cdef dict _table
    cdef readonly object state
    """The current state."""
    cdef readonly str name
    """Names the machine's owner in error messages."""
    cdef object _state_parser
    cdef object _trigger_parser

    cpdef void trigger(self, object trigger) except *


cdef class Component:
    cdef readonly Identifier id
    """The component's id (its class name unless given)."""
    cdef readonly TraderId trader_id
    """The trader the component belongs to, or None."""
    cdef readonly Clock clock
    """The component's clock."""
    cdef readonly Logger log
    """The component's logger, named ``<trader_id>.<id>`` and stamped by its clock."""
    cdef readonly MessageBus msgbus
    """The bus the component talks through, or None."""
    cdef FiniteStateMachine _fsm

    cdef void _run_transition(self, int trigger, int completed, object hook, str action) except *
    cdef void _fault_from_hook(self, str action) except *
