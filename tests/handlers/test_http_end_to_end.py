"""An http service task deployed in a model and run by `run_local` against a real local server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.services import deploy
from engine.services.local_run import run_local
from tests.cli.bpm import BPMN_HEADER
from tests.handlers.http_server import Server, serving

pytestmark = pytest.mark.django_db


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as running:
        yield running


def model(url: str, *fields: str) -> str:
    field_xml = "".join(fields)
    return (
        BPMN_HEADER
        + f"""
        <bpmn:process id="order" isExecutable="true">
          <bpmn:startEvent id="start"/>
          <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="submit"/>
          <bpmn:serviceTask id="submit" name="Submit order" bpm:type="http">
            <bpmn:extensionElements>
              <bpm:field name="url" value="{url}"/>
              {field_xml}
            </bpmn:extensionElements>
          </bpmn:serviceTask>
          <bpmn:sequenceFlow id="f2" sourceRef="submit" targetRef="end"/>
          <bpmn:endEvent id="end"/>
        </bpmn:process>
        </bpmn:definitions>"""
    )


def test_it_posts_the_order_and_stores_the_reply_in_the_instance(server: Server) -> None:
    definition = deploy(
        model(
            server.url("/echo?customer=${customer}"),
            '<bpm:field name="method" value="POST"/>',
            '<bpm:field name="body" value="${order}"/>',
            '<bpm:field name="headers"><bpm:item>X-Customer: ${customer}</bpm:item></bpm:field>',
            '<bpm:field name="statusVariable" value="status"/>',
            '<bpm:field name="bodyVariable" value="reply"/>',
        )
    )
    order = {"sku": "A-1", "quantity": 2}
    report = run_local(definition=definition, variables={"customer": "ann", "order": order})

    assert report.status == "completed", report.incidents
    assert report.completed_nodes == ["start", "submit", "end"]
    assert report.variables["status"] == 201
    assert report.variables["reply"] == {
        "method": "POST",
        "body": '{"sku": "A-1", "quantity": 2}',
        "contentType": "application/json",
    }
    [request] = server.received
    assert request.path == "/echo?customer=ann"
    assert request.headers["X-Customer"] == "ann"
    assert request.headers["Idempotency-Key"]
