"""The export: everything about one person, and nothing that belongs to someone else or
could tie an answer to a rater (the command, HR's page and the API give the same)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder

from common.models import AuditEvent
from feedback.models import Cycle
from feedback.selectors import report_build
from people.models import ApiToken
from personal_data.selectors import person_export
from tests.feedback.factories import CycleFactory, RaterRequestFactory
from tests.personal_data.world import PAT, PAT_EMAIL, answered

pytestmark = pytest.mark.django_db


def _text(export: dict) -> str:
    return json.dumps(export)


def _without_time(export: dict) -> dict:
    """An export without what changes from one copy to the next: when it was made, and
    the audit trail (each copy taken is recorded there)."""
    return {key: value for key, value in export.items() if key not in ("exported_at", "audit")}


def test_the_export_holds_the_profile_roles_and_reporting_line(everywhere):
    person = person_export(person=everywhere.person)["person"]

    assert (person["email"], person["full_name"], person["job_title"]) == (
        PAT_EMAIL,
        "Pat Quinlan",
        "Sales Team Lead",
    )
    assert person["roles"] == ["Leader", "Mentor"]
    assert person["manager"]["full_name"] == everywhere.person.manager.full_name
    assert [report["full_name"] for report in person["direct_reports"]] == ["Dana Report"]


def test_a_mentors_private_notes_are_in_the_mentors_export_only(everywhere):
    pats = person_export(person=everywhere.person)
    mias = person_export(person=everywhere.mentor)

    assert "MIA-PRIVATE" not in _text(pats), "Pat's mentor's notes about Pat are Mia's"
    assert "MIA-PRIVATE" in _text(mias)
    assert "PAT-PRIVATE" in _text(pats), "Pat's own notes as Olga's mentor are Pat's"
    assert "PAT-PRIVATE" not in _text(person_export(person=everywhere.mentee))
    with_mia = [s for s in pats["mentoring"]["sessions"] if "private_notes" not in s]
    assert [s["shared_notes"] for s in with_mia] == ["Pat Quinlan reviewed the pipeline."]


def test_requests_about_them_are_counts_and_name_nobody_who_was_asked(everywhere):
    export = person_export(person=everywhere.person)

    assert export["feedback"]["requests_about_them"] == [
        {
            "cycle_id": everywhere.cycle.pk,
            "cycle": everywhere.cycle.name,
            "group": "peer",
            "status": "completed",
            "count": 3,
        }
    ]
    for rater in everywhere.raters:
        assert rater.email not in _text(export)


def test_reports_are_the_released_ones_as_the_person_sees_them(everywhere):
    person = everywhere.person
    unreleased = CycleFactory(cohort=everywhere.cycle.cohort, status=Cycle.Status.OPEN)
    RaterRequestFactory(cycle=unreleased, subject=person, status="completed")
    answered(unreleased, person, "manager", 1, comment="NOT-RELEASED-YET")

    export = person_export(person=person)

    seen = report_build(cycle=everywhere.cycle, subject=person, viewer=person, with_previous=False)
    assert export["feedback"]["reports"] == [json.loads(json.dumps(seen, cls=DjangoJSONEncoder))]
    assert "NOT-RELEASED-YET" not in _text(export)
    assert "Learns fast" in _text(export), "the peers' comments, shown to Pat in the report"


def test_nothing_in_a_raters_export_tells_what_they_answered(everywhere):
    answered(everywhere.cycle, everywhere.mentee, "peer", 2, comment="OLGA-COMMENT")

    export = person_export(person=everywhere.person)

    assert export["feedback"]["requests_as_rater"] == [
        {
            "id": export["feedback"]["requests_as_rater"][0]["id"],
            "cycle_id": everywhere.cycle.pk,
            "cycle": everywhere.cycle.name,
            "subject": "Olga Berg",
            "group": "peer",
            "status": "completed",
        }
    ]
    assert "OLGA-COMMENT" not in _text(export)
    assert {report["subject"]["id"] for report in export["feedback"]["reports"]} == {
        everywhere.person.pk
    }


def test_emails_say_what_and_when_never_a_body_nor_someone_elses(everywhere):
    emails = person_export(person=everywhere.person)["emails"]

    assert [(e["kind"], e["status"]) for e in emails] == [
        ("programs.welcome", "failed"),
        ("mentorship.session_invitation", "queued"),
    ]
    assert {key for e in emails for key in e} == {"id", "kind", "status", "created_at", "sent_at"}


def test_an_api_token_is_listed_never_its_key(everywhere):
    export = person_export(person=everywhere.person)

    assert len(export["api_tokens"]) == 1
    token = ApiToken.objects.get(user=everywhere.person)
    assert token.token_key not in _text(export)
    assert token.digest not in _text(export)


def test_what_they_recorded_is_listed_as_actions_without_other_peoples_content(everywhere):
    actions = person_export(person=everywhere.person)["actions"]

    assert {(a["model"], a["as"]) for a in actions} >= {
        ("programs.Enrollment", "enrolled_by"),
        ("metrics.ObservationChange", "changed_by"),
        ("mentorship.Goal", "created_by"),
    }
    assert "Olga's goal" not in json.dumps(actions)


def test_the_command_prints_the_export_or_writes_it_to_a_file(everywhere, tmp_path):
    out = io.StringIO()
    call_command("person_export", "PAT.Quinlan@example.com", stdout=out)
    path = tmp_path / "pat.json"
    call_command("person_export", PAT_EMAIL, output=str(path), stderr=io.StringIO())

    expected = _without_time(person_export(person=everywhere.person))
    assert _without_time(json.loads(out.getvalue())) == expected
    assert _without_time(json.loads(path.read_text())) == expected


def test_the_audit_trail_by_them_and_about_them_is_in_the_export_but_not_who_was_asked(
    everywhere, hr
):
    export = person_export(person=everywhere.person)["audit"]

    assert [(e["action"], e["actor"]) for e in export["by_them"]] == [
        ("goal.update", PAT),
        ("goal.create", PAT),  # the goal of Pat's development plan
        ("plan.create", PAT),
    ]
    assert [(e["action"], e["actor"]) for e in export["about_them"]] == [
        ("goal.create", "Mia Torres"),
        ("report.view", hr.full_name),
        ("goal.create", PAT),
        ("plan.create", PAT),
    ], "a nudge to someone asked about them names the rater: not theirs to see"
    assert "Peer Rater" not in _text(export)


def test_each_export_by_hr_is_in_the_audit_trail(everywhere, api, client, hr):
    person = everywhere.person
    client.force_login(hr)

    api(hr).get(f"/api/v1/people/{person.pk}/export/")
    client.get(f"/personal-data/{person.pk}/export.json")
    call_command("person_export", PAT_EMAIL, stdout=io.StringIO())

    events = AuditEvent.objects.filter(action="person.export", subject=person)
    assert [(e.actor, e.actor_kind) for e in events.order_by("pk")] == [
        (hr, "person"),
        (hr, "person"),
        (None, "system"),
    ]
    client.get(f"/personal-data/{person.pk}/")
    assert events.count() == 3, "seeing what is held is not taking a copy"


def test_the_command_refuses_an_unknown_address(db):
    with pytest.raises(CommandError, match=r"Nobody has the email address 'nobody@example\.com'"):
        call_command("person_export", "nobody@example.com")


def test_hr_exports_through_the_api(everywhere, api, hr, leader, mentor):
    url = f"/api/v1/people/{everywhere.person.pk}/export/"

    response = api(hr).get(url)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert _without_time(response.json()) == _without_time(person_export(person=everywhere.person))
    assert api(everywhere.person).get(url).status_code == 403, "HR answers data requests"
    assert api(mentor).get(url).status_code == 403
    assert api(hr).get("/api/v1/people/999999/export/").status_code == 404


def test_hr_sees_what_is_held_and_downloads_it_from_the_page(everywhere, client, hr, leader):
    client.force_login(hr)

    page = client.get(f"/personal-data/{everywhere.person.pk}/")
    download = client.get(f"/personal-data/{everywhere.person.pk}/export.json")

    assert page.status_code == 200
    holdings = {row["section"]: row["count"] for row in page.context["holdings"]}
    assert holdings["mentoring.pairings"] == 2
    assert holdings["feedback.reports"] == 1
    assert download["Content-Disposition"] == (
        f'attachment; filename="person-{everywhere.person.pk}.json"'
    )
    assert json.loads(download.content)["person"]["email"] == PAT_EMAIL
    client.force_login(leader)
    assert client.get(f"/personal-data/{everywhere.person.pk}/").status_code == 403
    assert client.get(f"/personal-data/{everywhere.person.pk}/export.json").status_code == 403


def test_hr_finds_a_person_by_name_or_address(everywhere, client, hr):
    client.force_login(hr)

    found = client.get("/personal-data/", {"q": "quinlan"})

    assert [person.email for person in found.context["people"]] == [PAT_EMAIL]
    assert f'href="/personal-data/{everywhere.person.pk}/"' in found.content.decode()
