"""Every /api/v1/ route, every role: who is refused (401/403) and who is out of scope (404).

The expected matrix below was captured from the code as it stood before the role gates
were folded into one ``people.permissions.RolePermission``; it proves that refactor
changed no answer (except that a caller without a token gets 401 and the token
challenge, not 403, since the schema fuzzing: tests/common/test_api_errors.py). It walks
Django's URL resolver, so a new route fails here until its row is added (a deliberate
act: read the row before you paste it).

Each cell is one role's answer to one method on one route, with real objects in the
leader's own scope (the mentor is paired with the leader, the leader enrolled in the
cohort and asked for feedback): ``1`` = 401, ``3`` = 403, ``4`` = 404, ``.`` = anything
else (2xx, 400, 405, 409...). Writes send an empty body and are rolled back.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.admindocs.views import simplify_regex
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from feedback.links import request_token
from feedback.models import Cycle, Nomination, RaterRequest
from people.decorators import role_required
from people.models import User
from people.permissions import RolePermission
from people.roles import AUTHENTICATED, Role
from people.tokens import token_issue
from programs.models import SessionAttendance
from tests.feedback.factories import CycleFactory, NominationFactory, RaterRequestFactory
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    PairingFactory,
)
from tests.metrics.factories import TargetFactory, metric, observe
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "no role", "leader", "mentor", "HR")
WRITE_METHODS = ("post", "put", "patch", "delete")
CELL = {401: "1", 403: "3", 404: "4"}

# method + route → one cell per role: anonymous, no role, leader, mentor, HR.
EXPECTED = {
    # API tokens: everyone signed in manages their own (the world's token is the
    # leader's); HR everyone's; another's is a 404.
    "DELETE /api/v1/auth/tokens/<pk>/": "14.4.",
    "DELETE /api/v1/cohort-sessions/<pk>/": "1333.",
    "DELETE /api/v1/cohorts/<pk>/": "1333.",
    "DELETE /api/v1/competencies/<pk>/": "1333.",
    "DELETE /api/v1/feedback/nominations/<pk>/": "13.3.",
    "DELETE /api/v1/metrics/targets/<pk>/": "1333.",
    "DELETE /api/v1/modules/<pk>/": "1333.",
    "DELETE /api/v1/programs/<pk>/": "1333.",
    "DELETE /api/v1/session-attendance/<pk>/": "1333.",
    "GET /api/v1/audit/events/": "1333.",
    "GET /api/v1/auth/tokens/": "1....",
    "GET /api/v1/auth/tokens/<pk>/": "14.4.",
    "GET /api/v1/cohort-sessions/": "1....",
    "GET /api/v1/cohort-sessions/<pk>/": "14...",
    "GET /api/v1/cohorts/": "1....",
    "GET /api/v1/cohorts/<pk>/": "14...",
    "GET /api/v1/cohorts/<pk>/calendar.ics": "14...",
    "GET /api/v1/competencies/": "1....",
    "GET /api/v1/competencies/<pk>/": "1....",
    "GET /api/v1/dashboards/cohorts/<pk>/": "1333.",
    "GET /api/v1/dashboards/leaders/<pk>/": "14...",
    "GET /api/v1/dashboards/me/": "13.33",
    "GET /api/v1/dashboards/mentors/me/": "133.3",
    "GET /api/v1/dashboards/programs/<pk>/impact/": "1333.",
    "GET /api/v1/enrollments/": "1....",
    "GET /api/v1/enrollments/<pk>/": "14...",
    "GET /api/v1/enrollments/<pk>/progress/": "14...",
    "GET /api/v1/feedback/cycles/": "1....",
    "GET /api/v1/feedback/cycles/<pk>/": "14...",
    "GET /api/v1/feedback/cycles/<pk>/colleagues/": "13.33",
    "GET /api/v1/feedback/cycles/<pk>/mine/": "13.33",
    "GET /api/v1/feedback/cycles/<pk>/preview/": "1333.",
    "GET /api/v1/feedback/cycles/<pk>/progress/": "1333.",
    "GET /api/v1/feedback/cycles/<pk>/reports/<subject_id>/": "14.4.",
    "GET /api/v1/feedback/nominations/": "13.3.",
    "GET /api/v1/feedback/nominations/<pk>/": "13.3.",
    "GET /api/v1/feedback/questionnaires/": "1333.",
    "GET /api/v1/feedback/questionnaires/<pk>/": "1333.",
    "GET /api/v1/feedback/requests/": "1333.",
    "GET /api/v1/feedback/requests/<pk>/": "1333.",
    "GET /api/v1/feedback/respond/<token>/": ".....",
    "GET /api/v1/me/": "1....",
    "GET /api/v1/mentorship/action-items/": "1....",
    "GET /api/v1/mentorship/action-items/<pk>/": "14...",
    "GET /api/v1/mentorship/calendar.ics": "1....",
    "GET /api/v1/mentorship/goals/": "1....",
    "GET /api/v1/mentorship/goals/<pk>/": "14...",
    "GET /api/v1/mentorship/pairings/": "1....",
    "GET /api/v1/mentorship/pairings/<pk>/": "14...",
    "GET /api/v1/mentorship/sessions/": "1....",
    "GET /api/v1/mentorship/sessions/<pk>/": "14...",
    "GET /api/v1/mentorship/suggestions/": "1333.",
    "GET /api/v1/metrics/cohorts/<pk>/summary/": "1333.",
    "GET /api/v1/metrics/definitions/": "1....",
    "GET /api/v1/metrics/definitions/<pk>/": "1....",
    "GET /api/v1/metrics/observations/": "1....",
    "GET /api/v1/metrics/observations/<pk>/": "14...",
    "GET /api/v1/metrics/programs/<pk>/impact/": "1333.",
    "GET /api/v1/metrics/scorecards/<pk>/": "14...",
    "GET /api/v1/metrics/targets/": "1....",
    "GET /api/v1/metrics/targets/<pk>/": "14...",
    "GET /api/v1/module-completions/": "1....",
    "GET /api/v1/module-completions/<pk>/": "14...",
    "GET /api/v1/modules/": "1....",
    "GET /api/v1/modules/<pk>/": "1....",
    "GET /api/v1/people/<pk>/export/": "1333.",
    "GET /api/v1/programs/": "1....",
    "GET /api/v1/programs/<pk>/": "1....",
    "GET /api/v1/session-attendance/": "1....",
    "GET /api/v1/session-attendance/<pk>/": "14...",
    "PATCH /api/v1/cohort-sessions/<pk>/": "1333.",
    "PATCH /api/v1/cohorts/<pk>/": "1333.",
    "PATCH /api/v1/competencies/<pk>/": "1333.",
    "PATCH /api/v1/feedback/cycles/<pk>/": "1333.",
    "PATCH /api/v1/mentorship/action-items/<pk>/": "143.3",
    "PATCH /api/v1/mentorship/goals/<pk>/": "14..3",
    "PATCH /api/v1/mentorship/sessions/<pk>/": "143.3",
    "PATCH /api/v1/metrics/definitions/<pk>/": "1333.",
    "PATCH /api/v1/metrics/observations/<pk>/": "1333.",
    "PATCH /api/v1/metrics/targets/<pk>/": "1333.",
    "PATCH /api/v1/modules/<pk>/": "1333.",
    "PATCH /api/v1/programs/<pk>/": "1333.",
    "POST /api/v1/auth/token/": ".....",
    "POST /api/v1/auth/tokens/revoke-all/": "1....",
    "POST /api/v1/cohort-sessions/": "1333.",
    "POST /api/v1/cohorts/": "1333.",
    "POST /api/v1/cohorts/<pk>/enrollments/import/": "1333.",
    "POST /api/v1/competencies/": "1333.",
    "POST /api/v1/enrollments/": "1333.",
    "POST /api/v1/enrollments/<pk>/activate/": "1333.",
    "POST /api/v1/enrollments/<pk>/complete/": "1333.",
    "POST /api/v1/enrollments/<pk>/withdraw/": "1333.",
    "POST /api/v1/feedback/cycles/": "1333.",
    "POST /api/v1/feedback/cycles/<pk>/cancel/": "1333.",
    "POST /api/v1/feedback/cycles/<pk>/release/": "1333.",
    "POST /api/v1/feedback/cycles/<pk>/schedule/": "1333.",
    "POST /api/v1/feedback/cycles/<pk>/share/": "13.33",
    "POST /api/v1/feedback/nominations/": "13.3.",
    "POST /api/v1/feedback/nominations/approve/": "1333.",
    "POST /api/v1/feedback/nominations/reject/": "1333.",
    "POST /api/v1/feedback/questionnaires/<pk>/copy/": "1333.",
    "POST /api/v1/feedback/requests/<pk>/extend/": "1333.",
    "POST /api/v1/feedback/requests/<pk>/nudge/": "1333.",
    "POST /api/v1/feedback/requests/<pk>/retry/": "1333.",
    "POST /api/v1/feedback/respond/<token>/": ".....",
    "POST /api/v1/mentorship/action-items/": "1....",
    "POST /api/v1/mentorship/action-items/<pk>/done/": "14..3",
    "POST /api/v1/mentorship/action-items/<pk>/reopen/": "14..3",
    "POST /api/v1/mentorship/goals/": "1....",
    "POST /api/v1/mentorship/pairings/": "1333.",
    "POST /api/v1/mentorship/pairings/<pk>/end/": "1333.",
    "POST /api/v1/mentorship/sessions/": "1....",
    "POST /api/v1/mentorship/sessions/<pk>/cancel/": "143.3",
    "POST /api/v1/metrics/definitions/": "1333.",
    "POST /api/v1/metrics/observations/": "1333.",
    "POST /api/v1/metrics/observations/bulk/": "1333.",
    "POST /api/v1/metrics/observations/import/": "1333.",
    "POST /api/v1/metrics/targets/": "1333.",
    "POST /api/v1/module-completions/": "13.3.",
    "POST /api/v1/modules/": "1333.",
    "POST /api/v1/people/<pk>/erase/": "1333.",
    "POST /api/v1/programs/": "1333.",
    "POST /api/v1/session-attendance/": "1333.",
    "PUT /api/v1/cohort-sessions/<pk>/": "1333.",
    "PUT /api/v1/cohorts/<pk>/": "1333.",
    "PUT /api/v1/competencies/<pk>/": "1333.",
    "PUT /api/v1/feedback/cycles/<pk>/": "1333.",
    "PUT /api/v1/modules/<pk>/": "1333.",
    "PUT /api/v1/programs/<pk>/": "1333.",
}


class _RolledBack(Exception):
    def __init__(self, status_code: int):
        self.status_code = status_code


def _world() -> dict:
    """One of everything a route can address, all inside the leader's scope."""
    hr = HRFactory(email="hr.matrix@example.com")
    mentor = MentorFactory(email="mentor.matrix@example.com")
    leader = LeaderFactory(email="leader.matrix@example.com")
    nobody = UserFactory(email="nobody.matrix@example.com")
    program = ProgramFactory()
    module = ModuleFactory(program=program)
    cohort = CohortFactory(
        program=program,
        starts_on=datetime.date(2027, 1, 4),
        ends_on=datetime.date(2027, 12, 31),
    )
    enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    ModuleCompletionFactory(enrollment=enrollment, module=module)
    cohort_session = CohortSessionFactory(cohort=cohort, module=module)
    SessionAttendance.objects.create(enrollment=enrollment, session=cohort_session, recorded_by=hr)
    pairing = PairingFactory(mentor=mentor, mentee=leader)
    session = MentoringSessionFactory(pairing=pairing)
    ActionItemFactory(session=session)
    GoalFactory(mentee=leader, pairing=pairing)
    observe(leader, "sales_attainment", "2027-01", 90)
    TargetFactory(leader=leader, metric=metric("sales_attainment"), value=Decimal(100))
    cycle = CycleFactory(cohort=cohort, status=Cycle.Status.OPEN)
    NominationFactory(
        cycle=cycle, subject=leader, created_by=leader, status=Nomination.Status.PROPOSED
    )
    rater_request = RaterRequestFactory(
        cycle=cycle, subject=leader, rater=mentor, group="mentor", status=RaterRequest.Status.SENT
    )
    token_issue(user=leader)  # the leader's own API token
    return {
        "users": {
            "anonymous": None,
            "no role": nobody,
            "leader": leader,
            "mentor": mentor,
            "HR": hr,
        },
        "leader": leader,
        "token": request_token(rater_request),
    }


def _api_routes():
    """(readable route, URL name, view class, actions) for every route under /api/v1/."""

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry

    for raw, entry in walk(get_resolver().url_patterns, "/"):
        # "<int:pk>" (path()) and "(?P<pk>[^/.]+)" (routers) both read "<pk>".
        route = re.sub(r"<\w+:(\w+)>", r"<\1>", simplify_regex(raw))
        if not route.startswith("/api/v1/") or "<format>" in route:
            continue
        view = entry.callback
        yield route, entry.name, view.cls, getattr(view, "actions", None)


def _methods(view_class, actions) -> list[str]:
    if actions is not None:
        allowed = [method for method in actions if method in view_class.http_method_names]
    else:
        allowed = [
            method
            for method in view_class.http_method_names
            if method not in ("head", "options", "trace") and hasattr(view_class, method)
        ]
    return [method for method in ("get", *WRITE_METHODS) if method in allowed]


def _kwargs(route: str, view_class, world: dict) -> dict:
    kwargs = {}
    if "<pk>" in route:
        model = view_class.queryset.model
        target = world["leader"] if model is User else model.objects.order_by("pk").first()
        assert target is not None, f"The world has no {model.__name__} for {route}."
        kwargs["pk"] = target.pk
    if "<subject_id>" in route:
        kwargs["subject_id"] = world["leader"].pk
    if "<token>" in route:
        kwargs["token"] = world["token"]
    return kwargs


def _answer(user, method: str, url: str) -> int:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    try:
        with transaction.atomic():
            raise _RolledBack(getattr(client, method)(url).status_code)
    except _RolledBack as answer:
        return answer.status_code


def permission_matrix(world: dict) -> dict[str, str]:
    matrix = {}
    for route, name, view_class, actions in _api_routes():
        url = reverse(name, kwargs=_kwargs(route, view_class, world))
        for method in _methods(view_class, actions):
            matrix[f"{method.upper()} {route}"] = "".join(
                CELL.get(_answer(world["users"][role], method, url), ".") for role in ROLES
            )
    return matrix


def test_every_role_gets_the_same_answer_on_every_api_route(clock):
    actual = permission_matrix(_world())
    if actual != EXPECTED:
        rows = "\n".join(f"    {key!r}: {value!r}," for key, value in sorted(actual.items()))
        changed = sorted(
            key for key in actual.keys() | EXPECTED.keys() if actual.get(key) != EXPECTED.get(key)
        )
        pytest.fail(
            f"Answers changed on {len(changed)} route(s): {changed}\n"
            f"The matrix now (roles: {', '.join(ROLES)}):\n{{\n{rows}\n}}"
        )


def _asks(permission_class, user, method: str = "get") -> tuple[bool, str | None]:
    request = Request(getattr(APIRequestFactory(), method)("/"))
    request.user = user or AnonymousUser()
    permission = permission_class()
    return permission.has_permission(request, view=None), permission.message


def test_signed_in_readers_and_hr_writers(leader, hr):
    gate = RolePermission.of(read=AUTHENTICATED, write=Role.HR)
    assert _asks(gate, leader) == (True, None)
    assert _asks(gate, leader, "post") == (False, "Only HR can change this.")
    assert _asks(gate, hr, "delete") == (True, None)
    assert _asks(gate, None)[0] is False


def test_roles_given_plainly_may_read_and_write(leader, mentor, nobody):
    gate = RolePermission.of(Role.HR, Role.LEADER)
    assert _asks(gate, leader, "post") == (True, None)
    assert _asks(gate, mentor) == (False, "Only HR and leaders can do this.")
    assert _asks(gate, nobody, "patch") == (False, "Only HR and leaders can do this.")


def test_a_declared_message_wins(mentor):
    gate = RolePermission.of(Role.LEADER, message="Only leaders nominate.")
    assert _asks(gate, mentor) == (False, "Only leaders nominate.")


def test_a_misspelt_role_fails_where_it_is_declared():
    with pytest.raises(ValueError, match="Unknown role"):
        RolePermission.of(read="hr")


def test_pages_accept_any_of_several_roles(rf, leader, mentor, nobody):
    page = role_required(Role.HR, Role.MENTOR)(lambda request: HttpResponse("ok"))
    request = rf.get("/")
    request.user = mentor
    assert page(request).status_code == 200
    for refused in (leader, nobody):
        request.user = refused
        with pytest.raises(PermissionDenied):
            page(request)
