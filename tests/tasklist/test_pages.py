"""The tasklist pages: login everywhere, 404 for other people's tasks, server-side form checks."""

from __future__ import annotations

import pytest
from django.test import Client

from engine.store.models import UserTask
from tests.tasklist.processes import instance_of, person, start_leave

pytestmark = pytest.mark.django_db


def logged_in(client: Client, username: str, *groups: str) -> Client:
    client.force_login(person(username, *groups))
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tasks/"),
        ("get", "/tasks/inbox.json"),
        ("get", "/tasks/{id}/"),
        ("post", "/tasks/{id}/claim"),
    ],
)
def test_it_sends_anonymous_visitors_to_the_login_page(client: Client, method: str, path: str) -> None:
    task = start_leave()

    response = getattr(client, method)(path.format(id=task.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    task.refresh_from_db()
    assert task.assignee == ""


def test_the_inbox_lists_the_group_queue_with_process_and_business_key(client: Client) -> None:
    start_leave("L-77")
    logged_in(client, "ada", "clerks")

    page = client.get("/tasks/").content.decode()

    assert "Approve leave" in page
    assert "L-77" in page
    assert "<code>leave</code>" in page
    assert ">Claim</button>" in page


def test_other_peoples_tasks_answer_404_everywhere(client: Client) -> None:
    task = start_leave()
    logged_in(client, "eve", "sales")

    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.get(f"/tasks/{task.pk}/state.json").status_code == 404
    assert client.post(f"/tasks/{task.pk}/claim").status_code == 404
    assert client.post(f"/tasks/{task.pk}/complete", {"days": "2"}).status_code == 404
    assert "Approve leave" not in client.get("/tasks/").content.decode()
    task.refresh_from_db()
    assert (task.status, task.assignee) == ("open", "")


def test_the_task_page_shows_the_form_with_the_constraints_the_server_checks(client: Client) -> None:
    task = start_leave("L-1", variables={"requester": "zoe"})
    logged_in(client, "ada", "clerks")
    client.post(f"/tasks/{task.pk}/claim")

    page = client.get(f"/tasks/{task.pk}/").content.decode()

    assert 'type="number" id="field-days" name="days" value="" required step="1" min="1" max="30"' in page
    assert '<option value="sick">Sick leave</option>' in page
    assert 'type="checkbox" id="field-approved" name="approved" value="true"' in page
    assert 'maxlength="20"' in page
    assert "zoe" in page  # the instance's variables


def test_the_server_refuses_an_invalid_submission_and_shows_the_error_next_to_the_field(
    client: Client,
) -> None:
    task = start_leave()
    logged_in(client, "ada", "clerks")
    client.post(f"/tasks/{task.pk}/claim")

    response = client.post(f"/tasks/{task.pk}/complete", {"days": "45", "kind": "holiday", "note": "x"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Days must be at most 30" in page
    assert 'name="days" value="45"' in page  # what the person typed is kept
    assert UserTask.objects.get(pk=task.pk).status == "open"


def test_a_valid_submission_completes_the_task_and_the_process_moves_on(client: Client) -> None:
    task = start_leave()
    logged_in(client, "ada", "clerks")
    client.post(f"/tasks/{task.pk}/claim")

    response = client.post(f"/tasks/{task.pk}/complete", {"days": "5", "kind": "sick"}, follow=True)

    assert "Completed “Approve leave”" in response.content.decode()
    instance = instance_of(task)
    assert instance.status == "completed"
    # The unchecked checkbox is an answer (false); the empty note is null.
    assert instance.variables == {"days": 5, "kind": "sick", "approved": False, "note": None, "booked": 5}


def test_the_form_is_closed_until_the_task_is_claimed(client: Client) -> None:
    task = start_leave()
    logged_in(client, "ada", "clerks")

    page = client.get(f"/tasks/{task.pk}/").content.decode()

    assert "<fieldset disabled>" in page
    assert "Claim this task to work on it." in page


def test_claiming_a_task_someone_else_took_says_who(client: Client) -> None:
    task = start_leave()
    bob = Client()
    logged_in(bob, "bob", "clerks")
    logged_in(client, "ada", "clerks")
    bob.post(f"/tasks/{task.pk}/claim")

    response = client.post(f"/tasks/{task.pk}/claim", follow=True)

    assert "is claimed by bob" in response.content.decode()
    assert UserTask.objects.get(pk=task.pk).assignee == "bob"


def test_the_inbox_json_changes_its_signature_when_a_task_arrives_or_is_taken(client: Client) -> None:
    first = start_leave("L-1")
    logged_in(client, "ada", "clerks")
    before = client.get("/tasks/inbox.json").json()

    start_leave("L-2")
    arrived = client.get("/tasks/inbox.json").json()
    bob = Client()
    logged_in(bob, "bob", "clerks")
    bob.post(f"/tasks/{first.pk}/claim")
    taken = client.get("/tasks/inbox.json").json()

    assert (before["count"], arrived["count"], taken["count"]) == (1, 2, 1)
    assert len({before["signature"], arrived["signature"], taken["signature"]}) == 3
    assert [task["business_key"] for task in taken["tasks"]] == ["L-2"]
    assert "L-2" in taken["rows_html"]


def test_giving_a_task_back_returns_it_to_the_group_queue(client: Client) -> None:
    task = start_leave()
    logged_in(client, "ada", "clerks")
    client.post(f"/tasks/{task.pk}/claim")

    response = client.post(f"/tasks/{task.pk}/unclaim", follow=True)

    assert "is back in its group" in response.content.decode()
    assert UserTask.objects.get(pk=task.pk).assignee == ""


def test_it_refuses_a_post_without_the_csrf_token() -> None:
    task = start_leave()
    strict = Client(enforce_csrf_checks=True)
    logged_in(strict, "ada", "clerks")

    assert strict.post(f"/tasks/{task.pk}/claim").status_code == 403
    assert UserTask.objects.get(pk=task.pk).assignee == ""


def test_only_users_with_a_monitoring_role_are_pointed_at_the_live_event_socket(client: Client) -> None:
    logged_in(client, "ada", "clerks")
    viewer = Client()
    logged_in(viewer, "vic", "clerks", "viewers")

    assert 'data-live-events="false"' in client.get("/tasks/").content.decode()
    assert 'data-live-events="true"' in viewer.get("/tasks/").content.decode()


def test_a_superuser_sees_who_holds_a_task_and_can_give_it_back_to_the_group(client: Client) -> None:
    task = start_leave()
    bob = Client()
    logged_in(bob, "bob", "clerks")
    bob.post(f"/tasks/{task.pk}/claim")
    client.force_login(person("root", superuser=True))

    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "bob is working on this task." in page
    client.post(f"/tasks/{task.pk}/unclaim")

    assert UserTask.objects.get(pk=task.pk).assignee == ""
