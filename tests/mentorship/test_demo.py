import pytest
from django.utils import timezone

from mentorship import demo as mentorship_demo
from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile, Pairing
from people import demo as people_demo
from people.demo import LEADERS
from people.models import User
from programs import demo as programs_demo

pytestmark = pytest.mark.django_db


def seed_all() -> None:
    for module in (people_demo, programs_demo, mentorship_demo):
        module.seed(today=timezone.localdate())


def snapshot() -> tuple:
    return tuple(
        model.objects.count()
        for model in (MentorProfile, Pairing, MentoringSession, ActionItem, Goal)
    )


def test_demo_mentoring_follows_the_rules_and_is_idempotent():
    seed_all()
    first = snapshot()
    seed_all()
    assert snapshot() == first

    now = timezone.now()
    demo_leaders = User.objects.filter(email__in=[email for email, *_ in LEADERS])
    assert Pairing.objects.filter(status="active").count() == demo_leaders.count() == 12
    sam = Pairing.objects.get(mentee__email="leader@example.com")
    assert sam.mentor.email == "mentor@example.com"
    for profile in MentorProfile.objects.all():
        assert profile.active_mentees == 4 <= profile.capacity
    for pairing in Pairing.objects.all():
        held = pairing.sessions.filter(status="held")
        assert 3 <= held.count() <= 10
        assert not held.filter(starts_at__gt=now).exists()
        assert 2 <= Goal.objects.filter(mentee=pairing.mentee).count() <= 3
    quiet = Pairing.objects.get(mentee__email="jonas.weber@example.com")
    last = quiet.sessions.filter(status="held").latest("starts_at").starts_at
    assert (timezone.localdate() - last.date()).days == 45
    assert MentoringSession.objects.filter(status="planned", starts_at__gt=now).count() == 11
    overdue = ActionItem.objects.filter(done_at__isnull=True, due_on__lt=timezone.localdate())
    assert overdue.exists()
