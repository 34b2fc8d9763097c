"""deploy: versions per process key, idempotent for identical XML, nothing stored on any problem."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from engine.bpmn import ProcessGraph, parse_bpmn
from engine.bpmn.errors import BpmnError
from engine.services import DeploymentError, deploy
from engine.store.models import ProcessDefinition
from tests.services.models import document, flow, review_process

pytestmark = pytest.mark.django_db


def test_it_stores_the_first_deployment_as_version_1_with_its_parsed_graph() -> None:
    user = get_user_model().objects.create_user("dora", password="x")

    definition = deploy(review_process(), user=user)

    assert (definition.key, definition.version, definition.name) == ("order_review", 1, "Review an order")
    assert definition.deployed_by == user
    assert definition.bpmn_xml == review_process()
    assert ProcessGraph.from_json(definition.graph) == parse_bpmn(review_process())
    assert len(definition.checksum) == 64


def test_it_adds_a_version_per_changed_deployment_of_the_same_process() -> None:
    first = deploy(review_process(name="v1"))
    second = deploy(review_process(name="v2"))
    other = deploy(review_process("other"))

    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert ProcessDefinition.objects.filter(key="order_review").count() == 2


def test_it_returns_the_latest_version_when_the_same_xml_is_deployed_again() -> None:
    first = deploy(review_process())
    again = deploy(review_process().encode())

    assert again.pk == first.pk
    assert ProcessDefinition.objects.count() == 1


def test_it_adds_a_version_when_an_older_xml_comes_back_after_a_change() -> None:
    deploy(review_process(name="v1"))
    deploy(review_process(name="v2"))

    assert deploy(review_process(name="v1")).version == 3


def test_it_deploys_the_chosen_process_of_a_file_with_several() -> None:
    xml = review_process("one").replace(
        "</definitions>",
        '<process id="two" isExecutable="true"><startEvent id="s"/><endEvent id="e"/>'
        + flow("f", "s", "e")
        + "</process></definitions>",
    )

    definition = deploy(xml, process_id="two")

    assert definition.key == "two"
    assert deploy(xml, process_id="one").key == "one"


def test_it_refuses_a_model_that_does_not_parse_and_stores_nothing() -> None:
    broken = document("p", '<startEvent id="start"/>\n' + flow("f1", "start", "nowhere"))

    with pytest.raises(DeploymentError) as raised:
        deploy(broken)

    assert isinstance(raised.value, BpmnError)
    assert raised.value.problems
    assert ProcessDefinition.objects.count() == 0


def test_it_refuses_an_unknown_service_task_type_naming_the_element_and_line() -> None:
    xml = document(
        "p",
        '<startEvent id="start"/>\n'
        '<serviceTask id="mail" bpm:type="smtp"/>\n'
        '<endEvent id="end"/>\n' + flow("f1", "start", "mail") + flow("f2", "mail", "end"),
    )

    with pytest.raises(DeploymentError) as raised:
        deploy(xml)

    [problem] = raised.value.problems
    assert (problem.element_id, problem.element_type, problem.line) == ("mail", "serviceTask", 5)
    assert "unknown handler type 'smtp'" in problem.message
    assert ProcessDefinition.objects.count() == 0


def test_it_refuses_handler_fields_the_handler_rejects_listing_every_problem() -> None:
    xml = document(
        "p",
        '<startEvent id="start"/>\n'
        '<serviceTask id="a" bpm:type="noop"><extensionElements>'
        '<bpm:field name="result" value="not json"/></extensionElements></serviceTask>\n'
        '<serviceTask id="b" bpm:type="noop"><extensionElements>'
        '<bpm:field name="colour" value="red"/></extensionElements></serviceTask>\n'
        '<endEvent id="end"/>\n' + flow("f1", "start", "a") + flow("f2", "a", "b") + flow("f3", "b", "end"),
    )

    with pytest.raises(DeploymentError) as raised:
        deploy(xml)

    assert [(p.element_id, p.element_type) for p in raised.value.problems] == [
        ("a", "serviceTask"),
        ("b", "serviceTask"),
    ]
    assert "not valid JSON" in raised.value.problems[0].message
    assert "unknown field 'colour'" in raised.value.problems[1].message
    assert ProcessDefinition.objects.count() == 0


def test_it_refuses_a_file_over_the_size_limit(settings: object) -> None:
    settings.BPM_MAX_BPMN_BYTES = 100  # type: ignore[attr-defined]

    with pytest.raises(DeploymentError, match="limit"):
        deploy(review_process())

    assert ProcessDefinition.objects.count() == 0
