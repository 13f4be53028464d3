import datetime

import pytest
from django.core.management import call_command

from common.models import AuditEvent
from feedback.models import Cycle
from mentorship.models import MentoringSession, Pairing
from metrics.models import Observation
from metrics.periods import period_floor, period_shift
from people.demo import LEADERS
from people.models import User
from people.roles import Role, has_role
from programs.models import Cohort

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(User.objects.values_list("email", "full_name", "manager__email", "password"))


def test_seed_demo_creates_the_demo_organisation():
    call_command("seed_demo", verbosity=0)
    assert has_role(User.objects.get(email="hr@example.com"), Role.HR)
    assert User.objects.filter(groups__name="Mentor").count() == 3
    demo_leaders = [email for email, _, _ in LEADERS]
    leaders = User.objects.filter(groups__name="Leader", email__in=demo_leaders)
    assert leaders.count() == 12
    for leader in leaders:
        assert leader.manager is not None
        assert 5 <= leader.direct_reports.count() <= 9
        assert leader.check_password("lodestar-demo")


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", verbosity=0)
    first = _snapshot()
    events = AuditEvent.objects.count()
    call_command("seed_demo", verbosity=0)
    assert _snapshot() == first
    assert AuditEvent.objects.count() == events, "a second seeding records nothing"


def test_the_demo_is_in_the_audit_trail_as_the_demo_people_or_the_schedule():
    call_command("seed_demo", verbosity=0)
    by_hr = AuditEvent.objects.filter(actor__email="hr@example.com")
    assert by_hr.filter(action="enrollment.create").count() == 12
    assert AuditEvent.objects.filter(action="cycle.open", actor_kind="schedule").exists()
    assert AuditEvent.objects.filter(
        action="mentoring_session.create", actor__email="mentor@example.com"
    ).exists()
    assert not AuditEvent.objects.filter(actor_kind="person", actor__isnull=True).exists()


def test_demo_team_members_cannot_log_in():
    call_command("seed_demo", verbosity=0)
    leader = User.objects.get(email="leader@example.com")
    member = leader.direct_reports.first()
    assert not member.has_usable_password()


@pytest.mark.parametrize(
    "day", [datetime.date(2027, 6, 15), datetime.date(2031, 2, 3)], ids=["mid-2027", "2031"]
)
def test_a_demo_seeded_any_day_is_as_fresh_as_today(clock, day, mailoutbox):
    """Every date derives from the seeding day: the current cohort is running, its
    feedback cycle is open, mentoring happened recently, metrics run to last month."""
    clock.set(datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC))

    call_command("seed_demo", verbosity=0)

    current = Cohort.objects.get(starts_on__lte=day, ends_on__gte=day)
    assert current.enrollments.filter(status="active").count() == 5
    open_cycle = Cycle.objects.get(cohort=current, status=Cycle.Status.OPEN)
    assert open_cycle.opens_at.date() < day < open_cycle.due_at.date()
    latest_session = MentoringSession.objects.filter(status="held").latest("starts_at")
    assert 0 < (day - latest_session.starts_at.date()).days <= 10
    latest_period = Observation.objects.latest("period_start").period_start
    assert latest_period == period_shift(period_floor(day, "month"), "month", -1)
    assert not Pairing.objects.filter(started_on__gt=day).exists()


def test_the_demo_pulse_has_results_and_one_team_below_the_threshold():
    from pulse.demo import BELOW_THRESHOLD_LEADER, PULSE_NAME
    from pulse.models import Pulse
    from pulse.selectors import pulse_results

    call_command("seed_demo", verbosity=0)
    pulse = Pulse.objects.get(name=PULSE_NAME)
    closed = pulse_results(pulse=pulse)[-1]
    assert closed["round"].status == "closed"
    statuses = {User.objects.get(pk=team.leader_id).email: team.status for team in closed["teams"]}
    assert statuses.pop(BELOW_THRESHOLD_LEADER) == "below_threshold"
    assert len(statuses) >= 5 and set(statuses.values()) == {"shown"}
    measured = Observation.objects.filter(
        metric__code="team_engagement", source=Observation.Source.PULSE
    )
    assert set(measured.values_list("leader__email", flat=True)) == set(statuses)
    assert measured.first().note.startswith("team pulse, ")
