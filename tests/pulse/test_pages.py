"""The pulse pages as each role meets them, and the answer page behind a link."""

import datetime

import pytest
from django.urls import reverse

from pulse.models import Pulse, PulseInvite, PulseResponse
from pulse.services import pulse_tick
from tests.people.factories import LeaderFactory, MentorFactory
from tests.pulse.world import answer_all, token_of


def signed_in(client, user):
    client.force_login(user)
    return client


def _form(world, **fields) -> dict:
    data = {
        "name": "Monthly pulse",
        "template": world.pulse.template_id,
        "cohort": world.cohort.pk,
        "cadence": "month",
        "starts_on": "2027-03-01",
        "answer_days": "10",
        "remind_after_days": "4",
        "is_active": "on",
    }
    return data | fields


def test_hr_schedules_a_pulse_from_the_form(client, world):
    response = signed_in(client, world.hr).post(reverse("pulse:create"), _form(world))
    pulse = Pulse.objects.get(name="Monthly pulse")
    assert response.status_code == 302 and response.url == reverse("pulse:detail", args=[pulse.pk])
    assert (pulse.cadence, pulse.answer_days, pulse.created_by) == ("month", 10, world.hr)


def test_a_refused_schedule_is_a_400_with_the_field_at_fault(client, world):
    response = signed_in(client, world.hr).post(
        reverse("pulse:create"), _form(world, remind_after_days="12")
    )
    assert response.status_code == 400
    assert "Remind before the pulse closes" in response.content.decode()
    assert not Pulse.objects.filter(name="Monthly pulse").exists()


def test_hr_edits_a_pulse(client, world):
    response = signed_in(client, world.hr).post(
        reverse("pulse:edit", args=[world.pulse.pk]), _form(world, name="Renamed")
    )
    assert response.status_code == 302
    world.pulse.refresh_from_db()
    assert world.pulse.name == "Renamed"


@pytest.mark.parametrize("name", ["pulse:list", "pulse:create"])
def test_the_hr_pages_are_hr_only(client, world, name):
    assert client.get(reverse(name)).status_code == 302  # sign in first
    assert signed_in(client, world.big).get(reverse(name)).status_code == 403
    assert signed_in(client, MentorFactory()).get(reverse(name)).status_code == 403
    assert signed_in(client, world.hr).get(reverse(name)).status_code == 200


def test_hr_sees_results_per_leader_with_below_threshold(
    client, world, opened, clock, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    answer_all(opened, world.big, 4, scale=4, enps=10)
    answer_all(opened, world.small, 2)
    clock.set(opened.closes_at + datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        pulse_tick()
    signed_in(client, world.hr)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("pulse:detail", args=[world.pulse.pk]))
    text = page.content.decode()
    assert "75.0" in text and "100.0 % (4)" in text
    assert text.count("below threshold (fewer than 3 answered)") == 2  # small, three


def test_my_team_pulse_is_the_leaders_own(client, world, opened):
    assert signed_in(client, world.big).get(reverse("pulse:mine")).status_code == 200
    own = reverse("pulse:leader", args=[world.big.pk])
    other = reverse("pulse:leader", args=[world.small.pk])
    assert client.get(own).status_code == 200
    assert client.get(other).status_code == 404
    assert signed_in(client, MentorFactory()).get(own).status_code == 404
    assert signed_in(client, world.hr).get(other).status_code == 200


def test_a_team_member_answers_through_the_link_once(client, world, opened):
    invite = PulseInvite.objects.filter(leader=world.big).first()
    url = reverse("pulse:answer", args=[token_of(invite)])
    page = client.get(url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "strict-origin"
    assert "no-cache" in page["Cache-Control"] and "Bea Big" in page.content.decode()
    data = {
        f"statement_{s.pk}": 9 if s.is_enps else 4 for s in world.pulse.template.statements.all()
    }
    done = client.post(url, data | {"comment": "Great"})
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    assert PulseResponse.objects.count() == 1
    again = client.post(url, data)
    assert again.status_code == 410 and "already received" in again.content.decode()
    assert PulseResponse.objects.count() == 1


def test_bad_values_on_the_answer_page_are_field_errors(client, world, opened):
    invite = PulseInvite.objects.filter(leader=world.big).first()
    statement = world.pulse.template.statements.get(position=1)
    page = client.post(
        reverse("pulse:answer", args=[token_of(invite)]), {f"statement_{statement.pk}": "7"}
    )
    assert page.status_code == 200  # re-rendered, as the 360 link does
    assert "Choose a whole number from 1 to 5." in page.content.decode()
    assert "Choose an answer." in page.content.decode()
    assert not PulseResponse.objects.exists()


def test_a_null_character_in_the_comment_is_a_field_error(client, world, opened):
    """PostgreSQL refuses a NUL in text: the page answered 500 (and logged its live link)."""
    from tests.pulse.world import values

    invite = PulseInvite.objects.filter(leader=world.big).first()
    data = {f"statement_{pk}": value for pk, value in values(world.pulse).items()}
    page = client.post(
        reverse("pulse:answer", args=[token_of(invite)]), data | {"comment": "fine\x00print"}
    )
    assert page.status_code == 200  # re-rendered, as for any answer to fix
    assert "Null characters are not allowed." in page.content.decode()
    assert not PulseResponse.objects.exists()
    invite.refresh_from_db()
    assert invite.status == PulseInvite.Status.SENT


def test_a_forged_or_closed_link_gets_a_friendly_page(
    client, world, opened, clock, django_capture_on_commit_callbacks
):
    assert client.get(reverse("pulse:answer", args=["forged"])).status_code == 400
    invite = PulseInvite.objects.filter(leader=world.big).first()
    clock.set(opened.closes_at + datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        pulse_tick()
    page = client.get(reverse("pulse:answer", args=[token_of(invite)]))
    assert page.status_code == 410 and "closed" in page.content.decode()


def test_a_360_rater_link_does_not_open_a_pulse(client, world, opened):
    from django.core import signing

    invite = PulseInvite.objects.filter(leader=world.big).first()
    token = signing.dumps({"invite": invite.pk}, salt="feedback.rater-link", compress=True)
    assert client.get(reverse("pulse:answer", args=[token])).status_code == 400


def test_the_navigation_offers_the_pulse_pages(client, world):
    assert reverse("pulse:list") in signed_in(client, world.hr).get("/pulse/").content.decode()
    leader = LeaderFactory()
    assert reverse("pulse:mine") in signed_in(client, leader).get("/pulse/mine/").content.decode()
