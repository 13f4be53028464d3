import pytest
from django.core.management import call_command

from people.demo import LEADERS
from people.models import User
from people.roles import Role, has_role

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
    call_command("seed_demo", verbosity=0)
    assert _snapshot() == first


def test_demo_team_members_cannot_log_in():
    call_command("seed_demo", verbosity=0)
    leader = User.objects.get(email="leader@example.com")
    member = leader.direct_reports.first()
    assert not member.has_usable_password()
