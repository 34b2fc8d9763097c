"""The durable worker: claims jobs from the outbox, runs their handlers, applies their results.

- `retry`     the retry policy of a task (`bpm:retry="R3/PT10S"`, or the default backoff)
- `claim`     pending -> running with a conditional UPDATE: one job, one worker
- `execute`   run one claimed job's handler outside any transaction and report the outcome
- `scheduler` the pass that makes jobs of dead workers runnable again
- `loop`      `bpm worker`: scheduler pass + executor threads, graceful drain on SIGTERM

See docs/workers.md for how to run it and what it guarantees.
"""
