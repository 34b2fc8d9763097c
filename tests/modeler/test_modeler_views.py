"""The modeler's pages and endpoints: who may do what, CSRF, and what save and deploy answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from engine.bpmn import parse_bpmn
from engine.roles import MODELERS
from engine.store.models import ProcessDefinition
from modeler.models import Draft

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def modeler() -> Client:
    user = User.objects.create_user("mia", password="pw")
    user.groups.add(Group.objects.get_or_create(name=MODELERS)[0])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("val", password="pw"))
    return client


def post_json(client: Client, url: str, data: object) -> tuple[int, dict]:
    response = client.post(url, json.dumps(data), content_type="application/json")
    return response.status_code, response.json()


def test_it_sends_anonymous_visitors_to_the_login_page() -> None:
    for url in ("/modeler/", "/modeler/drafts/1/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().post("/modeler/save/", "{}", content_type="application/json").status_code == 302


def test_it_lets_viewers_look_but_not_change(viewer: Client) -> None:
    draft = Draft.objects.create(name="Hello", xml=(EXAMPLES / "hello.bpmn").read_text())
    page = viewer.get(f"/modeler/drafts/{draft.pk}/").content.decode()
    assert "bpmn-modeler.production.min.js" in page and 'id="deploy"' not in page
    assert 'id="new-diagram"' not in viewer.get("/modeler/").content.decode()
    status, answer = post_json(viewer, "/modeler/deploy/", {"draft": None, "xml": draft.xml})
    assert (status, answer) == (403, {"error": "only members of the modelers group may change models"})
    assert viewer.post("/modeler/new/").status_code == 403
    assert not ProcessDefinition.objects.exists() and Draft.objects.count() == 1


def test_it_refuses_a_save_without_the_csrf_token() -> None:
    user = User.objects.create_user("mia", password="pw")
    user.groups.add(Group.objects.get_or_create(name=MODELERS)[0])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/modeler/save/", json.dumps({"xml": "<x/>"}), content_type="application/json")
    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_it_starts_a_new_draft_from_the_template(modeler: Client) -> None:
    response = modeler.post("/modeler/new/")
    draft = Draft.objects.get()
    assert response["Location"] == f"/modeler/drafts/{draft.pk}/"
    graph = parse_bpmn(draft.xml)
    assert list(graph.nodes) == ["start"] and graph.id == draft.process_key
    assert draft.name == "New process"


def test_it_imports_a_file_as_a_draft(modeler: Client) -> None:
    upload = SimpleUploadedFile("order.bpmn", (EXAMPLES / "order.bpmn").read_bytes())
    response = modeler.post("/modeler/import/", {"file": upload})
    draft = Draft.objects.get()
    assert response["Location"] == f"/modeler/drafts/{draft.pk}/"
    assert (draft.process_key, draft.name) == ("order", "Order fulfilment")


def test_it_saves_an_invalid_draft_and_lists_its_problems(modeler: Client) -> None:
    xml = (EXAMPLES / "broken.bpmn").read_text()
    status, answer = post_json(modeler, "/modeler/save/", {"draft": None, "xml": xml})
    assert status == 200
    draft = Draft.objects.get()
    assert answer["draft"] == draft.pk and draft.xml == xml
    assert [(p["element_id"], p["line"]) for p in answer["problems"]] == [("work", 7), ("toEnd", 9)]
    assert answer["problems"][0]["text"].startswith("line 7, serviceTask 'work': service task has no")


def test_it_refuses_to_deploy_an_invalid_model_but_keeps_the_draft(modeler: Client) -> None:
    draft = Draft.objects.create(xml="<old/>")
    xml = (EXAMPLES / "broken.bpmn").read_text()
    status, answer = post_json(modeler, "/modeler/deploy/", {"draft": draft.pk, "xml": xml})
    assert status == 400
    assert {p["element_id"] for p in answer["problems"]} == {"work", "toEnd"}
    assert not ProcessDefinition.objects.exists()
    draft.refresh_from_db()
    assert draft.xml == xml and draft.deployed is None


def test_it_deploys_new_versions_and_remembers_the_latest(modeler: Client) -> None:
    xml = (EXAMPLES / "hello.bpmn").read_text()
    status, answer = post_json(modeler, "/modeler/deploy/", {"draft": None, "xml": xml})
    assert status == 200 and answer["definition"]["key"] == "hello" and answer["definition"]["version"] == 1
    changed = xml.replace('name="Hello"', 'name="Hello again"')
    status, answer = post_json(modeler, "/modeler/deploy/", {"draft": answer["draft"], "xml": changed})
    assert answer["definition"]["version"] == 2
    draft = Draft.objects.get()
    assert draft.deployed == ProcessDefinition.objects.get(key="hello", version=2)
    assert draft.deployed.deployed_by.username == "mia"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("not json", 400, "the request body must be JSON"),
        ("[]", 400, "the request body must be a JSON object"),
        ('{"xml": ""}', 400, "xml: the BPMN XML of the diagram is required"),
        ('{"xml": "<x/>", "draft": "7"}', 400, "draft: must be a draft id (a number) or null"),
        ('{"xml": "<x/>", "draft": 999}', 404, "draft: there is no draft 999"),
    ],
)
def test_it_names_what_is_wrong_with_a_request(modeler: Client, body: str, status: int, error: str) -> None:
    response = modeler.post("/modeler/save/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert not Draft.objects.exists()


def test_it_opens_a_deployed_version_in_the_editor(modeler: Client) -> None:
    post_json(modeler, "/modeler/deploy/", {"draft": None, "xml": (EXAMPLES / "hello.bpmn").read_text()})
    definition = ProcessDefinition.objects.get()
    listing = modeler.get("/modeler/").content.decode()
    assert f'href="/modeler/definitions/{definition.pk}/"' in listing
    page = modeler.get(f"/modeler/definitions/{definition.pk}/")
    assert page.status_code == 200 and "Hello (version 1)" in page.content.decode()


CAMUNDA_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_1"
  targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.0.0">
  <bpmn:process id="leave" name="Leave request" isExecutable="true" camunda:historyTimeToLive="180">
    <bpmn:startEvent id="start" camunda:formKey="embedded:app:start.html"/>
    <bpmn:userTask id="approve" camunda:assignee="${manager}" camunda:candidateGroups="hr"
        camunda:asyncBefore="true">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="days" label="Days" type="long">
            <camunda:validation><camunda:constraint name="required"/></camunda:validation>
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_it_deploys_a_camunda_modeler_user_task_with_its_form(modeler: Client) -> None:
    status, answer = post_json(modeler, "/modeler/deploy/", {"draft": None, "xml": CAMUNDA_MODEL})
    assert status == 200, answer
    user_task = parse_bpmn(ProcessDefinition.objects.get(key="leave").bpmn_xml).node("approve").user_task
    assert user_task is not None
    assert (user_task.assignee, user_task.candidate_groups) == ("${manager}", ("hr",))
    assert [(f.id, f.type, f.required) for f in user_task.form_fields] == [("days", "long", True)]


def test_it_refuses_a_camunda_listener_naming_its_element(modeler: Client) -> None:
    listener = '<camunda:taskListener event="create" class="com.example.Notify"/>'
    xml = CAMUNDA_MODEL.replace("<camunda:formData>", f"{listener}\n<camunda:formData>")
    status, answer = post_json(modeler, "/modeler/deploy/", {"draft": None, "xml": xml})
    assert status == 400
    [problem] = answer["problems"]
    assert problem["element_id"] == "approve"
    assert problem["line"] == xml.splitlines().index(f"        {listener}") + 1
    assert problem["message"].startswith("camunda:taskListener is not supported")
