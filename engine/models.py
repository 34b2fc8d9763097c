"""Django finds an app's models here; they live in engine.store.models."""

from engine.store.models import (
    Event,
    Incident,
    Job,
    JoinFiring,
    ProcessDefinition,
    ProcessInstance,
    Token,
    UserTask,
)

__all__ = [
    "Event",
    "Incident",
    "Job",
    "JoinFiring",
    "ProcessDefinition",
    "ProcessInstance",
    "Token",
    "UserTask",
]
