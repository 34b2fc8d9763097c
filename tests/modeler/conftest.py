"""A real headless Chromium (Debian's, never a downloaded one) logged in to a live portal.

The browser is Debian's `chromium` package, found on PATH and driven by Playwright with an
explicit executable path; `playwright install` is never needed. Set BPM_SCREENSHOT_DIR to a
folder to have the tests save the screenshots used in docs/modeler.md.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from engine.roles import MODELERS

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="module")
def browser(django_db_setup: Any) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "the modeler tests need Debian's chromium on PATH (apt-get install chromium)"
    # Playwright's sync API keeps an event loop in this thread while it runs, and Django then
    # refuses ORM calls, although they really are synchronous here: allow them while the
    # browser is open (the test database exists before, see django_db_setup).
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            # --no-sandbox: CI may run as root in a container, where Chromium's sandbox cannot start.
            launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            yield launched
            launched.close()
    finally:
        if previous is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def modeler_user(transactional_db: Any) -> User:
    user = User.objects.create_user("mia", password="secret-password")
    # Groups made by migrations are gone after the first live-server test flushed the
    # database, so make sure the role's group exists.
    user.groups.add(Group.objects.get_or_create(name=MODELERS)[0])
    return user


def logged_in_page(browser: Browser, live_server: Any, user: User) -> Page:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1400, "height": 860}, accept_downloads=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def page(browser: Browser, live_server: Any, modeler_user: User) -> Iterator[Page]:
    page = logged_in_page(browser, live_server, modeler_user)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: _keep_errors(message, errors))
    yield page
    page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _keep_errors(message: ConsoleMessage, errors: list[str]) -> None:
    url = message.location.get("url", "")
    # The portal has no favicon, and a refused save or deploy answers 400 with the problems
    # the page then shows: the browser logs both, neither is an error of the page.
    expected = url.endswith("/favicon.ico") or (
        "status of 400" in message.text and url.endswith(("/modeler/save/", "/modeler/deploy/"))
    )
    if message.type == "error" and not expected:
        errors.append(f"{message.text} ({url})")


@pytest.fixture
def screenshot() -> Any:
    """screenshot(page, name): saves docs/img/modeler-<name>.png when BPM_SCREENSHOT_DIR is set."""
    folder = os.environ.get("BPM_SCREENSHOT_DIR")

    def take(page: Page, name: str) -> None:
        if folder:
            page.screenshot(path=str(Path(folder) / f"modeler-{name}.png"))

    return take
