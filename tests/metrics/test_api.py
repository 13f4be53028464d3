import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.models import Observation, ObservationChange, Target
from tests.mentorship.factories import PairingFactory
from tests.metrics.factories import ObservationFactory, TargetFactory, grow, metric, observe
from tests.metrics.helpers import AS_OF
from tests.openapi import assert_matches_schema
from tests.people.factories import LeaderFactory
from tests.programs.factories import CohortFactory, EnrollmentFactory

BASE = "/api/v1/metrics"
DENIED = (401, 403)


@pytest.fixture
def mentee_pairing(mentor, leader):
    return PairingFactory(mentor=mentor, mentee=leader)


@pytest.fixture
def people(hr, mentor, leader, other_leader, nobody, mentee_pairing):
    return {
        "hr": hr,
        "mentor": mentor,
        "leader": leader,
        "other_leader": other_leader,
        "nobody": nobody,
        "anonymous": None,
    }


@pytest.fixture
def leader_value(leader):
    return ObservationFactory(leader=leader, period_start=datetime.date(2026, 9, 1))


@pytest.fixture
def other_value(other_leader):
    return ObservationFactory(leader=other_leader, period_start=datetime.date(2026, 9, 1))


def status_for(api, user, method, url, **kwargs):
    return getattr(api(user), method)(url, **kwargs).status_code


# --- definitions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("hr", 200, 201),
        ("mentor", 200, 403),
        ("leader", 200, 403),
        ("other_leader", 200, 403),
        ("nobody", 200, 403),
        ("anonymous", DENIED, DENIED),
    ],
)
def test_definitions_everyone_reads_hr_writes(api, people, role, read, write):
    user = people[role]
    got = status_for(api, user, "get", f"{BASE}/definitions/")
    assert got in (read if isinstance(read, tuple) else (read,))
    body = {
        "code": "nps",
        "name": "Net promoter score",
        "category": "engagement",
        "unit": "score",
        "period": "quarter",
    }
    got = status_for(api, user, "post", f"{BASE}/definitions/", data=body)
    assert got in (write if isinstance(write, tuple) else (write,))
    edit = f"{BASE}/definitions/{metric('sales_attainment').pk}/"
    got = status_for(api, user, "patch", edit, data={"name": "Quota attainment"})
    assert got in ((200,) if role == "hr" else (write if isinstance(write, tuple) else (write,)))


def test_definition_errors_are_400_with_field(api, hr):
    response = api(hr).post(
        f"{BASE}/definitions/",
        {"code": "revenue", "name": "Revenue", "category": "sales", "unit": "currency"},
    )
    assert response.status_code == 400 and "currency" in response.json()
    response = api(hr).patch(
        f"{BASE}/definitions/{metric('team_engagement').pk}/", {"max_value": "150"}
    )
    assert response.status_code == 400 and "max_value" in response.json()


# --- observations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("hr", {"leader", "other_leader"}),
        ("mentor", {"leader"}),
        ("leader", {"leader"}),
        ("other_leader", {"other_leader"}),
        ("nobody", set()),
    ],
)
def test_observation_list_is_scoped(api, people, leader_value, other_value, role, sees):
    response = api(people[role]).get(f"{BASE}/observations/")
    assert response.status_code == 200
    emails = {row["leader"]["email"] for row in response.json()["results"]}
    assert emails == {people[name].email for name in sees}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("hr", 200), ("mentor", 200), ("leader", 200), ("other_leader", 404), ("nobody", 404)],
)
def test_observation_detail_outside_scope_is_404(api, people, leader_value, role, expected):
    assert (
        status_for(api, people[role], "get", f"{BASE}/observations/{leader_value.pk}/") == expected
    )


def test_anonymous_cannot_read_observations(api, leader_value):
    assert status_for(api, None, "get", f"{BASE}/observations/") in DENIED


@pytest.mark.parametrize("role", ["mentor", "leader", "other_leader", "nobody", "anonymous"])
def test_only_hr_writes_observations(api, people, leader_value, role):
    user, leader = people[role], people["leader"]
    body = {"leader": leader.pk, "metric": "sales_attainment", "period": "2026-10", "value": "90"}
    assert status_for(api, user, "post", f"{BASE}/observations/", data=body) in (403, 401)
    assert status_for(
        api, user, "patch", f"{BASE}/observations/{leader_value.pk}/", data={"value": "1"}
    ) in (403, 401, 404)
    rows = {
        "observations": [
            {
                "leader_email": leader.email,
                "metric": "sales_attainment",
                "period": "2026-10",
                "value": "90",
            }
        ]
    }
    assert status_for(api, user, "post", f"{BASE}/observations/bulk/", data=rows) in (403, 401)
    upload = SimpleUploadedFile("m.csv", b"leader_email,metric,period,value\r\n", "text/csv")
    assert status_for(
        api, user, "post", f"{BASE}/observations/import/", data={"file": upload}, format="multipart"
    ) in (403, 401)
    assert Observation.objects.count() == 1


def test_hr_records_then_replaces_a_value(api, hr, leader):
    body = {"leader": leader.pk, "metric": "team_engagement", "period": "2026-Q3", "value": "71"}
    created = api(hr).post(f"{BASE}/observations/", body)
    assert created.status_code == 201
    assert created.json()["period"] == "2026-Q3" and created.json()["period_start"] == "2026-07-01"
    replaced = api(hr).post(f"{BASE}/observations/", {**body, "value": "74.5"})
    assert replaced.status_code == 200
    assert replaced.json()["changes"][0]["old_value"] == "71.00"
    corrected = api(hr).patch(f"{BASE}/observations/{created.json()['id']}/", {"value": "75"})
    assert corrected.status_code == 200 and len(corrected.json()["changes"]) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026-08"}, "period"),  # engagement is quarterly
        ({"value": "101"}, "value"),
        ({"value": "lots"}, "value"),
        ({"metric": "nps"}, "metric"),
        ({"leader": 999999}, "leader"),
        # Found while fuzzing: year 1 was stored and read back as period "1-01".
        ({"period": "0001-Q1"}, "period"),
        ({"period": "9999-Q4"}, "period"),
    ],
)
def test_bad_observation_is_400_with_the_field(api, hr, leader, body, field):
    base = {"leader": leader.pk, "metric": "team_engagement", "period": "2026-Q3", "value": "71"}
    response = api(hr).post(f"{BASE}/observations/", {**base, **body})
    assert response.status_code == 400
    assert field in response.json()
    assert Observation.objects.count() == 0


def test_observation_filters(api, hr, leader, other_leader):
    cohort = CohortFactory()
    EnrollmentFactory(cohort=cohort, leader=leader)
    observe(leader, "sales_attainment", "2026-08", 90)
    observe(leader, "sales_attainment", "2026-09", 91)
    observe(leader, "retention_rate", "2026-09", 95)
    observe(other_leader, "sales_attainment", "2026-09", 80)

    def count(query):
        return api(hr).get(f"{BASE}/observations/?{query}").json()["count"]

    assert count(f"leader={leader.pk}") == 3
    assert count("metric=sales_attainment") == 3
    assert count("category=retention") == 1
    assert count("period_from=2026-09-01&period_to=2026-09-30") == 3
    assert count(f"cohort={cohort.pk}") == 3


@pytest.mark.parametrize("path", ["observations", "targets"])
@pytest.mark.parametrize("param", ["leader", "cohort"])
@pytest.mark.parametrize("value", ["1e30", "99999999999999999999", "-7", "0", "1.5", "x"])
def test_id_filter_out_of_range_is_400_naming_the_parameter(
    api, hr, leader_value, path, param, value
):
    # Found by schemathesis: a huge id overflowed the SQLite driver (500).
    response = api(hr).get(f"{BASE}/{path}/?{param}={value}")

    assert response.status_code == 400
    assert param in response.json()


def test_observation_list_queries_do_not_grow_with_rows(api, hr, leader):
    def queries():
        with CaptureQueriesContext(connection) as context:
            assert api(hr).get(f"{BASE}/observations/").status_code == 200
        return len(context)

    observation = observe(leader, "sales_attainment", "2026-01", 90)
    ObservationChange.objects.create(
        observation=observation,
        old_value=1,
        new_value=90,
        old_source="api",
        new_source="api",
        changed_at=observation.recorded_at,
    )
    queries()  # the first request also reads the caller's roles
    small = queries()
    for month in range(2, 13):
        observe(LeaderFactory(), "sales_attainment", f"2026-{month:02d}", 90)
    assert queries() == small


# --- bulk and import ----------------------------------------------------------------------


def test_bulk_upsert_is_atomic_and_lists_errors_by_index(api, hr, leader):
    rows = [
        {
            "leader_email": leader.email,
            "metric": "sales_attainment",
            "period": "2026-09",
            "value": 90,
        },
        {
            "leader_email": leader.email,
            "metric": "sales_attainment",
            "period": "2026-10",
            "value": "-3",
        },
    ]
    response = api(hr).post(f"{BASE}/observations/bulk/", {"observations": rows}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 1, "column": "value", "message": response.json()["errors"][0]["message"]}
    ]
    assert Observation.objects.count() == 0
    rows[1]["value"] = "93.5"
    dry = api(hr).post(
        f"{BASE}/observations/bulk/", {"observations": rows, "dry_run": True}, format="json"
    )
    assert dry.status_code == 200 and dry.json()["created"] == 2
    assert Observation.objects.count() == 0
    done = api(hr).post(f"{BASE}/observations/bulk/", {"observations": rows}, format="json")
    assert done.status_code == 200 and done.json()["created"] == 2
    again = api(hr).post(f"{BASE}/observations/bulk/", {"observations": rows}, format="json")
    assert again.json()["unchanged"] == 2


def test_bulk_refuses_more_than_10000_rows(api, hr, leader):
    row = {
        "leader_email": leader.email,
        "metric": "sales_attainment",
        "period": "2026-09",
        "value": "1",
    }
    response = api(hr).post(
        f"{BASE}/observations/bulk/", {"observations": [row] * 10_001}, format="json"
    )
    assert response.status_code == 400 and "observations" in response.json()


def test_import_endpoint_dry_run_then_real(api, hr, leader):
    content = (
        b"leader_email,metric,period,value\r\n"
        + f"{leader.email},sales_attainment,2026-09,88\r\n".encode()
    )

    def upload(**data):
        file = SimpleUploadedFile("metrics.csv", content, "text/csv")
        return api(hr).post(
            f"{BASE}/observations/import/", {"file": file, **data}, format="multipart"
        )

    dry = upload(dry_run="true")
    assert dry.status_code == 200 and dry.json()["dry_run"] and dry.json()["created"] == 1
    assert Observation.objects.count() == 0
    real = upload()
    assert real.status_code == 200 and real.json()["created"] == 1
    assert Observation.objects.get().source == "import"


def test_import_endpoint_bad_file_is_400(api, hr):
    file = SimpleUploadedFile("metrics.csv", b"name,score\r\nx,1\r\n", "text/csv")
    response = api(hr).post(f"{BASE}/observations/import/", {"file": file}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    response = api(hr).post(f"{BASE}/observations/import/", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_import_endpoint_row_errors_are_400_with_rows(api, hr, leader):
    file = SimpleUploadedFile(
        "m.csv",
        b"leader_email,metric,period,value\r\nghost@example.com,sales_attainment,2026-09,1\r\n",
    )
    response = api(hr).post(f"{BASE}/observations/import/", {"file": file}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] == 2
    assert response.json()["errors"][0]["column"] == "leader_email"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "observations"),
        ({"observations": "x"}, "observations"),
        ({"observations": [], "dry_run": "maybe"}, "dry_run"),
    ],
)
def test_bulk_field_errors_match_the_documented_400(api, hr, leader, body, field):
    # Found by schemathesis: the 400 was documented as row errors only.
    response = api(hr).post(f"{BASE}/observations/bulk/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert_matches_schema(response, path=f"{BASE}/observations/bulk/", method="post")
    assert Observation.objects.count() == 0


def test_bulk_unreadable_json_matches_the_documented_400(api, hr):
    # Found by schemathesis: a malformed JSON body's {"detail": ...} was undocumented.
    response = api(hr).post(
        f"{BASE}/observations/bulk/", b"\x85{not json", content_type="application/json"
    )

    assert response.status_code == 400 and "detail" in response.json()
    assert_matches_schema(response, path=f"{BASE}/observations/bulk/", method="post")
    assert Observation.objects.count() == 0


def test_import_field_and_row_errors_match_the_documented_400(api, hr):
    missing = api(hr).post(f"{BASE}/observations/import/", {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()
    assert_matches_schema(missing, path=f"{BASE}/observations/import/", method="post")

    file = SimpleUploadedFile(
        "m.csv",
        b"leader_email,metric,period,value\r\nghost@example.com,sales_attainment,2026-09,1\r\n",
    )
    rows = api(hr).post(f"{BASE}/observations/import/", {"file": file}, format="multipart")
    assert rows.status_code == 400 and rows.json()["errors"]
    assert_matches_schema(rows, path=f"{BASE}/observations/import/", method="post")
    assert Observation.objects.count() == 0


# --- targets ------------------------------------------------------------------------------------


def test_targets_scope_and_writes(api, people):
    leader, other = people["leader"], people["other_leader"]
    cohort = CohortFactory()
    EnrollmentFactory(cohort=cohort, leader=leader)
    own = TargetFactory(leader=leader)
    TargetFactory(leader=other)
    default = TargetFactory(leader=None, cohort=cohort)
    seen = {
        role: {row["id"] for row in api(people[role]).get(f"{BASE}/targets/").json()["results"]}
        for role in ("mentor", "leader", "other_leader", "nobody")
    }
    assert seen["leader"] == seen["mentor"] == {own.pk, default.pk}
    assert own.pk not in seen["other_leader"] and seen["nobody"] == set()
    assert api(people["hr"]).get(f"{BASE}/targets/").json()["count"] == 3
    assert status_for(api, other, "get", f"{BASE}/targets/{own.pk}/") == 404
    body = {
        "metric": "retention_rate",
        "leader": leader.pk,
        "valid_from": "2026-01-01",
        "value": "92",
    }
    for role in ("mentor", "leader", "nobody"):
        assert status_for(api, people[role], "post", f"{BASE}/targets/", data=body) == 403
    assert status_for(api, None, "post", f"{BASE}/targets/", data=body) in DENIED
    created = api(people["hr"]).post(f"{BASE}/targets/", body)
    assert created.status_code == 201
    assert api(people["hr"]).post(f"{BASE}/targets/", body).status_code == 400  # overlaps
    patched = api(people["hr"]).patch(f"{BASE}/targets/{created.json()['id']}/", {"value": "93"})
    assert patched.status_code == 200 and patched.json()["value"] == "93.00"
    assert status_for(api, leader, "delete", f"{BASE}/targets/{own.pk}/") == 403
    assert status_for(api, people["hr"], "delete", f"{BASE}/targets/{own.pk}/") == 204
    assert not Target.objects.filter(pk=own.pk).exists()


# --- scorecards, summaries, impact -----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("hr", 200), ("mentor", 200), ("leader", 200), ("other_leader", 404), ("nobody", 404)],
)
def test_scorecard_scope(api, people, role, expected):
    url = f"{BASE}/scorecards/{people['leader'].pk}/"
    assert status_for(api, people[role], "get", url) == expected


def test_cohort_defaults_follow_the_cohorts_the_caller_may_see(api, people):
    """HR sees the defaults of a cohort nobody is enrolled in yet; a leader those of every
    cohort they are or were in (the cohorts the programs API shows them), nobody else's."""
    leader = people["leader"]
    left = EnrollmentFactory(leader=leader, status="withdrawn")
    theirs = EnrollmentFactory(leader=people["other_leader"])
    empty = TargetFactory(leader=None, cohort=CohortFactory())
    former = TargetFactory(leader=None, cohort=left.cohort)
    others = TargetFactory(leader=None, cohort=theirs.cohort)

    def seen(role):
        return {row["id"] for row in api(people[role]).get(f"{BASE}/targets/").json()["results"]}

    assert seen("hr") == {empty.pk, former.pk, others.pk}
    assert seen("leader") == seen("mentor") == {former.pk}
    assert seen("nobody") == set()


def test_scorecard_anonymous_and_non_leader(api, hr, people):
    assert status_for(api, None, "get", f"{BASE}/scorecards/{people['leader'].pk}/") in DENIED
    assert status_for(api, hr, "get", f"{BASE}/scorecards/{people['mentor'].pk}/") == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [("hr", 200), ("mentor", 403), ("leader", 403), ("other_leader", 403), ("nobody", 403)],
)
def test_cohort_summary_and_impact_are_for_hr(api, people, role, expected):
    cohort = CohortFactory()
    user = people[role]
    assert status_for(api, user, "get", f"{BASE}/cohorts/{cohort.pk}/summary/") == expected
    assert status_for(api, user, "get", f"{BASE}/programs/{cohort.program_id}/impact/") == expected


def test_cohort_summary_and_impact_anonymous(api, db):
    cohort = CohortFactory()
    assert status_for(api, None, "get", f"{BASE}/cohorts/{cohort.pk}/summary/") in DENIED
    assert status_for(api, None, "get", f"{BASE}/programs/{cohort.program_id}/impact/") in DENIED


def test_scorecard_endpoint_figures(api, hr, world):
    response = api(hr).get(f"{BASE}/scorecards/{world['ada'].pk}/?as_of={AS_OF}")
    sales = next(m for m in response.json()["metrics"] if m["metric"]["code"] == "sales_attainment")
    assert sales["attainment"] == "90.9" and sales["target"] == "110.00"
    assert sales["change_since_baseline"] == "20.00"
    assert api(hr).get(f"{BASE}/scorecards/{world['ada'].pk}/?as_of=soon").status_code == 400
    assert api(hr).get(f"{BASE}/scorecards/{world['ada'].pk}/?as_of=0001-01-01").status_code == 400
    assert api(hr).get(f"{BASE}/scorecards/abc/").status_code == 404


def test_cohort_summary_csv_export(api, hr, world):
    response = api(hr).get(f"{BASE}/cohorts/{world['cohort'].pk}/summary/?format=csv&as_of={AS_OF}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("metric,metric_name,period,leaders,average,median")
    assert (
        "sales_attainment,Sales attainment,2024-06,3,82.00,96.00,22.69,50.00,100.00,3,33.33"
        in lines
    )


def test_program_impact_endpoint(api, hr, world):
    url = f"{BASE}/programs/{world['program'].pk}/impact/?as_of={AS_OF}"
    sales = next(
        m for m in api(hr).get(url).json()["metrics"] if m["metric"]["code"] == "sales_attainment"
    )
    assert sales["difference_in_differences"] == "12.00"
    assert sales["enrolled_leaders"] == 2 and sales["comparison_leaders"] == 2
    assert sales["caution"]
    one = api(hr).get(f"{url}&cohort={world['cohort'].pk}")
    assert one.status_code == 200 and one.json()["cohort"]["id"] == world["cohort"].pk
    other_cohort = CohortFactory()
    assert api(hr).get(f"{url}&cohort={other_cohort.pk}").status_code == 400


def test_program_impact_refuses_an_empty_cohort(api, hr, world):
    """Schema fuzzing (seed 1563571504): ``?cohort=`` was read as "every cohort"."""
    response = api(hr).get(f"{BASE}/programs/{world['program'].pk}/impact/?cohort=")
    assert response.status_code == 400
    assert set(response.json()) == {"cohort"}


# --- query counts at two sizes -------------------------------------------------------------


def count_queries(api, user, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert api(user).get(url).status_code == 200
    return len(context)


def grow_cohorts(world, count: int) -> None:
    """More cohorts of the program, each starting in a month of its own, each with two
    leaders who have values."""
    for index in range(count):
        cohort = CohortFactory(
            program=world["program"], starts_on=datetime.date(2023, 1 + index, 10)
        )
        for _ in range(2):
            leader = LeaderFactory()
            EnrollmentFactory(cohort=cohort, leader=leader)
            observe(leader, "sales_attainment", "2022-12", 70)
            observe(leader, "sales_attainment", "2024-06", 90)


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # the leader 1 + scorecard_for 9 (its percentile from the ranking or live: 3)
        ("scorecards/{ada}/", 10),
        # the cohort 1 + cohort_summary 4
        ("cohorts/{cohort}/summary/", 5),
        ("cohorts/{cohort}/summary/?format=csv&", 5),
        # the program 1 + metrics, cohorts, latest periods, enrolled, comparison
        ("programs/{program}/impact/", 6),
    ],
)
def test_figure_queries_are_fixed_whatever_the_leaders_periods_or_cohorts(
    api, hr, world, path, queries
):
    url = f"{BASE}/" + path.format(
        ada=world["ada"].pk, cohort=world["cohort"].pk, program=world["program"].pk
    )
    url += ("&" if "?" in url else "?") + f"as_of={AS_OF}"
    url = url.replace("&&", "&")
    grow(world, leaders=1, months=2)
    count_queries(api, hr, url)  # the first request also reads the caller's roles
    assert count_queries(api, hr, url) == queries
    grow(world, leaders=6, months=6)
    assert count_queries(api, hr, url) == queries
    grow_cohorts(world, 4)
    assert count_queries(api, hr, url) == queries


def test_lower_is_better_target_share(api, hr, world):
    summary = api(hr).get(f"{BASE}/cohorts/{world['cohort'].pk}/summary/?as_of={AS_OF}").json()
    attrition = next(m for m in summary["metrics"] if m["metric"]["code"] == "regretted_attrition")
    june = next(p for p in attrition["periods"] if p["period"] == "2024-06")
    assert june["share_on_target"] == "100.00"  # Ada 1 ≤ 2, Ben 2 ≤ 2
    assert Decimal(june["average"]) == Decimal("1.5")
