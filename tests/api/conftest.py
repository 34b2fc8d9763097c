"""Users in each role and API clients that authenticate as them (with their API tokens)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from engine.roles import MODELERS, OPERATORS, VIEWERS
from tests.worker.test_worker_process import start_worker  # noqa: F401 - a fixture, for test_health_worker

ClientFor = Callable[..., APIClient]


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(username: str, *roles: str, groups: tuple[str, ...] = (), superuser: bool = False) -> User:
        user = User.objects.create_user(username, password="pw-" + username, is_superuser=superuser)
        for name in (*roles, *groups):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        return user

    return make


@pytest.fixture
def client_for(db: None) -> ClientFor:
    """An APIClient sending `Authorization: Token <key>` for `user` (None: anonymous)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def viewer(make_user: Callable[..., User], client_for: ClientFor) -> APIClient:
    return client_for(make_user("vera", VIEWERS))


@pytest.fixture
def operator(make_user: Callable[..., User], client_for: ClientFor) -> APIClient:
    return client_for(make_user("otto", OPERATORS))


@pytest.fixture
def modeler(make_user: Callable[..., User], client_for: ClientFor) -> APIClient:
    return client_for(make_user("mona", MODELERS))


@pytest.fixture
def nobody(make_user: Callable[..., User], client_for: ClientFor) -> APIClient:
    """Logged in, but in no role group."""
    return client_for(make_user("nina"))
