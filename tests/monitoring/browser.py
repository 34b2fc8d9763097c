"""A live ASGI server (daphne, in a forked process, free port) and headless Chromium for page tests."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from daphne.testing import DaphneProcess
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connection, connections
from rest_framework.authtoken.models import Token

from tests.monitoring.live import session_cookie


def _application() -> Any:
    from bpmportal.asgi import application

    return ASGIStaticFilesHandler(application)


def _use_test_database(name: str) -> None:
    settings.DATABASES["default"]["NAME"] = name


@pytest.fixture
def live_asgi_url() -> Iterator[str]:
    """The portal served by daphne on a free port, on this test's (transactional) database."""
    # The server is a fork: it must not inherit (and share) this process's open connections.
    connections.close_all()
    server = DaphneProcess(
        "127.0.0.1", _application, setup=partial(_use_test_database, connection.settings_dict["NAME"])
    )
    server.start()
    if not server.ready.wait(timeout=30):
        server.terminate()
        raise RuntimeError("daphne did not start")
    try:
        yield f"http://127.0.0.1:{server.port.value}"
    finally:
        server.terminate()
        server.join(timeout=10)
        if server.is_alive():
            server.kill()
            server.join(timeout=10)


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Debian's Chromium through Playwright (never a downloaded browser).

    Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    still plain synchronous code, so Django's async-safety check is switched off for it.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("needs Debian's chromium on PATH")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, the test's ORM calls get connections of their own
            # context; close them here, or the test database cannot be dropped afterwards.
            connections.close_all()


def browser_page(browser: Any, base_url: str, user: User) -> Any:
    """A new page of `browser`, logged in to `base_url` as `user`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie(user), "url": base_url}]
    )
    return context.new_page()


def api_token() -> str:
    """The REST API token of a new superuser (allowed every call)."""
    admin = User.objects.create_superuser("api-admin", password="pw")
    return Token.objects.create(user=admin).key


def api_post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 (an http:// URL of our own test server)
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())
