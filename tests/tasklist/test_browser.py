"""The tasklist in a real browser: log in, claim from the group queue, fix a wrong value, complete."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings

from engine.services import claim_user_task
from engine.store.models import UserTask
from tests.monitoring import browser as browsers
from tests.tasklist.processes import PASSWORD, instance_of, person, start_leave

pytestmark = pytest.mark.django_db(transaction=True)

# Debian's chromium through Playwright (tests/monitoring/browser.py), under the name used here.
chromium = browsers.chromium


@pytest.fixture
def page(chromium: Browser, live_server: Any, settings: Settings) -> Iterator[Page]:
    settings.BPM_TASKLIST_POLL_MS = 300  # live updates show up quickly enough for a test
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def log_in(page: Page, username: str) -> None:
    page.goto("/tasks/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/tasks/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/tasks/$"))


def test_a_clerk_claims_a_task_fixes_a_wrong_value_and_completes_it(page: Page) -> None:
    person("ada", "clerks")
    task = start_leave("L-100", variables={"requester": "zoe"})
    log_in(page, "ada")

    page.select_option("select[name=scope]", "claimable")
    page.click("text=Apply")
    row = page.locator("tr", has_text="L-100")
    expect(row).to_contain_text("Approve leave")
    row.get_by_role("button", name="Claim").click()

    expect(page.locator(".messages")).to_contain_text("You claimed “Approve leave”")
    expect(page.locator("#task-assignee")).to_have_text("you")
    expect(page.locator(".task-facts")).to_contain_text("L-100")
    page.fill("#field-days", "45")
    page.select_option("#field-kind", "holiday")
    page.check("#field-approved")
    page.click("#complete")

    expect(page.locator("#error-days")).to_have_text("Days must be at most 30")
    expect(page).to_have_url(re.compile(rf"/tasks/{task.pk}/$"))  # nothing was sent
    assert UserTask.objects.get(pk=task.pk).status == "open"

    page.fill("#field-days", "5")
    expect(page.locator("#error-days")).to_have_text("")
    page.click("#complete")

    expect(page.locator(".messages")).to_contain_text("Completed “Approve leave”")
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    instance = instance_of(task)
    assert instance.status == "completed"
    assert instance.variables == {
        "requester": "zoe",
        "days": 5,
        "kind": "holiday",
        "approved": True,
        "note": None,
        "booked": 5,
    }


def test_the_inbox_shows_new_tasks_and_drops_tasks_someone_else_claims_without_a_reload(page: Page) -> None:
    person("ada", "clerks")
    bob = person("bob", "clerks")
    log_in(page, "ada")
    expect(page.locator("#inbox")).to_contain_text("No tasks for you right now")

    task = start_leave("L-200")
    expect(page.locator("#inbox")).to_contain_text("L-200")
    expect(page.locator("#inbox-notice")).to_contain_text("new tasks arrived")

    claim_user_task(task_id=task.pk, user=bob)
    expect(page.locator("#inbox")).not_to_contain_text("L-200")


def test_the_task_page_says_when_someone_else_claims_the_task(page: Page) -> None:
    person("ada", "clerks")
    bob = person("bob", "clerks")
    task = start_leave("L-300")
    log_in(page, "ada")
    page.goto(f"/tasks/{task.pk}/")
    expect(page.locator("#claim")).to_be_visible()

    claim_user_task(task_id=task.pk, user=bob)

    expect(page.locator("#task-notice")).to_contain_text("no longer open")
    expect(page.locator("#claim")).to_be_disabled()
