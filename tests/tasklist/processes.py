"""Processes and people for tasklist tests: a leave request that the "clerks" group handles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User

from engine.services import deploy, start_instance
from engine.store.models import ProcessInstance, UserTask
from tests.services.models import document, flow

PASSWORD = "a long throwaway password"


def leave_process(*, assignment: str = 'bpm:candidateGroups="clerks"') -> str:
    """start -> approve (a form: days 1..30 required, kind, note) -> book (script) -> end."""
    return document(
        "leave",
        '<startEvent id="start"/>\n'
        f'<userTask id="approve" name="Approve leave" {assignment}>\n'
        "<extensionElements>"
        '<bpm:formField id="days" label="Days" type="long" required="true">'
        '<bpm:constraint name="min" config="1"/><bpm:constraint name="max" config="30"/>'
        "</bpm:formField>"
        '<bpm:formField id="kind" label="Kind" type="enum">'
        '<bpm:value id="holiday" name="Holiday"/><bpm:value id="sick" name="Sick leave"/>'
        "</bpm:formField>"
        '<bpm:formField id="approved" label="Approved" type="boolean"/>'
        '<bpm:formField id="note" label="Note" type="string">'
        '<bpm:constraint name="maxlength" config="20"/>'
        "</bpm:formField>"
        "</extensionElements>\n"
        "</userTask>\n"
        '<scriptTask id="book"><script>booked = days</script></scriptTask>\n'
        '<endEvent id="end"/>\n'
        + flow("f1", "start", "approve")
        + flow("f2", "approve", "book")
        + flow("f3", "book", "end"),
        name="Leave request",
    )


def person(username: str, *groups: str, superuser: bool = False) -> User:
    make = User.objects.create_superuser if superuser else User.objects.create_user
    user = make(username, password=PASSWORD)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def start_leave(
    business_key: str = "", *, variables: dict[str, Any] | None = None, **process: str
) -> UserTask:
    definition = deploy(leave_process(**process))
    instance = start_instance(
        definition=definition, variables=variables or {}, business_key=business_key or None
    )
    return UserTask.objects.get(instance=instance)


def instance_of(task: UserTask) -> ProcessInstance:
    return ProcessInstance.objects.get(pk=task.instance_id)
