"""The parsed graph of each definition, cached in-process.

Definitions are immutable once deployed, so a cached graph never goes stale. The cache key
includes the definition's checksum as well as its id: a rolled-back deployment can leave an
id that the database hands out again (SQLite reuses the highest rowid), and a graph cached
under that id must not be taken for the new definition's.
ProcessGraph is frozen data, safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from engine.bpmn.graph import ProcessGraph
from engine.store.models import ProcessDefinition

CACHE_SIZE = 256

_cache: OrderedDict[tuple[int, str], ProcessGraph] = OrderedDict()
_lock = threading.Lock()


def graph_of(definition: ProcessDefinition | int) -> ProcessGraph:
    """The definition's graph; pass the definition (its checksum loaded) to save a query."""
    if not isinstance(definition, ProcessDefinition):
        definition = ProcessDefinition.objects.only("pk", "checksum").get(pk=definition)
    key = (definition.pk, definition.checksum)
    with _lock:
        graph = _cache.get(key)
        if graph is not None:
            _cache.move_to_end(key)
            return graph
    # Built outside the lock: two threads may both build it, which is harmless.
    raw = ProcessDefinition.objects.values_list("graph", flat=True).get(pk=definition.pk)
    graph = ProcessGraph.from_json(raw)
    with _lock:
        _cache[key] = graph
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return graph
