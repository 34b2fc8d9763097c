"""Check that an instance's stored history is intact and explains its current state.

- the event seqs run 1, 2, 3 ... without gaps;
- every event's prev_hash is the hash of the event before it, and its hash recomputes from
  its content (a row edited behind the engine's back shows up at its seq);
- replaying the events rebuilds exactly the stored kernel state;
- the instance's last_seq / last_hash point at the last event;
- the live Token rows are exactly the tokens in the state, at the same node with the same status.

Read-only; safe to run against a live system (each instance is read in one transaction so
the events and the state it compares belong together).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction

from engine.runtime import replay
from engine.runtime.events import Event as KernelEvent
from engine.store.hashing import GENESIS_HASH, canonical_json, event_hash
from engine.store.models import LIVE_TOKEN_STATUSES, Event, ProcessInstance, Token


def verify_instance(instance: ProcessInstance | int) -> list[str]:
    """Every problem found with the instance's stored history; empty when it is intact."""
    instance_id = instance if isinstance(instance, int) else instance.pk
    with transaction.atomic():
        row = ProcessInstance.objects.get(pk=instance_id)
        events = list(Event.objects.filter(instance_id=instance_id).order_by("seq"))
        live_tokens = list(Token.objects.filter(instance_id=instance_id, status__in=LIVE_TOKEN_STATUSES))
    problems = _chain_problems(row, events)
    problems += _replay_problems(row, events)
    problems += _token_problems(row, live_tokens)
    return problems


def verify_all() -> Iterator[tuple[ProcessInstance, list[str]]]:
    """(instance, problems) for every instance, oldest first; problems is empty when intact."""
    for instance in ProcessInstance.objects.order_by("pk").only("pk").iterator(chunk_size=200):
        yield instance, verify_instance(instance.pk)


def _chain_problems(row: ProcessInstance, events: list[Event]) -> list[str]:
    problems = []
    prev_hash = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(f"seq {event.seq}: expected seq {expected_seq} (an event is missing)")
        if event.prev_hash != prev_hash:
            problems.append(f"seq {event.seq}: prev_hash does not match the hash of the event before it")
        recomputed = event_hash(
            event.prev_hash,
            seq=event.seq,
            event_type=event.type,
            node_id=event.node_id,
            token_id=event.token_id,
            payload=event.payload,
            created_at=event.created_at,
        )
        if recomputed != event.hash:
            problems.append(
                f"seq {event.seq}: hash does not match the event's content (the event was altered)"
            )
        prev_hash = event.hash
    last_seq = events[-1].seq if events else 0
    if row.last_seq != last_seq or row.last_hash != prev_hash:
        problems.append(
            f"instance records last seq {row.last_seq} but its log ends at seq {last_seq} "
            "(or the last hash differs)"
        )
    return problems


def _replay_problems(row: ProcessInstance, events: list[Event]) -> list[str]:
    try:
        replayed = replay(
            KernelEvent.from_json(
                {"type": event.type, "node": event.node_id, "token": event.token_id, "data": event.payload}
            )
            for event in events
        )
    except Exception as error:  # a broken log can fail replay in any way; report it, don't crash
        return [f"replaying the events fails: {type(error).__name__}: {error}"]
    problems = []
    if canonical_json(replayed.to_json()) != canonical_json(row.state):
        problems.append("replaying the events does not rebuild the stored state")
    if canonical_json(replayed.variables) != canonical_json(row.variables):
        problems.append("replaying the events does not rebuild the stored variables")
    if replayed.status.value != row.status:
        problems.append(f"replayed status is {replayed.status.value}, stored status is {row.status}")
    return problems


def _token_problems(row: ProcessInstance, live_tokens: list[Token]) -> list[str]:
    stored = {t.token_id: (t.node_id, t.scope, t.status) for t in live_tokens}
    expected = {
        token_id: (node, scope, status)
        for token_id, node, scope, status, _previous, _flow in row.state["tokens"]
    }
    problems = []
    for token_id in sorted(stored.keys() | expected.keys()):
        if stored.get(token_id) != expected.get(token_id):
            problems.append(
                f"token {token_id}: the token table says {_describe(stored.get(token_id))}, "
                f"the state says {_describe(expected.get(token_id))}"
            )
    return problems


def _describe(token: tuple[str, int, str] | None) -> str:
    if token is None:
        return "not live"
    node, scope, status = token
    return f"{status} at '{node}' (scope {scope})"
