import itertools

import pytest

from core.common.clock import TestClock
from core.common.component import (
    COMPONENT_STATE_TRANSITIONS,
    Component,
    ComponentState,
    ComponentTrigger,
    FiniteStateMachine,
)
from core.common.logging import LogLevel
from core.common.msgbus import MessageBus
from core.errors import InvalidStateTrigger, InvalidTypeError, ValidationError
from core.model.identifiers import ComponentId, TraderId

S, T = ComponentState, ComponentTrigger

# Written out independently of the implementation's table.
EXPECTED = {
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


def _component_fsm(state):
    return FiniteStateMachine(
        COMPONENT_STATE_TRANSITIONS,
        state,
        name="Test",
    )


def test_component_state_transitions_table_equals_expected():
    assert COMPONENT_STATE_TRANSITIONS == EXPECTED


def test_component_enums_have_nautilus_members():
    assert [s.name for s in ComponentState] == [
        "PRE_INITIALIZED",
        "READY",
        "STARTING",
        "RUNNING",
        "STOPPING",
        "STOPPED",
        "RESUMING",
        "RESETTING",
        "DISPOSING",
        "DISPOSED",
        "DEGRADING",
        "DEGRADED",
        "FAULTING",
        "FAULTED",
    ]
    assert [t.name for t in ComponentTrigger] == [
        "INITIALIZE",
        "START",
        "START_COMPLETED",
        "STOP",
        "STOP_COMPLETED",
        "RESUME",
        "RESUME_COMPLETED",
        "RESET",
        "RESET_COMPLETED",
        "DISPOSE",
        "DISPOSE_COMPLETED",
        "DEGRADE",
        "DEGRADE_COMPLETED",
        "FAULT",
        "FAULT_COMPLETED",
    ]


@pytest.mark.parametrize(
    ("state", "trigger"),
    list(itertools.product(ComponentState, ComponentTrigger)),
    ids=lambda v: v.name,
)
def test_fsm_every_state_trigger_pair_moves_or_raises(state, trigger):
    fsm = _component_fsm(state)
    expected = EXPECTED.get((state, trigger))
    if expected is not None:
        fsm.trigger(trigger)
        assert fsm.state == expected
    else:
        with pytest.raises(
            InvalidStateTrigger,
            match=rf"Test: invalid trigger {trigger.name} in state {state.name}; valid triggers",
        ):
            fsm.trigger(trigger)
        assert fsm.state == state


def test_fsm_error_lists_valid_triggers():
    with pytest.raises(
        InvalidStateTrigger, match=r"valid triggers there: \['RESUME', 'STOP', 'FAULT'\]"
    ):
        _component_fsm(S.DEGRADED).trigger(T.START)


def test_fsm_non_dict_table_raises():
    with pytest.raises(InvalidTypeError, match=r"state_transition_table: invalid type list"):
        FiniteStateMachine([], S.READY)


def test_fsm_table_copied_at_construction():
    table = {("a", "go"): "b"}
    fsm = FiniteStateMachine(table, "a")
    table[("a", "go")] = "c"
    fsm.trigger("go")
    assert fsm.state == "b"


# -- Component ----------------------------------------------------------------------------


class Recording(Component):
    """Records hook calls; raises from the hooks named in `failing`."""

    def __init__(self, failing=(), fault_fails=False, **kwargs):
        super().__init__(TestClock(), **kwargs)
        self.calls = []
        self.failing = set(failing)
        self.fault_fails = fault_fails

    def _hook(self, name):
        self.calls.append((name, self.state))
        if name in self.failing:
            raise ValueError(f"{name} failed")

    def _start(self):
        self._hook("start")

    def _stop(self):
        self._hook("stop")

    def _resume(self):
        self._hook("resume")

    def _reset(self):
        self._hook("reset")

    def _dispose(self):
        self._hook("dispose")

    def _degrade(self):
        self._hook("degrade")

    def _fault(self):
        self.calls.append(("fault", self.state))
        if self.fault_fails:
            raise OSError("fault failed too")


def test_component_new_is_ready_with_default_id():
    component = Recording()
    assert component.state == S.READY
    assert component.is_initialized
    assert component.id == ComponentId("Recording")
    assert component.log.name == "Recording"
    assert component.trader_id is None and component.msgbus is None


def test_component_with_trader_id_names_logger():
    trader_id = TraderId("TRADER-001")
    clock = TestClock()
    bus = MessageBus(trader_id, clock)
    component = Component(clock, component_id="MyStrategy", trader_id=trader_id, msgbus=bus)
    assert component.id == ComponentId("MyStrategy")
    assert component.log.name == "TRADER-001.MyStrategy"
    assert component.msgbus is bus
    assert component.clock is clock


@pytest.mark.parametrize(
    ("component_id", "error", "match"),
    [
        (5, InvalidTypeError, r"Component.component_id: invalid type int, expected ComponentId"),
        ("", ValidationError, r"ComponentId.value: invalid value ''"),
    ],
)
def test_component_invalid_id_raises(component_id, error, match):
    with pytest.raises(error, match=match):
        Component(TestClock(), component_id=component_id)


@pytest.mark.parametrize(
    ("actions", "final", "hooks"),
    [
        (["start"], S.RUNNING, [("start", S.STARTING)]),
        (["start", "stop"], S.STOPPED, [("start", S.STARTING), ("stop", S.STOPPING)]),
        (
            ["start", "stop", "resume"],
            S.RUNNING,
            [("start", S.STARTING), ("stop", S.STOPPING), ("resume", S.RESUMING)],
        ),
        (
            ["start", "stop", "reset"],
            S.READY,
            [("start", S.STARTING), ("stop", S.STOPPING), ("reset", S.RESETTING)],
        ),
        (["start", "degrade"], S.DEGRADED, [("start", S.STARTING), ("degrade", S.DEGRADING)]),
        (
            ["start", "degrade", "resume"],
            S.RUNNING,
            [("start", S.STARTING), ("degrade", S.DEGRADING), ("resume", S.RESUMING)],
        ),
        (["dispose"], S.DISPOSED, [("dispose", S.DISPOSING)]),
        (["start", "fault"], S.FAULTED, [("start", S.STARTING), ("fault", S.FAULTING)]),
        (
            ["start", "fault", "dispose"],
            S.DISPOSED,
            [("start", S.STARTING), ("fault", S.FAULTING), ("dispose", S.DISPOSING)],
        ),
    ],
)
def test_component_lifecycle_runs_hooks_in_intermediate_states(actions, final, hooks):
    component = Recording()
    for action in actions:
        getattr(component, action)()
    assert component.state == final
    assert component.calls == hooks


@pytest.mark.parametrize(
    ("state_flag", "actions"),
    [
        ("is_running", ["start"]),
        ("is_stopped", ["start", "stop"]),
        ("is_degraded", ["start", "degrade"]),
        ("is_faulted", ["start", "fault"]),
        ("is_disposed", ["dispose"]),
    ],
)
def test_component_state_flags(state_flag, actions):
    component = Recording()
    flags = ("is_running", "is_stopped", "is_degraded", "is_faulted", "is_disposed")
    assert not any(getattr(component, flag) for flag in flags)
    for action in actions:
        getattr(component, action)()
    assert [flag for flag in flags if getattr(component, flag)] == [state_flag]


@pytest.mark.parametrize(
    ("setup", "action", "trigger"),
    [
        ([], "stop", "STOP"),
        ([], "resume", "RESUME"),
        ([], "degrade", "DEGRADE"),
        ([], "fault", "FAULT"),
        (["start"], "start", "START"),
        (["start"], "reset", "RESET"),
        (["dispose"], "start", "START"),
        (["start", "fault"], "reset", "RESET"),
    ],
)
def test_component_invalid_lifecycle_call_raises_and_changes_nothing(setup, action, trigger):
    component = Recording()
    for step in setup:
        getattr(component, step)()
    before, calls = component.state, list(component.calls)
    with pytest.raises(
        InvalidStateTrigger,
        match=rf"Recording Recording: invalid trigger {trigger} in state {before.name}",
    ):
        getattr(component, action)()
    assert component.state == before
    assert component.calls == calls


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "start"),
        (["start"], "stop"),
        (["start", "stop"], "resume"),
        (["start", "stop"], "reset"),
        ([], "dispose"),
        (["start"], "degrade"),
    ],
)
def test_component_hook_raising_faults_logs_and_reraises(setup, action, log_sink):
    component = Recording(failing={action})
    for step in setup:
        getattr(component, step)()
    with pytest.raises(ValueError, match=rf"{action} failed"):
        getattr(component, action)()
    assert component.state == S.FAULTED
    assert component.is_faulted
    assert component.calls[-1] == ("fault", S.FAULTING)
    text = "\n".join(log_sink.lines)
    assert f"[ERROR] Recording: error in _{action}(); faulting" in text
    assert "Traceback (most recent call last)" in text
    assert f"ValueError: {action} failed" in text
    assert log_sink.lines[-1].endswith("[ERROR] Recording: FAULTED")


def test_component_fault_hook_raising_while_faulting_keeps_original_error(log_sink):
    component = Recording(failing={"start"}, fault_fails=True)
    with pytest.raises(ValueError, match="start failed"):
        component.start()
    assert component.state == S.FAULTED
    assert "OSError: fault failed too" in "\n".join(log_sink.lines)


def test_component_explicit_fault_hook_raising_still_faults_and_reraises():
    component = Recording(fault_fails=True)
    component.start()
    with pytest.raises(OSError, match="fault failed too"):
        component.fault()
    assert component.state == S.FAULTED


def test_component_transitions_logged_at_info(log_sink):
    component = Recording()
    component.start()
    assert [line.split("] ", 1)[1] for line in log_sink.lines] == [
        "Recording: STARTING",
        "Recording: RUNNING",
    ]
    component.log.set_level(LogLevel.WARNING)
    component.stop()
    assert len(log_sink.lines) == 2
