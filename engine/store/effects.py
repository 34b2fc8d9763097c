"""Turn the kernel's effects into rows: jobs to run, user tasks to do, incidents to look at.

Runs inside the command's transaction, after the instance CAS (see engine.store.execution).
Effects are applied in the kernel's order, because a later one may void work an earlier one
created in the same command (a parallel branch reaches a terminate end event right after
another branch scheduled a job: the job is written, already cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Model

from engine.bpmn.graph import FormField, Node, ProcessGraph, UserTaskDefinition
from engine.runtime import (
    BroadcastSignal,
    CancelSubscription,
    CancelWork,
    Effect,
    OpenUserTask,
    PublishMessage,
    RaiseIncident,
    ScheduleJob,
    ScheduleTimer,
    SubscribeMessage,
    SubscribeSignal,
)
from engine.store.assignments import assign
from engine.store.models import (
    OPEN_JOB_STATUSES,
    CandidateKind,
    Incident,
    Job,
    JobStatus,
    MessageSubscription,
    ProcessInstance,
    SignalSubscription,
    Timer,
    TimerStatus,
    UserTask,
    UserTaskCandidate,
    UserTaskStatus,
)
from engine.store.retry import parse_retry_policy
from engine.timers import parse_timer


def apply_effects(
    instance: ProcessInstance, graph: ProcessGraph, effects: Iterable[Effect], now: datetime
) -> None:
    jobs: list[Job] = []
    tasks: list[UserTask] = []
    incidents: list[Incident] = []
    timers: list[Timer] = []
    subscriptions: list[MessageSubscription] = []
    signal_subscriptions: list[SignalSubscription] = []
    for effect in effects:
        match effect:
            case ScheduleTimer(subscription=subscription, node=node_id):
                timers.append(_timer(instance, subscription, graph.node(node_id), now))
            case SubscribeMessage(subscription=subscription, node=node_id, name=name, key=key):
                subscriptions.append(
                    MessageSubscription(
                        instance=instance,
                        subscription_id=subscription,
                        node_id=node_id,
                        name=name,
                        correlation_key=key,
                        created_at=now,
                    )
                )
            case SubscribeSignal(subscription=subscription, node=node_id, name=name):
                signal_subscriptions.append(
                    SignalSubscription(
                        instance=instance,
                        subscription_id=subscription,
                        node_id=node_id,
                        name=name,
                        created_at=now,
                    )
                )
            case BroadcastSignal(name=name):
                from engine.store.signals import throw_signal

                throw_signal(name, instance)
            case PublishMessage():
                from engine.store.outbox import record_message

                record_message(effect, instance)
            case CancelSubscription(subscription=subscription):
                _cancel_timer(instance, subscription, timers)
                subscriptions = [s for s in subscriptions if s.subscription_id != subscription]
                signal_subscriptions = [s for s in signal_subscriptions if s.subscription_id != subscription]
                MessageSubscription.objects.filter(instance=instance, subscription_id=subscription).delete()
                SignalSubscription.objects.filter(instance=instance, subscription_id=subscription).delete()
            case ScheduleJob(token=token, node=node_id):
                jobs.append(_job(instance, token, graph.node(node_id), now))
            case OpenUserTask(token=token, node=node_id):
                tasks.append(_user_task(instance, token, graph.node(node_id), now))
            case CancelWork(token=token):
                _cancel_work(instance, token, jobs, tasks, now)
            case RaiseIncident():
                incidents.append(_incident(instance, effect, now))
    _create(Job, jobs)
    _create(UserTask, tasks)
    _create(UserTaskCandidate, _candidates(tasks))  # after the tasks: it needs their ids
    _create(Incident, incidents)
    _create(Timer, timers)
    _create(MessageSubscription, subscriptions)
    _create(SignalSubscription, signal_subscriptions)


def _create(model: type[Model], objects: list[Any]) -> None:
    # Most commands have no effects at all, and an empty bulk_create still builds a queryset
    # and checks the model's fields: about 2 % of a straight-through start.
    if objects:
        model.objects.bulk_create(objects)


def resolve_incidents(instance: ProcessInstance, incident_ids: list[int], now: datetime) -> None:
    if incident_ids:
        Incident.objects.filter(instance=instance, incident_id__in=incident_ids, resolved_at=None).update(
            resolved_at=now
        )


def _job(instance: ProcessInstance, token: int, node: Node, now: datetime) -> Job:
    if node.service is None:
        raise ValueError(f"service task '{node.id}' has no handler type; the parser should have refused it")
    service = node.service
    return Job(
        instance=instance,
        token_id=token,
        node_id=node.id,
        handler_type=service.type,
        fields={
            name: value if isinstance(value, str) else list(value) for name, value in service.fields.items()
        },
        retry=service.retry or "",
        max_attempts=parse_retry_policy(service.retry).max_attempts,
        due_at=now,
        created_at=now,
        exclusive=settings.BPM_JOBS_EXCLUSIVE,
    )


def _user_task(instance: ProcessInstance, token: int, node: Node, now: datetime) -> UserTask:
    definition = node.user_task or UserTaskDefinition()
    # The instance row already holds the variables this command set (engine.store.execution).
    assignment = assign(
        definition, instance.variables, now, where=f"instance {instance.pk}, user task '{node.id}'"
    )
    return UserTask(
        instance=instance,
        token_id=token,
        node_id=node.id,
        name=node.name or node.id,
        assignee=assignment.assignee,
        candidate_groups=assignment.candidate_groups,
        candidate_users=assignment.candidate_users,
        due_date=assignment.due_date,
        form_key=definition.form_key or "",
        form_fields=[form_field_json(field) for field in definition.form_fields],
        created_at=now,
    )


def _candidates(tasks: list[UserTask]) -> list[UserTaskCandidate]:
    """The query side of each open task's candidate lists (bulk_create has set the task ids)."""
    return [
        UserTaskCandidate(task=task, kind=kind, name=name)
        for task in tasks
        if task.status == UserTaskStatus.OPEN
        for kind, names in (
            (CandidateKind.USER, task.candidate_users),
            (CandidateKind.GROUP, task.candidate_groups),
        )
        for name in names
    ]


def form_field_json(field: FormField) -> dict[str, Any]:
    return {
        "id": field.id,
        "label": field.label,
        "type": field.type,
        "required": field.required,
        "default": field.default,
        "values": [{"id": value_id, "name": name} for value_id, name in field.values],
        "constraints": [{"name": name, "config": config} for name, config in field.constraints],
    }


def _cancel_work(
    instance: ProcessInstance, token: int, new_jobs: list[Job], new_tasks: list[UserTask], now: datetime
) -> None:
    for job in new_jobs:
        if job.token_id == token and job.status in OPEN_JOB_STATUSES:
            job.status, job.completed_at = JobStatus.CANCELLED, now
    for task in new_tasks:
        if task.token_id == token and task.status == UserTaskStatus.OPEN:
            task.status, task.completed_at = UserTaskStatus.CANCELLED, now
    Job.objects.filter(instance=instance, token_id=token, status__in=OPEN_JOB_STATUSES).update(
        status=JobStatus.CANCELLED, completed_at=now
    )
    UserTask.objects.filter(instance=instance, token_id=token, status=UserTaskStatus.OPEN).update(
        status=UserTaskStatus.CANCELLED, completed_at=now
    )
    # A failed token that is withdrawn takes its incident with it.
    Incident.objects.filter(instance=instance, token_id=token, resolved_at=None).update(resolved_at=now)


def _timer(instance: ProcessInstance, subscription: int, node: Node, now: datetime) -> Timer:
    if node.timer is None:
        raise ValueError(f"timer event '{node.id}' has no timer definition; the parser refuses that")
    kind, text = node.timer
    return Timer(
        instance=instance,
        subscription_id=subscription,
        node_id=node.id,
        kind=kind,
        definition=text,
        due_at=parse_timer(kind, text).first_due(now),
        created_at=now,
    )


def _cancel_timer(instance: ProcessInstance, subscription: int, new_timers: list[Timer]) -> None:
    for timer in new_timers:
        if timer.subscription_id == subscription:
            timer.status = TimerStatus.CANCELLED
    Timer.objects.filter(instance=instance, subscription_id=subscription, status=TimerStatus.ARMED).update(
        status=TimerStatus.CANCELLED
    )


def _incident(instance: ProcessInstance, effect: RaiseIncident, now: datetime) -> Incident:
    """The incident, linked to the token's latest job (the one that failed) if it has one."""
    job = Job.objects.filter(instance=instance, token_id=effect.token).order_by("-pk").first()
    return Incident(
        instance=instance,
        incident_id=effect.incident,
        token_id=effect.token,
        node_id=effect.node,
        job=job,
        error=effect.error,
        details=effect.details,
        created_at=now,
    )
