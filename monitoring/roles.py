"""Who may watch and who may act: viewers read, operators act, superusers do both (engine.roles).

Every monitoring page, JSON endpoint, action and WebSocket asks these two questions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from engine.roles import OPERATORS, READERS, has_any_role


def can_view(user: Any) -> bool:
    return has_any_role(user, READERS)


def can_operate(user: Any) -> bool:
    return has_any_role(user, {OPERATORS})


def _requires(
    check: Callable[[Any], bool],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                # Logged in but without the role: say so instead of looping through the login page.
                raise PermissionDenied("you need the viewers or operators role for monitoring")
            return view(request, *args, **kwargs)

        return guarded

    return decorate


viewer_required = _requires(can_view)
operator_required = _requires(can_operate)
