"""The only door to state: everything that changes a definition or an instance goes through here.

Views, the REST API, admin actions, the CLI and workers call these functions; none of them
writes engine models directly. Each state change runs in one transaction with optimistic
locking and is retried on conflicts (see engine.store.execution for the locking rules).
"""

from engine.services.definitions import deploy
from engine.services.errors import (
    DeploymentError,
    InvalidInput,
    InvalidState,
    InvalidVariables,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from engine.services.instances import cancel_instance, retry_incident, start_instance
from engine.services.jobs import complete_job, fail_job, run_pending_jobs, throw_job_error
from engine.services.messages import Correlation, NoSubscription, correlate_message
from engine.services.signals import broadcast_signal
from engine.services.tasks import claim_user_task, complete_user_task, unclaim_user_task
from engine.services.timers import fire_due_timers, fire_timer

__all__ = [
    "Correlation",
    "DeploymentError",
    "InvalidInput",
    "InvalidState",
    "InvalidVariables",
    "NoSubscription",
    "NotFound",
    "PermissionDenied",
    "ServiceError",
    "broadcast_signal",
    "cancel_instance",
    "claim_user_task",
    "complete_job",
    "complete_user_task",
    "correlate_message",
    "deploy",
    "fail_job",
    "fire_due_timers",
    "fire_timer",
    "retry_incident",
    "run_pending_jobs",
    "start_instance",
    "throw_job_error",
    "unclaim_user_task",
]
