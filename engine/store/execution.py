"""Run one kernel command against a stored instance: atomically, with optimistic locking.

Locking rules (every writer of instance data follows them; read before changing anything):

1. A command runs in ONE transaction (`run_atomically`). It reads the instance row without a
   lock, runs the pure kernel on that snapshot, and its FIRST write is the compare-and-set
   `UPDATE instance SET state, variables, status, version = v+1, ... WHERE id = ? AND version = v`.
   0 rows updated means another transaction changed the instance after our read: `Conflict`,
   the whole transaction rolls back and the command is retried from the start (bounded, with
   a small jittered backoff). A conflict is never the caller's problem unless retries run out.
   The start of a new instance is the one command without a snapshot to compare against: its
   first write is the INSERT of the instance row, already in its state after the start
   (`commit_new_instance`); no other transaction can see that row before it commits.
2. That UPDATE (or INSERT) holds the instance row lock until commit, so everything else the command
   writes (events, tokens, join firings, jobs, user tasks, incidents) is written while this
   transaction owns the instance. Writers of one instance are thereby serialised, and since
   every writer locks the instance row before any of its other rows, they cannot deadlock.
   Services that change a task or job row as part of a command do so after `apply_command`.
   The one exception is claiming a job (pending -> running), a conditional UPDATE of the job
   row alone that never touches the instance.
3. Belt and braces: Event (instance, seq) and JoinFiring (instance, scope, gateway, generation)
   are unique, and Token status changes are compare-and-set on the status the command read.
   Anything that slips past rule 1 fails there, as an IntegrityError or Conflict, and is
   retried like any conflict: a join can never fire twice, an event seq never repeats.
4. On SQLite transactions begin IMMEDIATE (see settings): writers queue on the database lock
   and conflicts do not arise; the code is the same.

A `CommandRejected` from the kernel (e.g. completing a token that no longer waits) propagates
out of the transaction, which rolls back: nothing is written.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, OperationalError, connection, transaction

from engine.bpmn.graph import ProcessGraph
from engine.runtime import Command, EventType, InstanceState, Outcome, handle
from engine.runtime.events import Event as KernelEvent
from engine.store import clock
from engine.store.effects import apply_effects, resolve_incidents
from engine.store.errors import Conflict
from engine.store.graphs import graph_of
from engine.store.hashing import GENESIS_HASH, chained_hash, stored_and_canonical_json
from engine.store.joined import JoinedRead
from engine.store.messages import deliver_buffered, lock_message_names, subscribed_names
from engine.store.models import Event, InstanceStatus, JoinFiring, ProcessInstance
from engine.store.rows import EncodedJSON, insert_row, insert_rows
from engine.store.tokens import project_tokens
from engine.store.updates import update_where

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How often a command is tried before a conflict is reported to the caller.
MAX_ATTEMPTS = 20
#: Backoff before retry n is random in [0, min(BACKOFF_CAP, BACKOFF_BASE * 2**n)] seconds.
BACKOFF_BASE = 0.002
BACKOFF_CAP = 0.05


@dataclass(frozen=True, slots=True)
class LoadedInstance:
    row: ProcessInstance
    state: InstanceState
    graph: ProcessGraph


def run_atomically(work: Callable[[], T], *, attempts: int = MAX_ATTEMPTS) -> T:
    """Run `work` in transaction.atomic(), again from the start after each conflict.

    Conflicts are `Conflict`, `IntegrityError` (a uniqueness guard caught a racing write) and
    PostgreSQL serialization failures and deadlocks.
    `work` must do all its reads inside, so each attempt sees the latest committed data.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except (Conflict, IntegrityError, OperationalError) as error:
            if not _is_conflict(error):
                raise
            if attempt == attempts:
                raise Conflict(f"gave up after {attempts} conflicting attempts: {error}") from error
            logger.debug("conflict on attempt %d, retrying: %s", attempt, error)
            time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))  # noqa: S311
    raise AssertionError("unreachable")  # pragma: no cover


#: PostgreSQL's serialization_failure and deadlock_detected: the database chose this
#: transaction as the loser of a race; running it again is the documented remedy.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def _is_conflict(error: Exception) -> bool:
    if isinstance(error, OperationalError):
        return getattr(error.__cause__, "sqlstate", None) in _RETRYABLE_SQLSTATES
    return True


def execute(instance_id: int, command: Command) -> ProcessInstance:
    """Apply `command` to the instance in its own transaction, retrying on conflicts."""
    return run_atomically(lambda: apply_command(instance_id, command))


#: Columns of a definition that a command never needs (its graph comes from graph_of's cache).
DEFINITION_BULK = ("bpmn_xml", "graph")
#: An instance with its definition (without DEFINITION_BULK), in one prepared statement.
INSTANCE_WITH_DEFINITION = JoinedRead(ProcessInstance, ("definition", DEFINITION_BULK))


def apply_command(instance: int | ProcessInstance, command: Command) -> ProcessInstance:
    """Load, run the kernel, write everything. Call inside transaction.atomic() (see module doc).

    `instance` is the instance id, or its row when the caller has just read it in this
    transaction (with its definition, as load_instance does). Raises
    ProcessInstance.DoesNotExist, CommandRejected, or Conflict.
    """
    loaded = load_instance(instance) if isinstance(instance, int) else snapshot_of(instance)
    return commit_outcome(loaded, handle(loaded.graph, loaded.state, command))


def load_instance(instance_id: int) -> LoadedInstance:
    """The instance row and its kernel state, read without a lock (optimistic)."""
    row = INSTANCE_WITH_DEFINITION.get(instance_id)
    if row is None:
        raise ProcessInstance.DoesNotExist(f"instance {instance_id} does not exist")
    return snapshot_of(row)


def snapshot_of(row: ProcessInstance) -> LoadedInstance:
    """The kernel's view of an instance row just read (its definition loaded with it)."""
    return LoadedInstance(row, InstanceState.from_json(row.state), graph_of(row.definition))


def commit_outcome(
    loaded: LoadedInstance, outcome: Outcome, *, now: datetime | None = None
) -> ProcessInstance:
    """Write the kernel's outcome for the snapshot in `loaded`; raise Conflict if it is stale."""
    if not connection.in_atomic_block:
        raise RuntimeError("commit_outcome must run inside transaction.atomic()")
    now = now or clock.now()
    row = loaded.row
    events = _event_rows(row.last_seq, row.last_hash, outcome.events, now)
    changes = _instance_changes(row, outcome, events, now)
    # Message names before the instance row: the lock order of engine.store.messages.
    lock_message_names(subscribed_names(outcome.effects))
    # Rule 1: the compare-and-set comes first and locks the instance for the rest.
    if not update_where(ProcessInstance, changes, {"id": row.pk, "version": row.version}):
        raise Conflict(f"instance {row.pk} changed after version {row.version} was read")
    for name, value in changes.items():
        setattr(row, name, value)
    return _append_history(row, loaded, outcome, events, now)


def commit_new_instance(
    row: ProcessInstance,
    graph: ProcessGraph,
    outcome: Outcome,
    *,
    now: datetime | None = None,
) -> ProcessInstance:
    """Insert the unsaved instance `row` with the outcome of its first command, and that outcome's history.

    A started instance is written once, already in its state after the start, instead of
    being inserted empty and then updated: no other transaction can know it yet, so there is
    nothing to compare-and-set against.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("commit_new_instance must run inside transaction.atomic()")
    if row.pk is not None:
        raise ValueError("commit_new_instance needs an instance that is not saved yet")
    now = now or clock.now()
    fresh = InstanceState()
    events = _event_rows(0, "", outcome.events, now)
    row.started_at = now
    for name, value in _instance_changes(row, outcome, events, now).items():
        setattr(row, name, value)
    lock_message_names(subscribed_names(outcome.effects))
    row.pk = insert_row(ProcessInstance, INSTANCE_COLUMNS, [getattr(row, name) for name in INSTANCE_COLUMNS])
    row._state.adding = False
    row._state.db = connection.alias
    return _append_history(row, LoadedInstance(row, fresh, graph), outcome, events, now)


def _instance_changes(
    row: ProcessInstance, outcome: Outcome, events: list[tuple[Any, ...]], now: datetime
) -> dict[str, Any]:
    status = InstanceStatus(outcome.state.status.value)
    return {
        "state": outcome.state.to_json(),
        "variables": outcome.state.variables,
        "status": status,
        "version": row.version + 1,
        "last_seq": row.last_seq + len(events),
        "last_hash": events[-1][_ROW_HASH] if events else row.last_hash,
        "ended_at": row.ended_at or (None if status == InstanceStatus.RUNNING else now),
    }


def _append_history(
    row: ProcessInstance,
    loaded: LoadedInstance,
    outcome: Outcome,
    events: list[tuple[Any, ...]],
    now: datetime,
) -> ProcessInstance:
    """Everything a command writes after the instance row (rule 2: while it owns that row)."""
    insert_rows(Event, EVENT_COLUMNS, [(row.pk, *event) for event in events])
    project_tokens(row, loaded.state, outcome.state, outcome.events, now)
    insert_rows(
        JoinFiring,
        JOIN_FIRING_COLUMNS,
        [
            (row.pk, event.data["scope"], event.node, event.data["generation"], event.token, now)
            for event in outcome.events
            if event.type is EventType.JOIN_FIRED
        ],
    )
    apply_effects(row, loaded.graph, outcome.effects, now)
    resolve_incidents(
        row,
        [event.data["incident"] for event in outcome.events if event.type is EventType.INCIDENT_RESOLVED],
        now,
    )
    return deliver_buffered(row, outcome.effects, now)


#: Every column of a new instance row but its id, from the model, so a field added later is written too.
INSTANCE_COLUMNS = tuple(
    field.attname for field in ProcessInstance._meta.concrete_fields if not field.primary_key
)
#: The columns of an event row (insert_rows skips the ORM per row); _event_rows builds all but
#: the first, instance_id.
EVENT_COLUMNS = (
    "instance_id",
    "seq",
    "type",
    "node_id",
    "token_id",
    "payload",
    "created_at",
    "prev_hash",
    "hash",
)
#: Where the hash is in a row of _event_rows.
_ROW_HASH = EVENT_COLUMNS.index("hash") - 1
JOIN_FIRING_COLUMNS = ("instance_id", "scope", "gateway_id", "generation", "token_id", "created_at")


def _event_rows(
    last_seq: int, last_hash: str, events: list[KernelEvent], now: datetime
) -> list[tuple[Any, ...]]:
    """Number the kernel's events after the instance's last one and chain their hashes.

    The rows are EVENT_COLUMNS without the leading instance_id (a new instance has none yet).
    """
    rows = []
    prev_hash = last_hash or GENESIS_HASH
    for seq, event in enumerate(events, start=last_seq + 1):
        # One encoding of the payload serves the hash and the column.
        stored, canonical = stored_and_canonical_json(dict(event.data))
        event_type = event.type.value
        digest = chained_hash(
            prev_hash,
            seq=seq,
            event_type=event_type,
            node_id=event.node,
            token_id=event.token,
            payload_json=canonical,
            created_at=now,
        )
        rows.append((seq, event_type, event.node, event.token, EncodedJSON(stored), now, prev_hash, digest))
        prev_hash = digest
    return rows
