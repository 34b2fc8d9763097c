"""Each supported element parses to the graph the kernel runs; files are read as tools write them."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest

from engine.bpmn import BpmnError, NodeKind, ProcessInfo, list_processes, parse_bpmn
from engine.bpmn.graph import SequenceFlow
from tests.bpmn.documents import MODEL_NS, chain, definitions, flow, line_of, model, process

SEQUENCE = model(
    '<startEvent id="start" name="Begin"/>\n'
    '<task id="a" name="Plain task"/>\n'
    '<manualTask id="b"/>\n'
    '<intermediateThrowEvent id="milestone" name="Half way"/>\n'
    '<endEvent id="end"/>\n' + chain("start", "a", "b", "milestone", "end")
)


def test_it_reads_a_sequence_of_events_and_tasks() -> None:
    graph = parse_bpmn(SEQUENCE)
    assert graph.id == "p"
    assert [(node.id, node.kind) for node in graph.nodes.values()] == [
        ("start", NodeKind.START_EVENT),
        ("a", NodeKind.TASK),
        ("b", NodeKind.MANUAL_TASK),
        ("milestone", NodeKind.INTERMEDIATE_THROW_EVENT),
        ("end", NodeKind.END_EVENT),
    ]
    a = graph.node("a")
    assert (a.name, a.scope, a.incoming, a.outgoing, a.line) == (
        "Plain task",
        None,
        ("start_a",),
        ("a_b",),
        line_of(SEQUENCE, 'id="a"'),
    )
    assert graph.node("b").name is None
    assert graph.flow("a_b") == SequenceFlow("a_b", "a", "b", None, None, line_of(SEQUENCE, 'id="a_b"'))
    assert graph.start_events == {None: "start"}
    assert graph.node("end").terminate is False


def test_it_gives_a_graph_that_cannot_be_changed() -> None:
    graph = parse_bpmn(SEQUENCE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        graph.node("a").name = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        graph.nodes["x"] = graph.node("a")  # type: ignore[index]
    for mapping in (graph.nodes, graph.flows, graph.start_events):
        assert isinstance(mapping, MappingProxyType)
    assert isinstance(graph.node("a").incoming, tuple)


def test_it_reads_a_terminate_end_event() -> None:
    graph = parse_bpmn(
        model(
            '<startEvent id="s"/>\n<endEvent id="stop">\n<terminateEventDefinition/>\n</endEvent>\n'
            + chain("s", "stop")
        )
    )
    assert graph.node("stop").terminate is True


GATEWAYS = model(
    '<startEvent id="s"/>\n'
    '<exclusiveGateway id="choose" default="small"/>\n'
    '<task id="big_order"/>\n'
    '<task id="small_order"/>\n'
    '<exclusiveGateway id="merge"/>\n'
    '<parallelGateway id="fork"/>\n'
    '<task id="left"/>\n'
    '<task id="right"/>\n'
    '<parallelGateway id="join"/>\n'
    '<inclusiveGateway id="some" default="none_chosen"/>\n'
    '<task id="x"/>\n'
    '<task id="y"/>\n'
    '<inclusiveGateway id="gather"/>\n'
    '<endEvent id="e"/>\n'
    + flow("f1", "s", "choose")
    + flow("big", "choose", "big_order", "${amount &gt; 100}")
    + flow("small", "choose", "small_order")
    + chain("big_order", "merge")
    + chain("small_order", "merge", "fork")
    + chain("fork", "left", "join")
    + chain("fork", "right", "join", "some")
    + flow("to_x", "some", "x", " ${ wants_x } ")
    + flow("to_y", "some", "y", "wants_y")
    + flow("none_chosen", "some", "gather")
    + chain("x", "gather")
    + chain("y", "gather", "e")
)


def test_it_reads_exclusive_parallel_and_inclusive_gateways_with_conditions_and_defaults() -> None:
    graph = parse_bpmn(GATEWAYS)
    choose = graph.node("choose")
    assert choose.kind is NodeKind.EXCLUSIVE_GATEWAY
    assert (choose.outgoing, choose.default_flow) == (("big", "small"), "small")
    assert graph.flow("big").condition == "amount > 100"
    assert graph.flow("small").condition is None
    assert graph.node("merge").incoming == ("big_order_merge", "small_order_merge")
    assert graph.node("fork").kind is NodeKind.PARALLEL_GATEWAY
    assert graph.node("join").incoming == ("left_join", "right_join")
    some = graph.node("some")
    assert some.kind is NodeKind.INCLUSIVE_GATEWAY
    assert (some.outgoing, some.default_flow) == (("to_x", "to_y", "none_chosen"), "none_chosen")
    assert graph.flow("to_x").condition == "wants_x"
    assert graph.flow("to_y").condition == "wants_y"


def test_it_keeps_outgoing_flows_in_the_document_order_of_the_flows() -> None:
    xml = model(
        '<startEvent id="s"/>\n<exclusiveGateway id="g">\n'
        "<outgoing>second</outgoing>\n<outgoing>first</outgoing>\n"
        '</exclusiveGateway>\n<endEvent id="e1"/>\n<endEvent id="e2"/>\n'
        + chain("s", "g")
        + flow("first", "g", "e1", "a")
        + flow("second", "g", "e2", "b")
    )
    assert parse_bpmn(xml).node("g").outgoing == ("first", "second")


def test_it_reads_conditional_and_default_flows_on_an_activity() -> None:
    graph = parse_bpmn(
        model(
            '<startEvent id="s"/>\n<task id="t" default="otherwise"/>\n'
            '<endEvent id="e1"/>\n<endEvent id="e2"/>\n<endEvent id="e3"/>\n'
            + chain("s", "t")
            + flow("when_a", "t", "e1", "${a}")
            + flow("always", "t", "e2")
            + flow("otherwise", "t", "e3")
        )
    )
    task = graph.node("t")
    assert (task.outgoing, task.default_flow) == (("when_a", "always", "otherwise"), "otherwise")
    assert graph.flow("when_a").condition == "a"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("${ a &gt; 1 }", "a > 1"),
        ("#{a}", "a"),
        ("  a == 'x'  ", "a == 'x'"),
        ('"}" == x or "${" == y', '"}" == x or "${" == y'),
        ("${ {'k': 1}['k'] == 1 }", "{'k': 1}['k'] == 1"),
    ],
)
def test_it_keeps_a_condition_without_its_wrapper(written: str, kept: str) -> None:
    xml = model(
        '<startEvent id="s"/>\n<task id="t"/>\n<endEvent id="e"/>\n'
        + chain("s", "t")
        + flow("f", "t", "e", written)
    )
    assert parse_bpmn(xml).flow("f").condition == kept


def test_it_reads_a_script_task_without_the_indentation_of_the_xml() -> None:
    xml = model(
        '<startEvent id="s"/>\n'
        '<scriptTask id="calc" scriptFormat="Expression">\n'
        "  <script>\n"
        "    net = price * quantity\n"
        "    total = net * 2\n"
        "  </script>\n"
        "</scriptTask>\n"
        '<endEvent id="e"/>\n' + chain("s", "calc", "e")
    )
    node = parse_bpmn(xml).node("calc")
    assert node.kind is NodeKind.SCRIPT_TASK
    assert node.script == "net = price * quantity\ntotal = net * 2"


def test_it_reads_a_script_in_cdata_without_a_format() -> None:
    xml = model(
        '<startEvent id="s"/>\n<scriptTask id="calc">\n'
        "<script><![CDATA[ok = a < b]]></script>\n</scriptTask>\n" + chain("s", "calc")
    )
    assert parse_bpmn(xml).node("calc").script == "ok = a < b"


def test_it_reads_service_and_user_tasks_with_our_extensions() -> None:
    graph = parse_bpmn(
        model(
            '<startEvent id="s"/>\n'
            '<serviceTask id="call" bpm:type="cli" bpm:retry="R3/PT10S">\n'
            "<extensionElements>\n"
            '<bpm:field name="argv"><bpm:item>echo</bpm:item><bpm:item>${name}</bpm:item></bpm:field>\n'
            '<bpm:field name="timeout" value="PT30S"/>\n'
            "</extensionElements>\n"
            "</serviceTask>\n"
            '<userTask id="review" bpm:assignee="bob" bpm:candidateGroups="sales, managers"/>\n'
            '<endEvent id="e"/>\n' + chain("s", "call", "review", "e")
        )
    )
    service = graph.node("call").service
    assert service is not None
    assert (service.type, dict(service.fields), service.retry) == (
        "cli",
        {"argv": ("echo", "${name}"), "timeout": "PT30S"},
        "R3/PT10S",
    )
    user_task = graph.node("review").user_task
    assert user_task is not None
    assert (user_task.assignee, user_task.candidate_groups) == ("bob", ("sales", "managers"))
    assert graph.node("call").kind is NodeKind.SERVICE_TASK
    assert graph.node("review").kind is NodeKind.USER_TASK


NESTED = model(
    '<startEvent id="s"/>\n'
    '<subProcess id="outer" name="Outer">\n'
    '  <startEvent id="outer_start"/>\n'
    '  <subProcess id="inner">\n'
    '    <startEvent id="inner_start"/>\n'
    '    <task id="deep"/>\n'
    '    <endEvent id="inner_end"/>\n' + chain("inner_start", "deep", "inner_end") + "  </subProcess>\n"
    '  <endEvent id="outer_end"/>\n' + chain("outer_start", "inner", "outer_end") + "</subProcess>\n"
    '<endEvent id="e"/>\n' + chain("s", "outer", "e")
)


def test_it_reads_nested_embedded_subprocesses_with_their_scopes() -> None:
    graph = parse_bpmn(NESTED)
    assert graph.node("outer").kind is NodeKind.SUB_PROCESS
    assert graph.node("outer").scope is None
    assert graph.node("inner").scope == "outer"
    assert graph.node("deep").scope == "inner"
    assert graph.node("outer").outgoing == ("outer_e",)
    assert graph.start_events == {None: "s", "outer": "outer_start", "inner": "inner_start"}
    assert graph.node("deep").incoming == ("inner_start_deep",)


def _namespaced(prefix: str) -> str:
    p = f"{prefix}:" if prefix else ""
    declaration = f'xmlns{":" + prefix if prefix else ""}="{MODEL_NS}"'
    return (
        f'<{p}definitions {declaration} xmlns:ext="urn:bpmportal:bpm:1.0" id="d" targetNamespace="urn:t">\n'
        f'<{p}process id="p">\n'
        f'<{p}startEvent id="s"/>\n'
        f'<{p}serviceTask id="t" ext:type="noop"/>\n'
        f'<{p}endEvent id="e"/>\n'
        f'<{p}sequenceFlow id="f1" sourceRef="s" targetRef="t"/>\n'
        f'<{p}sequenceFlow id="f2" sourceRef="t" targetRef="e"/>\n'
        f"</{p}process>\n"
        f"</{p}definitions>\n"
    )


@pytest.mark.parametrize("prefix", ["", "bpmn", "semantic", "model", "x"])
def test_it_reads_the_bpmn_namespace_under_any_prefix(prefix: str) -> None:
    graph = parse_bpmn(_namespaced(prefix))
    assert list(graph.nodes) == ["s", "t", "e"]
    service = graph.node("t").service
    assert service is not None
    assert service.type == "noop"


def test_it_ignores_elements_that_only_describe_the_model() -> None:
    descriptive = definitions(
        '<collaboration id="c">\n<participant id="pool" processRef="p"/>\n'
        '<messageFlow id="m" sourceRef="pool" targetRef="pool"/>\n</collaboration>\n'
        '<message id="msg" name="m"/>\n',
        process(
            "<documentation>What this does</documentation>\n"
            '<extensionElements><camunda:properties><camunda:property name="a" value="b"/>'
            "</camunda:properties>"
            "</extensionElements>\n"
            '<laneSet id="ls">\n<lane id="lane"><flowNodeRef>s</flowNodeRef></lane>\n</laneSet>\n'
            '<ioSpecification id="io"><inputSet id="is"/><outputSet id="os"/></ioSpecification>\n'
            '<dataObject id="do"/>\n<dataObjectReference id="dor" dataObjectRef="do"/>\n'
            '<dataStoreReference id="dsr"/>\n'
            '<textAnnotation id="note"><text>Hello</text></textAnnotation>\n'
            '<association id="assoc" sourceRef="note" targetRef="t"/>\n'
            '<group id="grp"/>\n'
            '<startEvent id="s"><documentation>go</documentation></startEvent>\n'
            '<task id="t" camunda:asyncBefore="true">\n'
            "<extensionElements><camunda:inputOutput/></extensionElements>\n"
            '<dataInputAssociation id="dia"><sourceRef>dor</sourceRef><targetRef>t</targetRef>'
            "</dataInputAssociation>\n"
            '<dataOutputAssociation id="doa"><targetRef>dsr</targetRef></dataOutputAssociation>\n'
            "</task>\n"
            '<endEvent id="e"/>\n' + chain("s", "t", "e")
        ),
        '<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="di">\n'
        '<bpmndi:BPMNPlane id="plane" bpmnElement="p"/>\n</bpmndi:BPMNDiagram>\n',
    )
    graph = parse_bpmn(descriptive)
    assert list(graph.nodes) == ["s", "t", "e"]
    assert list(graph.flows) == ["s_t", "t_e"]


def test_it_names_the_graph_after_the_process() -> None:
    graph = parse_bpmn(definitions(process('<startEvent id="s"/>\n', name="Order handling")))
    assert (graph.id, graph.name) == ("p", "Order handling")


TWO_PROCESSES = definitions(
    process('<startEvent id="a_start"/>\n', process_id="first", executable=False, name="First"),
    process('<startEvent id="b_start"/>\n', process_id="second", executable=True),
)


def test_it_lists_the_processes_of_a_file() -> None:
    assert list_processes(TWO_PROCESSES) == [
        ProcessInfo(id="first", name="First", executable=False),
        ProcessInfo(id="second", name=None, executable=True),
    ]


def test_it_picks_the_only_executable_process_when_there_are_several() -> None:
    assert parse_bpmn(TWO_PROCESSES).id == "second"


def test_it_picks_the_process_asked_for() -> None:
    assert list(parse_bpmn(TWO_PROCESSES, process_id="first").nodes) == ["a_start"]


def test_it_picks_the_only_process_even_when_not_executable() -> None:
    xml = definitions(process('<startEvent id="s"/>\n', executable=False))
    assert parse_bpmn(xml).id == "p"


def test_it_lists_the_ids_when_the_process_asked_for_does_not_exist() -> None:
    with pytest.raises(BpmnError) as caught:
        parse_bpmn(TWO_PROCESSES, process_id="third")
    assert [problem.message for problem in caught.value.problems] == [
        "the file has no process 'third'; its processes are: first, second"
    ]


@pytest.mark.parametrize(
    ("executable", "message"),
    [
        (False, 'the file has 2 processes and none is isExecutable="true"; choose one by id: one, two'),
        (True, "the file has 2 executable processes; choose one by id: one, two"),
    ],
)
def test_it_asks_which_process_when_the_choice_is_ambiguous(executable: bool, message: str) -> None:
    xml = definitions(
        process('<startEvent id="a"/>\n', process_id="one", executable=executable),
        process('<startEvent id="b"/>\n', process_id="two", executable=executable),
    )
    with pytest.raises(BpmnError) as caught:
        parse_bpmn(xml)
    assert [problem.message for problem in caught.value.problems] == [message]


def test_it_refuses_a_file_without_a_process() -> None:
    with pytest.raises(BpmnError, match="the file contains no process"):
        parse_bpmn(definitions('<collaboration id="c"/>\n'))
    assert list_processes(definitions()) == []


def test_it_refuses_a_process_without_an_id() -> None:
    xml = definitions("<process>\n</process>\n")
    with pytest.raises(BpmnError) as caught:
        list_processes(xml)
    [problem] = caught.value.problems
    assert (problem.message, problem.element_type, problem.line) == ("process has no id", "process", 3)
