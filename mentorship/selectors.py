"""Reads for mentorship, and the one answer to "whose data may this caller see"."""

from django.db.models import Q, QuerySet

from mentorship.models import Pairing
from people.models import User
from people.roles import Role, role_names


def leaders_visible_to(user) -> QuerySet[User]:
    """Leaders whose development data the caller may see.

    HR: every leader. Mentor: their active mentees. Leader: themselves.
    A person with several roles sees the union. Everyone else: nobody.
    Every scoped query in Lodestar filters through this.
    """
    roles = role_names(user)
    leaders = User.objects.filter(groups__name=Role.LEADER)
    if Role.HR in roles:
        return leaders
    scope = Q(pk__in=[])
    if Role.MENTOR in roles:
        scope |= Q(
            pk__in=Pairing.objects.filter(mentor=user, status=Pairing.Status.ACTIVE).values(
                "mentee_id"
            )
        )
    if Role.LEADER in roles:
        scope |= Q(pk=user.pk)
    return leaders.filter(scope)
