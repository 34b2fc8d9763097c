"""The kernel's entry point: one command in, new state + events + effects out.

`handle` runs a command against a copy of the instance state and keeps advancing tokens until
every token rests in a wait state (Camunda 7's "run to the next wait state in one
transaction"). It is pure: no Django, no clock, no I/O, so the same inputs always give the same
events. Node behaviours live in engine.runtime.behaviours, one module per family.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from engine.bpmn.graph import WAIT_STATES, Node, ProcessGraph
from engine.runtime.commands import (
    CancelInstance,
    Command,
    CompleteTask,
    CorrelateMessage,
    FailTask,
    FireTimer,
    ReceiveSignal,
    RetryIncident,
    StartInstance,
    ThrowError,
)
from engine.runtime.effects import CancelWork, Effect, RaiseIncident
from engine.runtime.events import Event, EventType
from engine.runtime.modification import ModifyInstance, SetVariables
from engine.runtime.state import ROOT_SCOPE, InstanceState, InstanceStatus, Token, TokenStatus, apply

_TOKEN_ENDS = frozenset({EventType.NODE_COMPLETED, EventType.TOKEN_TERMINATED})
_INSTANCE_ENDS = frozenset(
    {EventType.INSTANCE_COMPLETED, EventType.INSTANCE_TERMINATED, EventType.INSTANCE_CANCELLED}
)

#: Node behaviours one command may run. A loop that never reaches a wait state (a gateway that
#: always sends the token back through script tasks) would otherwise spin forever inside one
#: database transaction; past this budget every token still moving stops with an incident.
MAX_STEPS_PER_COMMAND = 10_000


class CommandRejected(ValueError):
    """The command does not fit the instance's current state (e.g. the token is not waiting)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    state: InstanceState
    events: list[Event]
    effects: list[Effect]


def handle(graph: ProcessGraph, state: InstanceState, command: Command) -> Outcome:
    """Run `command` against a copy of `state` until every token rests in a wait state.

    Raises CommandRejected, leaving nothing changed, when the command does not apply.
    """
    execution = Execution(graph, state.copy())
    match command:
        case StartInstance(variables=variables, start_event=start_event):
            if state.status is not InstanceStatus.NEW:
                raise CommandRejected("the instance has already been started")
            execution.start(dict(variables), start_event)
        case CompleteTask(token=token_id, variables=variables):
            token = execution.waiting_token(token_id)
            if variables:
                execution.emit(EventType.VARIABLES_UPDATED, token.node, token.id, values=dict(variables))
            execution.leave(token)
        case FailTask(token=token_id, error=error, details=details):
            execution.raise_incident(execution.waiting_token(token_id), error, details)
        case ThrowError(token=token_id, code=code, message=message):
            from engine.runtime.behaviours.errors import throw_error

            token = execution.waiting_token(token_id)
            throw_error(execution, token, code, what=f"service task '{token.node}'", message=message)
        case RetryIncident(incident=incident_id):
            execution.retry_incident(incident_id)
        case FireTimer(subscription=subscription_id):
            from engine.runtime.behaviours.subscriptions import trigger

            trigger(execution, subscription_id, "timer")
        case CorrelateMessage(subscription=subscription_id, variables=variables):
            from engine.runtime.behaviours.subscriptions import trigger

            trigger(execution, subscription_id, "message", variables)
        case ReceiveSignal(subscription=subscription_id, variables=variables):
            from engine.runtime.behaviours.subscriptions import trigger

            trigger(execution, subscription_id, "signal", variables)
        case ModifyInstance():
            from engine.runtime.modification import modify

            modify(execution, command)
        case SetVariables():
            from engine.runtime.modification import set_variables

            set_variables(execution, command)
        case CancelInstance(reason=reason):
            execution.require_running()
            execution.terminate_scope(ROOT_SCOPE, reason="cancelled")
            execution.emit(EventType.INSTANCE_CANCELLED, reason=reason)
        case _:
            raise CommandRejected(f"unknown command {command!r}")
    execution.run_until_wait_states()
    return Outcome(execution.state, execution.events, execution.effects)


class Execution:
    """The working context of one command: state, recorded events, effects, and the agenda.

    Every state change goes through `emit`, which records the event and applies it, so the
    state here is always exactly what replaying `events` would give.
    """

    def __init__(self, graph: ProcessGraph, state: InstanceState):
        self.graph = graph
        self.state = state
        self.events: list[Event] = []
        self.effects: list[Effect] = []
        #: Tokens that arrived at a node and still have to run its behaviour, oldest first.
        self.agenda: deque[int] = deque()

    # -- recording -------------------------------------------------------------------------

    def emit(self, type_: EventType, node: str | None = None, token: int | None = None, **data: Any) -> Event:
        if token is not None and type_ in _TOKEN_ENDS:
            # Whatever the token waited for besides its task (timers) ends with it.
            from engine.runtime.behaviours.subscriptions import close_subscriptions_of

            close_subscriptions_of(self, token)
        elif type_ in _INSTANCE_ENDS:
            # The process scope's event subprocesses stop listening when it ends.
            from engine.runtime.behaviours.subscriptions import close_subscriptions_of

            close_subscriptions_of(self, None)
        event = Event(type_, node, token, data)
        apply(self.state, event)
        self.events.append(event)
        return event

    def effect(self, effect: Effect) -> None:
        self.effects.append(effect)

    # -- commands --------------------------------------------------------------------------

    def start(self, variables: dict[str, Any], start_event: str | None = None) -> None:
        from engine.runtime.behaviours.start_events import start_node

        node = start_node(self.graph, start_event)
        self.emit(EventType.INSTANCE_STARTED, variables=variables)
        self.arrive(node, ROOT_SCOPE, previous=None, flow=None)

    def require_running(self) -> None:
        if self.state.status is not InstanceStatus.RUNNING:
            raise CommandRejected(f"the instance is {self.state.status.value}, not running")

    def waiting_token(self, token_id: int) -> Token:
        self.require_running()
        token = self.state.tokens.get(token_id)
        if token is None:
            raise CommandRejected(f"token {token_id} is no longer active")
        if token.status is not TokenStatus.WAITING:
            raise CommandRejected(f"token {token_id} at '{token.node}' is {token.status.value}, not waiting")
        node = self.graph.node(token.node)
        # A send task or message throw event with a handler (node.service) waits for its job.
        if node.kind not in WAIT_STATES and node.service is None:
            raise CommandRejected(f"token {token_id} at '{token.node}' waits for an event, not for a task")
        return token

    def retry_incident(self, incident_id: int) -> None:
        self.require_running()
        incident = self.state.incidents.get(incident_id)
        if incident is None:
            raise CommandRejected(f"incident {incident_id} is not open")
        self.emit(EventType.INCIDENT_RESOLVED, incident.node, incident.token, incident=incident_id)
        self.agenda.append(incident.token)

    # -- moving tokens ---------------------------------------------------------------------

    def arrive(
        self, node_id: str, scope: int, *, previous: int | None, flow: str | None, run: bool = True
    ) -> int:
        """A new token arrives at `node_id`; its behaviour runs when the agenda reaches it.

        With `run=False` the caller moves the token on itself (the event it stands for has
        already happened: see the event-based gateway).
        """
        token_id = self.state.next_token
        self.emit(EventType.TOKEN_ARRIVED, node_id, token_id, scope=scope, previous=previous, flow=flow)
        if run:
            self.agenda.append(token_id)
        return token_id

    def leave(self, token: Token) -> None:
        """Complete the token's node and send new tokens along the flows it takes."""
        from engine.runtime.flows import FlowSelectionError, outgoing_flows

        node = self.graph.node(token.node)
        try:
            flows = outgoing_flows(self.graph, node, self.state.variables)
        except FlowSelectionError as error:
            self.raise_incident(token, str(error))
            return
        self.pass_through(token, node, flows)

    def pass_through(self, token: Token, node: Node, flows: list[str]) -> None:
        """Complete `node` for `token` and continue along the given flows (in that order)."""
        from engine.runtime.behaviours.compensation import record_completion

        self.emit(EventType.NODE_COMPLETED, node.id, token.id)
        record_completion(self, token, node)
        for flow_id in flows:
            self.arrive(self.graph.flow(flow_id).target, token.scope, previous=token.id, flow=flow_id)
        if not flows:
            self.token_consumed(token.scope)

    def token_consumed(self, scope: int) -> None:
        """A token of `scope` ended; when it was the last one, the scope completes."""
        if self.state.tokens_in_scope(scope):
            return
        if scope == ROOT_SCOPE:
            self.emit(EventType.INSTANCE_COMPLETED)
            return
        from engine.runtime.behaviours.compensation import scope_emptied
        from engine.runtime.behaviours.subprocesses import complete_scope

        if scope_emptied(self, scope):
            return  # a compensation scope runs its next handler, or its event moves on

        complete_scope(self, scope)

    def terminate_scope(self, scope: int, *, reason: str, keep: int | None = None) -> None:
        """Withdraw every token of `scope` (and of the scopes nested in it) except `keep`."""
        for token in list(self.state.tokens_in_scope(scope)):
            if token.id == keep:
                continue
            if token.status is TokenStatus.IN_SCOPE:
                child = next(s.id for s in self.state.scopes.values() if s.token == token.id)
                self.terminate_scope(child, reason=reason)
            self.withdraw(token, reason=reason)

    def withdraw(self, token: Token, *, reason: str) -> None:
        """Terminate one token (its child scope, if any, must already be empty)."""
        if token.status in (TokenStatus.WAITING, TokenStatus.FAILED):
            self.effect(CancelWork(token.id, token.node))
        self.emit(EventType.TOKEN_TERMINATED, token.node, token.id, reason=reason)

    def raise_incident(self, token: Token, error: str, details: str = "") -> None:
        incident_id = self.state.next_incident
        self.emit(
            EventType.INCIDENT_RAISED,
            token.node,
            token.id,
            incident=incident_id,
            error=error,
            details=details,
        )
        self.effect(RaiseIncident(incident_id, token.id, token.node, error, details))

    # -- the loop --------------------------------------------------------------------------

    def run_until_wait_states(self) -> None:
        from engine.runtime.behaviours import run_behaviour
        from engine.runtime.behaviours.gateways import fire_ready_inclusive_joins

        steps = 0
        while True:
            while self.agenda:
                token = self.state.tokens.get(self.agenda.popleft())
                # A token terminated while it sat on the agenda (terminate end event) is gone.
                if token is None or token.status is not TokenStatus.ACTIVE:
                    continue
                steps += 1
                if steps > MAX_STEPS_PER_COMMAND:
                    self.raise_incident(
                        token,
                        f"more than {MAX_STEPS_PER_COMMAND:,} steps without reaching a wait state: "
                        "a loop that never waits? Retrying the incident runs another batch",
                    )
                    continue
                run_behaviour(self, token)
            # Inclusive joins can only be decided once nothing else moves: a token still on
            # its way could reach them.
            if self.state.status is not InstanceStatus.RUNNING or not fire_ready_inclusive_joins(self):
                return
