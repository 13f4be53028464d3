"""Who may see and do what with metrics.

Reading is scoped by ``leaders_visible_to`` in the selectors (out of scope → 404);
these classes are the role gates on top.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from people.roles import Role, has_role


class ReadAnyoneWriteHR(BasePermission):
    """Everyone signed in reads (within their scope); only HR writes."""

    message = "Only HR can change metric data."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or has_role(request.user, Role.HR)
