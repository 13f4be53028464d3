"""The plan pages as each role meets them: build, read, comment, change, check in."""

import datetime

import pytest
from django.urls import reverse

from common.models import Email
from mentorship.models import Goal
from plans.models import CheckIn, Comment, Plan
from plans.services import FocusInput, plan_create
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory
from tests.plans.world import WEAKEST

LATER = "2027-06-30"


@pytest.fixture
def plan(world):
    return plan_create(
        leader=world.leader,
        cycle=world.cycle,
        focuses=[
            FocusInput(
                "relationships",
                "Hold weekly 1:1s",
                "Every report has one",
                datetime.date(2027, 6, 30),
            )
        ],
        by=world.leader,
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def chosen(dimension: str, **fields) -> dict:
    data = {
        f"{dimension}-chosen": "on",
        f"{dimension}-goal": f"Practise {dimension}",
        f"{dimension}-measure": "Two of my team notice it",
        f"{dimension}-target_date": LATER,
    }
    return data | {f"{dimension}-{name}": value for name, value in fields.items()}


def test_my_feedback_offers_build_my_plan_for_a_released_report(client, world):
    page = signed_in(client, world.leader).get(reverse("feedback:mine"))
    assert reverse("plans:build", args=[world.cycle.pk]) in page.content.decode()


def test_build_my_plan_lists_the_nine_dimensions_most_management_first(client, world):
    page = signed_in(client, world.leader).get(reverse("plans:build", args=[world.cycle.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    order = [text.index(f'id="dimension-{d}"') for d in WEAKEST]
    assert order == sorted(order) and text.count('class="card focus-option"') == 9
    assert "Coaching conversations" in text, "the module tagged with relationships"


def test_a_leader_builds_a_plan_with_two_focus_dimensions(client, world):
    module = world.modules["relationships"]
    response = signed_in(client, world.leader).post(
        reverse("plans:build", args=[world.cycle.pk]),
        chosen("relationships", modules=str(module.pk), topics="Delegation")
        | chosen("communication"),
    )
    plan = Plan.objects.get(leader=world.leader)
    assert response.status_code == 302 and response.url == reverse("plans:detail", args=[plan.pk])
    assert sorted(plan.focuses.values_list("dimension", flat=True)) == [
        "communication",
        "relationships",
    ]
    assert Email.objects.filter(to=world.mentor.email).exists()
    again = client.get(reverse("plans:build", args=[world.cycle.pk]))
    assert again.status_code == 302, "one plan per report: the page sends to it"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose 1 to 3 focus dimensions."),
        (chosen("relationships", goal=""), "Say what you will do differently."),
        (chosen("relationships", target_date="2020-01-01"), "The date is in the past."),
        (chosen("relationships", target_date="someday"), "Enter a valid date."),
        (
            chosen("focus") | chosen("approach") | chosen("success") | chosen("development"),
            "Choose 1 to 3 focus dimensions.",
        ),
    ],
)
def test_a_plan_with_a_mistake_shows_it_and_saves_nothing(client, world, data, message):
    response = signed_in(client, world.leader).post(
        reverse("plans:build", args=[world.cycle.pk]), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Plan.objects.exists() and not Goal.objects.exists()


def test_only_the_leader_builds_their_plan(client, world):
    url = reverse("plans:build", args=[world.cycle.pk])
    assert signed_in(client, world.mentor).get(url).status_code == 403
    assert signed_in(client, HRFactory()).get(url).status_code == 403
    assert signed_in(client, LeaderFactory()).get(url).status_code == 404, "not their report"
    client.logout()
    assert client.get(url).status_code == 302, "sign in first"


def test_the_leader_the_mentor_and_hr_read_the_plan_another_leader_gets_404(client, world, plan):
    url = reverse("plans:detail", args=[plan.pk])
    for reader in (world.leader, world.mentor, HRFactory()):
        page = signed_in(client, reader).get(url)
        assert page.status_code == 200 and "Hold weekly 1:1s" in page.content.decode()
    assert signed_in(client, LeaderFactory()).get(url).status_code == 404
    assert signed_in(client, MentorFactory()).get(url).status_code == 404


def test_the_mentor_sees_the_report_figures_only_if_the_leader_shared_it(client, world, plan):
    url = reverse("plans:detail", args=[plan.pk])
    text = signed_in(client, world.mentor).get(url).content.decode()
    assert "not shared it with you" in text and "balance -3" not in text
    text = signed_in(client, world.leader).get(url).content.decode()
    assert "balance -3" in text


def test_the_mentor_comments_and_the_leader_is_told(client, world, plan):
    url = reverse("plans:comment", args=[plan.pk])
    response = signed_in(client, world.mentor).post(url, {"body": "Start with Ana."})
    assert response.status_code == 302
    assert Comment.objects.get().author == world.mentor
    assert Email.objects.filter(kind="plans.comment_added", to=world.leader.email).exists()
    empty = client.post(url, {"body": "  "})
    assert empty.status_code == 400 and Comment.objects.count() == 1
    assert signed_in(client, LeaderFactory()).post(url, {"body": "x"}).status_code == 404


def test_the_mentor_changes_a_focus_another_mentor_cannot(client, world, plan):
    focus = plan.focuses.get()
    url = reverse("plans:focus-change", args=[focus.pk])
    response = signed_in(client, world.mentor).post(
        url, {"topics": "Delegation", "modules": [world.modules["relationships"].pk]}
    )
    assert response.status_code == 302
    focus.refresh_from_db()
    assert focus.topics == "Delegation" and list(focus.modules.all()) == [
        world.modules["relationships"]
    ]
    assert signed_in(client, MentorFactory()).post(url, {"topics": "x"}).status_code == 404
    assert signed_in(client, HRFactory()).post(url, {"topics": "x"}).status_code == 403
    bad = signed_in(client, world.leader).post(url, {"topics": "x" * 301})
    assert bad.status_code == 400
    focus.refresh_from_db()
    assert focus.topics == "Delegation"


def test_the_leader_answers_a_due_check_in_once(client, world, plan):
    url = reverse("plans:check-in", args=[plan.pk])
    leader = signed_in(client, world.leader)
    assert leader.get(url).status_code == 302, "nothing due"
    CheckIn.objects.create(plan=plan, due_on=datetime.date(2027, 3, 20))
    focus = plan.focuses.get()
    bad = leader.post(url, {f"focus_{focus.pk}": "150", "note": "x"})
    assert bad.status_code == 400 and CheckIn.objects.get().submitted_at is None
    ok = leader.post(url, {f"focus_{focus.pk}": "30", "note": "Weekly 1:1s started."})
    assert ok.status_code == 302
    focus.goal.refresh_from_db()
    assert focus.goal.progress == 30
    assert signed_in(client, world.mentor).get(url).status_code == 403
    assert signed_in(client, LeaderFactory()).get(url).status_code == 404


def test_a_balance_of_zero_reads_zero_not_a_dash(client, world, clock):
    """Management and leadership rated alike is a balance of 0, a figure like any other
    (a dash means the report could not score it)."""
    import re

    report = signed_in(client, world.leader).get(
        reverse("feedback:report", args=[world.cycle.pk, world.leader.pk])
    )
    row = re.search(r"<tr><td>Focus</td>(.*?)</tr>", report.content.decode(), re.S).group(1)
    assert "<td>0.0</td>" in row and "\u2013" not in row
    dashboard = client.get(reverse("dashboards:leader_home")).content.decode()
    row = re.search(r'<th scope="row">Focus</th>(.*?)</tr>', dashboard, re.S).group(1)
    assert '<td class="num">0.0</td>' in row, row
    plan = plan_create(
        leader=world.leader,
        cycle=world.cycle,
        focuses=[
            FocusInput("focus", "Plan the year", "A one-page plan", datetime.date(2027, 6, 1))
        ],
        by=world.leader,
    )
    from tests.plans.world import released_cycle

    released_cycle(
        clock,
        world.cohort,
        world.leader,
        opens=datetime.datetime(2027, 9, 1, 8, tzinfo=datetime.UTC),
        table={},
    )
    page = signed_in(client, world.leader).get(reverse("plans:detail", args=[plan.pk]))
    row = re.search(r"<tr><td>Focus</td>(.*?)</tr>", page.content.decode(), re.S).group(1)
    assert row.count("0.0") == 3, row  # before, after, change
