"""The properties panel in a real browser: service task handlers and compensation controls.

Each test edits through the panel only, saves or deploys through the toolbar, then checks what
the engine reads from the saved XML, what a deployed instance does, and what the panel shows
when the draft is opened again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from engine.bpmn import parse_bpmn
from engine.services.local_run import run_local
from engine.store.models import ProcessDefinition
from modeler.models import Draft
from tests.handlers.http_server import serving
from tests.modeler.test_modeler_browser import (
    append_and_replace,
    context_pad,
    open_new_diagram,
    select_shape,
    set_property,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GREET = "tests.handlers.python_functions:greet"


def prop(page: Page, name: str) -> Locator:
    return page.locator(f"#properties [data-prop='{name}']")


def add_service_task(page: Page, task_id: str, handler: str, fields: dict[str, str]) -> None:
    """Append a service task to the selected element, choose its handler, fill its fields."""
    append_and_replace(page, "append.append-task", "replace-with-service-task", task_id)
    prop(page, "bpm:type").select_option(handler)
    for name, value in fields.items():
        set_property(page, f"field:{name}", value)


def save(page: Page) -> None:
    page.locator("#save").click()
    expect(page.locator("#status")).to_have_text("Draft saved; ready to deploy")


def test_it_configures_cli_http_and_python_handlers_that_deploy_and_run(
    page: Page, live_server: Any, settings: Any
) -> None:
    settings.BPM_PYTHON_HANDLERS = [GREET]
    with serving() as server:
        open_new_diagram(page, live_server)
        select_shape(page, "start")
        cli = {"argv": "echo\nHello ${name}", "timeout": "PT20S", "stdoutVariable": "echoed"}
        add_service_task(page, "echoName", "cli", cli)
        http = {
            "url": server.url("/echo?customer=${name}"),
            "method": "POST",
            "headers": "X-Customer: ${name}\nX-Trace: panel",
            "body": "${order}",
            "statusVariable": "status",
            "bodyVariable": "reply",
            "successCodes": "2xx",
        }
        add_service_task(page, "submitOrder", "http", http)
        add_service_task(page, "greet", "python", {"function": GREET})
        set_property(page, "bpm:retry", "R2/PT1S")
        context_pad(page, "append.end-event")
        page.keyboard.press("Escape")
        set_property(page, "id", "done")
        save(page)

        # What the engine reads: argv and headers one item per line, the rest single values.
        graph = parse_bpmn(Draft.objects.get().xml)
        services = {task: graph.node(task).service for task in ("echoName", "submitOrder", "greet")}
        assert {task: (s.type, dict(s.fields)) for task, s in services.items() if s} == {
            "echoName": ("cli", {**cli, "argv": ("echo", "Hello ${name}")}),
            "submitOrder": ("http", {**http, "headers": ("X-Customer: ${name}", "X-Trace: panel")}),
            "greet": ("python", {"function": GREET}),
        }
        assert services["greet"] is not None and services["greet"].retry == "R2/PT1S"

        page.locator("#deploy").click()
        expect(page.locator("#status")).to_have_text(re.compile(r"^Deployed Process_\w+ version 1$"))
        report = run_local(
            definition=ProcessDefinition.objects.get(), variables={"name": "Ann", "order": {"sku": "A-1"}}
        )
        assert report.status == "completed", report.incidents
        assert report.completed_nodes[-1] == "done"
        assert report.variables["echoed"] == "Hello Ann"
        assert report.variables["status"] == 201
        assert report.variables["reply"]["body"] == '{"sku": "A-1"}'
        assert report.variables["greeting"] == "Hello, Ann!"
        [request] = server.received
        assert (request.method, request.path) == ("POST", "/echo?customer=Ann")
        assert (request.headers["X-Customer"], request.headers["X-Trace"]) == ("Ann", "panel")

    # Opened again, the panel shows each handler with the values typed in.
    page.reload()
    for task, handler, fields in (("echoName", "cli", cli), ("submitOrder", "http", http)):
        select_shape(page, task)
        expect(prop(page, "bpm:type")).to_have_value(handler)
        for name, value in fields.items():
            expect(prop(page, f"field:{name}")).to_have_value(value)
    select_shape(page, "greet")
    expect(prop(page, "bpm:type")).to_have_value("python")
    expect(prop(page, "field:function")).to_have_value(GREET)
    expect(prop(page, "bpm:retry")).to_have_value("R2/PT1S")


def test_it_marks_handler_field_problems_on_their_tasks_and_clears_those_fixed_in_the_panel(
    page: Page, live_server: Any, settings: Any
) -> None:
    settings.BPM_PYTHON_HANDLERS = []
    open_new_diagram(page, live_server)
    select_shape(page, "start")
    add_service_task(page, "export", "cli", {"argv": "true", "timeout": "soon", "parseJson": "true"})
    add_service_task(page, "notify", "python", {"function": GREET})

    page.locator("#deploy").click()
    expect(page.locator("#status")).to_contain_text("Deploy refused")
    export_note = page.locator(".bpm-problem-note[data-element-id='export']")
    expect(export_note).to_contain_text("field 'timeout': 'soon' is not a duration")
    expect(export_note).to_contain_text("field 'parseJson' needs 'stdoutVariable'")
    expect(page.locator(".bpm-problem-note[data-element-id='notify']")).to_contain_text(
        "is not allowed: add 'tests.handlers.python_functions.greet'"
    )
    assert not ProcessDefinition.objects.exists()

    select_shape(page, "export")
    set_property(page, "field:timeout", "PT5S")
    set_property(page, "field:parseJson", "")  # emptied: the field is removed
    select_shape(page, "notify")
    prop(page, "bpm:type").select_option("noop")  # python's field stays, named in a hint
    expect(page.locator("#properties p.hint")).to_have_text("Other fields kept as written: function")
    page.locator("#deploy").click()
    expect(page.locator("#status")).to_contain_text("Deploy refused: 1 problem")
    expect(page.locator(".djs-element.bpm-problem")).to_have_count(1)
    expect(page.locator(".bpm-problem-note[data-element-id='notify']")).to_contain_text(
        "unknown field 'function'"
    )
    export = parse_bpmn(Draft.objects.get().xml).node("export").service
    assert export is not None and dict(export.fields) == {"argv": ("true",), "timeout": "PT5S"}


def saga_without_hotel_handler() -> str:
    """The Saga example whose 'Cancel hotel' is not marked as a compensation handler yet."""
    xml = (EXAMPLES / "saga-booking.bpmn").read_text()
    marked = 'id="cancelHotel" name="Cancel hotel" isForCompensation="true"'
    assert marked in xml
    return xml.replace(marked, 'id="cancelHotel" name="Cancel hotel"')


def test_it_sets_compensation_handlers_and_throw_events_in_the_panel(page: Page, live_server: Any) -> None:
    draft = Draft.objects.create(name="Trip", process_key="sagaBooking", xml=saga_without_hotel_handler())
    page.goto(f"{live_server.url}/modeler/drafts/{draft.pk}/")

    select_shape(page, "cancelHotel")
    expect(prop(page, "isForCompensation")).not_to_be_checked()
    prop(page, "isForCompensation").check()
    select_shape(page, "cancelBookings")
    expect(prop(page, "waitForCompletion")).to_be_checked()
    set_property(page, "activityRef", "nowhere")  # refused in the panel, nothing changes
    expect(page.locator("#properties .hint").last).to_have_text("There is no element nowhere.")
    set_property(page, "activityRef", "bookHotel")  # exists, but inside the subprocess
    prop(page, "waitForCompletion").uncheck()
    page.locator("#save").click()
    expect(page.locator("#status")).to_have_text("Draft saved; 1 problem to fix before it can deploy")
    expect(page.locator(".bpm-problem-note[data-element-id='cancelBookings']")).to_contain_text(
        "activityRef 'bookHotel' must name an activity in the same scope as this event"
    )

    select_shape(page, "cancelBookings")
    set_property(page, "activityRef", "bookTrip")
    save(page)
    saved = Draft.objects.get().xml
    assert 'waitForCompletion="false"' in saved
    graph = parse_bpmn(saved)
    assert graph.node("cancelHotel").for_compensation
    throw = graph.node("cancelBookings")
    assert (throw.activity_ref, throw.wait_for_completion) == ("bookTrip", False)

    # Deployed, the hotel is now cancelled too when no car can be booked.
    page.locator("#deploy").click()
    expect(page.locator("#status")).to_have_text("Deployed sagaBooking version 1")
    report = run_local(definition=ProcessDefinition.objects.get(), variables={"tripId": "T-7"})
    assert report.status == "completed", report.incidents
    # Not waiting for the handlers: the token reaches the end before they run.
    completed = report.completed_nodes
    assert completed.index("bookingFailed") < completed.index("cancelHotel") < completed.index("cancelFlight")
    assert report.variables["cancelHotelResult"] == "cancelled HOTEL-T-7"
    assert report.variables["cancelFlightResult"] == "cancelled FLIGHT-T-7"

    # Opened again, the panel shows the choices; undoing them writes the defaults back.
    page.reload()
    select_shape(page, "cancelBookings")
    expect(prop(page, "activityRef")).to_have_value("bookTrip")
    expect(prop(page, "waitForCompletion")).not_to_be_checked()
    prop(page, "waitForCompletion").check()
    set_property(page, "activityRef", "")
    save(page)
    saved = Draft.objects.get().xml
    assert "waitForCompletion" not in saved and "activityRef" not in saved
    throw = parse_bpmn(saved).node("cancelBookings")
    assert (throw.activity_ref, throw.wait_for_completion) == (None, True)

    select_shape(page, "cancelHotel")
    expect(prop(page, "isForCompensation")).to_be_checked()
    prop(page, "isForCompensation").uncheck()
    page.locator("#save").click()
    expect(page.locator("#status")).to_contain_text("to fix before it can deploy")
    # No longer a handler: bpmn-js also removes its association, and both ends are reported.
    expect(page.locator("#problems li")).to_have_count(2)
    expect(page.locator(".bpm-problem-note[data-element-id='bookHotelCompensation']")).to_contain_text(
        "needs exactly one association to its compensation handler; it has none"
    )
    expect(page.locator(".bpm-problem-note[data-element-id='cancelHotel']")).to_contain_text(
        "not reachable from the start event"
    )
    saved = Draft.objects.get().xml
    cancel_hotel = re.search(r"<bpmn:serviceTask [^>]*id=\"cancelHotel\"[^>]*>", saved)
    assert cancel_hotel and "isForCompensation" not in cancel_hotel.group()
    assert 'id="bookHotelUndo"' not in saved and 'id="bookFlightUndo"' in saved
