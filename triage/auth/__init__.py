"""Staff login, logout and role checks."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user

from triage.models import Role

bp = Blueprint("auth", __name__, url_prefix="/auth")


def require_roles(blueprint: Blueprint, roles: Iterable[Role]) -> None:
    """Guard every view of a blueprint: anonymous visitors go to the login page,
    signed-in users without one of the roles get 403 (admins pass everywhere)."""
    allowed = tuple(roles)

    @blueprint.before_request
    def _check_role():
        from triage.extensions import login_manager

        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role(*allowed):
            abort(403)


def roles_required(*roles: Role) -> Callable:
    """Narrow one view inside a guarded blueprint to some roles (e.g. only agents change items)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


from triage.auth import account, reset, tokens, two_factor, views  # noqa: E402,F401  (registers the routes)
