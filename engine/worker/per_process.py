"""Objects made once per process, never shared across a fork.

django-q2 forks its worker processes from the `bpm worker` process: a child must not use its
parent's threads (they do not exist in the child) or sockets (two processes talking on one
connection corrupt it). Keyed by pid, a child that finds its parent's object makes its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    """Calling it returns this process's object, made by `make` on first use (thread-safe).

    Use it as a decorator on the function that makes the object.
    """

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._made: dict[int, T] = {}
        self._lock = threading.Lock()
        self.__doc__ = make.__doc__

    def __call__(self) -> T:
        pid = os.getpid()
        found = self._made.get(pid)
        if found is None:
            with self._lock:
                found = self._made.get(pid)
                if found is None:
                    found = self._made[pid] = self._make()
        return found

    def cache_clear(self) -> None:
        """Forget the objects made so far (tests that change the settings they are made from)."""
        with self._lock:
            self._made.clear()
