import datetime
import re

import pytest
from django.test import Client

from feedback import services
from feedback.links import TOKEN_SALT, request_token
from feedback.models import Cycle, Nomination, RaterRequest, ReportShare, Response
from people.models import User
from tests.feedback.factories import CycleFactory, default_questionnaire
from tests.feedback.helpers import answer_all, answers_for, committed, team_in, tick
from tests.people.factories import UserFactory
from tests.programs.factories import CohortFactory

UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(db, clock, hr, mentor, leader, other_leader, nobody):
    clock.set(at(2027, 2, 1, 8))
    cycle = CycleFactory(opens_at=at(2027, 3, 1, 8), due_at=at(2027, 3, 11, 8))
    team = team_in(cycle.cohort, leader=leader, mentor=mentor, reports=3)
    return {"cycle": cycle, "team": team}


@pytest.fixture
def opened(world, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    return world["cycle"]


def rater_url(request) -> str:
    return f"/feedback/r/{request_token(request)}/"


# --- the rater page ------------------------------------------------------------------


def test_rater_page_without_login_shows_subject_and_questions(opened, world):
    request = RaterRequest.objects.get(rater=world["team"].manager)
    page = Client().get(rater_url(request))
    assert page.status_code == 200
    html = page.content.decode()
    assert world["team"].leader.full_name in html
    assert "can't say" in html
    assert html.count('type="radio"') == 18 * 6
    assert "Thursday 11 March 2027, 09:00 (Europe/Berlin)" in html


def test_rater_page_keeps_typed_answers_on_error_then_accepts_once(opened, world):
    request = RaterRequest.objects.get(rater=world["team"].manager)
    questions = list(opened.questionnaire.questions.all())
    first, comment = questions[0], questions[-1]
    partial = {f"q{first.pk}": "4", f"q{comment.pk}": "More one-to-ones", "action": "answer"}
    page = Client().post(rater_url(request), partial)
    assert page.status_code == 200  # re-rendered: a 4xx would log the live link
    html = page.content.decode()
    assert "More one-to-ones" in html
    assert re.search(rf'name="q{first.pk}" value="4" checked', html)
    full = {f"q{q.pk}": "cant_say" if q.kind == "rating" else "" for q in questions}
    full[f"q{first.pk}"] = "5"
    done = Client().post(rater_url(request), {**full, "action": "answer"})
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    assert Response.objects.get().answers.get(question=first).rating == 5
    again = Client().post(rater_url(request), {**full, "action": "answer"})
    assert again.status_code == 410 and "Already answered" in again.content.decode()
    assert Response.objects.count() == 1


def test_rater_can_decline(opened, world):
    request = RaterRequest.objects.get(rater=world["team"].manager)
    page = Client().post(rater_url(request), {"action": "decline"})
    assert page.status_code == 200
    request.refresh_from_db()
    assert request.status == "declined"
    assert Client().get(rater_url(request)).status_code == 410


@pytest.mark.parametrize(
    ("case", "status", "text"),
    [
        ("tampered", 400, "This link does not work"),
        ("garbage", 400, "This link does not work"),
        ("other_salt", 400, "This link does not work"),
        ("unknown_request", 400, "This link does not work"),
        ("expired", 410, "Feedback round closed"),
        ("closed", 410, "Feedback round closed"),
        ("used", 410, "Already answered"),
        ("declined", 410, "Request declined"),
        ("cancelled", 410, "Feedback round cancelled"),
    ],
)
def test_every_bad_link_gets_a_friendly_page(opened, world, clock, case, status, text):
    from django.core import signing

    request = RaterRequest.objects.get(rater=world["team"].manager)
    token = request_token(request)
    if case == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "garbage":
        token = "not-a-token"
    elif case == "other_salt":
        token = signing.dumps({"request": request.pk}, salt="something-else")
    elif case == "unknown_request":
        token = signing.dumps({"request": 999999}, salt=TOKEN_SALT)
    elif case == "expired":
        clock.set(at(2027, 3, 11, 8))
    elif case == "closed":
        clock.set(at(2027, 3, 11, 8))
        tick()
    elif case == "used":
        services.response_submit(request=request, answers=answers_for(opened))
    elif case == "declined":
        services.request_decline(request=request)
    elif case == "cancelled":
        services.cycle_cancel(cycle=opened, by=None)
    for method in ("get", "post"):
        page = getattr(Client(), method)(
            f"/feedback/r/{token}/", {"action": "answer"} if method == "post" else None
        )
        assert page.status_code == status
        assert text in page.content.decode()
        assert world["team"].leader.full_name not in page.content.decode()


def test_extended_link_stays_valid_after_the_due_date(opened, world, clock):
    request = RaterRequest.objects.get(rater=world["team"].manager)
    services.request_extend(request=request, due_at=at(2027, 3, 14, 8), by=None)
    clock.set(at(2027, 3, 12, 8))
    tick()
    assert Client().get(rater_url(request)).status_code == 200


# --- HR pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"), [("hr", 200), ("mentor", 403), ("leader", 403), ("nobody", 403)]
)
def test_hr_pages_are_hr_only(world, request, who, expected):
    user = request.getfixturevalue(who)
    for url in (
        "/feedback/cycles/",
        "/feedback/cycles/new/",
        f"/feedback/cycles/{world['cycle'].pk}/",
    ):
        assert client_for(user).get(url).status_code == expected


def test_anonymous_is_sent_to_login(world):
    assert Client().get("/feedback/cycles/").status_code == 302
    assert Client().get("/feedback/mine/").status_code == 302


def test_hr_creates_a_draft_from_local_times_previews_and_schedules(world, hr):
    client = client_for(hr)
    form = {
        "name": "Summer round",
        "cohort": world["cycle"].cohort_id,
        "questionnaire": default_questionnaire().pk,
        "opens_at": "2027-07-05T09:00",
        "due_at": "2027-07-15T17:00",
        "reminder_every_days": "3",
        "min_peers": "3",
        "min_direct_reports": "3",
        "anonymity_threshold": "3",
        "recurrence_days": "",
    }
    response = client.post("/feedback/cycles/new/", form)
    cycle = Cycle.objects.get(name="Summer round")
    assert response.status_code == 302
    assert cycle.status == "draft"
    assert cycle.opens_at == at(2027, 7, 5, 7)  # 09:00 Berlin summer time
    page = client.get(f"/feedback/cycles/{cycle.pk}/").content.decode()
    assert "Mon 5 Jul 2027, 09:00" in page
    assert world["team"].manager.full_name in page
    assert "0 peer of 3 wanted" in page
    client.post(f"/feedback/cycles/{cycle.pk}/schedule/")
    cycle.refresh_from_db()
    assert cycle.status == "scheduled"


def test_hr_create_form_errors_are_shown_and_nothing_is_saved(world, hr):
    form = {
        "name": "Backwards",
        "cohort": world["cycle"].cohort_id,
        "questionnaire": default_questionnaire().pk,
        "opens_at": "2027-07-15T09:00",
        "due_at": "2027-07-05T09:00",
        "reminder_every_days": "3",
        "min_peers": "3",
        "min_direct_reports": "3",
        "anonymity_threshold": "3",
    }
    response = client_for(hr).post("/feedback/cycles/new/", form)
    assert response.status_code == 400
    assert "after the opening date" in response.content.decode()
    assert not Cycle.objects.filter(name="Backwards").exists()


def test_hr_follows_progress_nudges_and_extends(opened, world, hr, mailoutbox):
    client = client_for(hr)
    page = client.get(f"/feedback/cycles/{opened.pk}/").content.decode()
    assert "By leader" in page and world["team"].leader.full_name in page
    request = RaterRequest.objects.get(rater=world["team"].manager)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/feedback/requests/{request.pk}/nudge/")
    assert mailoutbox[-1].subject.startswith("A quick reminder from HR")
    second = client.post(f"/feedback/requests/{request.pk}/nudge/", follow=True)
    assert "less than 24 hours ago" in second.content.decode()
    client.post(f"/feedback/requests/{request.pk}/extend/", {"due_at": "2027-03-20T17:00"})
    request.refresh_from_db()
    assert request.due_at_override == at(2027, 3, 20, 16)
    refused = client.post(f"/feedback/cycles/{opened.pk}/release/", follow=True)
    assert "can still be answered" in refused.content.decode()


# --- leader pages -------------------------------------------------------------------------


def test_leader_proposes_peers_before_opening_and_withdraws_one(world, leader, settings):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    client = client_for(leader)
    page = client.get("/feedback/mine/")
    assert page.status_code == 200 and "Propose peers" in page.content.decode()
    client.post(
        f"/feedback/cycles/{world['cycle'].pk}/nominate/",
        {"full_name": "Pat Peer", "email": "pat@example.com"},
    )
    nomination = Nomination.objects.get()
    assert nomination.subject == leader and nomination.group == "peer"
    assert nomination.status == Nomination.Status.PROPOSED
    page = client.get("/feedback/mine/").content.decode()
    assert "Pat Peer" in page and "Awaiting approval" in page
    client.post(f"/feedback/nominations/{nomination.pk}/withdraw/")
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN
    assert "Withdrawn" in client.get("/feedback/mine/").content.decode()


def test_leader_proposes_a_colleague_from_the_list(world, leader):
    colleague = UserFactory(manager=leader.manager, full_name="Cole League")
    client = client_for(leader)
    page = client.get("/feedback/mine/").content.decode()
    assert f'<option value="{colleague.pk}">Cole League</option>' in page
    assert colleague.email not in page
    client.post(f"/feedback/cycles/{world['cycle'].pk}/nominate/", {"rater": colleague.pk})
    nomination = Nomination.objects.get()
    assert (nomination.rater, nomination.status) == (colleague, Nomination.Status.PROPOSED)


def test_hr_approves_ticked_proposals_on_the_cycle_page(world, leader, hr, settings):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    for name in ("Ann", "Bob", "Cy"):
        client_for(leader).post(
            f"/feedback/cycles/{world['cycle'].pk}/nominate/",
            {"full_name": name, "email": f"{name.lower()}@example.com"},
        )
    ann, bob, cy = Nomination.objects.order_by("full_name")
    url = f"/feedback/cycles/{world['cycle'].pk}/"
    page = client_for(hr).get(url).content.decode()
    assert "Proposals awaiting approval" in page and "3 awaiting" in page
    response = client_for(hr).post(
        f"{url}proposals/", {"ids": [ann.pk, bob.pk], "decision": "approve"}
    )
    assert response.status_code == 302
    client_for(hr).post(f"{url}proposals/", {"ids": [cy.pk], "decision": "reject"})
    statuses = dict(Nomination.objects.values_list("full_name", "status"))
    assert statuses == {"Ann": "approved", "Bob": "approved", "Cy": "rejected"}
    assert User.objects.filter(email="ann@example.com", full_name="Ann").exists()
    assert not User.objects.filter(email="cy@example.com").exists()
    assert (
        client_for(leader)
        .post(f"{url}proposals/", {"ids": [cy.pk], "decision": "approve"})
        .status_code
        == 403
    )


def test_a_decision_that_is_neither_approve_nor_reject_is_explained_and_changes_nothing(
    world, leader, hr, settings
):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    client_for(leader).post(
        f"/feedback/cycles/{world['cycle'].pk}/nominate/",
        {"full_name": "Ann", "email": "ann@example.com"},
    )
    proposal = Nomination.objects.get()
    url = f"/feedback/cycles/{world['cycle'].pk}/"
    for decision in ({}, {"decision": "maybe"}):
        client = client_for(hr)
        response = client.post(f"{url}proposals/", {"ids": [proposal.pk], **decision})
        assert response.status_code == 302 and response["Location"] == url
        page = client.get(url).content.decode()
        assert "Choose to approve or to reject the ticked proposals." in page
    proposal.refresh_from_db()
    assert proposal.status == Nomination.Status.PROPOSED


def test_other_leader_cannot_touch_someone_elses_cycle(world, other_leader, leader):
    client = client_for(other_leader)
    response = client.post(
        f"/feedback/cycles/{world['cycle'].pk}/nominate/",
        {"full_name": "Pat Peer", "email": "pat@example.com"},
    )
    assert response.status_code == 404
    nomination = Nomination.objects.create(
        cycle=world["cycle"], subject=leader, rater=world["team"].reports[0], group="peer"
    )
    assert client.post(f"/feedback/nominations/{nomination.pk}/withdraw/").status_code == 404
    assert (
        client.post(f"/feedback/cycles/{world['cycle'].pk}/share/", {"shared": "1"}).status_code
        == 404
    )


def test_leader_sees_counts_not_names_then_report_and_shares(opened, world, leader, mentor, hr):
    answer_all(opened, groups=["manager"])
    page = client_for(leader).get("/feedback/mine/").content.decode()
    assert "1 of 5 raters have answered" in page
    assert world["team"].manager.full_name not in page
    answer_all(opened, comment="Clear priorities")
    committed(services.cycle_release, cycle=opened, by=hr)
    report_url = f"/feedback/cycles/{opened.pk}/reports/{leader.pk}/"
    report = client_for(leader).get(report_url)
    assert report.status_code == 200
    assert "Balance profile" in report.content.decode()
    assert "Clear priorities" in report.content.decode()
    assert client_for(hr).get(report_url).status_code == 200
    assert client_for(mentor).get(report_url).status_code == 404
    client_for(leader).post(f"/feedback/cycles/{opened.pk}/share/", {"shared": "1"})
    assert ReportShare.objects.filter(cycle=opened, subject=leader).exists()
    assert client_for(mentor).get(report_url).status_code == 200


def test_report_page_before_release_says_so(opened, leader):
    page = client_for(leader).get(f"/feedback/cycles/{opened.pk}/reports/{leader.pk}/")
    assert page.status_code == 409 and "Not released yet" in page.content.decode()


def test_other_leader_report_is_404(opened, other_leader, leader):
    other = CycleFactory(cohort=CohortFactory())
    assert other
    page = client_for(other_leader).get(f"/feedback/cycles/{opened.pk}/reports/{leader.pk}/")
    assert page.status_code == 404


def test_navigation_has_feedback_entries(world, hr, leader):
    assert 'href="/feedback/cycles/"' in client_for(hr).get("/feedback/cycles/").content.decode()
    assert 'href="/feedback/mine/"' in client_for(leader).get("/feedback/mine/").content.decode()


def test_hr_adds_and_removes_a_rater_before_opening(world, hr, leader):
    client = client_for(hr)
    url = f"/feedback/cycles/{world['cycle'].pk}/"
    page = client.get(url).content.decode()
    assert "Add rater" in page
    client.post(
        f"{url}nominations/",
        {
            "subject": leader.pk,
            "group": "direct_report",
            "full_name": "Dana Report",
            "email": "dana@example.com",
        },
    )
    nomination = Nomination.objects.get()
    assert (nomination.subject, nomination.group) == (leader, "direct_report")
    assert "Dana Report" in client.get(url).content.decode()
    response = client.post(f"/feedback/nominations/{nomination.pk}/withdraw/")
    assert response.status_code == 302 and response["Location"] == url
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN


def test_only_hr_adds_raters_on_the_cycle_page(world, leader):
    response = client_for(leader).post(
        f"/feedback/cycles/{world['cycle'].pk}/nominations/",
        {"subject": leader.pk, "group": "peer", "full_name": "X", "email": "x@example.com"},
    )
    assert response.status_code == 403
    assert not Nomination.objects.exists()
