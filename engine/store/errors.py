"""Errors of the persistence layer."""

from __future__ import annotations


class Conflict(Exception):
    """Another transaction changed the instance first; the command must run again.

    engine.store.execution.run_atomically retries on it; callers only see it when retries run out.
    """
