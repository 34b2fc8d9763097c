"""In a real browser: badges and counts move within a second of a change made through the API."""

from __future__ import annotations

import os
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from engine.services import complete_job, complete_user_task, deploy, fail_job, start_instance
from engine.store.clock import virtual_time
from engine.store.models import Job, ProcessDefinition, UserTask
from monitoring.rollups import catch_up
from tests.monitoring import browser
from tests.monitoring.browser import api_token, browser_page
from tests.monitoring.live import user_with_role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# The fixtures, under the names the tests ask for.
live_asgi_url = browser.live_asgi_url
chromium = browser.chromium

REPO = Path(__file__).resolve().parents[2]
#: The issue's promise: a change shows on an open page within a second.
WITHIN_A_SECOND_MS = 1000


def order_definition() -> ProcessDefinition:
    return deploy((REPO / "examples" / "order.bpmn").read_text())


def start_order(definition: ProcessDefinition, number: int) -> int:
    variables = {"orderId": f"A-{number}", "total": 10 + number}
    return start_instance(definition=definition, variables=variables).pk


def test_the_instance_page_moves_the_token_badge_when_the_task_is_completed_through_the_api(
    live_asgi_url: str, chromium: Any
) -> None:
    definition = order_definition()
    instance_id = start_order(definition, 1)
    task = UserTask.objects.get(instance_id=instance_id)
    token = api_token()
    page = browser_page(chromium, live_asgi_url, user_with_role("vera", "viewers"))

    page.goto(f"{live_asgi_url}/monitoring/instances/{instance_id}/")
    page.wait_for_selector("#diagram[data-ready=true]")
    page.wait_for_selector('.bpm-badge.tokens[data-node="review"]')
    page.wait_for_selector("#live-status[data-state=live]")

    browser.api_post(
        f"{live_asgi_url}/api/v1/tasks/{task.pk}/complete", token, {"variables": {"approved": True}}
    )

    page.wait_for_selector(
        '.bpm-badge.tokens[data-node="review"]', state="detached", timeout=WITHIN_A_SECOND_MS
    )
    page.wait_for_selector('.bpm-badge.tokens[data-node="reserveStock"]', timeout=WITHIN_A_SECOND_MS)
    assert page.locator('.bpm-badge.tokens[data-node="chargePayment"]').text_content() == "1"
    assert page.locator(".djs-connection.bpm-taken").count() >= 3
    # The replay slider goes back to before the completion: the token is at the review again.
    page.locator("#timeline tbody tr", has_text="task_waiting").first.click()
    page.wait_for_selector('.bpm-badge.tokens[data-node="review"]')
    assert page.locator('.bpm-badge.tokens[data-node="reserveStock"]').count() == 0


def test_the_definition_page_counts_and_badges_follow_new_instances(
    live_asgi_url: str, chromium: Any
) -> None:
    definition = order_definition()
    start_order(definition, 1)
    token = api_token()
    page = browser_page(chromium, live_asgi_url, user_with_role("vera", "viewers"))

    page.goto(f"{live_asgi_url}/monitoring/definitions/{definition.pk}/")
    page.wait_for_selector("#diagram[data-ready=true]")
    page.wait_for_selector("#live-status[data-state=live]")
    assert page.locator('#counts [data-count="running"]').text_content() == "1"
    assert page.locator('.bpm-badge.tokens[data-node="review"]').text_content() == "1"

    browser.api_post(
        f"{live_asgi_url}/api/v1/instances",
        token,
        {"definition_id": definition.pk, "variables": {"orderId": "A-2", "total": 5}},
    )

    page.wait_for_function(
        "document.querySelector('#counts [data-count=\"running\"]').textContent === '2'",
        timeout=WITHIN_A_SECOND_MS,
    )
    page.wait_for_function(
        "document.querySelector('.bpm-badge.tokens[data-node=\"review\"]').textContent === '2'",
        timeout=WITHIN_A_SECOND_MS,
    )


def test_a_viewer_without_a_role_gets_no_live_updates(live_asgi_url: str, chromium: Any) -> None:
    definition = order_definition()
    page = browser_page(chromium, live_asgi_url, user_with_role("nobody", None))

    response = page.goto(f"{live_asgi_url}/monitoring/definitions/{definition.pk}/")

    assert response.status == 403


@pytest.mark.skipif(
    not os.environ.get("BPM_SCREENSHOT_DIR"), reason="set BPM_SCREENSHOT_DIR to refresh docs/img"
)
def test_screenshots_for_the_documentation(live_asgi_url: str, chromium: Any) -> None:
    """Not a check: a day of orders in the past, then the pages as docs/monitoring.md shows them."""
    target = Path(os.environ["BPM_SCREENSHOT_DIR"])
    definition = order_definition()
    rng = random.Random(3)
    now = timezone.now()
    shown = None
    for number in range(60):
        began = now - timedelta(hours=rng.uniform(1, 23))
        with virtual_time(began):
            instance_id = start_order(definition, number)
        if number % 10 == 9:
            continue  # still waiting for its review
        reviewed = began + timedelta(minutes=rng.uniform(2, 40))
        with virtual_time(reviewed):
            task = UserTask.objects.get(instance_id=instance_id)
            complete_user_task(task_id=task.pk, variables={"approved": number % 7 != 0})
        for job in Job.objects.filter(instance_id=instance_id, status="pending").order_by("node_id"):
            with virtual_time(reviewed + timedelta(seconds=rng.uniform(1, 90))):
                if job.node_id == "chargePayment" and number % 6 == 0:
                    fail_job(job_id=job.pk, error="payment provider answered 503 Service Unavailable")
                    shown = instance_id
                else:
                    complete_job(job_id=job.pk, variables={"receipt": f"charged order A-{number}"})
    catch_up()
    page = browser_page(chromium, live_asgi_url, user_with_role("olga", "operators"))

    page.goto(f"{live_asgi_url}/monitoring/")
    page.wait_for_selector("#live-status[data-state=live]")
    page.screenshot(path=str(target / "monitoring-dashboard.png"), full_page=True)
    page.goto(f"{live_asgi_url}/monitoring/definitions/{definition.pk}/")
    page.wait_for_selector("#diagram[data-ready=true]")
    page.select_option("#heatmap", "mean_ms")
    # Down to the charts: the instance list's start times are the real clock, not the seeded past.
    charts = page.locator(".grid2").bounding_box()
    height = charts["y"] + charts["height"] + 16
    page.screenshot(
        path=str(target / "monitoring-definition.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1400, "height": height},
    )
    page.goto(f"{live_asgi_url}/monitoring/instances/{shown}/")
    page.wait_for_selector("#diagram[data-ready=true]")
    page.screenshot(path=str(target / "monitoring-instance.png"), full_page=True)
