"""Who may open which dashboard: the same rules for the API and the pages.

Role gates (people.decorators.role_required, people.permissions.RolePermission) answer
403: the caller may not use this kind of dashboard at all. Object scope answers 404: a
leader or cohort outside the caller's scope does not exist for them, decided by
mentorship.selectors.leaders_visible_to.
"""

from django.shortcuts import get_object_or_404

from mentorship.selectors import leaders_visible_to


def visible_leader_or_404(*, user, leader_id: int):
    """A leader the caller may see (HR, their mentor, themselves), else 404."""
    return get_object_or_404(leaders_visible_to(user), pk=leader_id)
