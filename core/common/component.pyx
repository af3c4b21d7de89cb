"""The lifecycle of kernel components: states, triggers and the `Component` base.

Every engine, actor and strategy is a `Component`. A lifecycle call (``start()``) fires a
trigger into an intermediate state (STARTING), runs the overridable hook (``_start()``) and
fires the completing trigger (START_COMPLETED → RUNNING). A trigger invalid in the current
state raises `InvalidStateTrigger` and changes nothing.

Transition table (state + trigger → next state); any pair not listed is invalid:

===============  =================  ===============
state            trigger            next state
===============  =================  ===============
PRE_INITIALIZED  INITIALIZE         READY
READY            RESET              RESETTING
READY            START              STARTING
READY            DISPOSE            DISPOSING
RESETTING        RESET_COMPLETED    READY
RESETTING        FAULT              FAULTING
STARTING         START_COMPLETED    RUNNING
STARTING         STOP               STOPPING
STARTING         FAULT              FAULTING
RUNNING          STOP               STOPPING
RUNNING          DEGRADE            DEGRADING
RUNNING          FAULT              FAULTING
RESUMING         RESUME_COMPLETED   RUNNING
RESUMING         STOP               STOPPING
RESUMING         FAULT              FAULTING
STOPPING         STOP_COMPLETED     STOPPED
STOPPING         FAULT              FAULTING
STOPPED          RESET              RESETTING
STOPPED          RESUME             RESUMING
STOPPED          DISPOSE            DISPOSING
STOPPED          FAULT              FAULTING
DEGRADING        DEGRADE_COMPLETED  DEGRADED
DEGRADING        FAULT              FAULTING
DEGRADED         RESUME             RESUMING
DEGRADED         STOP               STOPPING
DEGRADED         FAULT              FAULTING
DISPOSING        DISPOSE_COMPLETED  DISPOSED
DISPOSING        FAULT              FAULTING
FAULTING         FAULT_COMPLETED    FAULTED
FAULTED          DISPOSE            DISPOSING
===============  =================  ===============

Every intermediate state accepts FAULT, so a failing hook always has a way to FAULTED;
FAULTED accepts DISPOSE so a faulted component can still release its resources. DISPOSED is
final.

Error rule: when a hook raises, the component logs the traceback at ERROR, goes
FAULTING → (``_fault()``) → FAULTED, and the lifecycle call re-raises the hook's exception
unchanged, so the caller (the trader or kernel, a component boundary) decides whether the
node carries on. An exception from ``_fault()`` itself is logged and does not replace it.
"""

from core.common.clock cimport Clock
from core.common.logging cimport Logger, LogLevel
from core.common.msgbus cimport MessageBus
from core.model.identifiers cimport ComponentId, Identifier, TraderId

from core.errors import InvalidStateTrigger, InvalidTypeError

# The Python enum classes (inside this module the bare names are the C enum types).
S = _ComponentStatePy = ComponentState
T = _ComponentTriggerPy = ComponentTrigger

# The component transition table: (state, trigger) -> next state (see the module docstring).
COMPONENT_STATE_TRANSITIONS = {
    (S.PRE_INITIALIZED, T.INITIALIZE): S.READY,
    (S.READY, T.RESET): S.RESETTING,
    (S.READY, T.START): S.STARTING,
    (S.READY, T.DISPOSE): S.DISPOSING,
    (S.RESETTING, T.RESET_COMPLETED): S.READY,
    (S.RESETTING, T.FAULT): S.FAULTING,
    (S.STARTING, T.START_COMPLETED): S.RUNNING,
    (S.STARTING, T.STOP): S.STOPPING,
    (S.STARTING, T.FAULT): S.FAULTING,
    (S.RUNNING, T.STOP): S.STOPPING,
    (S.RUNNING, T.DEGRADE): S.DEGRADING,
    (S.RUNNING, T.FAULT): S.FAULTING,
    (S.RESUMING, T.RESUME_COMPLETED): S.RUNNING,
    (S.RESUMING, T.STOP): S.STOPPING,
    (S.RESUMING, T.FAULT): S.FAULTING,
    (S.STOPPING, T.STOP_COMPLETED): S.STOPPED,
    (S.STOPPING, T.FAULT): S.FAULTING,
    (S.STOPPED, T.RESET): S.RESETTING,
    (S.STOPPED, T.RESUME): S.RESUMING,
    (S.STOPPED, T.DISPOSE): S.DISPOSING,
    (S.STOPPED, T.FAULT): S.FAULTING,
    (S.DEGRADING, T.DEGRADE_COMPLETED): S.DEGRADED,
    (S.DEGRADING, T.FAULT): S.FAULTING,
    (S.DEGRADED, T.RESUME): S.RESUMING,
    (S.DEGRADED, T.STOP): S.STOPPING,
    (S.DEGRADED, T.FAULT): S.FAULTING,
    (S.DISPOSING, T.DISPOSE_COMPLETED): S.DISPOSED,
    (S.DISPOSING, T.FAULT): S.FAULTING,
    (S.FAULTING, T.FAULT_COMPLETED): S.FAULTED,
    (S.FAULTED, T.DISPOSE): S.DISPOSING,
}

del S, T


def _enum_name(value):
    return getattr(value, "name", str(value))


def _state_name(value):
    return _ComponentStatePy(value).name


def _trigger_name(value):
    return _ComponentTriggerPy(value).name


cdef class FiniteStateMachine:
    """A state machine driven by a fixed transition table.

    Parameters
    ----------
    state_transition_table : dict
        ``(state, trigger) -> next state``; copied once, at construction.
    initial_state : object
        The starting state.
    name : str, default "FiniteStateMachine"
        Names the owner in error messages.
    state_parser, trigger_parser : callable, optional
        Turn a state/trigger into its display name; by default its ``name`` attribute.

    Raises
    ------
    InvalidTypeError
        If `state_transition_table` is not a dict.
    """

    def __init__(
        self,
        state_transition_table,
        initial_state,
        str name="FiniteStateMachine",
        state_parser=None,
        trigger_parser=None,
    ):
        if not isinstance(state_transition_table, dict):
            raise InvalidTypeError(
                f"FiniteStateMachine.state_transition_table: invalid type "
                f"{type(state_transition_table).__name__}, expected dict"
            )
        self._table = dict(state_transition_table)
        self.state = initial_state
        self.name = name
        self._state_parser = state_parser if state_parser is not None else _enum_name
        self._trigger_parser = trigger_parser if trigger_parser is not None else _enum_name

    cpdef void trigger(self, object trigger) except *:
        """Apply `trigger`: move to the table's next state.

        Raises
        ------
        InvalidStateTrigger
            If the table has no entry for (current state, `trigger`); the state is unchanged.
        """
        next_state = self._table.get((self.state, trigger))
        if next_state is None:
            valid = [
                self._trigger_parser(key[1]) for key in self._table if key[0] == self.state
            ]
            raise InvalidStateTrigger(
                f"{self.name}: invalid trigger {self._trigger_parser(trigger)} in state "
                f"{self._state_parser(self.state)}; valid triggers there: {valid}"
            )
        self.state = next_state

    def __repr__(self):
        return f"FiniteStateMachine({self.name}, state={self._state_parser(self.state)})"


cdef class Component:
    """The base of every kernel component: identity, clock, logger, bus and lifecycle.

    Parameters
    ----------
    clock : Clock
        The component's clock.
    component_id : ComponentId (or another Identifier, e.g. StrategyId) or str, optional
        The component's id; its class name if omitted.
    trader_id : TraderId, optional
        The trader it belongs to (prefixes the logger's name).
    msgbus : MessageBus, optional
        The bus it talks through.

    Raises
    ------
    ValidationError
        If `component_id` is an invalid identifier string.

    Notes
    -----
    The component is READY after construction. Subclasses override the hooks ``_start``,
    ``_stop``, ``_resume``, ``_reset``, ``_dispose``, ``_degrade`` and ``_fault``; each runs
    in the matching intermediate state. See the module docstring for the table and the
    error rule.
    """

    def __init__(
        self,
        Clock clock not None,
        component_id=None,
        TraderId trader_id=None,
        MessageBus msgbus=None,
    ):
        if component_id is None:
            component_id = ComponentId(type(self).__name__)
        elif isinstance(component_id, str):
            component_id = ComponentId(component_id)
        elif not isinstance(component_id, Identifier):
            raise InvalidTypeError(
                f"{type(self).__name__}.component_id: invalid type "
                f"{type(component_id).__name__}, expected ComponentId (or another Identifier) or str"
            )
        self.id = component_id
        self.trader_id = trader_id
        self.clock = clock
        self.msgbus = msgbus
        cdef str log_name = (
            self.id.value if trader_id is None else f"{trader_id.value}.{self.id.value}"
        )
        self.log = Logger(log_name, clock)
        self._fsm = FiniteStateMachine(
            COMPONENT_STATE_TRANSITIONS,
            ComponentState.PRE_INITIALIZED,
            name=f"{type(self).__name__} {self.id.value}",
            state_parser=_state_name,
            trigger_parser=_trigger_name,
        )
        self._fsm.trigger(ComponentTrigger.INITIALIZE)

    # -- state -----------------------------------------------------------------------------

    @property
    def state(self):
        """The current `ComponentState`."""
        return _ComponentStatePy(self._fsm.state)

    @property
    def is_initialized(self):
        """Whether the component has left PRE_INITIALIZED."""
        return self._fsm.state != ComponentState.PRE_INITIALIZED

    @property
    def is_running(self):
        """Whether the component is RUNNING."""
        return self._fsm.state == ComponentState.RUNNING

    @property
    def is_stopped(self):
        """Whether the component is STOPPED."""
        return self._fsm.state == ComponentState.STOPPED

    @property
    def is_disposed(self):
        """Whether the component is DISPOSED."""
        return self._fsm.state == ComponentState.DISPOSED

    @property
    def is_degraded(self):
        """Whether the component is DEGRADED."""
        return self._fsm.state == ComponentState.DEGRADED

    @property
    def is_faulted(self):
        """Whether the component is FAULTED."""
        return self._fsm.state == ComponentState.FAULTED

    # -- lifecycle -------------------------------------------------------------------------

    def start(self):
        """Start: STARTING, ``_start()``, RUNNING.

        Raises
        ------
        InvalidStateTrigger
            If the component cannot start from its current state (nothing changes).
        Exception
            Whatever ``_start()`` raised, after the component went to FAULTED.
        """
        self._run_transition(
            ComponentTrigger.START, ComponentTrigger.START_COMPLETED, self._start, "start"
        )

    def stop(self):
        """Stop: STOPPING, ``_stop()``, STOPPED. Raises as `start` does."""
        self._run_transition(
            ComponentTrigger.STOP, ComponentTrigger.STOP_COMPLETED, self._stop, "stop"
        )

    def resume(self):
        """Resume: RESUMING, ``_resume()``, RUNNING. Raises as `start` does."""
        self._run_transition(
            ComponentTrigger.RESUME, ComponentTrigger.RESUME_COMPLETED, self._resume, "resume"
        )

    def reset(self):
        """Reset: RESETTING, ``_reset()``, READY. Raises as `start` does."""
        self._run_transition(
            ComponentTrigger.RESET, ComponentTrigger.RESET_COMPLETED, self._reset, "reset"
        )

    def dispose(self):
        """Dispose: DISPOSING, ``_dispose()``, DISPOSED. Raises as `start` does."""
        self._run_transition(
            ComponentTrigger.DISPOSE,
            ComponentTrigger.DISPOSE_COMPLETED,
            self._dispose,
            "dispose",
        )

    def degrade(self):
        """Degrade: DEGRADING, ``_degrade()``, DEGRADED. Raises as `start` does."""
        self._run_transition(
            ComponentTrigger.DEGRADE,
            ComponentTrigger.DEGRADE_COMPLETED,
            self._degrade,
            "degrade",
        )

    def fault(self):
        """Fault: FAULTING, ``_fault()``, FAULTED.

        Raises
        ------
        InvalidStateTrigger
            If the component cannot fault from its current state (nothing changes).
        Exception
            Whatever ``_fault()`` raised, after the component went to FAULTED anyway.
        """
        self._fsm.trigger(ComponentTrigger.FAULT)
        self.log.log_c(LogLevel.INFO, "FAULTING")
        try:
            self._fault()
        except Exception as err:
            self.log.exception("error in _fault()", err)
            self._fsm.trigger(ComponentTrigger.FAULT_COMPLETED)
            self.log.log_c(LogLevel.ERROR, "FAULTED")
            raise
        self._fsm.trigger(ComponentTrigger.FAULT_COMPLETED)
        self.log.log_c(LogLevel.INFO, "FAULTED")

    cdef void _run_transition(
        self, int trigger, int completed, object hook, str action
    ) except *:
        self._fsm.trigger(trigger)
        self.log.log_c(LogLevel.INFO, _state_name(self._fsm.state))
        try:
            hook()
        except Exception as err:
            self.log.exception(f"error in _{action}(); faulting", err)
            self._fault_from_hook(action)
            raise
        self._fsm.trigger(completed)
        self.log.log_c(LogLevel.INFO, _state_name(self._fsm.state))

    cdef void _fault_from_hook(self, str action) except *:
        self._fsm.trigger(ComponentTrigger.FAULT)
        try:
            self._fault()
        except Exception as err:  # keep the original error; this one is only logged
            self.log.exception(f"error in _fault() while faulting after _{action}()", err)
        self._fsm.trigger(ComponentTrigger.FAULT_COMPLETED)
        self.log.log_c(LogLevel.ERROR, "FAULTED")

    # -- hooks (override) ------------------------------------------------------------------

    def _start(self):
        """Acquire what running needs (subscriptions, timers). The base does nothing."""

    def _stop(self):
        """Release what `_start` acquired. The base does nothing."""

    def _resume(self):
        """Continue after a stop or degradation. The base does nothing."""

    def _reset(self):
        """Return to a fresh state for another run. The base does nothing."""

    def _dispose(self):
        """Release resources for good. The base does nothing."""

    def _degrade(self):
        """Enter reduced operation. The base does nothing."""

    def _fault(self):
        """Contain a failure (cancel timers, close connections). The base does nothing."""

    def __repr__(self):
        return f"{type(self).__name__}({self.id.value}, state={self.state.name})"
