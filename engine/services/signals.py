"""Broadcasting signals: every token waiting for the signal's name receives it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from engine.services.errors import InvalidInput
from engine.services.variables import check_variables
from engine.store.models import ID_LENGTH
from engine.store.signals import deliver_signal, record_signal


def broadcast_signal(*, name: str, variables: Mapping[str, Any] | None = None) -> int:
    """Broadcast `name` to every subscription open now; how many received it.

    The signal is recorded first (the outbox), so a crash half-way through delivery is
    finished by the worker's scheduler pass, and no receiver gets it twice.
    """
    if not isinstance(name, str) or not name.strip() or len(name) > ID_LENGTH:
        raise InvalidInput(f"name must be a non-empty string of at most {ID_LENGTH} characters, not {name!r}")
    values = check_variables(variables, what="signal variables")
    with transaction.atomic():
        signal = record_signal(name, values, thrown_by=None)
    return deliver_signal(signal.pk)
