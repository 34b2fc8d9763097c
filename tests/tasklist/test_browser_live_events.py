"""With a monitoring role, the inbox also listens to the live event socket: a new task shows at once.

Served by daphne (ASGI, WebSockets) instead of the WSGI live server; the poll interval is set
far beyond the test's patience, so only the socket can bring the new row in time.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.fixtures import Settings

from tests.monitoring import browser as asgi
from tests.tasklist.processes import PASSWORD, person, start_leave

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

live_asgi_url = asgi.live_asgi_url
chromium = asgi.chromium


@pytest.fixture
def slow_polling(settings: Settings) -> None:
    # Applied before daphne forks (fixture order below), so the served pages carry it.
    settings.BPM_TASKLIST_POLL_MS = 120_000


def test_a_viewer_sees_a_new_task_in_the_inbox_without_waiting_for_the_poll(
    slow_polling: None, live_asgi_url: str, chromium: Browser
) -> None:
    person("vic", "clerks", "viewers")
    context = chromium.new_context(base_url=live_asgi_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/?next=/tasks/")
    page.fill("#id_username", "vic")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    expect(page.locator("#inbox")).to_contain_text("No tasks for you right now")
    page.wait_for_timeout(1000)  # the socket connects and subscribes

    start_leave("L-LIVE")

    expect(page.locator("#inbox")).to_contain_text("L-LIVE", timeout=10_000)
    context.close()
