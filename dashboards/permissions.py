"""Who may open which dashboard: the same rules for the API and the pages.

Role gates answer 403 (the caller may not use this kind of dashboard at all);
object scope answers 404 (a leader or cohort outside the caller's scope does not
exist for them), decided by mentorship.selectors.leaders_visible_to.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from mentorship.selectors import leaders_visible_to
from people.roles import Role, has_role


def require_role(user, role: Role) -> None:
    if not has_role(user, role):
        raise PermissionDenied(f"This dashboard is for users with the {role.label} role.")


def visible_leader_or_404(*, user, leader_id: int):
    """A leader the caller may see (HR, their mentor, themselves), else 404."""
    return get_object_or_404(leaders_visible_to(user), pk=leader_id)
