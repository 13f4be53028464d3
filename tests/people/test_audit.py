"""HR reads the audit trail: one filterable list (page and API) and each object's history
(linked from the cohort, pairings and cycle pages). Nobody else does."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from common import audit
from common.models import AuditEvent
from mentorship import services as mentorship_services
from programs import services as programs_services
from tests.feedback.factories import CycleFactory
from tests.mentorship.factories import PairingFactory
from tests.people.factories import LeaderFactory, UserFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/audit/events/"
PAGE = "/audit/"


@pytest.fixture
def trail(hr, leader, clock):
    """Two enrollments and their steps, a day apart, and one event by the schedule."""
    clock.set(datetime.datetime(2027, 2, 1, 9, tzinfo=datetime.UTC))
    cohort = CohortFactory(name="Spring run", capacity=5)
    first = programs_services.enrollment_create(cohort=cohort, leader=leader, by=hr)
    clock.advance(days=1)
    programs_services.enrollment_activate(enrollment=first, by=hr)
    other = LeaderFactory(full_name="Olga Berg")
    second = programs_services.enrollment_create(cohort=cohort, leader=other, by=hr)
    with transaction.atomic():
        audit.record(action="cohort.update", by=audit.SCHEDULE, obj=cohort)
    return {"cohort": cohort, "first": first, "second": second, "other": other}


def actions(response) -> list[str]:
    return [event["action"] for event in response.json()["results"]]


def test_hr_lists_every_event_newest_first_with_who_what_and_old_new(api, hr, leader, trail):
    response = api(hr).get(API)

    assert response.status_code == 200
    assert response.json()["count"] == AuditEvent.objects.count()
    newest = response.json()["results"][0]
    assert (newest["action"], newest["actor"], newest["actor_kind"]) == (
        "cohort.update",
        None,
        "schedule",
    )
    activated = next(e for e in response.json()["results"] if e["action"] == "enrollment.activate")
    assert activated["actor"] == {"id": hr.pk, "full_name": hr.full_name, "email": hr.email}
    assert activated["subject"]["id"] == leader.pk
    assert activated["object_type"] == "programs.enrollment"
    assert activated["object_id"] == str(trail["first"].pk)
    assert activated["changes"]["status"] == ["invited", "active"]


def test_filters_who_what_which_object_whom_and_when(api, hr, leader, trail):
    client = api(hr)
    first = trail["first"]

    assert actions(client.get(API, {"actor_kind": "schedule"})) == ["cohort.update"]
    assert set(actions(client.get(API, {"actor": hr.pk}))) >= {
        "enrollment.create",
        "enrollment.activate",
    }
    assert actions(client.get(API, {"action": "enrollment.activate"})) == ["enrollment.activate"]
    assert set(actions(client.get(API, {"action": "enrollment"}))) == {
        "enrollment.create",
        "enrollment.activate",
    }
    history = client.get(API, {"object_type": "programs.enrollment", "object_id": first.pk}).json()[
        "results"
    ]
    assert [e["action"] for e in history] == ["enrollment.activate", "enrollment.create"]
    about_other = client.get(API, {"subject": trail["other"].pk})
    assert actions(about_other) == ["enrollment.create"]
    first_day = client.get(API, {"since": "2027-02-01", "until": "2027-02-01"})
    assert [e["object_id"] for e in first_day.json()["results"]] == [str(first.pk)]
    assert client.get(API, {"since": "2027-02-03"}).json()["count"] == 0


def test_bad_filters_are_400_naming_the_parameter(api, hr):
    response = api(hr).get(API, {"actor": "x", "since": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()) == {"actor", "since"}


@pytest.mark.parametrize("role", ["leader", "mentor", "nobody"])
def test_only_hr_reads_the_trail(api, client, trail, role, request):
    user = request.getfixturevalue(role)
    assert api(user).get(API).status_code == 403
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    history = f"{PAGE}?object_type=programs.enrollment&object_id={trail['first'].pk}"
    assert client.get(history).status_code == 403


def test_signed_out_callers_are_refused(anon_api, client):
    assert anon_api.get(API).status_code in (401, 403)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def _grow(hr, count: int) -> None:
    cohort = CohortFactory(capacity=count + 1)
    for _ in range(count):
        programs_services.enrollment_create(cohort=cohort, leader=LeaderFactory(), by=hr)


def test_the_api_list_costs_the_same_queries_however_long(api, hr):
    client = api(hr)
    _grow(hr, 2)
    client.get(API)  # the caller's roles are read once
    with CaptureQueriesContext(connection) as small:
        assert client.get(API).status_code == 200
    _grow(hr, 20)
    with CaptureQueriesContext(connection) as large:
        assert client.get(API).json()["count"] == 22
    assert len(large) == len(small) == 2  # count, page (who, whom and what joined)


def test_the_page_costs_the_same_queries_however_long(client, hr):
    client.force_login(hr)
    _grow(hr, 2)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(PAGE).status_code == 200
    _grow(hr, 30)
    with CaptureQueriesContext(connection) as large:
        assert client.get(PAGE).status_code == 200
    assert len(large) == len(small)


def test_the_page_shows_who_what_which_object_and_old_new(client, hr, leader, trail):
    client.force_login(hr)
    html = client.get(PAGE, {"action": "enrollment.activate"}).content.decode()

    assert "<code>enrollment.activate</code>" in html
    assert "<code>enrollment.create</code>" not in html
    assert hr.full_name in html
    assert escape(str(trail["first"])) in html
    assert "invited → active" in html
    assert leader.full_name in html
    assert f"/admin/programs/enrollment/{trail['first'].pk}/change/" in html


def test_the_page_filters_by_date_and_pages_through(client, hr, trail):
    client.force_login(hr)
    _grow(hr, 60)
    first = client.get(PAGE)
    assert "Page 1 of" in first.content.decode()
    assert "Older →" in first.content.decode()
    assert client.get(PAGE, {"page": 2}).status_code == 200
    none = client.get(PAGE, {"since": "2030-01-01"}).content.decode()
    assert "Nothing recorded matches." in none
    bad = client.get(PAGE, {"since": "soon"})
    assert bad.status_code == 400
    assert "since" in bad.content.decode()


def test_an_objects_history_page_is_titled_with_the_object(client, hr, trail):
    client.force_login(hr)
    first = trail["first"]
    html = client.get(
        PAGE, {"object_type": "programs.enrollment", "object_id": first.pk}
    ).content.decode()
    assert f"History of {escape(str(first))}" in html
    assert "<code>enrollment.create</code>" in html
    assert "<code>enrollment.activate</code>" in html
    assert "<code>cohort.update</code>" not in html


def test_the_cohort_pairings_and_cycle_pages_link_to_each_objects_history(client, hr, trail):
    client.force_login(hr)
    cohort, first = trail["cohort"], trail["first"]
    pairing = PairingFactory()
    cycle = CycleFactory(cohort=cohort)
    links = {
        f"/programs/cohorts/{cohort.pk}/": ("programs.enrollment", first.pk),
        "/mentoring/pairings/": ("mentorship.pairing", pairing.pk),
        f"/feedback/cycles/{cycle.pk}/": ("feedback.cycle", cycle.pk),
    }
    for page, (kind, pk) in links.items():
        html = client.get(page).content.decode()
        assert f"/audit/?object_type={kind}&amp;object_id={pk}" in html, page


def test_hr_finds_the_audit_page_in_the_navigation(client, hr):
    client.force_login(hr)
    assert 'href="/audit/"' in client.get("/programs/cohorts/").content.decode()
    client.force_login(UserFactory())
    assert 'href="/audit/"' not in client.get("/").content.decode()


def test_a_pairing_history_shows_its_end(client, hr, mentor, leader, clock):
    pairing = mentorship_services.pairing_create(
        mentor=mentor, mentee=leader, started_on=datetime.date(2027, 1, 4), by=hr
    )
    mentorship_services.pairing_end(pairing=pairing, by=hr)
    client.force_login(hr)
    html = client.get(
        PAGE, {"object_type": "mentorship.pairing", "object_id": pairing.pk}
    ).content.decode()
    assert "<code>pairing.end</code>" in html and "active → ended" in html


def test_a_departure_reads_as_words_not_json(client, hr, leader, clock):
    """person.leave records what changed as one object: the page lists its parts."""
    from directory.services import person_leave

    person_leave(person=leader, by=audit.DIRECTORY, source="scim")
    client.force_login(hr)
    html = client.get(PAGE, {"action": "person.leave"}).content.decode()

    assert "{&quot;" not in html and '{"' not in html, "no raw JSON on the page"
    assert "source: scim" in html
    assert "deactivated: yes" in html
    assert "pairings ended: 0" in html
    assert "shortfalls: none" in html
