"""A per-process object (the django-q2 broker, the lock keeper, the lock owner) is made once per
process, also when many threads ask at once, and a forked child never uses its parent's."""

from __future__ import annotations

import os
import threading
import time

from engine.worker.per_process import PerProcess

made_in: list[int] = []


@PerProcess
def this_pid() -> int:
    made_in.append(os.getpid())
    time.sleep(0.05)  # a slow make, so that threads asking at once would all make one
    return os.getpid()


def test_threads_asking_at_once_share_one_object() -> None:
    this_pid.cache_clear()
    made_in.clear()
    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(this_pid())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == [os.getpid()] * 8
    assert made_in == [os.getpid()]


def test_a_forked_child_makes_its_own() -> None:
    this_pid.cache_clear()
    parent = this_pid()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.write(writing, str(this_pid()).encode())
        finally:
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading) as pipe:
        in_child = int(pipe.read())
    os.waitpid(child, 0)
    assert (in_child, this_pid()) == (child, parent)
