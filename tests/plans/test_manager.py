"""The leader's manager reads the development plan and comments on it and its check-ins
(issue 16); they hear of others' comments, never of their own; another region's plan
does not exist for them."""

import datetime

import pytest
from django.urls import reverse

from common.models import Email
from people.roles import Role, grant_role
from plans import emails as plan_emails
from plans.models import CheckIn, Comment
from plans.services import FocusInput, comment_add, plan_create
from tests.people.factories import LeaderFactory, UserFactory
from tests.plans.world import UTC, first_report_table, released_cycle

URL = "/api/v1/plans/"


def make_plan(leader, cycle):
    return plan_create(
        leader=leader,
        cycle=cycle,
        focuses=[
            FocusInput("relationships", "Weekly 1:1s", "Each has one", datetime.date(2027, 6, 1))
        ],
        by=leader,
    )


@pytest.fixture
def scene(world, clock):
    """Leo's manager Mona signs in as a manager; Leo has a plan with a submitted check-in.
    Sven (another region, managed by Sora) has a plan of his own with a check-in."""
    mona = world.leader.manager
    mona.full_name = "Mona Reyes"
    mona.save()
    grant_role(mona, Role.MANAGER)
    sora = UserFactory(full_name="Sora South", region="South", roles=[Role.MANAGER])
    sven = LeaderFactory(full_name="Sven South", region="South", manager=sora)
    svens_cycle = released_cycle(
        clock,
        world.cohort,
        sven,
        opens=datetime.datetime(2027, 3, 2, 8, tzinfo=UTC),
        table=first_report_table(),
    )
    clock.set(datetime.datetime(2027, 3, 20, 9, tzinfo=UTC))
    plan = make_plan(world.leader, world.cycle)
    svens_plan = make_plan(sven, svens_cycle)
    check_in = CheckIn.objects.create(
        plan=plan, due_on=datetime.date(2027, 3, 19), submitted_at=clock.now
    )
    svens_check_in = CheckIn.objects.create(
        plan=svens_plan, due_on=datetime.date(2027, 3, 19), submitted_at=clock.now
    )
    Email.objects.all().delete()
    return {
        "mona": mona,
        "sora": sora,
        "sven": sven,
        "plan": plan,
        "svens_plan": svens_plan,
        "check_in": check_in,
        "svens_check_in": svens_check_in,
    }


def comment_url(plan) -> str:
    return f"{URL}{plan.pk}/comments/"


def test_the_manager_reads_the_plan_and_comments_on_it_and_on_a_check_in(api, scene):
    client = api(scene["mona"])
    plan = scene["plan"]
    assert client.get(f"{URL}{plan.pk}/").status_code == 200
    assert [row["id"] for row in client.get(URL).json()["results"]] == [plan.pk]

    on_plan = client.post(comment_url(plan), {"body": "Proud of this."}, format="json")
    assert on_plan.status_code == 201, on_plan.json()
    assert on_plan.json()["check_in"] is None
    on_check_in = client.post(
        comment_url(plan),
        {"body": "Good week.", "check_in": scene["check_in"].pk},
        format="json",
    )
    assert on_check_in.status_code == 201, on_check_in.json()
    assert on_check_in.json()["check_in"] == scene["check_in"].pk
    listed = client.get(comment_url(plan)).json()
    assert [(row["body"], row["check_in"]) for row in listed] == [
        ("Proud of this.", None),
        ("Good week.", scene["check_in"].pk),
    ]


@pytest.mark.parametrize("which", ["another plan's", "no such", "not yet submitted"])
def test_a_check_in_that_is_not_one_of_this_plans_is_a_400_and_saves_nothing(api, scene, which):
    if which == "another plan's":
        check_in = scene["svens_check_in"].pk
    elif which == "no such":
        check_in = 999999
    else:
        check_in = CheckIn.objects.create(plan=scene["plan"], due_on=datetime.date(2027, 4, 2)).pk
    response = api(scene["mona"]).post(
        comment_url(scene["plan"]), {"body": "Hm.", "check_in": check_in}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["check_in"], response.json()
    assert not Comment.objects.exists()
    assert not Email.objects.exists()


def test_the_service_refuses_another_plans_check_in_too(scene):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        comment_add(
            plan=scene["plan"], body="Hm.", check_in=scene["svens_check_in"], by=scene["mona"]
        )
    assert list(error.value.message_dict) == ["check_in"]
    assert not Comment.objects.exists()


def told_of(response) -> set[str]:
    """Who the outbox tells of the comment the response created."""
    assert response.status_code == 201, response.json()
    email = Email.objects.get(kind=plan_emails.COMMENT_ADDED, ref=response.json()["id"])
    return set(email.to.split(", "))


def test_the_manager_hears_of_the_mentors_comment_and_never_of_their_own(api, world, scene):
    mona = scene["mona"]
    mentors = api(world.mentor).post(comment_url(scene["plan"]), {"body": "Start with Ana"})
    assert mentors.status_code == 201
    assert told_of(mentors) == {world.leader.email, mona.email}

    own = api(mona).post(comment_url(scene["plan"]), {"body": "Agreed."})
    assert own.status_code == 201
    assert told_of(own) == {world.leader.email, world.mentor.email}, "never the author"


def test_a_manager_who_cannot_sign_in_is_not_emailed(api, world, scene):
    mona = scene["mona"]
    mona.groups.clear()
    response = api(world.mentor).post(comment_url(scene["plan"]), {"body": "Start with Ana"})
    assert told_of(response) == {world.leader.email}


def test_another_regions_plan_is_404_for_the_manager(api, client, scene):
    plan = scene["svens_plan"]
    mona = api(scene["mona"])
    assert mona.get(f"{URL}{plan.pk}/").status_code == 404
    assert mona.get(comment_url(plan)).status_code == 404
    assert mona.post(comment_url(plan), {"body": "x"}).status_code == 404
    client.force_login(scene["mona"])
    assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert client.post(reverse("plans:comment", args=[plan.pk]), {"body": "x"}).status_code == 404
    assert not Comment.objects.exists()
    # Their own region's manager sees it.
    assert api(scene["sora"]).get(f"{URL}{plan.pk}/").status_code == 200


def test_the_manager_comments_on_a_check_in_from_the_plan_page(client, scene):
    plan, check_in = scene["plan"], scene["check_in"]
    client.force_login(scene["mona"])
    page = client.get(reverse("plans:detail", args=[plan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "About" in html and "The check-in of 19 Mar 2027" in html
    response = client.post(
        reverse("plans:comment", args=[plan.pk]), {"body": "Well done.", "check_in": check_in.pk}
    )
    assert response.status_code == 302
    assert Comment.objects.get().check_in == check_in
    foreign = client.post(
        reverse("plans:comment", args=[plan.pk]),
        {"body": "Sneaky.", "check_in": scene["svens_check_in"].pk},
    )
    assert foreign.status_code == 400, "the form again, with the error"
    assert "check_in" in foreign.content.decode()
    assert Comment.objects.count() == 1
