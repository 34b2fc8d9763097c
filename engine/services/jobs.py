"""Service task jobs: applying their results, and the in-process executor behind `bpm run`.

Delivery is at-least-once: a worker may report the same job twice (it crashed after
reporting, a network retry...). Reporting a job that is already completed, failed or
cancelled is therefore a no-op that returns the instance unchanged; the one exception is a
success reported for a job that already failed, which raises InvalidState, because its token
now belongs to an incident.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from django.db import IntegrityError
from django.db.models import F

from engine.handlers.base import FieldValue, HandlerError, JobContext, ThrowBpmnError
from engine.handlers.registry import get_handler, unavailable_reason
from engine.runtime import CommandRejected, CompleteTask, FailTask, ThrowError
from engine.runtime.commands import Command
from engine.services.errors import InvalidState, InvalidVariables, NotFound
from engine.services.variables import check_variables
from engine.store import clock
from engine.store.errors import Conflict
from engine.store.execution import DEFINITION_BULK, apply_command, run_atomically
from engine.store.joined import JoinedRead
from engine.store.models import OPEN_JOB_STATUSES, Job, JobStatus, ProcessInstance
from engine.store.updates import update_where

logger = logging.getLogger(__name__)

#: A job with its instance and the instance's definition (without DEFINITION_BULK), in one read.
JOB_WITH_INSTANCE = JoinedRead(Job, ("instance", ()), ("definition", DEFINITION_BULK))
#: How long a job claimed by run_pending_jobs stays locked to this process. Generous: the
#: handler enforces its own time limit, and the lock only matters to the durable worker.
LOCAL_LOCK = timedelta(hours=1)


def complete_job(*, job_id: int, variables: Any = None) -> ProcessInstance:
    """Apply a job's result: set `variables` (a JSON object) and move its token on."""
    variables = check_variables(variables, what="job result variables")
    return _report(job_id, lambda job: CompleteTask(job.token_id, variables), JobStatus.COMPLETED)


def fail_job(*, job_id: int, error: str, details: str = "") -> ProcessInstance:
    """The job failed: an incident is raised on its token (an operator can retry it)."""
    return _report(job_id, lambda job: FailTask(job.token_id, error, details), JobStatus.FAILED, error=error)


def run_pending_jobs(*, instance_id: int | None = None, limit: int | None = None) -> int:
    """Run due pending jobs (of one instance, or all) in creation order, here and now; return how many ran.

    This is the in-process executor of `bpm run`: a failure is an incident at once, without
    the retries and backoff of the durable worker (engine.worker), so a local run ends quickly.

    Jobs created by the jobs it runs are run too, until none is left or `limit` is reached.
    Each job is claimed (pending -> running, committed on its own), its handler runs OUTSIDE
    any transaction, and the result is applied by complete_job / fail_job. A HandlerError
    becomes an incident with its message and details, any other exception an incident with
    the traceback. Call it outside transaction.atomic(), or the claim is not committed first.
    """
    count = 0
    while limit is None or count < limit:
        job = _claim_next(instance_id)
        if job is None:
            break
        _run(job)
        count += 1
    return count


def throw_job_error(*, job_id: int, code: str, message: str = "") -> ProcessInstance:
    """The job's handler raised a BPMN error: the kernel looks for a boundary event to catch it.

    The job is completed (it did its work: the answer was a business error); repeated
    deliveries are ignored like those of complete_job.
    """
    return _report(
        job_id,
        lambda job: ThrowError(job.token_id, code, message),
        JobStatus.COMPLETED,
        error=f"BPMN error {code}" + (f": {message}" if message else ""),
    )


def _report(
    job_id: int, command_for: Callable[[Job], Command], outcome: JobStatus, *, error: str = ""
) -> ProcessInstance:
    """Apply `command_for(job)` and close the job as `outcome`, once, whatever the deliveries."""

    def report() -> ProcessInstance:
        # The job and its instance in one read (the instance without a lock: optimistic).
        job = JOB_WITH_INSTANCE.get(job_id)
        if job is None:
            raise NotFound(f"job {job_id} does not exist")
        if job.status not in OPEN_JOB_STATUSES:
            return _already_closed(job, outcome)
        try:
            instance = apply_command(job.instance, command_for(job))
        except CommandRejected as rejection:
            job.refresh_from_db()
            if job.status not in OPEN_JOB_STATUSES:
                return _already_closed(job, outcome)
            raise InvalidState(f"job {job_id} at '{job.node_id}' cannot be reported: {rejection}") from None
        # After the instance CAS, so this transaction owns the instance (execution rule 2). A
        # job cancelled now was cancelled by this very command (a BPMN error interrupting its
        # own task): any other command that cancels it would have made ours rejected.
        closed = update_where(
            Job,
            {
                "status": outcome.value,
                "completed_at": clock.now(),
                "last_error": error,
                "lock_owner": "",
                "lock_expires_at": None,
            },
            {"id": job.pk, "status": (*OPEN_JOB_STATUSES, JobStatus.CANCELLED)},
        )
        if not closed:
            raise Conflict(f"job {job_id} changed while its result was being applied")
        return instance

    return run_atomically(report)


def _already_closed(job: Job, outcome: JobStatus) -> ProcessInstance:
    if job.status == JobStatus.FAILED and outcome == JobStatus.COMPLETED:
        raise InvalidState(
            f"job {job.pk} at '{job.node_id}' already failed and raised an incident; its result is ignored"
        )
    logger.info("job %s is already %s; ignoring the %s report", job.pk, job.status, outcome)
    return ProcessInstance.objects.get(pk=job.instance_id)


def _claim_next(instance_id: int | None) -> Job | None:
    owner = f"local:{os.getpid()}"
    while True:
        now = clock.now()
        due = Job.objects.filter(status=JobStatus.PENDING, due_at__lte=now)
        if instance_id is not None:
            due = due.filter(instance_id=instance_id)
        # An exclusive job waits while its instance runs one (the database allows one at a time).
        job = due.without_busy_exclusive().order_by("pk").first()
        if job is None:
            return None
        try:
            claimed = Job.objects.filter(pk=job.pk, status=JobStatus.PENDING).update(
                status=JobStatus.RUNNING,
                attempts=F("attempts") + 1,
                lock_owner=owner,
                lock_expires_at=now + LOCAL_LOCK,
            )
        except IntegrityError:
            continue  # a worker started another job of its instance just now; look again
        if claimed:
            job.refresh_from_db()
            return job
        # Another process claimed it first; look for the next one.


@dataclass(frozen=True, slots=True)
class HandlerSucceeded:
    variables: dict[str, Any]


@dataclass(frozen=True, slots=True)
class HandlerFailed:
    error: str
    details: str = ""
    #: False when trying again cannot help (no handler of this type is installed).
    retryable: bool = True


@dataclass(frozen=True, slots=True)
class HandlerThrewError:
    """The handler raised a BPMN error (ThrowBpmnError): the process decides, no retry."""

    code: str
    message: str


HandlerOutcome = HandlerSucceeded | HandlerFailed | HandlerThrewError


def invoke_handler(job: Job) -> HandlerOutcome:
    """Run the job's handler here and now, OUTSIDE any transaction; never raises for handler bugs.

    A HandlerError keeps its message and details, an invalid result is a failure naming the
    handler, and any other exception a failure with the traceback.
    """
    handler = get_handler(job.handler_type)
    if handler is None:
        return HandlerFailed(unavailable_reason(job.handler_type), retryable=False)
    context = JobContext(
        instance_id=job.instance_id,
        job_id=job.pk,
        node_id=job.node_id,
        idempotency_key=str(job.idempotency_key),
        fields=_handler_fields(job.fields),
        variables=_StoredVariables(job.instance_id),
    )
    try:
        result = check_variables(
            handler.execute(context), what=f"the result of the '{job.handler_type}' handler"
        )
    except ThrowBpmnError as error:
        return HandlerThrewError(error.code, error.message)
    except HandlerError as error:
        return HandlerFailed(error.message, error.details)
    except InvalidVariables as error:
        return HandlerFailed(str(error))
    except Exception as error:  # any bug in a handler becomes a failure, never a crashed worker
        return HandlerFailed(f"{type(error).__name__}: {error}", traceback.format_exc())
    return HandlerSucceeded(result)


def _run(job: Job) -> None:
    match invoke_handler(job):
        case HandlerSucceeded(variables=variables):
            complete_job(job_id=job.pk, variables=variables)
        case HandlerFailed(error=error, details=details):
            fail_job(job_id=job.pk, error=error, details=details)
        case HandlerThrewError(code=code, message=message):
            throw_job_error(job_id=job.pk, code=code, message=message)


class _StoredVariables(Mapping[str, Any]):
    """The instance's variables, read-only, read from the database when a handler first looks.

    Many handlers never do (a no-op, an HTTP call with fixed fields): they are spared the query.
    """

    def __init__(self, instance_id: int):
        self._instance_id = instance_id
        self._variables: dict[str, Any] | None = None

    def _loaded(self) -> dict[str, Any]:
        if self._variables is None:
            self._variables = ProcessInstance.objects.values_list("variables", flat=True).get(
                pk=self._instance_id
            )
        return self._variables

    def __getitem__(self, name: str) -> Any:
        return self._loaded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        return f"StoredVariables({self._loaded()!r})"


def _handler_fields(stored: Mapping[str, Any]) -> Mapping[str, FieldValue]:
    return MappingProxyType(
        {name: value if isinstance(value, str) else tuple(value) for name, value in stored.items()}
    )
