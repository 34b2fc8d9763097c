"""Token semantics of the pure kernel, element by element."""

from __future__ import annotations

import pytest

from engine.runtime import (
    CancelInstance,
    CancelWork,
    CommandRejected,
    CompleteTask,
    EventType,
    FailTask,
    InstanceState,
    InstanceStatus,
    OpenUserTask,
    RaiseIncident,
    RetryIncident,
    ScheduleJob,
    StartInstance,
    TokenStatus,
    handle,
    replay,
)
from tests.runtime.driver import Run, drive
from tests.runtime.models import flow, graph

SEQUENCE = graph(
    '<startEvent id="start"/><task id="a"/><manualTask id="b"/>'
    '<intermediateThrowEvent id="milestone"/><endEvent id="end"/>'
    + flow("f1", "start", "a")
    + flow("f2", "a", "b")
    + flow("f3", "b", "milestone")
    + flow("f4", "milestone", "end")
)


def test_it_runs_a_sequence_to_completion_in_one_command() -> None:
    run = drive(SEQUENCE)
    assert len(run.outcomes) == 1
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes == ["start", "a", "b", "milestone", "end"]
    assert run.state.tokens == {}


def test_it_never_changes_the_state_it_was_given() -> None:
    before = InstanceState()
    snapshot = before.to_json()
    handle(SEQUENCE, before, StartInstance({"x": 1}))
    assert before.to_json() == snapshot


def test_it_refuses_to_start_twice() -> None:
    run = drive(SEQUENCE)
    with pytest.raises(CommandRejected):
        run.send(StartInstance({}))


SCRIPT_AND_CHOICE = graph(
    '<startEvent id="start"/>'
    '<scriptTask id="calc"><script>total = price * qty\nbig = total &gt; 100</script></scriptTask>'
    '<exclusiveGateway id="xor" default="small"/>'
    '<task id="approve"/><task id="auto"/><endEvent id="end1"/><endEvent id="end2"/>'
    + flow("f1", "start", "calc")
    + flow("f2", "calc", "xor")
    + flow("large", "xor", "approve", "${big}")
    + flow("small", "xor", "auto")
    + flow("f3", "approve", "end1")
    + flow("f4", "auto", "end2")
)


@pytest.mark.parametrize(
    ("qty", "path", "big"),
    [
        (10, ["start", "calc", "xor", "approve", "end1"], True),
        (1, ["start", "calc", "xor", "auto", "end2"], False),
    ],
)
def test_it_chooses_the_exclusive_path_from_script_variables(qty: int, path: list[str], big: bool) -> None:
    run = drive(SCRIPT_AND_CHOICE, {"price": 20, "qty": qty})
    assert run.completed_nodes == path
    assert run.state.variables == {"price": 20, "qty": qty, "total": 20 * qty, "big": big}


def test_it_raises_an_incident_naming_the_node_when_a_script_fails() -> None:
    run = drive(SCRIPT_AND_CHOICE, {"price": 20})
    assert run.state.status is InstanceStatus.RUNNING
    (incident,) = run.state.incidents.values()
    assert incident.node == "calc"
    assert "calc" in incident.error and "qty" in incident.error
    assert run.outcomes[0].effects == [RaiseIncident(incident.id, incident.token, "calc", incident.error, "")]


def test_it_raises_an_incident_when_no_exclusive_flow_matches() -> None:
    model = graph(
        '<startEvent id="s"/><exclusiveGateway id="xor"/><endEvent id="e1"/><endEvent id="e2"/>'
        + flow("f0", "s", "xor")
        + flow("f1", "xor", "e1", "${x == 1}")
        + flow("f2", "xor", "e2", "${x == 2}")
    )
    run = drive(model, {"x": 3})
    (incident,) = run.state.incidents.values()
    assert incident.node == "xor"
    assert "no outgoing sequence flow" in incident.error
    assert run.state.tokens[incident.token].status is TokenStatus.FAILED


def test_a_retried_incident_runs_the_node_again_with_the_current_variables() -> None:
    run = drive(SCRIPT_AND_CHOICE, {"price": 20})
    (incident,) = run.state.incidents.values()
    run.state.variables["qty"] = 1  # an operator fixed the data (later: a variables command)
    run.send(RetryIncident(incident.id))
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes[-3:] == ["xor", "auto", "end2"]
    with pytest.raises(CommandRejected):
        run.send(RetryIncident(incident.id))


PARALLEL = graph(
    '<startEvent id="s"/><parallelGateway id="fork"/><serviceTask id="a" bpm:type="noop"/>'
    '<userTask id="b"/><serviceTask id="c" bpm:type="noop"/><parallelGateway id="join"/><endEvent id="e"/>'
    + flow("f0", "s", "fork")
    + flow("fa", "fork", "a")
    + flow("fb", "fork", "b")
    + flow("fc", "fork", "c")
    + flow("ja", "a", "join")
    + flow("jb", "b", "join")
    + flow("jc", "c", "join")
    + flow("fe", "join", "e")
)


def test_a_parallel_split_asks_for_one_job_or_task_per_branch() -> None:
    run = Run(PARALLEL)
    outcome = run.send(StartInstance({}))
    tokens = {t.node: t.id for t in run.state.tokens.values()}
    assert outcome.effects == [
        ScheduleJob(tokens["a"], "a"),
        OpenUserTask(tokens["b"], "b"),
        ScheduleJob(tokens["c"], "c"),
    ]
    assert run.completed_nodes == ["s", "fork"]


def test_a_parallel_join_fires_once_after_the_last_branch_in_any_order() -> None:
    run = Run(PARALLEL)
    run.send(StartInstance({}))
    tokens = {t.node: t.id for t in run.state.tokens.values()}
    run.send(CompleteTask(tokens["c"], {"c": 1}))
    run.send(CompleteTask(tokens["a"], {"a": 1}))
    assert [t.status for t in run.state.tokens.values()].count(TokenStatus.JOINED) == 2
    run.send(CompleteTask(tokens["b"], {"b": 1}))
    assert run.state.status is InstanceStatus.COMPLETED
    fired = [e for e in run.events if e.type is EventType.JOIN_FIRED]
    assert len(fired) == 1 and sorted(fired[0].data["consumed"]) == fired[0].data["consumed"]
    assert run.completed_nodes == ["s", "fork", "c", "a", "b", "join", "e"]
    assert run.state.variables == {"a": 1, "b": 1, "c": 1}


def test_it_rejects_completing_a_task_twice_and_changes_nothing() -> None:
    run = Run(PARALLEL)
    run.send(StartInstance({}))
    token = next(t.id for t in run.state.tokens.values() if t.node == "a")
    run.send(CompleteTask(token, {}))
    before = run.state.to_json()
    with pytest.raises(CommandRejected, match="no longer active"):
        run.send(CompleteTask(token, {"late": True}))
    assert run.state.to_json() == before


def test_a_failed_job_raises_an_incident_and_a_retry_schedules_a_new_job() -> None:
    run = Run(PARALLEL)
    run.send(StartInstance({}))
    token = next(t.id for t in run.state.tokens.values() if t.node == "a")
    outcome = run.send(FailTask(token, "HTTP 503", "trace"))
    (incident,) = run.state.incidents.values()
    assert outcome.effects == [RaiseIncident(incident.id, token, "a", "HTTP 503", "trace")]
    outcome = run.send(RetryIncident(incident.id))
    assert outcome.effects == [ScheduleJob(token, "a")]
    assert run.state.tokens[token].status is TokenStatus.WAITING


def test_cancel_withdraws_every_token_and_voids_pending_work() -> None:
    run = Run(PARALLEL)
    run.send(StartInstance({}))
    tokens = {t.node: t.id for t in run.state.tokens.values()}
    run.send(CompleteTask(tokens["a"], {}))
    outcome = run.send(CancelInstance("customer withdrew"))
    assert run.state.status is InstanceStatus.CANCELLED
    assert run.state.tokens == {}
    assert sorted(outcome.effects, key=lambda e: e.token) == [
        CancelWork(tokens["b"], "b"),
        CancelWork(tokens["c"], "c"),
    ]
    with pytest.raises(CommandRejected):
        run.send(CancelInstance())


INCLUSIVE = graph(
    '<startEvent id="s"/><inclusiveGateway id="split" default="fnone"/>'
    '<userTask id="a"/><userTask id="b"/><task id="c"/><task id="none"/>'
    '<inclusiveGateway id="join"/><endEvent id="e"/>'
    + flow("f0", "s", "split")
    + flow("fa", "split", "a", "${wants_a}")
    + flow("fb", "split", "b", "${wants_b}")
    + flow("fc", "split", "c", "${wants_c}")
    + flow("fnone", "split", "none")
    + flow("ja", "a", "join")
    + flow("jb", "b", "join")
    + flow("jc", "c", "join")
    + flow("jn", "none", "join")
    + flow("fe", "join", "e")
)


@pytest.mark.parametrize(
    ("wants", "branches"),
    [
        ((True, False, False), ["a"]),
        ((False, True, True), ["c", "b"]),
        ((True, True, True), ["c", "a", "b"]),
        ((False, False, False), ["none"]),
    ],
)
def test_an_inclusive_join_waits_only_for_branches_that_were_taken(
    wants: tuple[bool, bool, bool], branches: list[str]
) -> None:
    run = drive(INCLUSIVE, dict(zip(["wants_a", "wants_b", "wants_c"], wants, strict=True)))
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes == ["s", "split", *branches, "join", "e"]
    assert len([e for e in run.events if e.type is EventType.JOIN_FIRED]) == 1


def test_an_inclusive_join_does_not_fire_while_a_taken_branch_still_waits() -> None:
    run = Run(INCLUSIVE)
    run.send(StartInstance({"wants_a": True, "wants_b": True, "wants_c": True}))
    joined = [t for t in run.state.tokens.values() if t.status is TokenStatus.JOINED]
    assert [t.node for t in joined] == ["join"]  # c arrived, a and b still wait
    token_a = next(t.id for t in run.state.tokens.values() if t.node == "a")
    run.send(CompleteTask(token_a))
    assert run.state.status is InstanceStatus.RUNNING
    assert "join" not in run.completed_nodes


def test_an_inclusive_join_fires_when_a_branch_turns_away_from_it() -> None:
    model = graph(
        '<startEvent id="s"/><inclusiveGateway id="split"/><userTask id="a"/><userTask id="b"/>'
        '<exclusiveGateway id="check" default="ok"/><endEvent id="abort"/>'
        '<inclusiveGateway id="join"/><endEvent id="e"/>'
        + flow("f0", "s", "split")
        + flow("fa", "split", "a", "${true}")
        + flow("fb", "split", "b", "${true}")
        + flow("ja", "a", "join")
        + flow("fb2", "b", "check")
        + flow("bad", "check", "abort", "${stop}")
        + flow("ok", "check", "join")
        + flow("fe", "join", "e")
    )
    run = Run(model)
    run.send(StartInstance({"stop": True}))
    tokens = {t.node: t.id for t in run.state.tokens.values()}
    run.send(CompleteTask(tokens["a"]))
    assert "join" not in run.completed_nodes  # b could still arrive
    run.send(CompleteTask(tokens["b"]))
    assert run.completed_nodes[-5:] == ["b", "check", "abort", "join", "e"]
    assert run.state.status is InstanceStatus.COMPLETED


NESTED = graph(
    '<startEvent id="s"/>'
    '<subProcess id="outer"><startEvent id="os"/>'
    '<subProcess id="inner"><startEvent id="is"/><parallelGateway id="fork"/>'
    '<userTask id="x"/><task id="y"/><parallelGateway id="join"/><endEvent id="ie"/>'
    + flow("i0", "is", "fork")
    + flow("i1", "fork", "x")
    + flow("i2", "fork", "y")
    + flow("i3", "x", "join")
    + flow("i4", "y", "join")
    + flow("i5", "join", "ie")
    + '</subProcess><endEvent id="oe"/>'
    + flow("o0", "os", "inner")
    + flow("o1", "inner", "oe")
    + '</subProcess><endEvent id="e"/>'
    + flow("f0", "s", "outer")
    + flow("f1", "outer", "e")
)


def test_nested_subprocesses_complete_inside_out() -> None:
    run = drive(NESTED)
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes == [
        "s",
        "os",
        "is",
        "fork",
        "y",
        "x",
        "join",
        "ie",
        "inner",
        "oe",
        "outer",
        "e",
    ]
    scopes = [e.data["scope"] for e in run.events if e.type is EventType.SCOPE_STARTED]
    assert scopes == [1, 2]


def test_a_token_inside_a_subprocess_belongs_to_the_child_scope() -> None:
    run = Run(NESTED)
    run.send(StartInstance({}))
    waiting = next(t for t in run.state.tokens.values() if t.node == "x")
    assert waiting.scope == 2
    assert run.state.scopes[2].node == "inner" and run.state.scopes[2].parent == 1
    assert run.state.tokens[run.state.scopes[1].token].node == "outer"


TERMINATE = graph(
    '<startEvent id="s"/><parallelGateway id="fork"/><userTask id="slow"/>'
    '<subProcess id="sub"><startEvent id="ss"/><parallelGateway id="sfork"/><userTask id="stuck"/>'
    '<endEvent id="kill"><terminateEventDefinition/></endEvent>'
    + flow("s0", "ss", "sfork")
    + flow("s1", "sfork", "stuck")
    + flow("s2", "sfork", "kill")
    + '</subProcess><task id="after"/><endEvent id="stop"><terminateEventDefinition/></endEvent>'
    '<endEvent id="e"/>'
    + flow("f0", "s", "fork")
    + flow("f1", "fork", "slow")
    + flow("f2", "fork", "sub")
    + flow("f3", "sub", "after")
    + flow("f4", "after", "stop")
    + flow("f5", "slow", "e")
)


def test_terminate_end_inside_a_subprocess_ends_only_that_subprocess_then_the_top_level_one_ends_all() -> (
    None
):
    run = Run(TERMINATE)
    outcome = run.send(StartInstance({}))
    assert run.state.status is InstanceStatus.TERMINATED
    assert run.completed_nodes == ["s", "fork", "ss", "sfork", "kill", "sub", "after", "stop"]
    terminated = [e.node for e in run.events if e.type is EventType.TOKEN_TERMINATED]
    assert terminated == ["stuck", "slow"]
    cancelled = [e for e in outcome.effects if isinstance(e, CancelWork)]
    assert [c.node for c in cancelled] == ["stuck", "slow"]
    assert run.events[-1].type is EventType.INSTANCE_TERMINATED and run.events[-1].node == "stop"


def test_activity_conditional_flows_take_true_and_unconditional_ones_and_default_only_alone() -> None:
    model = graph(
        '<startEvent id="s"/><task id="t" default="fd"/><endEvent id="e1"/><endEvent id="e2"/>'
        '<endEvent id="e3"/><endEvent id="e4"/>'
        + flow("f0", "s", "t")
        + flow("fc1", "t", "e1", "${n &gt; 1}")
        + flow("fu", "t", "e2")
        + flow("fc2", "t", "e3", "${n &gt; 2}")
        + flow("fd", "t", "e4")
    )
    assert drive(model, {"n": 5}).completed_nodes == ["s", "t", "e1", "e2", "e3"]
    assert drive(model, {"n": 2}).completed_nodes == ["s", "t", "e1", "e2"]
    assert drive(model, {"n": 0}).completed_nodes == ["s", "t", "e2", "e4"]


def test_a_loop_through_an_exclusive_gateway_completes_its_nodes_once_per_pass() -> None:
    model = graph(
        '<startEvent id="s"/><exclusiveGateway id="merge"/>'
        '<scriptTask id="inc"><script>i = i + 1</script></scriptTask>'
        '<exclusiveGateway id="more" default="done"/><endEvent id="e"/>'
        + flow("f0", "s", "merge")
        + flow("f1", "merge", "inc")
        + flow("f2", "inc", "more")
        + flow("again", "more", "merge", "${i &lt; 3}")
        + flow("done", "more", "e")
    )
    run = drive(model, {"i": 0})
    assert run.completed_nodes.count("inc") == 3
    assert run.state.variables == {"i": 3}


def test_replaying_the_events_rebuilds_the_state_after_every_command() -> None:
    run = Run(PARALLEL)
    run.send(StartInstance({"x": 1}))
    assert replay(run.events).to_json() == run.state.to_json()
    for token in [t.id for t in run.state.tokens.values() if t.status is TokenStatus.WAITING]:
        run.send(CompleteTask(token, {f"t{token}": token}))
        assert replay(run.events).to_json() == run.state.to_json()


def test_an_inclusive_join_inside_a_loop_behind_a_parallel_join_does_not_deadlock() -> None:
    # The token waiting at the parallel join can reach the inclusive join's empty flow (round
    # the loop), but it can also reach its occupied one, so by the BPMN rule it does not block.
    model = graph(
        '<startEvent id="s"/><scriptTask id="init"><script>n = 0</script></scriptTask>'
        '<exclusiveGateway id="merge"/><parallelGateway id="fork"/><task id="side"/>'
        '<inclusiveGateway id="or_split" default="fx"/><task id="x"/><task id="y"/>'
        '<inclusiveGateway id="or_join"/><parallelGateway id="and_join"/>'
        '<scriptTask id="count"><script>n = n + 1</script></scriptTask>'
        '<exclusiveGateway id="again" default="out"/><endEvent id="e"/>'
        + flow("f0", "s", "init")
        + flow("f1", "init", "merge")
        + flow("f2", "merge", "fork")
        + flow("f3", "fork", "side")
        + flow("f4", "fork", "or_split")
        + flow("fx", "or_split", "x")
        + flow("fy", "or_split", "y", "${false}")
        + flow("f5", "x", "or_join")
        + flow("f6", "y", "or_join")
        + flow("f7", "side", "and_join")
        + flow("f8", "or_join", "and_join")
        + flow("f9", "and_join", "count")
        + flow("f10", "count", "again")
        + flow("back", "again", "merge", "${n &lt; 2}")
        + flow("out", "again", "e")
    )
    run = drive(model)
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes.count("or_join") == 2
    assert run.completed_nodes.count("and_join") == 2


def test_a_loop_that_never_waits_stops_with_an_incident_instead_of_spinning_forever() -> None:
    from engine.runtime.kernel import MAX_STEPS_PER_COMMAND

    model = graph(
        '<startEvent id="s"/><exclusiveGateway id="again" default="back"/>'
        '<scriptTask id="work"><script>n = n + 1</script></scriptTask><endEvent id="e"/>'
        + flow("f0", "s", "again")
        + flow("out", "again", "e", "${n &lt; 0}")
        + flow("back", "again", "work")
        + flow("f1", "work", "again")
    )
    run = Run(model)
    run.send(StartInstance({"n": 0}))
    (incident,) = run.state.incidents.values()
    assert "without reaching a wait state" in incident.error
    assert run.state.variables["n"] == (MAX_STEPS_PER_COMMAND - 1) // 2  # start, then 2 per pass
    assert replay(run.events).to_json() == run.state.to_json()
