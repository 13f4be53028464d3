"""Who may see a team's pulse. HR sees every leader's; a leader their own team's; their
mentor and their manager (at any depth of the reporting line) only once the leader
shares it with them (``PulseShare``, one switch per audience)."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from mentorship.models import Pairing
from mentorship.selectors import leaders_visible_to
from people.models import User
from people.roles import Role, role_names
from people.selectors import below_in_reporting_line
from pulse.models import PulseShare


def _shared_with(audience: str):
    return Exists(PulseShare.objects.filter(leader=OuterRef("pk"), audience=audience))


def pulse_leaders_visible_to(user) -> QuerySet[User]:
    """The leaders whose team pulse ``user`` may read: the scope rule, narrowed to HR, the
    leader themselves, and mentors and managers the leader shared it with."""
    leaders = leaders_visible_to(user)
    roles = role_names(user)
    if Role.HR in roles:
        return leaders
    allowed = Q(pk__in=[])
    if Role.LEADER in roles:
        allowed |= Q(pk=user.pk)
    if Role.MENTOR in roles:
        mentees = Pairing.objects.filter(mentor=user, status=Pairing.Status.ACTIVE)
        allowed |= Q(pk__in=mentees.values("mentee_id")) & _shared_with(PulseShare.Audience.MENTOR)
    if Role.MANAGER in roles:
        allowed |= Q(pk__in=below_in_reporting_line(user)) & _shared_with(
            PulseShare.Audience.MANAGER
        )
    return leaders.filter(allowed)
