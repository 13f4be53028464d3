"""The manager's view (issue 16), as the manager, a director above them, someone who is
not allowed in, and another region would try it: exactly the leaders below, 404 for the
rest, figures worked out by hand, a fixed number of queries."""

import contextlib
import datetime
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.utils import OperationalError
from django.urls import reverse

from dashboards.selectors import manager_dashboard
from mentorship.models import MentoringSession
from mentorship.selectors import leaders_below, leaders_visible_to
from metrics.models import Observation
from people.demo import LEADERS
from people.models import User
from people.roles import Role, grant_role
from plans.models import Plan
from tests.feedback.factories import CycleFactory
from tests.mentorship.factories import ActionItemFactory, MentoringSessionFactory, PairingFactory
from tests.metrics.factories import ObservationFactory, TargetFactory, metric
from tests.people.factories import LeaderFactory, UserFactory
from tests.people.org import build_org

pytestmark = pytest.mark.django_db

ME = "/api/v1/dashboards/managers/me/"
FEB_1 = datetime.date(2027, 2, 1)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.fixture
def org(db):
    return build_org()


def listed(api, user) -> set[str]:
    response = api(user).get(ME)
    assert response.status_code == 200, response.content
    return {row["leader"]["full_name"] for row in response.json()["leaders"]}


# --- who is listed -----------------------------------------------------------------------


def test_a_director_sees_exactly_the_leaders_below_both_managers_at_any_depth(api, org):
    # Not Tess (Leo's team), Pete (reports to Mona, not a leader), Sam (a team lead
    # between Max and Lou), Sven (South), nor the managers themselves.
    assert listed(api, org.dana) == {"Leo Grant", "Lia Park", "Luke Stone", "Lou Deep"}
    assert listed(api, org.mona) == {"Leo Grant", "Lia Park"}
    assert listed(api, org.sora) == {"Sven South"}


def test_the_scope_rule_and_the_dashboard_agree_on_the_managers_leaders(org):
    assert set(leaders_visible_to(org.dana).values_list("pk", flat=True)) == org.north_leaders
    assert set(leaders_below(manager=org.dana).values_list("pk", flat=True)) == org.north_leaders


def test_a_leader_who_left_is_no_longer_on_the_dashboard(api, org):
    org.lia.is_active = False
    org.lia.save()
    assert listed(api, org.mona) == {"Leo Grant"}


def test_someone_without_the_manager_role_is_refused_the_manager_dashboard(api, client, org):
    """Max has leaders reporting to him, but HR never let him sign in as a manager."""
    for user in (org.max, org.leo, org.pete):
        assert api(user).get(ME).status_code == 403
        client.force_login(user)
        assert client.get(reverse("dashboards:manager_home")).status_code == 403
    assert set(leaders_visible_to(org.max)) == set()
    assert api(None).get(ME).status_code in {401, 403}


@contextlib.contextmanager
def query_deadline(seconds: float):
    """Abort any query still running after ``seconds`` (a walk that never ends fails
    instead of hanging the suite)."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [int(seconds * 1000)])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        return
    deadline = time.monotonic() + seconds
    raw = connection.connection
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


def test_a_cycle_in_the_reporting_line_ends_the_walk(api):
    """HR data with A → B → A: the recursive walk stops instead of looping, and nobody is
    "below" themselves (A also leads, but is not on their own manager dashboard)."""
    ada = UserFactory(full_name="Ada Loop", roles=[Role.MANAGER, Role.LEADER])
    bo = LeaderFactory(full_name="Bo Loop", manager=ada)
    ada.manager = bo
    ada.save()
    try:
        with query_deadline(5):
            assert listed(api, ada) == {"Bo Loop"}
            assert set(leaders_below(manager=ada)) == {bo}
    except OperationalError as error:  # pragma: no cover - the failure this test is for
        pytest.fail(f"The reporting-line walk did not end at a cycle: {error}")


# --- another region's leader does not exist for the manager --------------------------------


def test_another_regions_leader_is_404_on_their_dashboard_and_scorecard(api, client, org):
    client.force_login(org.mona)
    for leader, expected in ((org.sven, 404), (org.luke, 404), (org.leo, 200)):
        assert api(org.mona).get(f"/api/v1/dashboards/leaders/{leader.pk}/").status_code == (
            expected
        )
        assert api(org.mona).get(f"/api/v1/metrics/scorecards/{leader.pk}/").status_code == (
            expected
        )
        assert client.get(reverse("dashboards:leader_detail", args=[leader.pk])).status_code == (
            expected
        )
    # The director reaches three levels down; the South director reaches none of it.
    assert api(org.dana).get(f"/api/v1/dashboards/leaders/{org.lou.pk}/").status_code == 200
    assert api(org.sora).get(f"/api/v1/dashboards/leaders/{org.lou.pk}/").status_code == 404
    assert api(org.dana).get(f"/api/v1/dashboards/leaders/{org.tess.pk}/").status_code == 404


# --- the figures -------------------------------------------------------------------------


def worked_example(leader, *, mentor=None) -> dict:
    """Leo on 1 Feb 2027: two sessions held (one planned), one overdue, one open and one
    done action item, a plan, a team pulse of 72.5 (target 70: on target) and sales at
    80 (target 95: below)."""
    pairing = PairingFactory(
        mentee=leader,
        started_on=datetime.date(2026, 11, 2),
        **({"mentor": mentor} if mentor else {}),
    )
    first = MentoringSessionFactory(pairing=pairing, starts_at=at(2027, 1, 10, 9))
    MentoringSessionFactory(pairing=pairing, starts_at=at(2027, 1, 20, 9))
    MentoringSessionFactory(
        pairing=pairing, status=MentoringSession.Status.PLANNED, starts_at=at(2027, 2, 10, 9)
    )
    ActionItemFactory(session=first, due_on=datetime.date(2027, 1, 25))
    ActionItemFactory(session=first, due_on=datetime.date(2027, 2, 15))
    ActionItemFactory(session=first, due_on=datetime.date(2027, 1, 22), done_at=at(2027, 1, 21, 12))
    plan = Plan.objects.create(leader=leader, cycle=CycleFactory(name="Autumn 360"))
    ObservationFactory(
        leader=leader,
        metric=metric("team_engagement"),
        period_start=datetime.date(2026, 10, 1),
        value=Decimal("72.5"),
        source=Observation.Source.PULSE,
        note="team pulse, 4 answers",
    )
    ObservationFactory(
        leader=leader,
        metric=metric("sales_attainment"),
        period_start=datetime.date(2027, 1, 1),
        value=Decimal(80),
    )
    TargetFactory(leader=leader, metric=metric("team_engagement"), value=Decimal(70))
    TargetFactory(leader=leader, metric=metric("sales_attainment"), value=Decimal(95))
    return {"pairing": pairing, "plan": plan}


def test_the_manager_dashboard_figures_for_a_worked_example(api, clock, org):
    example = worked_example(org.leo)
    response = api(org.mona).get(ME)
    assert response.status_code == 200
    data = response.json()
    assert data["manager"]["full_name"] == "Mona Reyes"
    assert data["as_of"] == "2027-02-01"
    rows = {row["leader"]["full_name"]: row for row in data["leaders"]}
    leo = rows["Leo Grant"]
    assert leo["reports_to"]["full_name"] == "Mona Reyes"
    assert leo["mentor"]["full_name"] == example["pairing"].mentor.full_name
    assert leo["sessions_held"] == 2, "held ones only, not the planned one"
    assert leo["last_session_at"].startswith("2027-01-20T09:00")
    assert (leo["open_action_items"], leo["overdue_action_items"]) == (2, 1)
    assert leo["plan"] == {"id": example["plan"].pk, "cycle": "Autumn 360"}
    assert leo["metrics_on_target"] == 1
    assert leo["metrics_below_target"] == [metric("sales_attainment").name]
    assert leo["team_engagement"] == {
        "value": "72.50",
        "period": "2026-Q4",
        "source": "Team pulse",
        "note": "team pulse, 4 answers",
    }
    assert leo["reasons"] == ["1 overdue action item(s)."]
    lia = rows["Lia Park"]
    assert (lia["sessions_held"], lia["plan"], lia["team_engagement"]) == (0, None, None)
    assert lia["reasons"] == ["No mentor."]
    serialized = str(data)
    assert "PRIVATE-NOTE-SENTINEL" not in serialized
    assert "Discussed pipeline reviews" not in serialized, "cadence, never what was said"


def test_the_manager_page_shows_their_leaders_and_only_theirs(client, clock, org):
    worked_example(org.leo)
    client.force_login(org.mona)
    response = client.get(reverse("dashboards:manager_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Leo Grant" in html and "Lia Park" in html
    for stranger in ("Sven South", "Luke Stone", "Lou Deep", "Pete Plain", "Tess Team"):
        assert stranger not in html
    assert "team pulse, 4 answers" in html
    assert reverse("plans:detail", args=[Plan.objects.get().pk]) in html
    assert f'<a href="{reverse("dashboards:manager_home")}" aria-current="page">My leaders</a>' in (
        html
    ), "the navigation leads here"
    assert "PRIVATE-NOTE-SENTINEL" not in html and "Discussed pipeline" not in html


def test_a_manager_only_users_home_is_their_leaders(client, org):
    client.force_login(org.mona)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:manager_home")


def test_a_manager_who_also_leads_keeps_their_own_home_and_gets_my_leaders_in_the_nav(client, org):
    grant_role(org.mona, Role.LEADER)
    client.force_login(org.mona)
    assert client.get("/")["Location"] == reverse("programs:my-program")
    html = client.get(reverse("programs:my-program")).content.decode()
    assert f'href="{reverse("dashboards:manager_home")}"' in html


def grow(manager, count: int) -> None:
    """``count`` more leaders reporting to ``manager``, each with the worked example."""
    for _ in range(count):
        worked_example(LeaderFactory(manager=manager))


def test_the_manager_dashboard_costs_the_same_queries_for_2_and_8_leaders(
    clock, org, django_assert_num_queries
):
    """The leaders 1, their current enrollments 1, mentoring activity 2, action items 1,
    plans 1, metrics 1: seven, whatever the number of leaders."""
    worked_example(org.leo)
    worked_example(org.lia)
    manager_dashboard(manager=org.mona)  # the caller's roles are read once per user
    with django_assert_num_queries(8):
        assert len(manager_dashboard(manager=org.mona)["leaders"]) == 2
    grow(org.mona, 6)
    with django_assert_num_queries(8):
        assert len(manager_dashboard(manager=org.mona)["leaders"]) == 8


# --- the demo ----------------------------------------------------------------------------


def test_the_demo_manager_sees_exactly_the_four_north_leaders(api):
    call_command("seed_demo", verbosity=0)
    manager = User.objects.get(email="manager@example.com")
    assert manager.check_password("lodestar-demo")
    north = {name for _, name, region in LEADERS if region == "North"}
    assert len(north) == 4
    assert listed(api, manager) == north
