"""Erasure: a person is anonymised, leaves first through the services, and every figure
and everyone else's data stay (the registry-wide checks are in test_registry.py)."""

import datetime
import io
import json

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from common.errors import NotAllowedError, TransitionError
from common.models import AuditEvent, Email
from dashboards.selectors import cohort_dashboard
from feedback.models import Cycle, Nomination, RaterRequest
from feedback.selectors import cycle_subjects_for_report, report_build
from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile, Pairing
from metrics.models import Observation
from people.models import ApiToken, User
from people.services import LastHRError
from personal_data.registry import placeholder_email, placeholder_name
from personal_data.services import person_erase
from programs.models import Cohort, Enrollment
from tests.feedback.factories import CycleFactory, NominationFactory, RaterRequestFactory
from tests.mentorship.factories import MentoringSessionFactory
from tests.people.factories import HRFactory, UserFactory
from tests.personal_data.world import PAT, PAT_EMAIL

pytestmark = pytest.mark.django_db

DEMO_LEADER = ("Aisha Bello", "aisha.bello@example.com")


def erase(person, by):
    return person_erase(person=person, by=by, confirm=person.email)


# --- the demo: no trace left, every figure unchanged ------------------------------------


def _written_anywhere(*needles: str) -> list[str]:
    """Every text column of every model (Django's and Lodestar's) holding one of needles."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            for needle in needles:
                rows = model.objects.filter(**{f"{field.name}__icontains": needle})
                if rows.exists():
                    found.append(f"{model._meta.label}.{field.name} holds {needle!r}")
    return found


def _figures() -> str:
    """Every cohort's dashboard and every released report (to its subject, and to
    nobody in particular), as JSON."""
    figures = {
        f"cohort {cohort.pk}": cohort_dashboard(cohort=cohort)
        for cohort in Cohort.objects.order_by("pk")
    }
    for cycle in Cycle.objects.filter(released_at__isnull=False).order_by("pk"):
        for subject in cycle_subjects_for_report(cycle=cycle):
            for viewer in (None, subject):
                key = f"report {cycle.pk} {subject.pk} {getattr(viewer, 'pk', None)}"
                figures[key] = report_build(cycle=cycle, subject=subject, viewer=viewer)
    return json.dumps(figures, cls=DjangoJSONEncoder, sort_keys=True)


def test_erasing_a_demo_leader_leaves_no_trace_and_every_figure_unchanged(clock):
    call_command("seed_demo", stdout=io.StringIO())
    name, email = DEMO_LEADER
    aisha = User.objects.get(email=email)
    assert Cycle.objects.filter(released_at__isnull=False, requests__subject=aisha).exists()
    assert _written_anywhere(name, email), "the demo writes her name in more than one place"
    before = _figures()
    assert name in before

    call_command("person_erase", email, "--no-input", stdout=io.StringIO())

    assert _written_anywhere(name, email) == []
    aisha.refresh_from_db()
    expected = before.replace(name, placeholder_name(aisha)).replace(email, aisha.email)
    assert _figures() == expected


# --- what erasure does to the person ----------------------------------------------------


def test_the_person_becomes_a_placeholder_who_cannot_sign_in(everywhere, hr, client, api):
    person = everywhere.person
    client.force_login(person)
    assert client.get("/").status_code == 302

    erase(person, hr)

    person.refresh_from_db()
    assert (person.full_name, person.email) == (
        placeholder_name(person),
        f"erased-{person.pk}@erased.invalid",
    )
    assert (person.job_title, person.region, person.manager, person.last_login) == (
        "",
        "",
        None,
        None,
    )
    assert not (person.is_active or person.is_staff or person.is_superuser)
    assert not person.has_usable_password()
    assert not person.groups.exists()
    assert not ApiToken.objects.filter(user=person).exists()
    assert client.get("/programs/my/")["Location"].startswith("/login/"), "signed out"
    signed_in = client.post("/login/", {"username": PAT_EMAIL, "password": "pass-word-123"})
    assert signed_in.status_code == 200, "the form again, not a redirect in"
    assert User.objects.filter(full_name=PAT).count() == 0


def test_the_audit_trail_keeps_what_happened_but_not_their_name_or_what_they_wrote(everywhere, hr):
    person = everywhere.person
    goal = Goal.objects.get(title__startswith="PAT-GOAL")

    erase(person, hr)

    person.refresh_from_db()
    created = AuditEvent.objects.get(action="goal.create", object_id=str(goal.pk))
    assert created.changes == {"notes": [None, "[erased]"], "title": [None, "[erased]"]}
    assert "PAT-GOAL" not in created.object_repr
    assert created.subject == person, "still about the (anonymised) person"
    erased = AuditEvent.objects.get(action="person.erase")
    assert (erased.actor, erased.subject, erased.object_repr) == (hr, person, str(person))
    assert erased.object_repr.startswith(placeholder_name(person))
    assert erased.changes["erased"][1]["pairings_ended"] == 2
    every_event = json.dumps(
        list(AuditEvent.objects.values("object_repr", "changes")), cls=DjangoJSONEncoder
    )
    assert PAT not in every_event and PAT_EMAIL not in every_event
    assert "PAT-GOAL" not in every_event


def test_a_leavers_pairings_end_and_their_open_feedback_stops_first(everywhere, hr, clock):
    person = everywhere.person
    as_mentor = Pairing.objects.get(mentor=person)
    planned = MentoringSessionFactory(
        pairing=as_mentor,
        status=MentoringSession.Status.PLANNED,
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    open_cycle = CycleFactory(cohort=everywhere.cycle.cohort, status=Cycle.Status.OPEN)
    about = RaterRequestFactory(cycle=open_cycle, subject=person, rater=everywhere.mentor)
    by = RaterRequestFactory(cycle=open_cycle, subject=everywhere.mentee, rater=person)
    untouched = RaterRequestFactory(cycle=open_cycle, subject=everywhere.mentee)
    upcoming = CycleFactory(cohort=everywhere.cycle.cohort, status=Cycle.Status.SCHEDULED)
    standing = NominationFactory(cycle=upcoming, subject=everywhere.mentee, rater=person)

    erasure = erase(person, hr)

    assert erasure.pairings_ended == 2
    assert set(Pairing.objects.filter(mentor=person).values_list("status", flat=True)) == {"ended"}
    assert Pairing.objects.get(mentee=person).status == "ended"
    assert MentorProfile.objects.get(user=person).is_active is False
    planned.refresh_from_db()
    assert planned.status == MentoringSession.Status.CANCELLED
    statuses = dict(RaterRequest.objects.filter(cycle=open_cycle).values_list("pk", "status"))
    assert statuses == {about.pk: "expired", by.pk: "expired", untouched.pk: "sent"}
    standing.refresh_from_db()
    assert (standing.status, standing.decided_by) == (Nomination.Status.WITHDRAWN, hr)


def test_figures_and_other_peoples_data_stay(everywhere, hr):
    person = everywhere.person
    report = report_build(cycle=everywhere.cycle, subject=person, viewer=None)
    enrollment = Enrollment.objects.get(leader=person)
    observations = list(Observation.objects.filter(leader=person).values_list("value", flat=True))

    erase(person, hr)

    person.refresh_from_db()
    after = report_build(cycle=everywhere.cycle, subject=person, viewer=None)
    expected = json.dumps(report, cls=DjangoJSONEncoder).replace(PAT, placeholder_name(person))
    assert json.dumps(after, cls=DjangoJSONEncoder) == expected, "only the name in it changes"
    assert Enrollment.objects.get(pk=enrollment.pk).status == enrollment.status
    assert list(Observation.objects.filter(leader=person).values_list("value", flat=True)) == (
        observations
    )
    # Mia's notes are Mia's: only Pat's name and address in them are replaced.
    notes = MentoringSession.objects.get(pairing__mentee=person).private_notes
    assert notes == f"MIA-PRIVATE: {placeholder_name(person)} ({person.email}) seems tired."
    assert ActionItem.objects.filter(description="Mia sends the deck").exists()
    assert Goal.objects.filter(title="Olga's goal", created_by=person).exists()
    assert Email.objects.filter(to="another.pat.quinlan@example.com").exists(), (
        "a longer address that contains Pat's is someone else's"
    )


def test_a_namesake_keeps_their_name(everywhere, hr):
    namesake = UserFactory(full_name=PAT, email="pat.quinlan@elsewhere.example.com")

    erase(everywhere.person, hr)

    namesake.refresh_from_db()
    assert namesake.full_name == PAT


def test_emails_to_them_lose_their_address_and_errors_and_none_is_sent_to_them(everywhere, hr):
    person = everywhere.person
    only_theirs = Email.objects.create(kind="programs.welcome", key="w:2", ref=2, to=PAT_EMAIL)

    erasure = erase(person, hr)

    person.refresh_from_db()
    assert erasure.emails_redacted == 3
    failed = Email.objects.get(kind="programs.welcome", status=Email.Status.FAILED)
    assert (failed.to, failed.last_error) == (person.email, "")
    shared = Email.objects.get(kind="mentorship.session_invitation")
    assert shared.to == f"{everywhere.mentor.email}, {person.email}"
    only_theirs.refresh_from_db()
    assert only_theirs.status == Email.Status.SKIPPED
    assert RaterRequest.objects.get(rater=person).last_error == ""


def test_a_user_row_referenced_by_protected_keys_is_kept(everywhere, hr):
    erase(everywhere.person, hr)

    assert User.objects.filter(pk=everywhere.person.pk).exists()
    assert Enrollment.objects.filter(leader=everywhere.person).exists()


# --- refusals ----------------------------------------------------------------------------


def test_the_last_active_hr_user_cannot_be_erased(hr):
    with pytest.raises(LastHRError, match="last active HR user"):
        person_erase(person=hr, by=None, confirm=hr.email)

    HRFactory()
    erase(hr, None)
    hr.refresh_from_db()
    assert not hr.is_active


def test_a_superuser_counts_as_hr_for_the_last_hr_rule(hr):
    UserFactory(is_superuser=True, is_staff=True)

    erase(hr, None)


def test_an_inactive_hr_user_does_not_keep_hr_running(hr):
    colleague = HRFactory(is_active=False)

    with pytest.raises(LastHRError):
        erase(hr, colleague)


def test_hr_cannot_erase_themselves(hr):
    HRFactory()

    with pytest.raises(NotAllowedError):
        erase(hr, hr)


def test_erasing_twice_is_refused(everywhere, hr):
    erase(everywhere.person, hr)
    everywhere.person.refresh_from_db()

    with pytest.raises(TransitionError, match="already been erased"):
        erase(everywhere.person, hr)


def test_a_wrong_confirmation_changes_nothing(everywhere, hr):
    with pytest.raises(ValidationError) as refused:
        person_erase(person=everywhere.person, by=hr, confirm="pat@example.com")

    assert "confirm" in refused.value.message_dict
    everywhere.person.refresh_from_db()
    assert everywhere.person.email == PAT_EMAIL


# --- the API, the page, the admin, the command ------------------------------------------


def test_hr_erases_through_the_api(everywhere, api, hr, leader):
    url = f"/api/v1/people/{everywhere.person.pk}/erase/"

    assert api(leader).post(url, {"confirm": PAT_EMAIL}).status_code == 403
    refused = api(hr).post(url, {"confirm": "someone@example.com"})
    assert (refused.status_code, list(refused.json())) == (400, ["confirm"])
    assert api(hr).post(url, {}).status_code == 400
    response = api(hr).post(url, {"confirm": PAT_EMAIL.upper()})

    assert response.status_code == 200
    assert response.json()["pairings_ended"] == 2
    everywhere.person.refresh_from_db()
    assert everywhere.person.email == placeholder_email(everywhere.person)


def test_the_api_refuses_erasing_oneself(api, hr):
    HRFactory()

    response = api(hr).post(f"/api/v1/people/{hr.pk}/erase/", {"confirm": hr.email})

    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")
    hr.refresh_from_db()
    assert hr.is_active


def test_hr_erases_from_the_page_after_typing_the_address(everywhere, client, hr):
    client.force_login(hr)
    url = f"/personal-data/{everywhere.person.pk}/erase/"

    wrong = client.post(url, {"confirm": "pat@example.com"})
    assert wrong.status_code == 400
    assert "confirm" in wrong.context["form"].errors
    everywhere.person.refresh_from_db()
    assert everywhere.person.email == PAT_EMAIL

    done = client.post(url, {"confirm": PAT_EMAIL}, follow=True)

    assert done.redirect_chain == [(f"/personal-data/{everywhere.person.pk}/", 302)]
    assert "Pat Quinlan&#x27;s personal data is erased." in done.content.decode()
    assert done.context["erased"] is True


def test_the_page_shows_a_refusal_on_the_form(client, hr):
    client.force_login(hr)
    other = HRFactory()

    response = client.post(f"/personal-data/{other.pk}/erase/", {"confirm": other.email})
    assert response.status_code == 302, "another HR user may be erased while one is left"
    last = client.post(f"/personal-data/{hr.pk}/erase/", {"confirm": hr.email})

    assert last.status_code == 400
    assert "Someone else in HR erases your own data." in last.content.decode()


def test_the_user_admin_erases_the_selected_people_once_confirmed(everywhere, admin_client):
    person = everywhere.person
    changelist = "/admin/people/user/"
    chosen = {"action": "erase_personal_data", "_selected_action": [person.pk]}

    asked = admin_client.post(changelist, chosen)
    wrong = admin_client.post(changelist, {**chosen, "erase": "1", f"confirm-{person.pk}": "x"})
    person.refresh_from_db()
    assert asked.status_code == wrong.status_code == 200
    assert f'name="confirm-{person.pk}"' in asked.content.decode()
    assert "That is not Pat Quinlan's email address." in wrong.content.decode()
    assert person.email == PAT_EMAIL

    done = admin_client.post(
        changelist, {**chosen, "erase": "1", f"confirm-{person.pk}": PAT_EMAIL}, follow=True
    )

    person.refresh_from_db()
    assert person.email == placeholder_email(person)
    assert "Pat Quinlan&#x27;s personal data is erased." in done.content.decode()
    logged = LogEntry.objects.get(object_id=str(person.pk), change_message="Erased personal data.")
    assert logged.object_repr == str(person)


def test_the_user_admin_links_to_the_persons_data(everywhere, admin_client):
    page = admin_client.get(f"/admin/people/user/{everywhere.person.pk}/change/").content.decode()

    assert f'href="/personal-data/{everywhere.person.pk}/"' in page
    assert f'href="/personal-data/{everywhere.person.pk}/export.json"' in page


def test_the_command_asks_for_the_address_again(everywhere, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "pat@example.com")
    with pytest.raises(CommandError, match="Type the person's email address to confirm"):
        call_command("person_erase", PAT_EMAIL)
    everywhere.person.refresh_from_db()
    assert everywhere.person.email == PAT_EMAIL

    monkeypatch.setattr("builtins.input", lambda prompt: PAT_EMAIL)
    out = io.StringIO()
    call_command("person_erase", PAT_EMAIL, stdout=out)

    assert "Pat Quinlan's personal data is erased" in out.getvalue()
    everywhere.person.refresh_from_db()
    assert everywhere.person.email == placeholder_email(everywhere.person)


def test_the_command_names_the_reason_it_refuses(hr):
    with pytest.raises(CommandError, match="last active HR user"):
        call_command("person_erase", hr.email, "--no-input")
    with pytest.raises(CommandError, match="Nobody has the email address"):
        call_command("person_erase", "nobody@example.com", "--no-input")
