"""Rollups: events folded once each, durations and failure rates per node, cycle times per hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.services import cancel_instance, complete_user_task, deploy, fail_job, start_instance
from engine.store.clock import virtual_time
from engine.store.models import Job, UserTask
from monitoring import selectors
from monitoring.models import HourRollup, NodeRollup
from monitoring.rollups import catch_up, rebuild, refresh_rollups
from tests.services.models import review_process, service_chain_process

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def reviewed_after(seconds: int, definition_key: str = "order_review") -> int:
    """Start a review instance at T0 and complete its task `seconds` later; the definition id."""
    definition = deploy(review_process(definition_key))
    with virtual_time(T0):
        instance = start_instance(definition=definition)
    with virtual_time(T0 + timedelta(seconds=seconds)):
        complete_user_task(task_id=UserTask.objects.get(instance=instance).pk, variables={"amount": 1})
    return definition.pk


def test_it_folds_visits_durations_and_cycle_times() -> None:
    definition_id = reviewed_after(10)
    reviewed_after(20)

    catch_up(now=NOW)

    review = NodeRollup.objects.get(definition_id=definition_id, node_id="review")
    assert (review.visits, review.completions, review.total_ms, review.failures) == (2, 2, 30_000, 0)
    stats = {row["node"]: row for row in selectors.node_statistics(definition_id)}
    assert stats["review"]["mean_ms"] == 15_000
    assert 10_000 * 0.85 <= stats["review"]["p50_ms"] <= 10_000 * 1.2
    assert 20_000 * 0.85 <= stats["review"]["p95_ms"] <= 20_000 * 1.2
    assert stats["review"]["bottleneck"]
    hour = HourRollup.objects.get(definition_id=definition_id)
    assert (hour.hour, hour.started, hour.completed, hour.cycle_ms_total) == (
        T0.replace(minute=0),
        2,
        2,
        30_000,
    )


def test_it_folds_each_event_once() -> None:
    definition_id = reviewed_after(10)

    first = catch_up(now=NOW)
    second = catch_up(now=NOW)

    assert first > 0
    assert second == 0
    assert NodeRollup.objects.get(definition_id=definition_id, node_id="review").visits == 1


def test_it_waits_until_events_have_settled() -> None:
    deploy_and_start = start_instance(definition=deploy(review_process()))

    assert refresh_rollups() == 0  # just written: younger than the settle window
    assert refresh_rollups(settle=timedelta(0)) == deploy_and_start.last_seq


def test_it_counts_failures_per_node() -> None:
    definition = deploy(service_chain_process())
    with virtual_time(T0):
        instance = start_instance(definition=definition)
        fail_job(job_id=Job.objects.get(instance=instance).pk, error="down")

    catch_up(now=NOW)

    greet = {row["node"]: row for row in selectors.node_statistics(definition.pk)}["greet"]
    assert (greet["visits"], greet["failures"], greet["failure_rate"]) == (1, 1, 1.0)
    assert HourRollup.objects.get(definition=definition).incidents == 1


def test_a_rebuild_gives_the_same_rollups_as_folding_batch_by_batch() -> None:
    definition_id = reviewed_after(10)
    reviewed_after(30)
    while refresh_rollups(batch=3, now=NOW):
        pass
    incremental = list(NodeRollup.objects.filter(definition_id=definition_id).values().order_by("node_id"))

    rebuild()

    rebuilt = list(NodeRollup.objects.filter(definition_id=definition_id).values().order_by("node_id"))
    strip = [{k: v for k, v in row.items() if k != "id"} for row in incremental]
    assert strip == [{k: v for k, v in row.items() if k != "id"} for row in rebuilt]


def test_the_hourly_chart_has_one_point_per_hour() -> None:
    definition_id = reviewed_after(60)
    catch_up(now=NOW)

    chart = selectors.hourly_chart(definition_id, hours=3, now=NOW)

    assert [point["started"] for point in chart] == [0, 1, 0]
    assert chart[1]["mean_cycle_ms"] == 60_000
    assert chart[0]["mean_cycle_ms"] is None


def test_the_live_counts_are_exact_before_during_and_after_folding() -> None:
    definition = deploy(review_process())
    with virtual_time(T0):
        instances = [start_instance(definition=definition) for _ in range(3)]
        complete_user_task(task_id=UserTask.objects.get(instance=instances[0]).pk, variables={"amount": 1})
        cancel_instance(instance_id=instances[1].pk)
    expected = {definition.pk: {"started": 3, "completed": 1, "ended_otherwise": 1}}

    assert selectors.instance_counts() == expected
    refresh_rollups(batch=4, now=NOW)  # part of the log folded, the rest read live
    assert selectors.instance_counts() == expected
    catch_up(now=NOW)
    assert selectors.instance_counts() == expected
    assert selectors.instance_counts(definition.pk) == expected
