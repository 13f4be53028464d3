"""Who may see and do what in programs.

Whose data: ``programs.selectors`` scopes every queryset through
``leaders_visible_to`` (out of scope → 404). What a role may do: the small
permission classes below.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from people.roles import Role, has_role
from programs.models import Enrollment, Module


class ReadAnyWriteHR(BasePermission):
    """Any authenticated user reads; only HR writes (catalogue data: programs, modules, ...)."""

    message = "Only HR can change this."

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or has_role(request.user, Role.HR)


class RecordsCompletions(BasePermission):
    """HR records any completion; a leader may record their own (checked per object)."""

    message = "Only HR and leaders can record module completions."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return request.user.is_authenticated
        return has_role(request.user, Role.HR) or has_role(request.user, Role.LEADER)


def completion_refusal(user, enrollment: Enrollment, module: Module) -> str | None:
    """Why ``user`` may not record this completion, or None if they may."""
    if has_role(user, Role.HR):
        return None
    if enrollment.leader_id != user.pk:
        return "You can only record completions for your own enrollment."
    if module.kind not in Module.SELF_RECORDED_KINDS:
        return (
            f"{module.get_kind_display()} modules are recorded by HR; you can record "
            "e-learning and assignment modules yourself."
        )
    return None
