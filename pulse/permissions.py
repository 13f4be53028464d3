"""Who may see a team's pulse. HR sees every leader's; a leader their own team's. Mentors
and managers do not (yet): the issue has them see it only when the leader shares it,
which a later change adds beside the 360 report's share switch."""

from django.db.models import QuerySet

from mentorship.selectors import leaders_visible_to
from people.models import User
from people.roles import Role, has_role


def pulse_leaders_visible_to(user) -> QuerySet[User]:
    """The leaders whose team pulse ``user`` may read: the scope rule, narrowed to HR and
    the leader themselves."""
    leaders = leaders_visible_to(user)
    if has_role(user, Role.HR):
        return leaders
    return leaders.filter(pk=user.pk) if has_role(user, Role.LEADER) else leaders.none()
