"""Role gates for page views: the page counterpart of people.permissions.RolePermission."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from people.roles import has_any_role


def role_required(*roles: str) -> Callable:
    """Log in first (redirect), then 403 unless the user holds one of ``roles``
    (the role names of people.roles: a ``Role``, or ``AUTHENTICATED``)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_any_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
