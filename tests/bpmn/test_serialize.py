"""The graph survives a round trip through JSON exactly, so the store can keep it."""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.bpmn import BpmnError, ProcessGraph, graph_from_json, graph_to_json, list_processes, parse_bpmn
from engine.bpmn.graph import (
    FormField,
    Node,
    NodeKind,
    SequenceFlow,
    ServiceTaskDefinition,
    UserTaskDefinition,
)
from tests.bpmn import test_parser

REPO = Path(__file__).resolve().parents[2]


def _documents() -> list[str]:
    """The whole-file documents the parser tests define at module level."""
    return [
        value for value in vars(test_parser).values() if isinstance(value, str) and value.startswith("<?xml")
    ]


def _model_files() -> list[Path]:
    # examples/broken*.bpmn show how a model is refused; they do not parse, on purpose.
    examples = [path for path in REPO.glob("examples/*.bpmn") if not path.name.startswith("broken")]
    return sorted([*REPO.glob("tests/models/bpmn/*.bpmn"), *examples])


def assert_round_trip(graph: ProcessGraph) -> None:
    data = graph_to_json(graph)
    text = json.dumps(data)
    again = graph_from_json(json.loads(text))
    assert again == graph
    assert graph_to_json(again) == data
    assert ProcessGraph.from_json(graph.to_json()) == graph
    assert isinstance(again.nodes, MappingProxyType)
    assert list(again.nodes) == list(graph.nodes)


@pytest.mark.parametrize("document", _documents(), ids=lambda document: str(len(document)))
def test_it_round_trips_the_parser_test_documents(document: str) -> None:
    assert_round_trip(parse_bpmn(document))


@pytest.mark.parametrize("path", _model_files(), ids=lambda path: path.name)
def test_it_round_trips_the_example_models(path: Path) -> None:
    assert_round_trip(parse_bpmn(path.read_bytes()))


def test_it_round_trips_every_accepted_corpus_process(corpus_dir: Path) -> None:
    accepted = 0
    for path in sorted(corpus_dir.glob("*/*.bpmn")):
        for info in list_processes(path.read_bytes()):
            try:
                graph = parse_bpmn(path.read_bytes(), process_id=info.id)
            except BpmnError:
                continue
            assert_round_trip(graph)
            accepted += 1
    assert accepted > 0


def test_it_refuses_a_stored_graph_in_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown process graph format 99; expected 1"):
        graph_from_json({"format": 99})


_names = st.text(alphabet="abcdefghij_0123456789", min_size=1, max_size=6)
_text = st.one_of(st.none(), st.text(max_size=12))


@st.composite
def _service(draw: st.DrawFn) -> ServiceTaskDefinition:
    fields = draw(
        st.dictionaries(
            _names,
            st.one_of(
                st.text(max_size=8),
                st.tuples(st.text(max_size=5)),
                st.lists(st.text(max_size=5), max_size=3).map(tuple),
            ),
            max_size=3,
        )
    )
    return ServiceTaskDefinition(
        type=draw(_names),
        fields=MappingProxyType(fields),
        retry=draw(st.one_of(st.none(), st.just("R3/PT10S"))),
    )


_pairs = st.lists(st.tuples(_names, st.text(max_size=5)), max_size=3).map(tuple)
_form_field = st.builds(
    FormField,
    id=_names,
    label=st.text(max_size=8),
    type=st.sampled_from(["string", "long", "enum"]),
    required=st.booleans(),
    default=_text,
    values=_pairs,
    constraints=_pairs,
)
_user_task = st.builds(
    UserTaskDefinition,
    assignee=_text,
    candidate_groups=st.lists(_names, max_size=3).map(tuple),
    candidate_users=st.lists(_names, max_size=3).map(tuple),
    due_date=_text,
    form_key=_text,
    form_fields=st.lists(_form_field, max_size=3).map(tuple),
)


@st.composite
def _graphs(draw: st.DrawFn) -> ProcessGraph:
    """Arbitrary graphs, not necessarily valid processes: the JSON form must not care."""
    ids = draw(st.lists(_names, min_size=1, max_size=5, unique=True))
    flow_ids = [f"f{i}" for i in range(draw(st.integers(0, 6)))]
    flows = {
        flow_id: SequenceFlow(
            flow_id,
            draw(st.sampled_from(ids)),
            draw(st.sampled_from(ids)),
            draw(_text),
            draw(_text),
            draw(st.integers(0, 999)),
        )
        for flow_id in flow_ids
    }
    nodes = {}
    for node_id in ids:
        kind = draw(st.sampled_from(list(NodeKind)))
        nodes[node_id] = Node(
            id=node_id,
            kind=kind,
            name=draw(_text),
            scope=draw(st.one_of(st.none(), st.sampled_from(ids))),
            incoming=tuple(f for f in flow_ids if flows[f].target == node_id),
            outgoing=tuple(f for f in flow_ids if flows[f].source == node_id),
            default_flow=draw(st.one_of(st.none(), st.sampled_from(flow_ids or ["x"]))),
            line=draw(st.integers(0, 9999)),
            terminate=draw(st.booleans()),
            script=draw(_text),
            service=draw(st.one_of(st.none(), _service())),
            user_task=draw(st.one_of(st.none(), _user_task)),
        )
    return ProcessGraph(
        id=draw(_names),
        name=draw(_text),
        nodes=MappingProxyType(nodes),
        flows=MappingProxyType(flows),
        start_events=MappingProxyType(
            draw(st.dictionaries(st.one_of(st.none(), st.sampled_from(ids)), st.sampled_from(ids)))
        ),
    )


@settings(max_examples=50, deadline=None)
@given(_graphs())
def test_it_round_trips_arbitrary_graphs(graph: ProcessGraph) -> None:
    assert_round_trip(graph)
