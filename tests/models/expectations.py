"""What each model in tests/models/bpmn must do, case by case, worked out by hand from BPMN 2.0.

How to read `path` (the instance's completed nodes, in completion order):
- one entry per completion: a node visited three times by a loop is listed three times;
- gateways and start/end events are listed; a join is listed once, when it fires;
- a subprocess is listed when it completes, after the nodes inside it;
- a node that raised an incident, or whose token was withdrawn (terminate end event), is not.

Order inside one command is first in, first out: when a node completes, one token per taken
outgoing flow is queued in document order, and queued tokens are advanced oldest first. A
service task completes in a later command (its job runs after the start command commits), and
so does a user task; the driver completes what waits oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    model: str
    name: str
    #: Variables the instance starts with.
    variables: dict[str, Any]
    path: list[str]
    #: The instance's variables at the end, exactly.
    final_variables: dict[str, Any]
    status: str = "completed"
    #: User task node id -> variables to complete it with (every time it waits).
    complete: dict[str, dict[str, Any]] = field(default_factory=dict)
    waiting_on: list[str] = field(default_factory=list)
    incident_nodes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.model}[{self.name}]"


def _loop(times: int, *nodes: str) -> list[str]:
    return list(nodes) * times


CASES: list[Case] = [
    # -- sequences and scripts --------------------------------------------------------------
    Case(
        "01-sequence",
        "plain",
        variables={"order": 7},
        path=["start", "check", "pack", "packed", "end"],
        final_variables={"order": 7},
    ),
    Case(
        "02-script-variables",
        "free shipping",
        variables={"unit_price": 25, "quantity": 4},
        path=["start", "price", "end"],
        final_variables={
            "unit_price": 25,
            "quantity": 4,
            "subtotal": 100,
            "shipping": 5,
            "total": 105,
            "free_shipping": True,
        },
    ),
    Case(
        "02-script-variables",
        "paid shipping",
        variables={"unit_price": 10, "quantity": 3},
        path=["start", "price", "end"],
        final_variables={
            "unit_price": 10,
            "quantity": 3,
            "subtotal": 30,
            "shipping": 5,
            "total": 35,
            "free_shipping": False,
        },
    ),
    # -- exclusive gateways -----------------------------------------------------------------
    Case(
        "03-exclusive-choice",
        "both conditions hold, the first flow wins",
        variables={"amount": 20000},
        path=["start", "route", "board", "end_board"],
        final_variables={"amount": 20000},
    ),
    Case(
        "03-exclusive-choice",
        "second condition",
        variables={"amount": 5000},
        path=["start", "route", "manager", "end_manager"],
        final_variables={"amount": 5000},
    ),
    Case(
        "03-exclusive-choice",
        "default flow",
        variables={"amount": 50},
        path=["start", "route", "clerk", "end_clerk"],
        final_variables={"amount": 50},
    ),
    Case(
        "04-exclusive-merge",
        "express",
        variables={"express": True},
        path=["start", "split", "express", "merge", "label", "end"],
        final_variables={"express": True, "carrier": "courier"},
    ),
    Case(
        "04-exclusive-merge",
        "standard by default",
        variables={"express": False},
        path=["start", "split", "standard", "merge", "label", "end"],
        final_variables={"express": False, "carrier": "post"},
    ),
    Case(
        "05-exclusive-no-match",
        "EU",
        variables={"region": "EU"},
        path=["start", "by_region", "eu_desk", "end"],
        final_variables={"region": "EU"},
    ),
    Case(
        "05-exclusive-no-match",
        "US",
        variables={"region": "US"},
        path=["start", "by_region", "us_desk", "end"],
        final_variables={"region": "US"},
    ),
    Case(
        "05-exclusive-no-match",
        "no condition holds and no default: incident",
        variables={"region": "ASIA"},
        path=["start"],
        final_variables={"region": "ASIA"},
        status="failed",
        incident_nodes=["by_region"],
    ),
    Case(
        "05-exclusive-no-match",
        "a condition on a missing variable: incident",
        variables={},
        path=["start"],
        final_variables={},
        status="failed",
        incident_nodes=["by_region"],
    ),
    # -- loops ------------------------------------------------------------------------------
    Case(
        "06-loop-counter",
        "three iterations",
        variables={"limit": 3, "total": 0},
        path=["start", "init", *_loop(3, "loop_entry", "work", "again"), "end"],
        final_variables={"limit": 3, "total": 6, "count": 3},
    ),
    Case(
        "06-loop-counter",
        "one iteration",
        variables={"limit": 1, "total": 0},
        path=["start", "init", "loop_entry", "work", "again", "end"],
        final_variables={"limit": 1, "total": 1, "count": 1},
    ),
    Case(
        "07-review-loop",
        "two rounds of review",
        variables={"rounds": 0},
        complete={"review": {"notes": "ok"}},
        path=["start", *_loop(2, "review", "count_round", "enough"), "end"],
        final_variables={"rounds": 2, "notes": "ok"},
    ),
    Case(
        "07-review-loop",
        "one round left",
        variables={"rounds": 1},
        complete={"review": {}},
        path=["start", "review", "count_round", "enough", "end"],
        final_variables={"rounds": 2},
    ),
    Case(
        "07-review-loop",
        "nobody reviews",
        variables={"rounds": 0},
        path=["start"],
        final_variables={"rounds": 0},
        status="waiting",
        waiting_on=["review"],
    ),
    # -- parallel gateways ------------------------------------------------------------------
    Case(
        "08-parallel-two",
        "both branches",
        variables={},
        path=["start", "fork", "invoice", "ship", "join", "end"],
        final_variables={},
    ),
    Case(
        "09-parallel-four",
        "branches advance one step each, in flow order",
        variables={},
        path=["start", "fork", "a1", "b", "c1", "d", "a2", "c2", "c3", "join", "end"],
        final_variables={},
    ),
    Case(
        "10-parallel-variables",
        "branch results combined",
        variables={"price": 60},
        path=["start", "fork", "net", "tax", "fee", "join", "sum", "end"],
        final_variables={"price": 60, "net_price": 50.0, "vat": 10.0, "fee": 2, "charged": 62.0},
    ),
    Case(
        "11-parallel-nested",
        "inner join fires before the outer one",
        variables={},
        path=["start", "outer_fork", "inner_fork", "z", "x", "y", "inner_join", "outer_join", "end"],
        final_variables={},
    ),
    Case(
        "42-parallel-loop",
        "the join fires once per round",
        variables={"count": 0},
        path=["start", *_loop(2, "loop_entry", "fork", "a", "b", "join", "again"), "end"],
        final_variables={"count": 2},
    ),
    # -- inclusive gateways -----------------------------------------------------------------
    Case(
        "12-inclusive-branches",
        "one branch",
        variables={"by_letter": True, "by_email": False, "by_sms": False, "sent": 0},
        path=["start", "split", "letter", "join", "end"],
        final_variables={"by_letter": True, "by_email": False, "by_sms": False, "sent": 1},
    ),
    Case(
        "12-inclusive-branches",
        "two branches",
        variables={"by_letter": True, "by_email": False, "by_sms": True, "sent": 0},
        path=["start", "split", "letter", "sms", "join", "end"],
        final_variables={"by_letter": True, "by_email": False, "by_sms": True, "sent": 101},
    ),
    Case(
        "12-inclusive-branches",
        "two other branches",
        variables={"by_letter": False, "by_email": True, "by_sms": True, "sent": 0},
        path=["start", "split", "email", "sms", "join", "end"],
        final_variables={"by_letter": False, "by_email": True, "by_sms": True, "sent": 110},
    ),
    Case(
        "12-inclusive-branches",
        "three branches",
        variables={"by_letter": True, "by_email": True, "by_sms": True, "sent": 0},
        path=["start", "split", "letter", "email", "sms", "join", "end"],
        final_variables={"by_letter": True, "by_email": True, "by_sms": True, "sent": 111},
    ),
    Case(
        "12-inclusive-branches",
        "no condition holds: default flow",
        variables={"by_letter": False, "by_email": False, "by_sms": False, "sent": 0},
        path=["start", "split", "nothing", "join", "end"],
        final_variables={"by_letter": False, "by_email": False, "by_sms": False, "sent": 0},
    ),
    Case(
        "13-inclusive-uneven",
        "join waits for the long branch",
        variables={"size": 7},
        path=["start", "split", "quick", "long1", "long2", "long3", "join", "end"],
        final_variables={"size": 7},
    ),
    Case(
        "13-inclusive-uneven",
        "quick branch only",
        variables={"size": 3},
        path=["start", "split", "quick", "join", "end"],
        final_variables={"size": 3},
    ),
    Case(
        "13-inclusive-uneven",
        "long branch only",
        variables={"size": 20},
        path=["start", "split", "long1", "long2", "long3", "join", "end"],
        final_variables={"size": 20},
    ),
    # Branch B reaches the join while branch A's token still sits before the exclusive
    # choice, from where it could reach the join: the join waits for A's decision.
    Case(
        "14-inclusive-exclusive-inside",
        "A takes the short route",
        variables={"want_a": True, "want_b": True, "route": "short"},
        path=["start", "split", "b", "prep_a", "choose_a", "a_short", "join", "end"],
        final_variables={"want_a": True, "want_b": True, "route": "short"},
    ),
    Case(
        "14-inclusive-exclusive-inside",
        "A takes the long route",
        variables={"want_a": True, "want_b": True, "route": "long"},
        path=["start", "split", "b", "prep_a", "choose_a", "a_long1", "a_long2", "join", "end"],
        final_variables={"want_a": True, "want_b": True, "route": "long"},
    ),
    # A leaves the join behind; once A's token ends the join has nothing left to wait for.
    Case(
        "14-inclusive-exclusive-inside",
        "A is dropped after B arrived",
        variables={"want_a": True, "want_b": True, "route": "none"},
        path=["start", "split", "b", "prep_a", "choose_a", "a_dropped", "a_end", "join", "end"],
        final_variables={"want_a": True, "want_b": True, "route": "none"},
    ),
    Case(
        "14-inclusive-exclusive-inside",
        "only A, dropped: the join is never reached",
        variables={"want_a": True, "want_b": False, "route": "none"},
        path=["start", "split", "prep_a", "choose_a", "a_dropped", "a_end"],
        final_variables={"want_a": True, "want_b": False, "route": "none"},
    ),
    Case(
        "14-inclusive-exclusive-inside",
        "only B",
        variables={"want_a": False, "want_b": True, "route": "short"},
        path=["start", "split", "b", "join", "end"],
        final_variables={"want_a": False, "want_b": True, "route": "short"},
    ),
    Case(
        "15-inclusive-waits-for-service",
        "join waits for the service task's later command",
        variables={"needs_score": True},
        path=["start", "split", "log", "score", "join", "end"],
        final_variables={"needs_score": True, "score": 42},
    ),
    Case(
        "15-inclusive-waits-for-service",
        "no service task",
        variables={"needs_score": False},
        path=["start", "split", "log", "join", "end"],
        final_variables={"needs_score": False},
    ),
    Case(
        "16-inclusive-in-subprocess",
        "buyer and seller",
        variables={"buyer": True, "seller": True},
        path=[
            "start",
            "notify_start",
            "who",
            "tell_buyer",
            "tell_seller",
            "notified",
            "notify_end",
            "notify",
            "end",
        ],
        final_variables={"buyer": True, "seller": True},
    ),
    Case(
        "16-inclusive-in-subprocess",
        "seller only",
        variables={"buyer": False, "seller": True},
        path=["start", "notify_start", "who", "tell_seller", "notified", "notify_end", "notify", "end"],
        final_variables={"buyer": False, "seller": True},
    ),
    Case(
        "16-inclusive-in-subprocess",
        "nobody: default flow",
        variables={"buyer": False, "seller": False},
        path=["start", "notify_start", "who", "archive", "notified", "notify_end", "notify", "end"],
        final_variables={"buyer": False, "seller": False},
    ),
    Case(
        "37-inclusive-default",
        "one extra",
        variables={"gift": True, "value": 100},
        path=["start", "extras", "gift_wrap", "extras_done", "ship", "end"],
        final_variables={"gift": True, "value": 100, "wrapped": True},
    ),
    Case(
        "37-inclusive-default",
        "two extras",
        variables={"gift": True, "value": 900},
        path=["start", "extras", "gift_wrap", "insurance", "extras_done", "ship", "end"],
        final_variables={"gift": True, "value": 900, "wrapped": True, "insured": True},
    ),
    Case(
        "37-inclusive-default",
        "no extras: default flow",
        variables={"gift": False, "value": 100},
        path=["start", "extras", "no_extras", "extras_done", "ship", "end"],
        final_variables={"gift": False, "value": 100, "plain": True},
    ),
    Case(
        "43-inclusive-loop",
        "two branches in the first round, one in the second",
        variables={"round": 0},
        path=[
            "start",
            *("loop_entry", "bump", "split", "p", "q", "join", "again"),
            *("loop_entry", "bump", "split", "p", "join", "again"),
            "end",
        ],
        final_variables={"round": 2},
    ),
    # -- embedded subprocesses --------------------------------------------------------------
    Case(
        "17-subprocess-sequence",
        "variables cross the subprocess boundary",
        variables={"n": 4},
        path=["start", "prepare_start", "compute", "computed", "prepare_end", "prepare", "after", "end"],
        final_variables={"n": 4, "doubled": 8, "quadrupled": 16},
    ),
    Case(
        "18-subprocess-parallel",
        "parallel split inside",
        variables={"amount": 30},
        path=[
            "start",
            "fulfil_start",
            "fork",
            "pick",
            "bill",
            "join",
            "fulfil_end",
            "fulfil",
            "confirm",
            "end",
        ],
        final_variables={"amount": 30, "picked": True, "billed": 30},
    ),
    Case(
        "19-subprocess-two-levels",
        "inner completes before outer",
        variables={"depth": 1},
        path=[
            "start",
            "outer_start",
            "inner_start",
            "inner_fork",
            "left",
            "right",
            "inner_join",
            "inner_end",
            "inner",
            "outer_sum",
            "outer_end",
            "outer",
            "end",
        ],
        final_variables={"depth": 1, "left_done": 2, "right_done": 3, "both": 5},
    ),
    Case(
        "20-subprocess-in-branch",
        "the join waits for the subprocess",
        variables={},
        path=["start", "fork", "b", "sub_start", "s1", "s2", "sub_end", "sub", "join", "end"],
        final_variables={},
    ),
    Case(
        "21-subprocess-in-loop",
        "three runs of the subprocess",
        variables={"batches": 0},
        path=[
            "start",
            *_loop(
                3,
                "loop_entry",
                "batch_start",
                "batch_fork",
                "count_batch",
                "audit",
                "batch_join",
                "batch_end",
                "batch",
                "more",
            ),
            "end",
        ],
        final_variables={"batches": 3},
    ),
    Case(
        "21-subprocess-in-loop",
        "one run",
        variables={"batches": 2},
        path=[
            "start",
            "loop_entry",
            "batch_start",
            "batch_fork",
            "count_batch",
            "audit",
            "batch_join",
            "batch_end",
            "batch",
            "more",
            "end",
        ],
        final_variables={"batches": 3},
    ),
    # -- terminate end events ---------------------------------------------------------------
    # The user task inside was opened and withdrawn in the same command: completing it must
    # not be possible, so `late` never reaches the variables.
    Case(
        "22-terminate-in-subprocess",
        "only the subprocess ends",
        variables={},
        complete={"slow_review": {"late": True}},
        path=["start", "attempt_start", "fork", "quick", "stop_attempt", "attempt", "after", "end"],
        final_variables={"quick_done": True, "after_done": True},
    ),
    Case(
        "23-terminate-process",
        "terminated while another branch runs",
        variables={"abort": True},
        path=["start", "fork", "check", "b1", "abort"],
        final_variables={"abort": True},
        status="terminated",
    ),
    Case(
        "23-terminate-process",
        "no terminate: both branches end",
        variables={"abort": False},
        path=["start", "fork", "check", "b1", "check_end", "b2", "b_end"],
        final_variables={"abort": False},
    ),
    Case(
        "24-terminate-subprocess-outer-branch",
        "the outer branch and the join are untouched",
        variables={},
        path=[
            "start",
            "fork",
            "c1",
            "sub_start",
            "c2",
            "sub_fork",
            "x",
            "y1",
            "sub_kill",
            "sub",
            "join",
            "end",
        ],
        final_variables={},
    ),
    # -- user tasks -------------------------------------------------------------------------
    Case(
        "25-user-task-decision",
        "approved",
        variables={"amount": 500, "limit": 1000},
        complete={"approve": {"approved": True}},
        path=["start", "approve", "approved", "grant", "end_granted"],
        final_variables={"amount": 500, "limit": 1000, "approved": True, "outcome": "granted"},
    ),
    Case(
        "25-user-task-decision",
        "declined by the user",
        variables={"amount": 500, "limit": 1000},
        complete={"approve": {"approved": False}},
        path=["start", "approve", "approved", "reject", "end_rejected"],
        final_variables={"amount": 500, "limit": 1000, "approved": False, "outcome": "rejected"},
    ),
    Case(
        "25-user-task-decision",
        "approved but over the limit",
        variables={"amount": 5000, "limit": 1000},
        complete={"approve": {"approved": True}},
        path=["start", "approve", "approved", "reject", "end_rejected"],
        final_variables={"amount": 5000, "limit": 1000, "approved": True, "outcome": "rejected"},
    ),
    Case(
        "26-user-task-waiting",
        "nobody signs",
        variables={},
        path=["start", "prepare"],
        final_variables={"prepared": True},
        status="waiting",
        waiting_on=["sign"],
    ),
    Case(
        "26-user-task-waiting",
        "signed",
        variables={},
        complete={"sign": {"signed": True}},
        path=["start", "prepare", "sign", "end"],
        final_variables={"prepared": True, "signed": True},
    ),
    Case(
        "27-user-tasks-parallel",
        "both agree",
        variables={},
        complete={"legal_review": {"legal_ok": True}, "finance_review": {"finance_ok": True}},
        path=["start", "fork", "legal_review", "finance_review", "join", "both_ok", "sign_off", "end_ok"],
        final_variables={"legal_ok": True, "finance_ok": True},
    ),
    Case(
        "27-user-tasks-parallel",
        "finance objects",
        variables={},
        complete={"legal_review": {"legal_ok": True}, "finance_review": {"finance_ok": False}},
        path=["start", "fork", "legal_review", "finance_review", "join", "both_ok", "rework", "end_rework"],
        final_variables={"legal_ok": True, "finance_ok": False},
    ),
    Case(
        "27-user-tasks-parallel",
        "finance never answers",
        variables={},
        complete={"legal_review": {"legal_ok": True}},
        path=["start", "fork", "legal_review"],
        final_variables={"legal_ok": True},
        status="waiting",
        waiting_on=["finance_review"],
    ),
    Case(
        "28-user-task-form",
        "form answered",
        variables={"allowance": 25},
        complete={"request_leave": {"days": 3, "kind": "holiday"}},
        path=["start", "request_leave", "balance", "end"],
        final_variables={"allowance": 25, "days": 3, "kind": "holiday", "remaining": 22},
    ),
    # -- service tasks ----------------------------------------------------------------------
    Case(
        "29-cli-echo",
        "stdout into a variable",
        variables={"name": "world"},
        path=["start", "greet", "end"],
        final_variables={"name": "world", "greeting": "hello world"},
    ),
    Case(
        "30-noop-result-decision",
        "within the returned limit",
        variables={"amount": 1000},
        path=["start", "credit_check", "enough_credit", "accept", "end_accept"],
        final_variables={"amount": 1000, "rating": "A", "limit": 5000},
    ),
    Case(
        "30-noop-result-decision",
        "over the returned limit",
        variables={"amount": 9000, "limit": 1},
        path=["start", "credit_check", "enough_credit", "decline", "end_decline"],
        final_variables={"amount": 9000, "rating": "A", "limit": 5000},
    ),
    Case(
        "31-service-tasks-parallel",
        "jobs complete in the order they were created",
        variables={},
        path=["start", "fork", "stock", "price", "join", "quote", "end"],
        final_variables={"in_stock": 7, "unit_price": 3, "stock_value": 21},
    ),
    # -- flows out of activities ------------------------------------------------------------
    Case(
        "32-task-conditional-flows",
        "only the unconditional flow",
        variables={"vip": False, "amount": 10},
        path=["start", "classify", "log", "end_log"],
        final_variables={"vip": False, "amount": 10},
    ),
    Case(
        "32-task-conditional-flows",
        "one condition holds",
        variables={"vip": True, "amount": 10},
        path=["start", "classify", "vip_desk", "log", "end_vip", "end_log"],
        final_variables={"vip": True, "amount": 10},
    ),
    Case(
        "32-task-conditional-flows",
        "both conditions hold",
        variables={"vip": True, "amount": 5000},
        path=["start", "classify", "vip_desk", "fraud_check", "log", "end_vip", "end_fraud", "end_log"],
        final_variables={"vip": True, "amount": 5000},
    ),
    Case(
        "33-task-default-flow",
        "no condition holds: default flow",
        variables={"score": 2},
        path=["start", "assess", "standard", "end_standard"],
        final_variables={"score": 2, "risk": 4},
    ),
    Case(
        "33-task-default-flow",
        "one condition holds: no default",
        variables={"score": 6},
        path=["start", "assess", "high_risk", "end_high"],
        final_variables={"score": 6, "risk": 12},
    ),
    Case(
        "33-task-default-flow",
        "two conditions hold",
        variables={"score": 9},
        path=["start", "assess", "high_risk", "audit", "end_high", "end_audit"],
        final_variables={"score": 9, "risk": 18},
    ),
    Case(
        "34-implicit-parallel-split",
        "two unconditional flows out of a task",
        variables={"user": "ann"},
        path=["start", "register", "welcome_mail", "create_account", "join", "end"],
        final_variables={"user": "ann", "mailed": True, "account": "acc-ann"},
    ),
    Case(
        "35-implicit-merge",
        "the merging task runs once per arriving token",
        variables={"visits": 0},
        path=["start", "fork", "a", "b", "tally", "tally", "end", "end"],
        final_variables={"visits": 2},
    ),
    Case(
        "40-task-conditions-no-match",
        "a condition holds",
        variables={"priority": "high"},
        path=["start", "sort_mail", "urgent", "end_urgent"],
        final_variables={"priority": "high"},
    ),
    Case(
        "40-task-conditions-no-match",
        "no condition holds and no default: incident",
        variables={"priority": "medium"},
        path=["start"],
        final_variables={"priority": "medium"},
        status="failed",
        incident_nodes=["sort_mail"],
    ),
    # -- incidents --------------------------------------------------------------------------
    Case(
        "36-script-error",
        "fine",
        variables={"revenue": 100, "orders": 4},
        path=["start", "average", "end"],
        final_variables={"revenue": 100, "orders": 4, "average": 25.0},
    ),
    Case(
        "36-script-error",
        "division by zero",
        variables={"revenue": 100, "orders": 0},
        path=["start"],
        final_variables={"revenue": 100, "orders": 0},
        status="failed",
        incident_nodes=["average"],
    ),
    Case(
        "41-incident-in-subprocess",
        "fine",
        variables={"bill": 100, "people": 4},
        path=["start", "sub_start", "fork", "share", "tip", "join", "sub_end", "sub", "end"],
        final_variables={"bill": 100, "people": 4, "per_person": 25.0, "tip_amount": 10.0},
    ),
    # The failed branch stops; the other one goes on to the join and waits there.
    Case(
        "41-incident-in-subprocess",
        "one branch fails, the other reaches the join",
        variables={"bill": 100, "people": 0},
        path=["start", "sub_start", "fork", "tip"],
        final_variables={"bill": 100, "people": 0, "tip_amount": 10.0},
        status="failed",
        incident_nodes=["share"],
    ),
    # -- notation variants ------------------------------------------------------------------
    Case(
        "38-default-namespace-milestones",
        "service task and user task in parallel",
        variables={},
        complete={"confirm": {"confirmed": True}},
        path=[
            "start",
            "fork",
            "reserve",
            "reserved_milestone",
            "confirm",
            "confirmed_milestone",
            "join",
            "end",
        ],
        final_variables={"reserved": True, "confirmed": True},
    ),
    Case(
        "38-default-namespace-milestones",
        "user task left open",
        variables={},
        path=["start", "fork", "reserve", "reserved_milestone"],
        final_variables={"reserved": True},
        status="waiting",
        waiting_on=["confirm"],
    ),
    Case(
        "39-modeler-style",
        "loyal customer",
        variables={"years": 3, "price": 200, "percent": 10},
        path=["StartEvent_1", "Gateway_discount", "Activity_discount", "Gateway_merge", "EndEvent_1"],
        final_variables={"years": 3, "price": 180.0, "percent": 10},
    ),
    Case(
        "39-modeler-style",
        "new customer: default flow",
        variables={"years": 1, "price": 200, "percent": 10},
        path=["StartEvent_1", "Gateway_discount", "Gateway_merge", "EndEvent_1"],
        final_variables={"years": 1, "price": 200, "percent": 10},
    ),
    # -- BPMN errors ----------------------------------------------------------------------------
    Case(
        "44-error-boundary",
        "card accepted: the subprocess completes once the hotel job is done",
        variables={"amount": 50},
        path=[
            "start",
            "book_start",
            "fork",
            "card",
            "card_ok",
            "paid",
            "hotel",
            "hotel_done",
            "book",
            "booked",
        ],
        final_variables={"amount": 50, "approved": True},
    ),
    Case(
        "44-error-boundary",
        "card declined: the error interrupts the subprocess and its waiting hotel job",
        variables={"amount": 500},
        path=[
            "start",
            "book_start",
            "fork",
            "card",
            "card_ok",
            "declined",
            "card_declined",
            "notify",
            "booking_failed",
        ],
        final_variables={"amount": 500, "approved": False},
    ),
]
