"""The engine's tables: definitions, instances, their event log and the projections of it.

The Event table is the record of truth (append-only, hash-chained); `ProcessInstance.state`
is the kernel snapshot it folds into, and Token, JoinFiring, Job, UserTask and Incident are
projections kept in step with it by engine.store.execution, always in the same transaction.
Nothing outside engine.store / engine.services writes these rows.
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models, router
from django.utils import timezone

from engine.runtime.events import EventType

# BPMN ids are XML NCNames without a length limit; 255 covers every modeler we know of.
ID_LENGTH = 255
HASH_LENGTH = 64


class ProcessDefinition(models.Model):
    """One deployed version of one executable process. Immutable once deployed."""

    key = models.CharField(max_length=ID_LENGTH, help_text="The BPMN process id.")
    version = models.PositiveIntegerField(help_text="1, 2, 3 ... per key, in order of deployment.")
    name = models.CharField(max_length=ID_LENGTH, blank=True)
    bpmn_xml = models.TextField()
    graph = models.JSONField(help_text="The parsed ProcessGraph (ProcessGraph.to_json()).")
    checksum = models.CharField(
        max_length=HASH_LENGTH, db_index=True, help_text="sha256 of the XML bytes and the process id."
    )
    deployed_at = models.DateTimeField(default=timezone.now)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suspended = models.BooleanField(default=False, help_text="Suspended definitions start no new instances.")

    class Meta:
        ordering = ("key", "-version")
        constraints = (
            models.UniqueConstraint(fields=("key", "version"), name="definition_key_version_unique"),
        )

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class InstanceStatus(models.TextChoices):
    RUNNING = "running"
    COMPLETED = "completed"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"


class ProcessInstance(models.Model):
    """One run of a definition. `version` is the compare-and-set guard of every change."""

    # No index of its own: instance_definition_status (leftmost column) serves lookups by definition.
    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, db_index=False, related_name="instances"
    )
    # NULL, not "", for "no business key": a later per-definition uniqueness must ignore it.
    business_key = models.CharField(max_length=ID_LENGTH, null=True, blank=True, db_index=True)  # noqa: DJ001
    status = models.CharField(max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING)
    variables = models.JSONField(default=dict)
    state = models.JSONField(help_text="The kernel snapshot (InstanceState.to_json()).")
    version = models.PositiveIntegerField(default=0)
    last_seq = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=HASH_LENGTH, blank=True, default="")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = (models.Index(fields=("definition", "status"), name="instance_definition_status"),)

    def __str__(self) -> str:
        return f"instance {self.pk} of {self.definition_id}"


class TokenStatus(models.TextChoices):
    ACTIVE = "active"
    WAITING = "waiting"
    JOINED = "joined"
    IN_SCOPE = "in_scope"
    FAILED = "failed"
    #: Left its node normally (or was consumed by a join).
    COMPLETED = "completed"
    #: Withdrawn without completing (terminate end event, cancel).
    TERMINATED = "terminated"


#: Statuses of tokens that are still in the instance state.
LIVE_TOKEN_STATUSES = frozenset(
    {TokenStatus.ACTIVE, TokenStatus.WAITING, TokenStatus.JOINED, TokenStatus.IN_SCOPE, TokenStatus.FAILED}
)


class Token(models.Model):
    """One visit of one node. Rows are appended and their status moves forward; never deleted."""

    # No index of its own: the leftmost column of token_instance_token_unique serves every lookup by instance.
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, db_index=False, related_name="tokens"
    )
    token_id = models.PositiveIntegerField(help_text="The kernel's token id, unique within the instance.")
    node_id = models.CharField(max_length=ID_LENGTH)
    scope = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=TokenStatus.choices)
    previous_token_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="The token this one came from (for a join: the first one consumed)."
    )
    # NULL: arrived without a sequence flow (a start event, or leaving a join), as in the kernel.
    flow_id = models.CharField(max_length=ID_LENGTH, null=True, blank=True)  # noqa: DJ001
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("instance", "token_id"), name="token_instance_token_unique"),
        )
        indexes = (
            models.Index(fields=("instance", "status"), name="token_instance_status"),
            # No index by node: every query reads tokens through their instance (migration 0014).
        )

    def __str__(self) -> str:
        return f"token {self.token_id} at {self.node_id} ({self.status})"


class AppendOnlyError(Exception):
    """Events are never changed or deleted once written."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("events are append-only: they cannot be updated")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("events are append-only: they cannot be deleted")


class Event(models.Model):
    """The append-only log of an instance: seq 1, 2, 3 ... without gaps, each hash chained to the last.

    `hash` = sha256(prev_hash + canonical JSON of seq, type, node_id, token_id, payload and
    created_at), see engine.store.hashing; editing any row breaks the chain from there on.
    """

    # No index of its own: the leftmost column of event_instance_seq_unique serves every lookup by instance.
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.PROTECT, db_index=False, related_name="events"
    )
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=32, choices=[(t.value, t.value) for t in EventType])
    # NULL, as in the kernel's event, for instance-level events; it is part of the hash.
    node_id = models.CharField(max_length=ID_LENGTH, null=True, blank=True)  # noqa: DJ001
    token_id = models.PositiveIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=HASH_LENGTH, blank=True)
    hash = models.CharField(max_length=HASH_LENGTH)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ("instance", "seq")
        constraints = (models.UniqueConstraint(fields=("instance", "seq"), name="event_instance_seq_unique"),)

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"event {self.seq} of instance {self.instance_id} cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError(f"event {self.seq} of instance {self.instance_id} cannot be deleted")


class JoinFiring(models.Model):
    """One firing of a join; the unique constraint makes a second firing impossible, even racing."""

    # No index of its own: the leftmost column of join_firing_unique serves every lookup by instance.
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, db_index=False, related_name="join_firings"
    )
    scope = models.PositiveIntegerField()
    gateway_id = models.CharField(max_length=ID_LENGTH)
    generation = models.PositiveIntegerField()
    token_id = models.PositiveIntegerField(help_text="The token that left the join.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("instance", "scope", "gateway_id", "generation"), name="join_firing_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.gateway_id} fired (scope {self.scope}, generation {self.generation})"


class JobKind(models.TextChoices):
    SERVICE_TASK = "service_task"


class JobStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: A job in one of these states can still complete or fail its token.
OPEN_JOB_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)


class JobQuerySet(models.QuerySet["Job"]):
    def without_busy_exclusive(self) -> JobQuerySet:
        """Without the exclusive jobs whose instance runs an exclusive job (they must wait for it)."""
        busy = Job.objects.filter(status=JobStatus.RUNNING, exclusive=True).values("instance_id")
        return self.exclude(exclusive=True, instance_id__in=busy)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Job]:
        """Create the jobs and hand the runnable ones to the job queue: in this transaction
        when the queue is a table of this database (django-q2's ORM broker), else once the
        transaction commits.

        engine.store.effects writes every new job through here, so no job is left for the
        scheduler pass to find a second later (see engine.worker.dispatch).
        """
        from engine.worker import dispatch

        jobs = list(objs)
        # bulk_create sets the ids on these same objects.
        runnable = [job for job in jobs if job.status == JobStatus.PENDING]
        # The database the INSERT goes to (`self.db` would name the one reads go to).
        using = self._db or router.db_for_write(self.model)
        if dispatch.messages_in_transaction(using):
            dispatch.mark_sent_with_their_messages(runnable, timezone.now())
            created = super().bulk_create(jobs, *args, **kwargs)
            dispatch.send_in_transaction(runnable)
            return created
        created = super().bulk_create(jobs, *args, **kwargs)
        dispatch.dispatch_after_commit([job.pk for job in runnable if job.pk])
        return created


class Job(models.Model):
    """The outbox: work created in the same transaction as the state change that needs it."""

    # No index of its own: the leftmost column of job_instance_token serves every lookup by instance.
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, db_index=False, related_name="jobs"
    )
    token_id = models.PositiveIntegerField()
    node_id = models.CharField(max_length=ID_LENGTH)
    kind = models.CharField(max_length=32, choices=JobKind.choices, default=JobKind.SERVICE_TASK)
    handler_type = models.CharField(max_length=64)
    fields = models.JSONField(default=dict, help_text="Handler fields: strings, or lists of strings.")
    retry = models.CharField(max_length=64, blank=True, help_text="ISO-8601 retry cycle such as R3/PT10S.")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=1)
    due_at = models.DateTimeField(default=timezone.now)
    lock_owner = models.CharField(max_length=ID_LENGTH, blank=True)
    lock_expires_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it was last handed to the job queue (django-q2); empty: not yet.",
    )
    exclusive = models.BooleanField(
        default=True,
        help_text="Runs while no other exclusive job of its instance runs (BPM_JOBS_EXCLUSIVE when created).",
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        indexes = (
            models.Index(fields=("status", "due_at"), name="job_status_due"),
            models.Index(fields=("instance", "token_id"), name="job_instance_token"),
        )
        constraints = (
            # Exclusive jobs of one instance run one at a time, enforced by the database: of two
            # workers claiming two such jobs at once, the second claim fails here (engine.worker.claim).
            models.UniqueConstraint(
                fields=("instance",),
                condition=models.Q(status="running", exclusive=True),
                name="job_one_exclusive_running_per_instance",
            ),
        )

    def __str__(self) -> str:
        return f"job {self.pk} {self.handler_type} at {self.node_id} ({self.status})"


class UserTaskStatus(models.TextChoices):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class UserTask(models.Model):
    # No index of its own: the leftmost column of user_task_instance_token serves every lookup by instance.
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, db_index=False, related_name="user_tasks"
    )
    token_id = models.PositiveIntegerField()
    node_id = models.CharField(max_length=ID_LENGTH)
    name = models.CharField(max_length=ID_LENGTH)
    assignee = models.CharField(max_length=ID_LENGTH, blank=True, db_index=True)
    candidate_groups = models.JSONField(default=list)
    candidate_users = models.JSONField(default=list)
    due_date = models.CharField(max_length=ID_LENGTH, blank=True)
    form_key = models.CharField(max_length=ID_LENGTH, blank=True)
    form_fields = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=UserTaskStatus.choices, default=UserTaskStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = (
            models.Index(fields=("status", "assignee"), name="user_task_status_assignee"),
            models.Index(fields=("instance", "token_id"), name="user_task_instance_token"),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class CandidateKind(models.TextChoices):
    USER = "user"
    GROUP = "group"


class UserTaskCandidate(models.Model):
    """One candidate user or group of a user task, one row each so inboxes can query them.

    The same names are on the task as JSON lists (what the model said, for display); JSON
    containment cannot be queried on SQLite, so the tasklist and the API look here.
    """

    task = models.ForeignKey(UserTask, on_delete=models.CASCADE, related_name="candidates")
    kind = models.CharField(max_length=8, choices=CandidateKind.choices)
    name = models.CharField(max_length=ID_LENGTH)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("task", "kind", "name"), name="user_task_candidate_unique"),
        )
        indexes = (models.Index(fields=("kind", "name"), name="user_task_candidate_name"),)

    def __str__(self) -> str:
        return f"{self.kind} {self.name} for task {self.task_id}"


class Incident(models.Model):
    """A token stopped by an error; open while `resolved_at` is empty."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="incidents")
    incident_id = models.PositiveIntegerField(help_text="The kernel's incident id within the instance.")
    token_id = models.PositiveIntegerField()
    node_id = models.CharField(max_length=ID_LENGTH)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents")
    error = models.TextField()
    details = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("instance", "incident_id"), name="incident_instance_incident_unique"
            ),
        )
        indexes = (models.Index(fields=("resolved_at", "created_at"), name="incident_open"),)

    def __str__(self) -> str:
        return f"incident {self.incident_id} at {self.node_id}: {self.error[:60]}"


class TimerStatus(models.TextChoices):
    ARMED = "armed"
    FIRED = "fired"
    CANCELLED = "cancelled"


class Timer(models.Model):
    """A timer a token waits for (kernel subscription), due at `due_at`.

    Firing is a compare-and-set on (`status`, `fired_count`) in the same transaction as the
    kernel's FireTimer command, so a timer never fires twice, and only once `due_at` has passed,
    so never early. A cycle stays armed with its next due date until exhausted or cancelled.
    """

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="timers")
    subscription_id = models.PositiveIntegerField(help_text="The kernel's subscription id in the instance.")
    node_id = models.CharField(max_length=ID_LENGTH)
    definition = models.CharField(max_length=200, help_text="timeDate / timeDuration / timeCycle text.")
    kind = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=TimerStatus.choices, default=TimerStatus.ARMED)
    due_at = models.DateTimeField(null=True, blank=True)
    fired_count = models.PositiveIntegerField(default=0)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("instance", "subscription_id"), name="timer_instance_subscription_unique"
            ),
        )
        indexes = (models.Index(fields=("status", "due_at"), name="timer_due"),)

    def __str__(self) -> str:
        return f"timer {self.node_id} ({self.definition}) {self.status}, due {self.due_at}"


class MessageSubscription(models.Model):
    """A token waiting for a message: found by name and correlation key when one arrives.

    Deleted when the kernel closes the subscription (the history stays in the event log).
    """

    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="message_subscriptions"
    )
    subscription_id = models.PositiveIntegerField(help_text="The kernel's subscription id in the instance.")
    node_id = models.CharField(max_length=ID_LENGTH)
    name = models.CharField(max_length=ID_LENGTH)
    # NULL means "any key", which an empty string (a key like any other) cannot say.
    correlation_key = models.CharField(max_length=ID_LENGTH, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("instance", "subscription_id"), name="message_subscription_unique"
            ),
        )
        indexes = (models.Index(fields=("name", "correlation_key"), name="message_subscription_lookup"),)

    def __str__(self) -> str:
        return f"waiting for {self.name} ({self.correlation_key or 'any key'}) at {self.node_id}"


class Message(models.Model):
    """A published message: buffered until a subscription takes it or it expires.

    Messages correlated with a `message_id` are recorded even when delivered at once, so the
    same id sent again is recognised as a duplicate and changes nothing.
    """

    name = models.CharField(max_length=ID_LENGTH)
    # NULL: the message carries no key (only subscriptions without a key take it).
    correlation_key = models.CharField(max_length=ID_LENGTH, null=True, blank=True)  # noqa: DJ001
    variables = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=ID_LENGTH, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)
    consumed_by = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages_received"
    )

    class Meta:
        indexes = (models.Index(fields=("name", "consumed_at", "expires_at"), name="message_buffer"),)

    def __str__(self) -> str:
        state = "consumed" if self.consumed_at else f"buffered until {self.expires_at}"
        return f"message {self.name} ({self.correlation_key or 'no key'}), {state}"


class SignalSubscription(models.Model):
    """A token waiting for a signal; every broadcast of that name reaches it."""

    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="signal_subscriptions"
    )
    subscription_id = models.PositiveIntegerField(help_text="The kernel's subscription id in the instance.")
    node_id = models.CharField(max_length=ID_LENGTH)
    name = models.CharField(max_length=ID_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("instance", "subscription_id"), name="signal_subscription_unique"
            ),
        )
        indexes = (models.Index(fields=("name", "created_at"), name="signal_subscription_lookup"),)

    def __str__(self) -> str:
        return f"waiting for signal {self.name} at {self.node_id}"


class Signal(models.Model):
    """A broadcast signal (the outbox): written with the command that threw it, delivered after.

    It reaches the subscriptions that existed when it was thrown, each in its own transaction;
    `delivered_at` is set once all were handed it. SignalDelivery rows make redelivery after a
    crash skip the receivers that already have it.
    """

    name = models.CharField(max_length=ID_LENGTH)
    variables = models.JSONField(default=dict, blank=True)
    thrown_by = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals_thrown"
    )
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=("delivered_at", "created_at"), name="signal_outbox"),)

    def __str__(self) -> str:
        return f"signal {self.name} ({'delivered' if self.delivered_at else 'pending'})"


class SignalDelivery(models.Model):
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="deliveries")
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="signals_received")
    subscription_id = models.PositiveIntegerField()
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("signal", "instance", "subscription_id"), name="signal_delivered_once"
            ),
        )

    def __str__(self) -> str:
        return f"signal {self.signal_id} delivered to instance {self.instance_id}"


class StartTimer(models.Model):
    """A timer start event of the latest version of a process: each firing starts an instance.

    Armed when the version is deployed and cancelled when a newer version replaces it. Firing
    is a compare-and-set on (`status`, `fired_count`) in the transaction that starts the
    instance, as for Timer: never early, never twice.
    """

    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="start_timers")
    node_id = models.CharField(max_length=ID_LENGTH)
    kind = models.CharField(max_length=10)
    spec = models.CharField(max_length=200, help_text="timeDate / timeDuration / timeCycle text.")
    status = models.CharField(max_length=10, choices=TimerStatus.choices, default=TimerStatus.ARMED)
    due_at = models.DateTimeField(null=True, blank=True)
    fired_count = models.PositiveIntegerField(default=0)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("definition", "node_id"), name="start_timer_unique"),)
        indexes = (models.Index(fields=("status", "due_at"), name="start_timer_due"),)

    def __str__(self) -> str:
        return f"start timer {self.node_id} ({self.spec}) {self.status}, due {self.due_at}"


class StartSubscription(models.Model):
    """A message or signal start event of the latest version of a process.

    Deploying a newer version of the process deletes the older version's rows, so only the
    latest version is started by a message or a signal.
    """

    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.CASCADE, related_name="start_subscriptions"
    )
    node_id = models.CharField(max_length=ID_LENGTH)
    trigger = models.CharField(max_length=10, help_text="message or signal")
    name = models.CharField(max_length=ID_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("definition", "node_id"), name="start_subscription_unique"),
        )
        indexes = (models.Index(fields=("trigger", "name"), name="start_subscription_lookup"),)

    def __str__(self) -> str:
        return f"{self.trigger} {self.name} starts {self.definition_id} at {self.node_id}"


class SignalStart(models.Model):
    """An instance a broadcast signal started: at most one per (signal, definition), even after a crash."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="starts")
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="+")
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("signal", "definition"), name="signal_start_once"),)

    def __str__(self) -> str:
        return f"signal {self.signal_id} started instance {self.instance_id}"


class OutboxMessage(models.Model):
    """A message a process sent (the outbox): written with the command that sent it.

    Correlated after commit like any message (a waiting token, a message start event, or the
    buffer), in one transaction with setting `sent_at`, so it is never lost and never sent twice.
    """

    name = models.CharField(max_length=ID_LENGTH)
    # NULL: the message carries no key.
    correlation_key = models.CharField(max_length=ID_LENGTH, null=True, blank=True)  # noqa: DJ001
    variables = models.JSONField(default=dict, blank=True)
    sent_by = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages_sent"
    )
    node_id = models.CharField(max_length=ID_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    #: delivered, started or buffered (see engine.services.messages.Correlation).
    outcome = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = (models.Index(fields=("sent_at", "created_at"), name="message_outbox"),)

    def __str__(self) -> str:
        return f"message {self.name} from {self.node_id} ({self.outcome or 'pending'})"


class BusinessKeyClaim(models.Model):
    """A business key taken by an instance started with `unique_business_key` (per process key).

    The unique constraint is what makes such a start idempotent even when two requests race:
    the loser's transaction fails on it and, run again, finds the winner's instance.
    """

    process_key = models.CharField(max_length=ID_LENGTH)
    business_key = models.CharField(max_length=ID_LENGTH)
    instance = models.OneToOneField(ProcessInstance, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("process_key", "business_key"), name="business_key_claim_unique"),
        )

    def __str__(self) -> str:
        return f"{self.process_key}/{self.business_key} -> instance {self.instance_id}"


class WorkerHeartbeat(models.Model):
    """One row per `bpm worker` process, touched on every scheduler pass (the health endpoint reads it)."""

    owner = models.CharField(max_length=ID_LENGTH, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"worker {self.owner}, last seen {self.last_seen_at}"
