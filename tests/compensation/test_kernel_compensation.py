"""Compensation in the kernel: which handlers run, in which order, and exactly once.

Every assertion about order is read from the event log (compensation_started/completed and
node_completed), the same facts the monitoring pages show.
"""

from __future__ import annotations

from engine.bpmn.graph import ProcessGraph
from engine.runtime import (
    CancelWork,
    CompleteTask,
    EventType,
    FailTask,
    InstanceStatus,
    RetryIncident,
    StartInstance,
    replay,
)
from tests.compensation.models import chain, compensable, handler_runs, handlers_completed, model, throw
from tests.runtime.driver import Run, drive
from tests.runtime.models import flow


def started(run: Run) -> Run:
    run.send(StartInstance({}))
    return run


def complete(run: Run, node: str) -> None:
    token = next(token for token, waiting in run.waiting() if waiting == node)
    run.send(CompleteTask(token))


def test_it_runs_the_handlers_in_reverse_order_of_completion_each_around_its_log_entries() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            + compensable("a")
            + compensable("b")
            + compensable("c")
            + throw("t")
            + '<endEvent id="e"/>'
            + chain("s", "a", "b", "c", "t", "e")
        )
    )
    assert run.state.status is InstanceStatus.COMPLETED
    assert handler_runs(run.events) == [
        ("started", "undo_c"),
        ("completed", "undo_c"),
        ("started", "undo_b"),
        ("completed", "undo_b"),
        ("started", "undo_a"),
        ("completed", "undo_a"),
    ]
    # The throw event waits for its handlers before it completes.
    assert run.completed_nodes == ["s", "a", "b", "c", "undo_c", "undo_b", "undo_a", "t", "e"]


def test_activity_ref_compensates_one_activity_and_a_later_throw_never_undoes_it_again() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            + compensable("a")
            + compensable("b")
            + throw("only_a", activity="a")
            + throw("all")
            + '<endEvent id="e"/>'
            + chain("s", "a", "b", "only_a", "all", "e")
        )
    )
    assert run.completed_nodes == ["s", "a", "b", "undo_a", "only_a", "undo_b", "all", "e"]


def test_an_activity_completed_three_times_in_a_loop_is_compensated_three_times() -> None:
    run = drive(
        model(
            '<startEvent id="s"/><scriptTask id="count"><script>n = coalesce(n, 0) + 1</script></scriptTask>'
            + compensable("a")
            + '<exclusiveGateway id="again" default="done"/>'
            + throw("t")
            + '<endEvent id="e"/>'
            + chain("s", "count", "a", "again")
            + flow("loop", "again", "count", "${n &lt; 3}")
            + flow("done", "again", "t")
            + flow("out", "t", "e")
        )
    )
    assert handlers_completed(run.events) == ["undo_a", "undo_a", "undo_a"]
    records = [e.data["record"] for e in run.events if e.type is EventType.COMPENSATION_STARTED]
    assert records == sorted(records, reverse=True) and len(set(records)) == 3


def parallel_model() -> ProcessGraph:
    return model(
        '<startEvent id="s"/><parallelGateway id="fork"/><parallelGateway id="join"/>'
        + compensable("a", kind="serviceTask")
        + compensable("b", kind="serviceTask")
        + throw("t")
        + '<endEvent id="e"/>'
        + chain("s", "fork")
        + flow("fa", "fork", "a")
        + flow("fb", "fork", "b")
        + flow("aj", "a", "join")
        + flow("bj", "b", "join")
        + chain("join", "t", "e", prefix="g")
    )


def test_parallel_branches_that_both_completed_are_undone_newest_first() -> None:
    b_last = started(Run(parallel_model()))
    complete(b_last, "a")
    complete(b_last, "b")
    assert handlers_completed(b_last.events) == ["undo_b", "undo_a"]

    a_last = started(Run(parallel_model()))
    complete(a_last, "b")
    complete(a_last, "a")
    assert handlers_completed(a_last.events) == ["undo_a", "undo_b"]
    assert a_last.state.status is InstanceStatus.COMPLETED


def test_only_work_that_completed_is_compensated_not_work_still_running() -> None:
    run = started(
        Run(
            model(
                '<startEvent id="s"/><parallelGateway id="fork"/>'
                + compensable("a")
                + compensable("b", kind="userTask")
                + throw("t")
                + '<endEvent id="e1"/><endEvent id="e2"/>'
                + chain("s", "fork")
                + flow("fa", "fork", "a")
                + flow("fb", "fork", "b")
                + chain("a", "t", "e1", prefix="g")
                + flow("be", "b", "e2")
            )
        )
    )
    assert handlers_completed(run.events) == ["undo_a"]
    assert run.waiting() == [(next(t for t, n in run.waiting() if n == "b"), "b")]


def test_a_compensation_end_event_undoes_the_scope_then_ends_the_instance() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            + compensable("a")
            + compensable("b")
            + throw("undo_all", end=True)
            + chain("s", "a", "b", "undo_all")
        )
    )
    assert run.completed_nodes == ["s", "a", "b", "undo_b", "undo_a", "undo_all"]
    assert run.events[-1].type is EventType.INSTANCE_COMPLETED


def test_a_throw_inside_a_subprocess_compensates_only_that_subprocess() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            + compensable("a")
            + '<subProcess id="sub"><startEvent id="ss"/>'
            + compensable("b")
            + compensable("c")
            + throw("t")
            + '<endEvent id="se"/>'
            + chain("ss", "b", "c", "t", "se", prefix="i")
            + '</subProcess><endEvent id="e"/>'
            + chain("s", "a", "sub", "e")
        )
    )
    assert handlers_completed(run.events) == ["undo_c", "undo_b"]
    assert run.state.status is InstanceStatus.COMPLETED


def test_compensating_a_completed_subprocess_undoes_its_inner_work_in_reverse_order() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            + compensable("a")
            + '<subProcess id="sub"><startEvent id="ss"/>'
            + compensable("b")
            + compensable("c")
            + '<endEvent id="se"/>'
            + chain("ss", "b", "c", "se", prefix="i")
            + "</subProcess>"
            + compensable("d")
            + throw("t")
            + '<endEvent id="e"/>'
            + chain("s", "a", "sub", "d", "t", "e")
        )
    )
    assert handlers_completed(run.events) == ["undo_d", "undo_c", "undo_b", "undo_a"]


def test_a_subprocess_with_its_own_handler_is_undone_by_that_handler_alone() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            '<subProcess id="sub"><startEvent id="ss"/>'
            + compensable("b")
            + '<endEvent id="se"/>'
            + chain("ss", "b", "se", prefix="i")
            + "</subProcess>"
            '<boundaryEvent id="sub_compensation" attachedToRef="sub">'
            "<compensateEventDefinition/></boundaryEvent>"
            '<task id="undo_sub" isForCompensation="true"/>'
            '<association id="sub_undo" sourceRef="sub_compensation" targetRef="undo_sub"/>'
            + throw("t")
            + '<endEvent id="e"/>'
            + chain("s", "sub", "t", "e")
        )
    )
    assert handlers_completed(run.events) == ["undo_sub"]


def test_activity_ref_naming_a_subprocess_undoes_only_the_work_inside_it() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            + compensable("a")
            + '<subProcess id="sub"><startEvent id="ss"/>'
            + compensable("b")
            + '<endEvent id="se"/>'
            + chain("ss", "b", "se", prefix="i")
            + "</subProcess>"
            + throw("t", activity="sub")
            + '<endEvent id="e"/>'
            + chain("s", "a", "sub", "t", "e")
        )
    )
    assert handlers_completed(run.events) == ["undo_b"]


def test_an_error_caught_on_nested_subprocesses_leaves_their_completed_work_compensable() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            + compensable("a")
            + '<subProcess id="outer"><startEvent id="os"/>'
            + compensable("b")
            + '<subProcess id="inner"><startEvent id="is"/>'
            + compensable("c")
            + '<endEvent id="boom"><errorEventDefinition errorRef="failed"/></endEvent>'
            + chain("is", "c", "boom", prefix="i")
            + "</subProcess>"
            + chain("os", "b", "inner", prefix="o")
            + "</subProcess>"
            '<boundaryEvent id="caught" attachedToRef="outer"><errorEventDefinition errorRef="failed"/>'
            "</boundaryEvent>"
            + throw("t")
            + '<endEvent id="failed_end"/><endEvent id="e"/>'
            + chain("s", "a", "outer", "e")
            + chain("caught", "t", "failed_end", prefix="c")
        )
    )
    assert handlers_completed(run.events) == ["undo_c", "undo_b", "undo_a"]
    assert run.completed_nodes[-2:] == ["t", "failed_end"]


def transaction_model() -> ProcessGraph:
    return model(
        '<startEvent id="s"/>'
        '<transaction id="tx"><startEvent id="ts"/><parallelGateway id="fork"/>'
        + compensable("a")
        + compensable("b")
        + '<userTask id="approve"/><endEvent id="approved"/>'
        '<endEvent id="cancel"><cancelEventDefinition/></endEvent>'
        + chain("ts", "fork", prefix="t")
        + flow("ta", "fork", "a")
        + flow("tp", "fork", "approve")
        + chain("a", "b", "cancel", prefix="i")
        + flow("ap", "approve", "approved")
        + "</transaction>"
        '<boundaryEvent id="cancelled" attachedToRef="tx"><cancelEventDefinition/></boundaryEvent>'
        '<endEvent id="done"/><task id="notify"/><endEvent id="cancelled_end"/>'
        + chain("s", "tx", "done")
        + chain("cancelled", "notify", "cancelled_end", prefix="c")
    )


def test_a_cancel_end_event_stops_the_transaction_undoes_its_work_and_leaves_through_cancel() -> None:
    run = Run(transaction_model())
    outcome = run.send(StartInstance({}))
    assert run.state.status is InstanceStatus.COMPLETED
    approve = next(e.token for e in run.events if e.type is EventType.TASK_WAITING and e.node == "approve")
    assert CancelWork(approve, "approve") in outcome.effects
    assert handlers_completed(run.events) == ["undo_b", "undo_a"]
    assert run.completed_nodes[-6:] == ["undo_b", "undo_a", "cancel", "cancelled", "notify", "cancelled_end"]
    # The transaction is withdrawn, never completed, and the user task is gone before undoing.
    terminated = [e.node for e in run.events if e.type is EventType.TOKEN_TERMINATED]
    assert terminated == ["approve", "tx"]
    kinds = [e.type for e in run.events]
    assert kinds.index(EventType.TOKEN_TERMINATED) < kinds.index(EventType.COMPENSATION_STARTED)


def test_a_service_task_handler_is_a_job_and_the_throw_event_waits_for_it() -> None:
    run = started(
        Run(
            model(
                '<startEvent id="s"/>'
                + compensable("a", handler_kind="serviceTask")
                + throw("t")
                + '<userTask id="after"/><endEvent id="e"/>'
                + chain("s", "a", "t", "after", "e")
            )
        )
    )
    assert [node for _, node in run.waiting()] == ["undo_a"]
    complete(run, "undo_a")
    assert [node for _, node in run.waiting()] == ["after"]
    assert handler_runs(run.events) == [("started", "undo_a"), ("completed", "undo_a")]


def test_without_wait_for_completion_the_process_moves_on_while_the_handler_runs() -> None:
    run = started(
        Run(
            model(
                '<startEvent id="s"/>'
                + compensable("a", handler_kind="serviceTask")
                + throw("t", wait=False)
                + '<serviceTask id="next" bpm:type="noop"/><endEvent id="e"/>'
                + chain("s", "a", "t", "next", "e")
            )
        )
    )
    assert sorted(node for _, node in run.waiting()) == ["next", "undo_a"]
    complete(run, "next")
    # The scope cannot complete before the compensation it started has.
    assert run.state.status is InstanceStatus.RUNNING
    complete(run, "undo_a")
    assert run.state.status is InstanceStatus.COMPLETED
    assert handlers_completed(run.events) == ["undo_a"]


def test_a_failing_handler_raises_an_incident_and_the_next_handler_waits_for_its_retry() -> None:
    run = started(
        Run(
            model(
                '<startEvent id="s"/>'
                + compensable("a", handler_kind="serviceTask")
                + compensable("b", handler_kind="serviceTask")
                + throw("t")
                + '<endEvent id="e"/>'
                + chain("s", "a", "b", "t", "e")
            )
        )
    )
    undo_b = next(token for token, node in run.waiting() if node == "undo_b")
    run.send(FailTask(undo_b, "the hotel's API is down"))
    incident = next(iter(run.state.incidents))
    assert run.waiting() == []  # nothing skipped: undo_a has not started
    assert handler_runs(run.events) == [("started", "undo_b")]
    run.send(RetryIncident(incident))
    complete(run, "undo_b")
    complete(run, "undo_a")
    assert run.state.status is InstanceStatus.COMPLETED
    assert handler_runs(run.events) == [
        ("started", "undo_b"),
        ("completed", "undo_b"),
        ("started", "undo_a"),
        ("completed", "undo_a"),
    ]


def test_a_throw_with_nothing_completed_to_undo_just_passes() -> None:
    run = drive(model('<startEvent id="s"/>' + throw("t") + '<endEvent id="e"/>' + chain("s", "t", "e")))
    assert run.completed_nodes == ["s", "t", "e"]
    assert handler_runs(run.events) == []


def test_replaying_the_log_rebuilds_the_state_in_the_middle_of_a_compensation() -> None:
    run = started(
        Run(
            model(
                '<startEvent id="s"/>'
                + compensable("a", handler_kind="serviceTask")
                + compensable("b", handler_kind="serviceTask")
                + throw("t")
                + '<endEvent id="e"/>'
                + chain("s", "a", "b", "t", "e")
            )
        )
    )
    assert replay(run.events).to_json() == run.state.to_json()
    assert run.state.compensation_runs  # a compensation is under way, and survives the replay


def test_a_compensation_event_subprocess_runs_instead_and_its_throw_undoes_the_inner_work() -> None:
    run = drive(
        model(
            '<startEvent id="s"/>'
            + compensable("a")
            + '<subProcess id="sub"><startEvent id="ss"/>'
            + compensable("b")
            + compensable("c")
            + '<endEvent id="se"/>'
            + chain("ss", "b", "c", "se", prefix="i")
            + '<subProcess id="on_compensation" triggeredByEvent="true">'
            '<startEvent id="cs"><compensateEventDefinition/></startEvent><task id="notify"/>'
            + throw("undo_sub")
            + '<endEvent id="ce"/>'
            + chain("cs", "notify", "undo_sub", "ce", prefix="x")
            + "</subProcess></subProcess>"
            + throw("t")
            + '<endEvent id="e"/>'
            + chain("s", "a", "sub", "t", "e")
        )
    )
    assert run.state.status is InstanceStatus.COMPLETED
    assert handler_runs(run.events) == [
        ("started", "on_compensation"),
        ("started", "undo_c"),
        ("completed", "undo_c"),
        ("started", "undo_b"),
        ("completed", "undo_b"),
        ("completed", "on_compensation"),
        ("started", "undo_a"),
        ("completed", "undo_a"),
    ]
    # The event subprocess's own steps run around the inner handlers its throw event started.
    assert run.completed_nodes[-10:] == [
        "cs",
        "notify",
        "undo_c",
        "undo_b",
        "undo_sub",
        "ce",
        "on_compensation",
        "undo_a",
        "t",
        "e",
    ]


def test_a_cancel_also_undoes_work_completed_inside_a_subprocess_still_running_in_the_transaction() -> None:
    run = started(
        Run(
            model(
                '<startEvent id="s"/>'
                '<transaction id="tx"><startEvent id="ts"/><parallelGateway id="fork"/>'
                '<subProcess id="sub"><startEvent id="ss"/>'
                + compensable("c")
                + '<userTask id="wait"/><endEvent id="se"/>'
                + chain("ss", "c", "wait", "se", prefix="i")
                + "</subProcess>"
                + compensable("a")
                + '<userTask id="approve"/><endEvent id="cancel"><cancelEventDefinition/></endEvent>'
                + chain("ts", "fork", prefix="t")
                + flow("to_sub", "fork", "sub")
                + flow("to_a", "fork", "a")
                + chain("a", "approve", "cancel", prefix="b")
                + "</transaction>"
                '<boundaryEvent id="cancelled" attachedToRef="tx"><cancelEventDefinition/></boundaryEvent>'
                '<endEvent id="done"/><endEvent id="cancelled_end"/>'
                + chain("s", "tx", "done")
                + chain("cancelled", "cancelled_end", prefix="c")
            )
        )
    )
    complete(run, "approve")
    assert handlers_completed(run.events) == ["undo_c", "undo_a"]
    assert run.completed_nodes[-2:] == ["cancelled", "cancelled_end"]
    assert run.state.status is InstanceStatus.COMPLETED


def test_activity_ref_in_a_compensation_event_subprocess_names_an_activity_of_its_subprocess() -> None:
    run = drive(
        model(
            '<startEvent id="s"/><subProcess id="sub"><startEvent id="ss"/>'
            + compensable("b")
            + compensable("c")
            + '<endEvent id="se"/>'
            + chain("ss", "b", "c", "se", prefix="i")
            + '<subProcess id="on_compensation" triggeredByEvent="true">'
            '<startEvent id="cs"><compensateEventDefinition/></startEvent>'
            + throw("undo_b_only", activity="b")
            + '<endEvent id="ce"/>'
            + chain("cs", "undo_b_only", "ce", prefix="x")
            + "</subProcess></subProcess>"
            + throw("t")
            + '<endEvent id="e"/>'
            + chain("s", "sub", "t", "e")
        )
    )
    assert handlers_completed(run.events) == ["undo_b", "on_compensation"]


def test_instances_without_compensation_keep_the_snapshot_they_had_before_it_existed() -> None:
    run = drive(model('<startEvent id="s"/><task id="a"/><endEvent id="e"/>' + chain("s", "a", "e")))
    assert "compensation" not in run.state.to_json()  # so `bpm verify` accepts older instances
