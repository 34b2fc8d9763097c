"""The portal's home page and login."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from engine.services import deploy, start_instance

pytestmark = pytest.mark.django_db

USER_TASK_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="urn:test">
  <process id="expense_approval" name="Expense approval" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <userTask id="approve" name="Approve"/>
    <sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
    <endEvent id="end"/>
  </process>
</definitions>
"""


def test_it_sends_anonymous_visitors_to_the_login_page(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_it_shows_the_login_form(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_it_shows_the_processes_to_a_logged_in_user(client: Client) -> None:
    User.objects.create_user("ada", password="a long throwaway password")
    client.login(username="ada", password="a long throwaway password")

    response = client.get("/")

    assert response.status_code == 200
    assert b"Deployed definitions" in response.content
    assert b"Operator console" not in response.content  # only staff see the admin link


def test_it_lists_deployed_definitions_and_their_instances(client: Client) -> None:
    deploy(USER_TASK_PROCESS)
    start_instance(key="expense_approval", business_key="claim-4711")
    client.force_login(User.objects.create_superuser("root", password="a long throwaway password"))

    page = client.get("/").content.decode()

    assert "expense_approval" in page
    assert "Expense approval" in page
    assert "claim-4711" in page
    assert "Running" in page
    assert "Operator console" in page


def test_it_refuses_to_be_framed_by_other_sites(client: Client) -> None:
    assert client.get("/accounts/login/")["X-Frame-Options"] == "DENY"
