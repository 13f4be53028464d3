"""Who may do what in feedback. Object scope comes from the selectors (404 outside it)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from people.roles import Role, has_role


def can_withdraw_nomination(user, nomination) -> bool:
    """HR withdraws any nomination; a leader only the ones they proposed themselves,
    not the raters HR added for them."""
    if has_role(user, Role.HR):
        return True
    return nomination.subject_id == user.pk and nomination.created_by_id == user.pk


def adds_raters_directly(user, subject) -> bool:
    """HR adds raters for others, approved at once; everyone else proposes, and so does
    HR for their own feedback (someone else approves who rates them)."""
    return has_role(user, Role.HR) and user.pk != subject.pk


class IsHR(BasePermission):
    message = "Only HR can do this."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.HR)


class ReadScopedWriteHR(BasePermission):
    """Reading is scoped by the selector; creating and changing cycles is HR's."""

    message = "Only HR can set up feedback cycles."

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or has_role(request.user, Role.HR)


class IsLeader(BasePermission):
    message = "Only leaders can do this."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.LEADER)


class NominatesRaters(BasePermission):
    """HR nominates for anyone; a leader for themselves (the selector scopes the rows)."""

    message = "Only HR and leaders can manage nominations."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.HR) or has_role(request.user, Role.LEADER)
