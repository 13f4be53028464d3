import datetime
import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count

from demo.scale import ACTION_ITEMS, EMAIL_DOMAIN, HELD_SESSIONS
from feedback.models import Answer, Cycle, RaterRequest
from mentorship.models import ActionItem, MentoringSession, Pairing
from metrics.models import MetricDefinition, Observation, Target
from people.models import User
from people.roles import Role, has_role
from programs.models import Cohort, Enrollment

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)
SMALL = {"leaders": 40, "cohort_size": 10, "large_cohort": 15, "today": TODAY}


def seed_scale(**options) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_scale", **{**SMALL, **options}, stdout=out, stderr=err)
    return err.getvalue()


def scale_leaders():
    return User.objects.filter(email__startswith="leader", email__endswith=f"@{EMAIL_DOMAIN}")


def periods_per_leader() -> int:
    return sum(24 if m.period == "month" else 8 for m in MetricDefinition.objects.all())


def test_seed_scale_makes_the_shape_it_promises():
    progress = seed_scale()

    leaders = scale_leaders()
    assert leaders.count() == 40
    assert all(has_role(leader, Role.LEADER) for leader in leaders[:3])
    cohorts = Cohort.objects.filter(enrollments__leader__in=leaders).annotate(n=Count("pk"))
    assert sorted(c.n for c in cohorts) == [5, 10, 10, 15]
    assert Enrollment.objects.filter(leader__in=leaders).count() == 40
    per_leader = (
        Observation.objects.filter(leader__in=leaders).values("leader").annotate(n=Count("pk"))
    )
    assert {row["n"] for row in per_leader} == {periods_per_leader()}
    assert len(per_leader) == 40
    assert Target.objects.filter(cohort__in=cohorts).count() == 4 * MetricDefinition.objects.count()
    assert Pairing.objects.filter(mentee__in=leaders, status="active").count() == 40
    assert MentoringSession.objects.filter(pairing__mentee__in=leaders).count() == 40 * (
        HELD_SESSIONS + 1
    )
    assert (
        ActionItem.objects.filter(session__pairing__mentee__in=leaders).count() == 40 * ACTION_ITEMS
    )
    cycles = Cycle.objects.filter(cohort__in=cohorts)
    assert cycles.count() == 8
    assert not cycles.exclude(status="closed").exclude(released_at__isnull=False).exists()
    asked = RaterRequest.objects.filter(cycle__in=cycles).values("cycle", "subject")
    assert {row["n"] for row in asked.annotate(n=Count("pk"))} == {10}
    assert "observations" in progress and "rows in" in progress

    with pytest.raises(CommandError, match="already holds"):
        seed_scale()


def _digest() -> str:
    observations = Observation.objects.filter(leader__email__endswith=EMAIL_DOMAIN).order_by(
        "leader__email", "metric__code", "period_start"
    )
    answers = Answer.objects.filter(response__subject__email__endswith=EMAIL_DOMAIN).order_by(
        "response__cycle__name", "response__subject__email", "response__group", "question", "id"
    )
    digest = hashlib.sha256()
    for row in observations.values_list("leader__email", "metric__code", "period_start", "value"):
        digest.update(repr(row).encode())
    for row in answers.values_list("id", "rating", "cant_say", "text"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _seeded_digest(**options) -> str:
    with transaction.atomic():
        seed_scale(**options)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_the_same_seed_makes_the_same_rows_and_another_seed_others():
    call_command("seed_demo", stdout=io.StringIO())

    first = _seeded_digest(seed=3)

    assert _seeded_digest(seed=3) == first
    assert _seeded_digest(seed=4) != first


def test_a_seeded_leaders_pages_answer(api):
    seed_scale()
    hr = User.objects.get(email="hr@example.com")
    leader = scale_leaders().get(email=f"leader3@{EMAIL_DOMAIN}")
    mentor = Pairing.objects.get(mentee=leader).mentor
    cycle = Cycle.objects.filter(requests__subject=leader).order_by("-opens_at").first()

    assert api(leader).get("/api/v1/dashboards/me/").status_code == 200
    assert api(leader).get(f"/api/v1/metrics/scorecards/{leader.pk}/").status_code == 200
    assert api(mentor).get("/api/v1/dashboards/mentors/me/").status_code == 200
    response = api(hr).get(f"/api/v1/feedback/cycles/{cycle.pk}/reports/{leader.pk}/")
    assert response.status_code == 200
    report = response.json()
    shown = {group["group"] for group in report["groups"]}
    assert {"peer", "direct_report"} <= shown, report["withheld_groups"]
    assert report["previous"] is not None, "the first released cycle is the trend"
    cohort = Cohort.objects.get(enrollments__leader=leader)
    assert api(hr).get(f"/api/v1/dashboards/cohorts/{cohort.pk}/").status_code == 200
    assert api(hr).get(f"/api/v1/metrics/cohorts/{cohort.pk}/summary/").status_code == 200
