"""Keep the Token table in step with the kernel state: append new tokens, move statuses forward.

A token row is inserted when a token arrives (TOKEN_ARRIVED) or leaves a join (JOIN_FIRED),
and its status follows the kernel: while the token is in the state its status is the
kernel's, once it is gone it ends as `completed` (left its node, or consumed by a join) or
`terminated` (withdrawn). Status changes are compare-and-set on the row's status (the one
the command's snapshot had) and count up the row's `version`. Rows are
never deleted, so the table is the full history of where every token went.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from engine.runtime import EventType, InstanceState
from engine.runtime.events import Event as KernelEvent
from engine.store.errors import Conflict
from engine.store.models import ProcessInstance, Token, TokenStatus
from engine.store.rows import insert_rows
from engine.store.updates import update_where

TERMINAL = frozenset({TokenStatus.COMPLETED, TokenStatus.TERMINATED})
TOKEN_COLUMNS = (
    "instance_id",
    "token_id",
    "node_id",
    "scope",
    "status",
    "previous_token_id",
    "flow_id",
    "version",
    "created_at",
    "ended_at",
)


class _NewToken(NamedTuple):
    node_id: str | None
    scope: int
    previous: int | None
    flow: str | None


def project_tokens(
    instance: ProcessInstance,
    before: InstanceState,
    after: InstanceState,
    events: Iterable[KernelEvent],
    now: datetime,
) -> None:
    """Write the token changes of one command (inside its transaction, after the instance CAS)."""
    created: dict[int, _NewToken] = {}
    ended: dict[int, TokenStatus] = {}
    for event in events:
        data = event.data
        match event.type:
            case EventType.TOKEN_ARRIVED:
                created[_token(event)] = _NewToken(
                    event.node, data["scope"], data.get("previous"), data.get("flow")
                )
            case EventType.JOIN_FIRED:
                consumed = data["consumed"]
                ended.update(dict.fromkeys(consumed, TokenStatus.COMPLETED))
                created[_token(event)] = _NewToken(event.node, data["scope"], consumed[0], None)
            case EventType.NODE_COMPLETED:
                ended[_token(event)] = TokenStatus.COMPLETED
            case EventType.TOKEN_TERMINATED:
                ended[_token(event)] = TokenStatus.TERMINATED

    def final_status(token_id: int) -> TokenStatus:
        token = after.tokens.get(token_id)
        if token is not None:
            return TokenStatus(token.status.value)
        # The instance ended and took its remaining tokens with it.
        return ended.get(token_id, TokenStatus.TERMINATED)

    new_rows = []
    for token_id, token in created.items():
        status = final_status(token_id)
        ended_at = now if status in TERMINAL else None
        new_rows.append(
            (
                instance.pk,
                token_id,
                token.node_id,
                token.scope,
                status.value,
                token.previous,
                token.flow,
                1,
                now,
                ended_at,
            )
        )
    insert_rows(Token, TOKEN_COLUMNS, new_rows)

    # Status changes, one UPDATE per (from, to) pair. The row's status is the compare-and-set
    # guard: it must still be what the snapshot we ran on says, or the command is retried.
    changes: dict[tuple[str, TokenStatus], list[int]] = defaultdict(list)
    for token in before.tokens.values():
        status = final_status(token.id)
        if status != token.status.value:
            changes[(token.status.value, status)].append(token.id)
    for (was, status), token_ids in changes.items():
        updated = update_where(
            Token,
            {"status": status.value, "ended_at": now if status in TERMINAL else None},
            {"instance_id": instance.pk, "token_id": token_ids, "status": was},
            increment=("version",),
        )
        if updated != len(token_ids):
            raise Conflict(f"tokens {token_ids} of instance {instance.pk} changed concurrently")


def _token(event: KernelEvent) -> int:
    if event.token is None:
        raise ValueError(f"a {event.type.value} event without a token")
    return event.token
