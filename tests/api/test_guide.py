"""The walk-through of docs/api.md, over real HTTP with `requests`, as an integration would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from rest_framework.authtoken.models import Token

from engine.roles import MODELERS, OPERATORS
from engine.services import deploy, fail_job
from engine.store.models import Job, ProcessInstance
from tests.services.models import service_chain_process
from tests.services.test_messages import PAYMENT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(make_user: Any) -> requests.Session:
    bot = make_user("order-bot", OPERATORS, MODELERS, groups=("sales",))
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.create(user=bot).key}"
    return session


def test_deploy_start_complete_correlate_and_retry(
    api: requests.Session, live_server: Any, repo_root: Path
) -> None:
    bpm = f"{live_server.url}/api/v1"

    with (repo_root / "examples" / "broken.bpmn").open("rb") as model:
        refused = api.post(f"{bpm}/definitions", files={"file": model})
    with (repo_root / "examples" / "order.bpmn").open("rb") as model:
        deployed = api.post(f"{bpm}/definitions", files={"file": model})
    assert refused.status_code == 400
    assert {(p["element_id"], p["line"]) for p in refused.json()["errors"]} == {("work", 7), ("toEnd", 9)}
    assert deployed.status_code == 201 and deployed.json()["key"] == "order"

    start = {
        "definition_key": "order",
        "business_key": "A-1001",
        "unique_business_key": True,
        "variables": {"orderId": "A-1001", "total": 99.5},
    }
    instance = api.post(f"{bpm}/instances", json=start).json()
    assert api.post(f"{bpm}/instances", json=start).json()["id"] == instance["id"]

    task = api.get(f"{bpm}/tasks", params={"instance_id": instance["id"]}).json()["results"][0]
    wrong = api.post(f"{bpm}/tasks/{task['id']}/complete", json={"variables": {"approved": "maybe"}})
    done = api.post(f"{bpm}/tasks/{task['id']}/complete", json={"variables": {"approved": True}})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "variables.approved"
    assert done.status_code == 200 and done.json()["status"] == "completed"

    deploy(PAYMENT.replace('process id="order"', 'process id="paying"'))
    early = {"name": "OrderPaid", "correlation_key": "B-7", "message_id": "pay-B-7", "ttl_seconds": 3600}
    assert api.post(f"{bpm}/messages", json=early).json() == {"outcome": "buffered", "instance_id": None}
    paid_early = api.post(
        f"{bpm}/instances", json={"definition_key": "paying", "variables": {"orderId": "B-7"}}
    )
    waiting = api.post(f"{bpm}/instances", json={"definition_key": "paying", "variables": {"orderId": "B-8"}})
    delivered = api.post(f"{bpm}/messages", json={"name": "OrderPaid", "correlation_key": "B-8"})
    assert paid_early.json()["status"] == "completed"
    assert delivered.json() == {"outcome": "delivered", "instance_id": waiting.json()["id"]}

    failing = deploy(service_chain_process(command="exit 3"))
    stuck = api.post(f"{bpm}/instances", json={"definition_id": failing.pk}).json()
    fail_job(job_id=Job.objects.get(instance_id=stuck["id"]).pk, error="mail server down")
    incident = api.get(f"{bpm}/incidents", params={"open": "true"}).json()["results"][0]
    retried = api.post(f"{bpm}/incidents/{incident['id']}/retry")
    assert retried.status_code == 200 and retried.json()["open"] is False
    assert ProcessInstance.objects.get(pk=stuck["id"]).jobs.filter(status="pending").count() == 1
