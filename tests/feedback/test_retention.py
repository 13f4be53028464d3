"""Retention: who was asked about whom, and delivery errors, go FEEDBACK_RETENTION_DAYS
after a cycle's release; the released reports keep every figure (feedback/retention.py)."""

import datetime
import os
import subprocess
import sys

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import transaction

from common import audit
from common.models import AuditEvent, Email
from feedback.emails import request_email_build
from feedback.models import Cycle, Nomination, RaterRequest
from feedback.retention import PurgeResult, feedback_links_purge
from feedback.selectors import report_build
from feedback.services import cycle_cancel, cycle_release, report_share_set
from feedback.tasks import purge_links
from tests.conftest import ROOT
from tests.feedback.factories import CycleFactory, NominationFactory
from tests.feedback.helpers import answer_all, committed, feedback_emails, team_in, tick
from tests.people.factories import HRFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.django_db

YEAR = datetime.timedelta(days=365)
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def released(clock, hr):
    """A cycle of two leaders (manager, mentor, three reports each, one approved peer)
    that everyone answered, released; one invitation had bounced first."""
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31))
    teams = [team_in(cohort, reports=3) for _ in range(2)]
    cycle = CycleFactory(cohort=cohort)
    NominationFactory(
        cycle=cycle,
        subject=teams[0].leader,
        rater=teams[1].leader,
        group="peer",
        status=Nomination.Status.APPROVED,
        created_by=hr,
    )
    clock.set(cycle.opens_at + datetime.timedelta(minutes=1))
    tick()
    bounced = RaterRequest.objects.filter(cycle=cycle, group="direct_report").first()
    error = f"SMTPRecipientsRefused: {{'{bounced.rater.email}': (550, b'unknown')}}"
    RaterRequest.objects.filter(pk=bounced.pk).update(last_error=error)
    feedback_emails(cycle).filter(ref=bounced.pk).update(last_error=error)
    answer_all(cycle, comment="Sets clear goals.")
    clock.advance(days=2)
    committed(cycle_release, cycle=cycle, by=hr)
    cycle.refresh_from_db()
    cycle.teams = teams
    return cycle


def _reports(cycle, viewers) -> dict:
    return {
        (team.leader.pk, getattr(viewer, "pk", None)): report_build(
            cycle=cycle, subject=team.leader, viewer=viewer
        )
        for team in cycle.teams
        for viewer in (*viewers, team.leader)
    }


def _links(cycle) -> list:
    return sorted(
        RaterRequest.objects.filter(cycle=cycle).values_list("pk", "group", "status", "rater_id")
    )


def test_nothing_is_purged_a_second_before_the_retention_ends(released, clock):
    links = _links(released)
    clock.set(released.released_at + YEAR - SECOND)

    assert feedback_links_purge() == PurgeResult()
    assert _links(released) == links
    assert Nomination.objects.filter(cycle=released).count() == 1
    assert feedback_emails(released).exclude(last_error="").count() == 1


def test_who_rated_whom_and_delivery_errors_go_once_the_retention_ends(released, clock):
    before = _links(released)
    clock.set(released.released_at + YEAR)

    result = feedback_links_purge()

    after = _links(released)
    assert [(pk, group, status) for pk, group, status, _ in after] == [
        (pk, group, status) for pk, group, status, _ in before
    ], "group and status stay: response rates do not change"
    assert {rater for *_, rater in after} == {None}
    assert not RaterRequest.objects.filter(cycle=released).exclude(last_error="").exists()
    assert not Nomination.objects.filter(cycle=released).exists()
    emails = feedback_emails(released)
    assert emails.count() == len(before), "the emails stay, as what was sent when"
    assert set(emails.values_list("to", "last_error")) == {("", "")}
    released.refresh_from_db()
    assert released.raters_purged_at == clock.now
    assert (result.cycles, result.raters, result.nominations) == (1, len(before), 1)


def test_the_audit_trail_forgets_who_rated_whom_with_the_links(released, clock, hr):
    """HR's nudges, retries and the nomination's approval named the rater; past retention
    their history names a group, never the person, and keeps what was done and when."""
    nomination = Nomination.objects.get(cycle=released)
    rater = nomination.rater
    bounced = RaterRequest.objects.exclude(last_error="").get(cycle=released)
    email = feedback_emails(released).filter(ref=bounced.pk).first()
    with transaction.atomic():
        audit.record(
            action="nomination.create",
            by=hr,
            obj=nomination,
            changes=audit.created(nomination, ["rater", "email", "full_name", "group"]),
            about=nomination.subject,
        )
        audit.record(
            action="rater_request.retry",
            by=hr,
            obj=bounced,
            changes={"last_error": [bounced.last_error, ""]},
            about=bounced.subject,
        )
        audit.record(action="email.retry", by=hr, obj=email, about=None)

    # Each rater as the history of the rows that linked them named them. (The nominated
    # rater is also a leader others rated: their name stays where they are the subject.)
    def history(*actions) -> str:
        events = AuditEvent.objects.filter(action__in=actions)
        return str(list(events.values_list("object_repr", "changes")))

    linked = {
        ("nomination.create",): [rater.full_name, rater.email],
        ("rater_request.retry", "email.retry"): [bounced.rater.full_name, bounced.rater.email],
    }
    for actions, names in linked.items():
        assert all(name in history(*actions) for name in names), "the history named them"
    clock.set(released.released_at + YEAR)

    feedback_links_purge()

    for actions, names in linked.items():
        assert not any(name in history(*actions) for name in names), actions
    created = AuditEvent.objects.get(action="nomination.create")
    assert created.object_repr == f"A peer rater of {nomination.subject} (purged)"
    assert created.changes["group"] == [None, "peer"], "what was done stays"
    assert created.changes["rater"] == [None, "[removed]"]
    assert created.actor == hr


def test_the_released_report_is_identical_after_the_purge(released, clock, hr, api):
    before = _reports(released, viewers=(None, hr))
    leader = released.teams[0].leader
    url = f"/api/v1/feedback/cycles/{released.pk}/reports/{leader.pk}/"
    seen_by_leader = api(leader).get(url).json()
    seen_by_hr = api(hr).get(url).json()
    clock.set(released.released_at + YEAR)

    feedback_links_purge()

    assert _reports(released, viewers=(None, hr)) == before
    assert api(leader).get(url).json() == seen_by_leader
    assert api(hr).get(url).json() == seen_by_hr
    assert before[(leader.pk, None)]["groups"], "the report shows figures to compare"


def test_purging_again_changes_nothing(released, clock):
    clock.set(released.released_at + YEAR)
    feedback_links_purge()
    links, emails = _links(released), list(feedback_emails(released).values())
    clock.advance(days=1)

    assert feedback_links_purge() == PurgeResult()
    assert _links(released) == links
    assert list(feedback_emails(released).values()) == emails


def test_the_retention_follows_the_setting(released, clock, settings):
    settings.FEEDBACK_RETENTION_DAYS = 30
    clock.set(released.released_at + datetime.timedelta(days=30) - SECOND)
    assert feedback_links_purge().raters == 0

    clock.advance(seconds=1)

    assert feedback_links_purge().raters == len(_links(released))


def test_an_hr_rater_keeps_their_link_only_while_they_are_hr(clock, hr):
    """HR sees every report: the rule that holds back a group the viewer answered in
    needs that link while its rater can view the report (docs/privacy.md, attack 5)."""
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31))
    team = team_in(cohort, reports=2)
    colleague = HRFactory(email="hr.colleague@example.com")
    cycle = CycleFactory(cohort=cohort)
    for rater in (colleague, *[HRFactory() for _ in range(2)]):
        NominationFactory(
            cycle=cycle,
            subject=team.leader,
            rater=rater,
            group="peer",
            status=Nomination.Status.APPROVED,
            created_by=hr,
        )
    clock.set(cycle.opens_at + datetime.timedelta(minutes=1))
    tick()
    answer_all(cycle)
    committed(cycle_release, cycle=cycle, by=hr)
    cycle.refresh_from_db()
    seen_by_colleague = report_build(cycle=cycle, subject=team.leader, viewer=colleague)
    assert "peer" in seen_by_colleague["withheld_groups"], "two other peers are too few"
    clock.set(cycle.released_at + YEAR)

    feedback_links_purge()

    kept = RaterRequest.objects.filter(cycle=cycle, rater__isnull=False)
    assert kept.count() == 3
    assert report_build(cycle=cycle, subject=team.leader, viewer=colleague) == seen_by_colleague

    colleague.groups.clear()
    clock.advance(days=1)
    feedback_links_purge()

    assert not RaterRequest.objects.filter(cycle=cycle, rater=colleague).exists()
    assert kept.count() == 2


def test_a_cancelled_cycle_is_purged_a_retention_after_it_was_cancelled(clock, hr):
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31))
    team_in(cohort, reports=3)
    cycle = CycleFactory(cohort=cohort)
    clock.set(cycle.opens_at + datetime.timedelta(minutes=1))
    tick()
    cycle_cancel(cycle=cycle, by=hr)
    cycle.refresh_from_db()
    clock.set(cycle.closed_at + YEAR - SECOND)
    assert feedback_links_purge().raters == 0

    clock.advance(seconds=1)

    assert feedback_links_purge().raters == 6
    assert not RaterRequest.objects.filter(cycle=cycle, rater__isnull=False).exists()


def test_open_and_unreleased_cycles_are_never_purged(clock):
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31))
    team_in(cohort, reports=3)
    cycle = CycleFactory(cohort=cohort)
    clock.set(cycle.opens_at + datetime.timedelta(minutes=1))
    tick()
    clock.advance(days=3 * 365)

    feedback_links_purge()

    assert Cycle.objects.get(pk=cycle.pk).raters_purged_at is None
    assert not RaterRequest.objects.filter(cycle=cycle, rater__isnull=True).exists()


def test_a_mentor_no_longer_sees_a_report_once_its_links_are_purged(released, clock, api):
    team = released.teams[0]
    report_share_set(cycle=released, subject=team.leader, shared=True)
    url = f"/api/v1/feedback/cycles/{released.pk}/reports/{team.leader.pk}/"
    assert api(team.mentor).get(url).status_code == 200
    clock.set(released.released_at + YEAR)

    feedback_links_purge()

    assert api(team.mentor).get(url).status_code == 404
    assert api(team.leader).get(url).status_code == 200


def test_a_purged_request_is_never_emailed_again(released, clock):
    clock.set(released.released_at + YEAR)
    feedback_links_purge()
    request = RaterRequest.objects.filter(cycle=released).first()

    assert request_email_build(Email(kind="feedback.nudge", ref=request.pk)) is None
    assert "rater" in str(request)


def test_beat_purges_daily_through_the_task(released, clock):
    entry = settings.CELERY_BEAT_SCHEDULE["feedback-purge-links"]
    assert entry["task"] == "feedback.purge_links"
    assert entry["schedule"] == crontab(minute=15, hour=3)
    clock.set(released.released_at + YEAR)

    result = purge_links.delay().get()

    assert result["raters"] == len(_links(released))
    assert not RaterRequest.objects.filter(cycle=released, rater__isnull=False).exists()


def _retention_days(**env) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.FEEDBACK_RETENTION_DAYS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_retention_comes_from_the_environment():
    assert _retention_days().stdout.strip() == "365"
    assert _retention_days(FEEDBACK_RETENTION_DAYS="90").stdout.strip() == "90"
    refused = _retention_days(FEEDBACK_RETENTION_DAYS="0")
    assert refused.returncode != 0
    assert "FEEDBACK_RETENTION_DAYS must be at least 1" in refused.stderr
