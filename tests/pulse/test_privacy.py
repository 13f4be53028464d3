"""Attacks on the pulse's anonymity: differencing aggregates, a small team, a team of
exactly three where one member leaves between rounds, and what a page or the API shows
below the threshold."""

import datetime
import re
from decimal import Decimal

from django.urls import reverse

from metrics.models import Observation
from pulse import services
from pulse.models import PulseRound
from pulse.selectors import pulse_results, round_summary, team_results
from tests.pulse.world import OPENED, answer_all


def _close(clock, pulse_round, capture):
    clock.set(pulse_round.closes_at + datetime.timedelta(minutes=1))
    with capture(execute=True):
        services.pulse_tick()
    pulse_round.refresh_from_db()


def test_aggregates_count_no_team_below_the_threshold(
    world, opened, clock, django_capture_on_commit_callbacks
):
    """Differencing: a pulse-wide figure with the small team's two answers and one without
    them are the same, so subtracting one from the other reveals nothing."""
    answer_all(opened, world.big, 4, scale=4)
    answer_all(opened, world.three, 3, scale=2)
    answer_all(opened, world.small, 2, scale=5, comment="only two of us")
    _close(clock, opened, django_capture_on_commit_callbacks)
    results = team_results(rounds=[opened])
    with_small = round_summary(results.values())
    without_small = round_summary(
        result for (_, leader_id), result in results.items() if leader_id != world.small.pk
    )
    assert (with_small.engagement, with_small.answers, with_small.response_rate) == (
        without_small.engagement,
        without_small.answers,
        without_small.response_rate,
    )
    assert with_small.answers == 7  # 4 + 3, never 9
    assert with_small.engagement == Decimal("53.6")  # 35 answers of 4 or 2: (110 - 35) / 140
    assert (with_small.shown, with_small.below_threshold) == (2, 1)


def test_a_team_of_two_never_gets_a_figure(
    world, opened, clock, django_capture_on_commit_callbacks, api, client
):
    answer_all(opened, world.small, 2, scale=5, comment="SMALL-TEAM-COMMENT")
    _close(clock, opened, django_capture_on_commit_callbacks)
    small = team_results(rounds=[opened])[(opened.pk, world.small.pk)]
    assert small.status == "below_threshold"
    assert (small.answers, small.engagement, small.enps, small.response_rate) == (None,) * 4
    assert small.statements == [] and small.comments == []
    assert not Observation.objects.filter(leader=world.small).exists()
    # The API and the pages say "below threshold" and nothing about how many answered.
    rows = api(world.hr).get(f"/api/v1/pulses/{world.pulse.pk}/results/").json()
    team = next(t for t in rows[0]["teams"] if t["leader"] == world.small.pk)
    assert team["status"] == "below_threshold" and team["answers"] is None
    mine = api(world.small).get("/api/v1/pulse/me/").json()
    assert mine[0]["status"] == "below_threshold" and mine[0]["comments"] == []
    client.force_login(world.small)
    page = client.get(reverse("pulse:mine")).content.decode()
    assert "below threshold" in page and "SMALL-TEAM-COMMENT" not in page
    assert "2 of" not in page
    client.force_login(world.hr)
    page = client.get(reverse("pulse:detail", args=[world.pulse.pk])).content.decode()
    assert "fewer than 3" in page and "SMALL-TEAM-COMMENT" not in page


def test_a_team_of_three_losing_one_member_is_below_the_threshold_next_round(
    world, opened, clock, django_capture_on_commit_callbacks
):
    answer_all(opened, world.three, 3, scale=4)
    _close(clock, opened, django_capture_on_commit_callbacks)
    assert team_results(rounds=[opened])[(opened.pk, world.three.pk)].shown
    leaver = world.three.direct_reports.order_by("pk").first()
    leaver.left_on = datetime.date(2027, 3, 15)
    leaver.is_active = False
    leaver.save()
    # The next quarter's round: two are asked, both answer.
    clock.set(datetime.datetime(2027, 4, 1, 10, tzinfo=datetime.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        services.pulse_tick()
    second = PulseRound.objects.get(period_start=datetime.date(2027, 4, 1))
    assert second.invites.filter(leader=world.three).count() == 2
    answer_all(second, world.three, 2, scale=1)
    _close(clock, second, django_capture_on_commit_callbacks)
    result = team_results(rounds=[second])[(second.pk, world.three.pk)]
    assert result.status == "below_threshold" and result.engagement is None
    # Only the first quarter has a value: nothing to subtract the second from.
    assert list(
        Observation.objects.filter(leader=world.three).values_list("period_start", "value")
    ) == [(datetime.date(2027, 1, 1), 75)]


def test_nothing_is_shown_while_the_round_is_open(world, opened):
    answer_all(opened, world.big, 4)
    result = team_results(rounds=[opened])[(opened.pk, world.big.pk)]
    assert result.status == "open" and result.engagement is None
    assert pulse_results(pulse=world.pulse)[0]["summary"].engagement is None


def test_comments_are_never_in_the_order_they_arrived(
    world, opened, clock, django_capture_on_commit_callbacks
):
    for comment in ("zebra", "apple", "mango"):
        answer_all(opened, world.big, 1, comment=comment)
    _close(clock, opened, django_capture_on_commit_callbacks)
    answer = team_results(rounds=[opened])[(opened.pk, world.big.pk)]
    assert answer.comments == ["apple", "mango", "zebra"]


def test_results_and_emails_say_nothing_of_other_answers(
    world, opened, clock, django_capture_on_commit_callbacks
):
    from django.core import mail

    answer_all(opened, world.big, 1, comment="EARLY-COMMENT")
    mail.outbox.clear()
    clock.set(OPENED + datetime.timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        services.pulse_tick()
    reminders = [m for m in mail.outbox if "Bea Big" in m.subject]
    assert len(reminders) == 3
    # Alike but for the greeting and the link: nothing in them depends on answers.
    bodies = {
        re.sub(r"https?://\S+", "LINK", re.sub(r"^Hello \w+,", "", m.body)) for m in reminders
    }
    assert len(bodies) == 1
    assert "EARLY-COMMENT" not in bodies.pop()


def test_a_new_questionnaire_mid_round_shows_no_statement_of_one_answer(
    world, opened, clock, django_capture_on_commit_callbacks, api
):
    """HR switches an open pulse to another questionnaire after three of a team of four
    answered: the fourth would be the only one asked its statements, and its mean on the
    leader's page would be their answer. The switch is refused; and a statement fewer
    than the threshold answered gets no mean of its own even in a shown team."""
    from pulse.models import PulseAnswer, PulseInvite, PulseStatement, PulseTemplate
    from tests.pulse.world import values

    answer_all(opened, world.big, 3, scale=4)
    other = PulseTemplate.objects.create(name="Another questionnaire")
    lonely = PulseStatement.objects.create(template=other, position=1, text="LONELY STATEMENT")
    refused = api(world.hr).patch(
        f"/api/v1/pulses/{world.pulse.pk}/", {"template": other.pk}, format="json"
    )
    assert refused.status_code == 400 and "template" in refused.json()
    world.pulse.refresh_from_db()
    assert world.pulse.template.name != other.name
    # Even were answers to differ in their statements (data from before this rule), a
    # statement answered by one member shows no mean.
    fourth = PulseInvite.objects.filter(round=opened, leader=world.big, status="sent").get()
    services.response_submit(
        invite=PulseInvite.objects.select_related("round__pulse").get(pk=fourth.pk),
        values=values(world.pulse, scale=1),
    )
    answer = PulseAnswer.objects.filter(response__leader=world.big, kind="scale").last()
    answer.statement = lonely
    answer.save()
    _close(clock, opened, django_capture_on_commit_callbacks)
    result = team_results(rounds=[opened])[(opened.pk, world.big.pk)]
    assert result.shown
    assert lonely.pk not in {row["statement"] for row in result.statements}
