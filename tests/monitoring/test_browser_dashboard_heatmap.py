"""In a real browser: the dashboard's counts follow instances live, the definition page's heatmap
and the analytics page show what the rollups know."""

from __future__ import annotations

import colorsys
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

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
#: Live, without a reload; test_browser_live.py holds pages to the one-second promise.
LIVE_MS = 2000

#: Orders run an hour or more ago, so the rollups fold them at once. Per order: minutes after
#: the first one began, minutes its review took (None: still waiting), approved, and the jobs
#: as (node, seconds after the review, completed or failed).
ORDERS: list[tuple[int, int | None, bool, list[tuple[str, int, bool]]]] = [
    (0, 10, True, [("reserveStock", 2, True), ("chargePayment", 4, True)]),  # completed in 604 s
    (1, 5, False, []),  # rejected: completed in 300 s
    (2, 20, True, [("reserveStock", 1, True), ("chargePayment", 3, False)]),
    (3, None, False, []),
    (4, 15, True, [("chargePayment", 2, True), ("reserveStock", 6, False)]),
    (5, 10, True, [("chargePayment", 1, False), ("reserveStock", 3, True)]),
]
#: What the rollups make of ORDERS, per node: token arrivals (a join counts each branch).
VISITS = {
    "received": 6,
    "review": 6,
    "decision": 5,
    "rejected": 1,
    "fulfil": 4,
    "reserveStock": 4,
    "chargePayment": 4,
    "fulfilled": 5,
    "ship": 1,
    "shipped": 1,
}
#: Mean time of the completed visits; gateways and events take no time, so they show no colour.
MEAN_MS = {"review": 12 * 60_000, "reserveStock": 2000, "chargePayment": 3000}
#: Incidents per visit: chargePayment failed 2 of 4 times, reserveStock 1 of 4.
FAILURE_RATE = {"chargePayment": 0.5, "reserveStock": 0.25}


def order_definition() -> ProcessDefinition:
    return deploy((REPO / "examples" / "order.bpmn").read_text())


def hello_definition() -> ProcessDefinition:
    return deploy((REPO / "examples" / "hello.bpmn").read_text())


def run_order(
    definition: ProcessDefinition,
    began: datetime,
    review_minutes: int | None,
    approved: bool,
    jobs: list[tuple[str, int, bool]],
) -> None:
    with virtual_time(began):
        instance_id = start_instance(definition=definition, variables={"orderId": "A-1", "total": 10}).pk
    if review_minutes is None:
        return
    reviewed = began + timedelta(minutes=review_minutes)
    with virtual_time(reviewed):
        task = UserTask.objects.get(instance_id=instance_id)
        complete_user_task(task_id=task.pk, variables={"approved": approved})
    for node, seconds, completes in jobs:
        job = Job.objects.get(instance_id=instance_id, node_id=node, status="pending")
        with virtual_time(reviewed + timedelta(seconds=seconds)):
            if completes:
                complete_job(job_id=job.pk, variables={})
            else:
                fail_job(job_id=job.pk, error=f"{node} is down")


@pytest.fixture
def folded_orders() -> ProcessDefinition:
    """The order process after ORDERS, within one hour three hours ago, folded into the rollups."""
    definition = order_definition()
    first = (timezone.now() - timedelta(hours=3)).replace(minute=1, second=0, microsecond=0)
    for minutes, review_minutes, approved, jobs in ORDERS:
        run_order(definition, first + timedelta(minutes=minutes), review_minutes, approved, jobs)
    catch_up()
    return definition


def dashboard_counts(page: Any, definition: ProcessDefinition) -> Any:
    """The dashboard row's running, failed, completed, cancelled / terminated, open incidents."""
    return page.locator(f'#definitions tr[data-definition="{definition.pk}"] td[data-count]')


def test_the_dashboard_counts_follow_instances_started_completed_failed_and_cancelled(
    live_asgi_url: str, chromium: Any
) -> None:
    orders = order_definition()
    first_order = start_instance(definition=orders, variables={"orderId": "A-1", "total": 10}).pk
    hello = hello_definition()
    start_instance(definition=hello, variables={"name": "World"})  # waits for its greeting job
    token = api_token()
    page = browser_page(chromium, live_asgi_url, user_with_role("vera", "viewers"))

    page.goto(f"{live_asgi_url}/monitoring/")
    page.wait_for_selector("#live-status[data-state=live]")
    expect(dashboard_counts(page, orders)).to_have_text(["1", "0", "0", "0", "0"])
    expect(page.locator("#no-failures")).to_be_visible()
    page.evaluate("window.neverReloaded = true")

    # Started through the API.
    second_order = browser.api_post(
        f"{live_asgi_url}/api/v1/instances",
        token,
        {"definition_id": orders.pk, "variables": {"orderId": "A-2", "total": 20}},
    )["id"]
    expect(dashboard_counts(page, orders)).to_have_text(["2", "0", "0", "0", "0"], timeout=LIVE_MS)

    # Completed through the services: a rejected order ends at once.
    task = UserTask.objects.get(instance_id=first_order)
    complete_user_task(task_id=task.pk, variables={"approved": False})
    expect(dashboard_counts(page, orders)).to_have_text(["1", "0", "1", "0", "0"], timeout=LIVE_MS)

    # Failed: the payment job of the approved second order raises an incident.
    task = UserTask.objects.get(instance_id=second_order)
    complete_user_task(task_id=task.pk, variables={"approved": True})
    payment = Job.objects.get(instance_id=second_order, node_id="chargePayment")
    fail_job(job_id=payment.pk, error="payment provider answered 503")
    expect(dashboard_counts(page, orders)).to_have_text(["1", "1", "1", "0", "1"], timeout=LIVE_MS)
    failed_cell = page.locator(f'#definitions tr[data-definition="{orders.pk}"] td[data-count="failed"]')
    expect(failed_cell).to_have_class(re.compile(r"\bfailed\b"))
    failure = page.locator("#failures tbody tr")
    expect(failure).to_have_count(1)
    expect(failure.locator("td").nth(1)).to_have_text(f"#{second_order}")
    expect(failure.locator("td").nth(1).locator("a")).to_have_attribute(
        "href", f"/monitoring/instances/{second_order}/"
    )
    expect(failure.locator("td").nth(2)).to_have_text("order")
    expect(failure.locator("td").nth(3)).to_have_text("chargePayment")
    expect(failure.locator("td").nth(4)).to_have_text("payment provider answered 503")
    expect(page.locator("#no-failures")).to_be_hidden()

    # Cancelled through the API: no longer running nor failed, and its incident is closed.
    browser.api_post(f"{live_asgi_url}/api/v1/instances/{second_order}/cancel", token, {"reason": "test"})
    expect(dashboard_counts(page, orders)).to_have_text(["0", "0", "1", "1", "0"], timeout=LIVE_MS)
    expect(failed_cell).not_to_have_class(re.compile(r"\bfailed\b"))
    expect(page.locator("#failures tbody tr")).to_have_count(0)
    expect(page.locator("#no-failures")).to_be_visible()

    # The other definition's row kept its own numbers, and the page was never reloaded.
    expect(dashboard_counts(page, hello)).to_have_text(["1", "0", "0", "0", "0"])
    assert page.evaluate("window.neverReloaded") is True


def heat_overlays(page: Any) -> dict[str, tuple[str, float]]:
    """Per node coloured by the heatmap: its tooltip and the hue of its colour (degrees)."""
    shown = page.evaluate(
        """() => [...document.querySelectorAll('.bpm-heat')].map(
            (div) => [div.dataset.node, div.title, getComputedStyle(div).backgroundColor])"""
    )
    overlays = {}
    for node, title, colour in shown:
        red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", colour)[:3])
        overlays[node] = (title, colorsys.rgb_to_hls(red, green, blue)[0] * 360)
    return overlays


def expected_hue(value: float, largest: float) -> float:
    """The heatmap's scale: pale yellow (55°) near nothing, deep red (0°) for the largest value."""
    return 55 * (1 - value / largest)


def assert_heat(page: Any, metric: str, expected: dict[str, str], values: dict[str, float]) -> None:
    page.select_option("#heatmap", metric)
    expect(page.locator(".bpm-heat")).to_have_count(len(expected))
    overlays = heat_overlays(page)
    assert {node: title for node, (title, _) in overlays.items()} == expected
    largest = max(values.values())
    for node, (_, hue) in overlays.items():
        assert hue == pytest.approx(expected_hue(values[node], largest), abs=1.5), (metric, node)


def test_the_heatmap_colours_the_nodes_by_duration_failure_rate_and_visits(
    live_asgi_url: str, chromium: Any, folded_orders: ProcessDefinition
) -> None:
    page = browser_page(chromium, live_asgi_url, user_with_role("vera", "viewers"))

    page.goto(f"{live_asgi_url}/monitoring/definitions/{folded_orders.pk}/")
    page.wait_for_selector("#diagram[data-ready=true]")
    assert page.locator(".bpm-heat").count() == 0  # off until the user picks a metric
    bottlenecks = page.locator(".djs-shape.bpm-bottleneck")
    expect(bottlenecks).to_have_count(1)
    assert bottlenecks.get_attribute("data-element-id") == "review"

    assert_heat(
        page, "mean_ms", {"review": "12.0 min", "reserveStock": "2.0 s", "chargePayment": "3.0 s"}, MEAN_MS
    )
    # The colour covers the node it describes (whose box includes its 5 px bottleneck outline).
    heat = page.locator('.bpm-heat[data-node="review"]')
    node = page.locator('.djs-shape[data-element-id="review"] .djs-visual > rect')
    # diagram-js hides every overlay while the canvas's viewbox changes (fitting the diagram to
    # the viewport) and shows them again after a short debounce: no box until then.
    expect(heat).to_be_visible()
    expect(node).to_be_visible()
    heat_box, node_box = heat.bounding_box(), node.bounding_box()
    assert heat_box is not None and node_box is not None
    for start, size in (("x", "width"), ("y", "height")):
        assert heat_box[start] + heat_box[size] / 2 == pytest.approx(node_box[start] + node_box[size] / 2)
        assert heat_box[size] == pytest.approx(node_box[size], abs=6)

    assert_heat(page, "failure_rate", {"chargePayment": "50.0 %", "reserveStock": "25.0 %"}, FAILURE_RATE)
    assert_heat(page, "visits", {node: f"{n} visits" for node, n in VISITS.items()}, VISITS)

    page.select_option("#heatmap", "")
    expect(page.locator(".bpm-heat")).to_have_count(0)
    expect(bottlenecks).to_have_count(1)  # the heatmap never takes the bottleneck outline away


def test_the_analytics_page_shows_the_chosen_definitions_nodes_and_charts(
    live_asgi_url: str, chromium: Any, folded_orders: ProcessDefinition
) -> None:
    hello_definition()  # first in the list ("hello" < "order"): shown until the user chooses
    page = browser_page(chromium, live_asgi_url, user_with_role("vera", "viewers"))

    page.goto(f"{live_asgi_url}/monitoring/analytics/")
    expect(page.locator("table tbody")).to_have_text("No visits folded yet.")
    with page.expect_navigation():
        page.select_option('select[name="definition"]', str(folded_orders.pk))

    rows = {
        cells[0]: cells[1:]
        for cells in (row.locator("td").all_inner_texts() for row in page.locator("table tbody tr").all())
    }
    # Durations are formatted in the browser (p50 / p95 are the histogram buckets' middles).
    assert rows["review bottleneck"] == ["6", "12.0 min", "9.5 min", "19.1 min", "0", "0 %"]
    assert rows["reserveStock"] == ["4", "2.0 s", "1.9 s", "3.2 s", "1", "25 %"]
    assert rows["chargePayment"] == ["4", "3.0 s", "1.9 s", "3.8 s", "2", "50 %"]
    assert rows["decision"] == ["5", "0 ms", "0 ms", "0 ms", "0", "0 %"]
    assert len(rows) == len(VISITS)

    bars = page.evaluate(
        """() => [...document.querySelectorAll('#throughput-chart rect')].map((rect) => ({
            kind: rect.getAttribute('class'), x: +rect.getAttribute('x'), width: +rect.getAttribute('width'),
            height: +rect.getAttribute('height'), title: rect.textContent}))"""
    )
    assert len(bars) == 2 * 7 * 24  # started and completed, every hour of the week
    drawn = [bar for bar in bars if bar["height"] > 0]
    assert [(bar["kind"], bar["title"].rsplit(": ", 1)[1]) for bar in drawn] == [
        ("started", "6 started"),
        ("completed", "2 completed"),
    ]
    started, completed = drawn
    assert completed["x"] == pytest.approx(started["x"] + started["width"])  # side by side: one hour
    assert completed["height"] == pytest.approx(started["height"] * 2 / 6)
    dots = page.locator("#cycle-chart circle")
    expect(dots).to_have_count(1)  # the one hour in which orders completed: (604 s + 300 s) / 2
    assert dots.text_content().rsplit(": ", 1)[1] == "7.5 min"
