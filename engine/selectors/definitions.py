"""Reading process definitions and how their instances are doing, node by node."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from engine.store.graphs import graph_of
from engine.store.models import LIVE_TOKEN_STATUSES, Incident, ProcessDefinition, Token, TokenStatus


def definitions(*, key: str | None = None, latest_only: bool = False) -> QuerySet[ProcessDefinition]:
    """Definitions ordered by key then newest version first; only the newest per key if `latest_only`."""
    found = ProcessDefinition.objects.defer("bpmn_xml", "graph").order_by("key", "-version")
    if key is not None:
        found = found.filter(key=key)
    if latest_only:
        newest = (
            ProcessDefinition.objects.filter(key=OuterRef("key"))
            .values("key")
            .annotate(newest=Max("version"))
            .values("newest")
        )
        found = found.filter(version=Subquery(newest))
    return found


def definition(definition_id: int, *, with_xml: bool = False) -> ProcessDefinition | None:
    found = ProcessDefinition.objects.all() if with_xml else ProcessDefinition.objects.defer("bpmn_xml")
    return found.filter(pk=definition_id).first()


def node_statistics(definition: ProcessDefinition) -> list[dict[str, Any]]:
    """Per node of the definition's graph, over all its instances (for diagram overlays):

    active: tokens there now (waiting, joined, running a subprocess), not counting failed ones;
    completed: tokens that left the node normally; failed: incidents ever raised there;
    open_incidents: incidents there not resolved yet. Nodes without any activity are listed
    with zeros, so a diagram can show every node.
    """
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {"active": 0, "completed": 0, "failed": 0, "open_incidents": 0}
    )
    live = {str(status) for status in LIVE_TOKEN_STATUSES} - {str(TokenStatus.FAILED)}
    tokens = (
        Token.objects.filter(instance__definition=definition)
        .values("node_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in tokens:
        if row["status"] in live:
            counts[row["node_id"]]["active"] += row["n"]
        elif row["status"] == TokenStatus.COMPLETED:
            counts[row["node_id"]]["completed"] += row["n"]
    incidents = (
        Incident.objects.filter(instance__definition=definition)
        .values("node_id")
        .annotate(n=Count("id"), open=Count("id", filter=Q(resolved_at__isnull=True)))
        .order_by()
    )
    for row in incidents:
        counts[row["node_id"]]["failed"] += row["n"]
        counts[row["node_id"]]["open_incidents"] += row["open"]
    graph = graph_of(definition)
    node_ids = sorted(set(graph.nodes) | set(counts))
    return [{"node_id": node_id, **counts[node_id]} for node_id in node_ids]
