"""Compensation through the store and services: the Saga example, the event log, retried handlers."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.runtime.events import EventType
from engine.services import complete_job, deploy, retry_incident, run_pending_jobs, start_instance
from engine.services.local_run import run_local
from engine.store.models import Event, Incident, Job, JobStatus
from engine.store.verify import verify_instance
from tests.cli.bpm import EXAMPLES, bpm, run_json
from tests.compensation.models import chain
from tests.services.models import document

pytestmark = pytest.mark.django_db

SAGA = EXAMPLES / "saga-booking.bpmn"
SAGA_FAILED = [
    "start",
    "bookTripStart",
    "bookFlight",
    "bookHotel",
    "noCar",
    "cancelHotel",
    "cancelFlight",
    "cancelBookings",
    "bookingFailed",
]


def compensation_log(instance_id: int) -> list[tuple[str, str]]:
    rows = Event.objects.filter(
        instance_id=instance_id,
        type__in=[EventType.COMPENSATION_STARTED.value, EventType.COMPENSATION_COMPLETED.value],
    ).order_by("seq")
    return [(kind.removeprefix("compensation_"), node) for kind, node in rows.values_list("type", "node_id")]


def test_the_saga_cancels_the_hotel_then_the_flight_when_no_car_is_available() -> None:
    report = run_local(definition=deploy(SAGA.read_bytes()))

    assert report.status == "completed"
    assert report.completed_nodes == SAGA_FAILED
    assert report.variables["cancelHotelResult"] == "cancelled HOTEL-T-1"
    assert compensation_log(report.instance_id) == [
        ("started", "cancelHotel"),
        ("completed", "cancelHotel"),
        ("started", "cancelFlight"),
        ("completed", "cancelFlight"),
    ]
    # The handlers ran as jobs of the normal worker path, each exactly once.
    jobs = Job.objects.filter(instance_id=report.instance_id, node_id__in=["cancelHotel", "cancelFlight"])
    assert sorted(jobs.values_list("node_id", "status")) == [
        ("cancelFlight", JobStatus.COMPLETED),
        ("cancelHotel", JobStatus.COMPLETED),
    ]
    assert verify_instance(report.instance_id) == []


def test_the_saga_books_the_trip_and_undoes_nothing_when_a_car_is_available() -> None:
    report = run_local(definition=deploy(SAGA.read_bytes()), variables={"carsAvailable": 2})

    assert report.completed_nodes[-3:] == ["bookTripEnd", "bookTrip", "tripBooked"]
    assert compensation_log(report.instance_id) == []


def test_bpm_run_json_lists_the_handlers_in_the_order_they_ran(tmp_path: Path) -> None:
    code, report, _ = run_json(str(SAGA), data_dir=tmp_path)

    assert code == 0
    assert report["completed_nodes"] == SAGA_FAILED


def test_bpm_run_shows_which_activity_each_handler_compensates(tmp_path: Path) -> None:
    result = bpm("run", str(SAGA), data_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "ompensat" in line or "Cancel " in line]
    assert lines == [
        "↺ compensating Book hotel (serviceTask bookHotel): Cancel hotel (serviceTask cancelHotel)",
        "✓ Cancel hotel (serviceTask cancelHotel)",
        "↺ compensating Book flight (serviceTask bookFlight): Cancel flight (serviceTask cancelFlight)",
        "✓ Cancel flight (serviceTask cancelFlight)",
        "✓ Cancel bookings (intermediateThrowEvent cancelBookings)",
    ]


def flaky_handlers_process() -> str:
    """Two bookings; cancelling the hotel fails until the file `marker` exists."""

    def task(task_id: str, argv: str, *, handler: bool = False) -> str:
        marker = ' isForCompensation="true"' if handler else ""
        return (
            f'<serviceTask id="{task_id}" bpm:type="cli"{marker}><extensionElements>'
            f'<bpm:field name="argv">{argv}</bpm:field></extensionElements></serviceTask>\n'
        )

    echo = "<bpm:item>echo</bpm:item><bpm:item>ok</bpm:item>"
    body = '<startEvent id="s"/>\n'
    for booking, undo in (
        ("flight", echo),
        ("hotel", "<bpm:item>test</bpm:item><bpm:item>-e</bpm:item><bpm:item>${marker}</bpm:item>"),
    ):
        body += (
            task(booking, echo)
            + task(f"cancel_{booking}", undo, handler=True)
            + f'<boundaryEvent id="{booking}_compensation" attachedToRef="{booking}">'
            "<compensateEventDefinition/></boundaryEvent>\n"
            f'<association id="{booking}_undo" sourceRef="{booking}_compensation" '
            f'targetRef="cancel_{booking}"/>\n'
        )
    body += (
        '<intermediateThrowEvent id="undo"><compensateEventDefinition/></intermediateThrowEvent>'
        '<endEvent id="e"/>\n' + chain("s", "flight", "hotel", "undo", "e")
    )
    return document("flaky", body)


def test_a_failing_handler_is_an_incident_then_runs_once_more_when_retried(tmp_path: Path) -> None:
    marker = tmp_path / "hotel-api-is-back"
    instance = start_instance(definition=deploy(flaky_handlers_process()), variables={"marker": str(marker)})

    run_pending_jobs(instance_id=instance.pk)
    incident = Incident.objects.get(instance=instance, resolved_at__isnull=True)
    assert incident.node_id == "cancel_hotel"
    assert compensation_log(instance.pk) == [("started", "cancel_hotel")]  # the flight waits its turn
    assert not Job.objects.filter(instance=instance, node_id="cancel_flight").exists()

    marker.touch()
    retry_incident(incident_id=incident.pk)
    run_pending_jobs(instance_id=instance.pk)

    instance.refresh_from_db()
    assert instance.status == "completed"
    assert compensation_log(instance.pk) == [
        ("started", "cancel_hotel"),
        ("completed", "cancel_hotel"),
        ("started", "cancel_flight"),
        ("completed", "cancel_flight"),
    ]
    # A late, repeated report of the finished handler job changes nothing: still exactly once.
    done = Job.objects.filter(instance=instance, node_id="cancel_hotel", status=JobStatus.COMPLETED).get()
    events = Event.objects.filter(instance=instance).count()
    complete_job(job_id=done.pk)
    assert Event.objects.filter(instance=instance).count() == events
    assert verify_instance(instance.pk) == []
