"""Each validation rule names the element (id, BPMN type, line), and all problems come at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.bpmn import BpmnError, parse_bpmn
from engine.bpmn.reader import MAX_FLOW_NODES
from engine.expressions import ExpressionError, check_template, compile_expression, compile_script
from tests.bpmn.documents import chain, definitions, flow, line_of, model, problem_about, problems_of, process


def expression_error(source: str, compile_: Callable[[str], object] = compile_expression) -> str:
    """What the expression language itself says about `source`."""
    with pytest.raises(ExpressionError) as caught:
        compile_(source)
    return caught.value.message


def assert_problem(xml: str, element_id: str, element_type: str, marker: str, containing: str) -> None:
    problem = problem_about(xml, element_id, containing=containing)
    assert (problem.element_type, problem.line) == (element_type, line_of(xml, marker))


def test_it_requires_a_start_event_in_the_process() -> None:
    xml = model('<task id="t"/>\n')
    assert_problem(xml, "p", "process", '<process id="p"', "the process has no start event")


def test_it_requires_a_start_event_in_each_subprocess() -> None:
    xml = model(
        '<startEvent id="s"/>\n<subProcess id="sub">\n<task id="t"/>\n</subProcess>\n' + chain("s", "sub")
    )
    assert_problem(xml, "sub", "subProcess", 'id="sub"', "the subprocess has no start event")


def test_it_allows_only_one_none_start_event_per_scope() -> None:
    xml = model(
        '<startEvent id="s1"/>\n<startEvent id="s2"/>\n<endEvent id="e"/>\n'
        + chain("s1", "e")
        + chain("s2", "e")
    )
    assert_problem(xml, "s2", "startEvent", 'id="s2"', "more than one none start event in process 'p'")
    assert all(problem.element_id != "s1" for problem in problems_of(xml))


def test_it_requires_both_ends_of_a_sequence_flow() -> None:
    xml = model(
        '<startEvent id="s"/>\n<endEvent id="e"/>\n'
        '<sequenceFlow id="no_source" targetRef="e"/>\n'
        '<sequenceFlow id="no_target" sourceRef="s"/>\n'
    )
    assert_problem(xml, "no_source", "sequenceFlow", 'id="no_source"', "sequence flow has no sourceRef")
    assert_problem(xml, "no_target", "sequenceFlow", 'id="no_target"', "sequence flow has no targetRef")


def test_it_refuses_a_sequence_flow_to_an_unknown_element() -> None:
    xml = model(
        '<startEvent id="s"/>\n<endEvent id="e"/>\n' + flow("f", "s", "nowhere") + flow("g", "ghost", "e")
    )
    assert_problem(
        xml, "f", "sequenceFlow", 'id="f"', "targetRef 'nowhere' is not a flow element of process 'p'"
    )
    assert_problem(
        xml, "g", "sequenceFlow", 'id="g"', "sourceRef 'ghost' is not a flow element of process 'p'"
    )


def test_it_refuses_a_sequence_flow_that_crosses_a_subprocess_boundary() -> None:
    xml = model(
        '<startEvent id="s"/>\n'
        '<subProcess id="sub">\n<startEvent id="sub_start"/>\n<task id="inside"/>\n'
        + chain("sub_start", "inside")
        + "</subProcess>\n"
        + chain("s", "sub")
        + flow("jump", "s", "inside")
    )
    assert_problem(
        xml,
        "jump",
        "sequenceFlow",
        'id="jump"',
        "sequence flow crosses a subprocess boundary: its targetRef 'inside' is in subProcess 'sub' "
        "but the flow "
        "is in process 'p'",
    )


def test_it_refuses_duplicate_ids() -> None:
    xml = model('<startEvent id="s"/>\n<task id="t"/>\n<task id="t"/>\n' + chain("s", "t"))
    first_line = line_of(xml, 'id="t"')
    problem = problem_about(xml, "t", containing="duplicate id")
    assert problem.message == f"duplicate id: already used by the task on line {first_line}"
    assert (problem.element_type, problem.line) == ("task", first_line + 1)


def test_it_refuses_a_node_not_reachable_from_the_start_event() -> None:
    xml = model(
        '<startEvent id="s"/>\n<endEvent id="e"/>\n<task id="orphan"/>\n<task id="after_orphan"/>\n'
        + chain("s", "e")
        + chain("orphan", "after_orphan")
    )
    assert_problem(xml, "orphan", "task", 'id="orphan"', "not reachable from the start event of process 'p'")
    assert_problem(xml, "after_orphan", "task", 'id="after_orphan"', "not reachable")


def test_it_checks_reachability_inside_a_subprocess() -> None:
    xml = model(
        '<startEvent id="s"/>\n<subProcess id="sub">\n'
        '<startEvent id="in"/>\n<task id="lost"/>\n</subProcess>\n' + chain("s", "sub")
    )
    assert_problem(xml, "lost", "task", 'id="lost"', "not reachable from the start event of subProcess 'sub'")


@pytest.mark.parametrize("gateway", ["exclusiveGateway", "inclusiveGateway"])
def test_it_requires_conditions_on_the_outgoing_flows_of_a_choosing_gateway(gateway: str) -> None:
    xml = model(
        f'<startEvent id="s"/>\n<{gateway} id="g" default="fallback"/>\n'
        '<endEvent id="e1"/>\n<endEvent id="e2"/>\n<endEvent id="e3"/>\n'
        + chain("s", "g")
        + flow("guarded", "g", "e1", "ok")
        + flow("bare", "g", "e2")
        + flow("fallback", "g", "e3")
    )
    [problem] = problems_of(xml)
    assert (problem.element_id, problem.element_type, problem.line) == (
        "bare",
        "sequenceFlow",
        line_of(xml, 'id="bare"'),
    )
    assert problem.message == (
        f"sequence flow leaves {gateway} 'g', which has several outgoing flows, so it needs a condition "
        "(or must be the gateway's default flow)"
    )


def test_it_needs_no_condition_on_the_single_outgoing_flow_of_a_gateway() -> None:
    graph = parse_bpmn(
        model('<startEvent id="s"/>\n<exclusiveGateway id="g"/>\n<endEvent id="e"/>\n' + chain("s", "g", "e"))
    )
    assert graph.node("g").outgoing == ("g_e",)


def test_it_refuses_a_default_flow_that_is_not_an_outgoing_flow() -> None:
    xml = model(
        '<startEvent id="s"/>\n<exclusiveGateway id="g" default="s_g"/>\n<endEvent id="e"/>\n'
        + chain("s", "g", "e")
    )
    assert_problem(
        xml, "g", "exclusiveGateway", 'id="g"', "default flow 's_g' is not an outgoing sequence flow"
    )


def test_it_refuses_a_default_flow_that_does_not_exist() -> None:
    xml = model(
        '<startEvent id="s"/>\n<task id="t" default="nope"/>\n<endEvent id="e"/>\n' + chain("s", "t", "e")
    )
    assert_problem(
        xml, "t", "task", 'id="t"', "default flow 'nope' is not an outgoing sequence flow of this element"
    )


def test_it_refuses_a_default_flow_with_a_condition() -> None:
    xml = model(
        '<startEvent id="s"/>\n<exclusiveGateway id="g" default="other"/>\n'
        '<endEvent id="e1"/>\n<endEvent id="e2"/>\n'
        + chain("s", "g")
        + flow("main", "g", "e1", "a")
        + flow("other", "g", "e2", "b")
    )
    assert_problem(xml, "g", "exclusiveGateway", 'id="g"', "default flow 'other' has a condition")


@pytest.mark.parametrize(
    ("element", "element_type"), [("parallelGateway", "parallelGateway"), ("endEvent", "endEvent")]
)
def test_it_refuses_a_default_flow_where_bpmn_has_none(element: str, element_type: str) -> None:
    xml = model(f'<startEvent id="s"/>\n<{element} id="x" default="f"/>\n' + chain("s", "x"))
    assert_problem(xml, "x", element_type, 'id="x"', "only exclusive and inclusive gateways and activities")


def test_it_refuses_conditions_on_the_outgoing_flows_of_a_parallel_gateway() -> None:
    xml = model(
        '<startEvent id="s"/>\n<parallelGateway id="fork"/>\n<endEvent id="e1"/>\n<endEvent id="e2"/>\n'
        + chain("s", "fork")
        + flow("conditional", "fork", "e1", "x &gt; 1")
        + flow("plain", "fork", "e2")
    )
    problem = problem_about(xml, "conditional", containing="parallelGateway 'fork', which ignores conditions")
    assert (problem.element_type, problem.line) == ("sequenceFlow", line_of(xml, "<conditionExpression"))


def test_it_reports_a_malformed_condition_with_the_expression_error() -> None:
    xml = model(
        '<startEvent id="s"/>\n<task id="t"/>\n<endEvent id="e"/>\n'
        + chain("s", "t")
        + flow("f", "t", "e", "${amount &gt;}")
    )
    problem = problem_about(xml, "f", containing="the condition is not a valid expression")
    assert problem.message == f"the condition is not a valid expression: {expression_error('${amount >}')}"
    assert (problem.element_type, problem.line) == ("sequenceFlow", line_of(xml, "<conditionExpression"))


def test_it_refuses_an_empty_condition() -> None:
    xml = model(
        '<startEvent id="s"/>\n<exclusiveGateway id="g" default="b"/>\n'
        '<endEvent id="e1"/>\n<endEvent id="e2"/>\n'
        + chain("s", "g")
        + '<sequenceFlow id="a" sourceRef="g" targetRef="e1">\n'
        '<conditionExpression xsi:type="tFormalExpression"/>\n'
        "</sequenceFlow>\n" + flow("b", "g", "e2")
    )
    [problem] = problems_of(xml)
    assert (problem.element_id, problem.message, problem.line) == (
        "a",
        "the condition is empty",
        line_of(xml, "<conditionExpression"),
    )


def test_it_refuses_a_condition_in_another_language() -> None:
    xml = model(
        '<startEvent id="s"/>\n<task id="t"/>\n<endEvent id="e"/>\n'
        + chain("s", "t")
        + '<sequenceFlow id="f" sourceRef="t" targetRef="e">\n'
        '<conditionExpression language="http://www.w3.org/1999/XPath">count(x) &gt; 1</conditionExpression>\n'
        "</sequenceFlow>\n"
    )
    [problem] = problems_of(xml)
    assert (problem.element_id, problem.element_type, problem.line) == (
        "f",
        "sequenceFlow",
        line_of(xml, "<conditionExpression"),
    )
    assert problem.message.startswith("condition language 'http://www.w3.org/1999/XPath' is not supported")


def test_it_reports_a_malformed_script_at_its_line_in_the_file() -> None:
    xml = model(
        '<startEvent id="s"/>\n<scriptTask id="calc">\n<script>\n'
        "  a = 1\n  b = (a +\n</script>\n</scriptTask>\n" + chain("s", "calc")
    )
    problem = problem_about(xml, "calc", containing="the script is not valid")
    error = expression_error("a = 1\nb = (a +", compile_script)
    assert problem.message == f"the script is not valid: {error}"
    assert (problem.element_type, problem.line) == ("scriptTask", line_of(xml, "b = (a +"))


@pytest.mark.parametrize("script_format", ["groovy", "javascript", "python"])
def test_it_refuses_other_script_formats(script_format: str) -> None:
    xml = model(
        f'<startEvent id="s"/>\n<scriptTask id="calc" scriptFormat="{script_format}">\n'
        "<script>x = 1</script>\n"
        "</scriptTask>\n" + chain("s", "calc")
    )
    assert_problem(
        xml, "calc", "scriptTask", 'id="calc"', f"script format '{script_format}' is not supported"
    )


def test_it_refuses_a_script_task_without_a_script() -> None:
    xml = model('<startEvent id="s"/>\n<scriptTask id="calc"/>\n' + chain("s", "calc"))
    assert_problem(xml, "calc", "scriptTask", 'id="calc"', "script task has no script")


def test_it_refuses_a_malformed_template_in_a_service_task_field() -> None:
    xml = model(
        '<startEvent id="s"/>\n<serviceTask id="call" bpm:type="cli">\n<extensionElements>\n'
        '<bpm:field name="argv"><bpm:item>echo</bpm:item><bpm:item>${name</bpm:item></bpm:field>\n'
        "</extensionElements>\n</serviceTask>\n" + chain("s", "call")
    )
    problem = problem_about(xml, "call", containing="malformed")
    error = expression_error("${name", check_template)
    assert problem.message == f"bpm:field 'argv' item 2 has a malformed ${{...}} expression: {error}"
    assert (problem.element_type, problem.line) == ("serviceTask", line_of(xml, "<bpm:field"))


def test_it_requires_a_handler_type_on_a_service_task() -> None:
    xml = model('<startEvent id="s"/>\n<serviceTask id="call"/>\n' + chain("s", "call"))
    assert_problem(xml, "call", "serviceTask", 'id="call"', "service task has no bpm:type")


def test_it_refuses_incoming_flows_on_a_start_event() -> None:
    xml = model('<startEvent id="s"/>\n<task id="t"/>\n' + chain("s", "t", "s"))
    assert_problem(
        xml, "s", "startEvent", 'id="s"', "a start event cannot have incoming sequence flows ('t_s')"
    )


def test_it_refuses_outgoing_flows_on_an_end_event() -> None:
    xml = model('<startEvent id="s"/>\n<endEvent id="e"/>\n<task id="t"/>\n' + chain("s", "e", "t"))
    assert_problem(xml, "e", "endEvent", 'id="e"', "an end event cannot have outgoing sequence flows ('e_t')")


def test_it_reports_every_problem_at_once_in_line_order() -> None:
    xml = model(
        '<startEvent id="s"/>\n'
        '<serviceTask id="call"/>\n'
        '<scriptTask id="calc" scriptFormat="groovy"><script>x = 1</script></scriptTask>\n'
        '<boundaryEvent id="timer" attachedToRef="call"><timerEventDefinition/></boundaryEvent>\n'
        '<task id="orphan"/>\n'
        '<exclusiveGateway id="g"/>\n'
        '<endEvent id="e1"/>\n<endEvent id="e2"/>\n'
        + chain("s", "call", "calc", "g")
        + flow("to_e1", "g", "e1")
        + flow("to_e2", "g", "e2", "${broken &gt;}")
        + flow("lost", "g", "missing")
    )
    with pytest.raises(BpmnError) as caught:
        parse_bpmn(xml)
    problems = caught.value.problems
    assert [problem.element_id for problem in problems] == [
        "call",
        "calc",
        "timer",  # a timer needs one of timeDate, timeDuration, timeCycle
        "timer",  # and a boundary event needs an outgoing flow
        "orphan",
        "to_e1",
        "to_e2",
        "lost",
    ]
    assert [problem.line for problem in problems] == sorted(problem.line or 0 for problem in problems)
    assert all(problem.element_type and problem.line for problem in problems)
    assert str(caught.value).count("\n") == len(problems) - 1


def test_it_checks_only_the_chosen_process() -> None:
    xml = definitions(
        process('<startEvent id="s"/>\n', process_id="good"),
        process('<task id="broken"/>\n', process_id="bad", executable=False),
    )
    assert parse_bpmn(xml).id == "good"
    assert problems_of(xml, process_id="bad")[0].element_id == "bad"


def test_it_refuses_a_process_with_more_flow_nodes_than_the_engine_keeps() -> None:
    tasks = [f"t{i}" for i in range(MAX_FLOW_NODES)]
    xml = model(
        '<startEvent id="s"/>\n' + "".join(f'<task id="{task}"/>\n' for task in tasks) + chain("s", *tasks)
    )
    problem = problem_about(xml, "p", containing="flow nodes")
    assert (
        problem.message
        == f"the process has {MAX_FLOW_NODES + 1:,} flow nodes; the limit is {MAX_FLOW_NODES:,}"
    )
    assert (problem.element_type, problem.line) == ("process", line_of(xml, '<process id="p"'))


def test_it_accepts_a_process_at_the_flow_node_limit() -> None:
    tasks = [f"t{i}" for i in range(MAX_FLOW_NODES - 1)]
    xml = model(
        '<startEvent id="s"/>\n' + "".join(f'<task id="{task}"/>\n' for task in tasks) + chain("s", *tasks)
    )
    graph = parse_bpmn(xml)
    assert len(graph.nodes) == MAX_FLOW_NODES
