"""No existence oracle through filters: on every list of the API, a filter naming a row
the caller may not see answers exactly like one naming no row at all (same status, same
body), for every filter that takes an id, as the leader and as the mentor."""

import re

import pytest
from django.core.exceptions import FieldDoesNotExist
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend

from common.filters import MAX_ID, IdFilter
from people.models import User
from programs.models import Cohort
from tests.permissions.routes import Callers, routes

# Rows everyone signed in may read: naming one is no secret.
CATALOGUE = {"Competency", "Program", "Module", "MetricDefinition", "Questionnaire"}
# Filters with a method of their own name the model they filter by here.
METHOD_TARGETS = {"cohort": Cohort}
NO_SUCH_ID = MAX_ID


def _list_views():
    for route in routes():
        actions = getattr(route.callback, "actions", None) or {}
        if route.is_api and actions.get("get") == "list":
            yield route


def _filterset(view_class):
    """The FilterSet the view's own filter backend builds (filterset_class or _fields)."""
    backend = next(b for b in view_class.filter_backends if issubclass(b, DjangoFilterBackend))
    return backend().get_filterset_class(view_class(), view_class.queryset)


def _target_model(filterset, name, declared):
    if isinstance(declared, ModelChoiceFilter | ModelMultipleChoiceFilter):
        return declared.queryset.model
    if not isinstance(declared, IdFilter):
        return None
    if declared.method is not None:
        return METHOD_TARGETS[name]
    model = filterset._meta.model
    for part in declared.field_name.removesuffix("_id").split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field.related_model or model
    return model


def id_filters():
    """(list URL, parameter, model it names) for every id filter of every API list."""
    found = []
    for route in _list_views():
        filterset = _filterset(route.view_class)
        if filterset is None:
            continue
        for name, declared in filterset.base_filters.items():
            model = _target_model(filterset, name, declared)
            if model is not None and model.__name__ not in CATALOGUE:
                found.append((route.path, name, model))
    return found


def _hidden_id(world, model) -> int:
    """A row of the other leader's side: neither the leader nor their mentor sees it."""
    if model is User:
        return world.other.leader.pk
    for obj in world.other.objects.values():
        if isinstance(obj, model):
            return obj.pk
    raise AssertionError(f"The other side of the world has no {model.__name__}.")


def test_every_list_has_its_id_filters_found():
    """The walk below finds the filters it must (a guard against a walk that finds none)."""
    params = {(path, name) for path, name, _ in id_filters()}
    assert ("/api/v1/enrollments/", "cohort") in params
    assert ("/api/v1/mentorship/sessions/", "pairing") in params
    assert ("/api/v1/metrics/observations/", "leader") in params


@pytest.mark.parametrize("caller", ["leader", "mentor"])
def test_a_filter_naming_someone_elses_row_answers_like_no_such_row(matrix_world, caller):
    answer = Callers(matrix_world).answer
    oracles = []
    for path, name, model in id_filters():
        theirs = answer(
            caller, "get", f"{path}?{name}={_hidden_id(matrix_world, model)}", is_api=True
        )
        nothing = answer(caller, "get", f"{path}?{name}={NO_SUCH_ID}", is_api=True)
        if (theirs.status_code, theirs.content) != (nothing.status_code, nothing.content):
            oracles.append(
                f"{path}?{name}=: someone else's {theirs.status_code} {theirs.content[:80]!r}, "
                f"no such {nothing.status_code} {nothing.content[:80]!r}"
            )
    assert not oracles, "\n".join(oracles)


# A body naming a row: the field's name → which of the other side's rows to name.
BODY_FIELDS = {
    "cohort": "cohort",
    "cycle": "upcoming_cycle",
    "enrollment": "enrollment",
    "leader": "leader",
    "mentee": "leader",
    "pairing": "pairing",
    "session": "session",
    "subject": "leader",
}


def _creates():
    for route in routes():
        actions = getattr(route.callback, "actions", None) or {}
        if route.is_api and actions.get("post") == "create":
            yield route.path


@pytest.mark.parametrize("caller", ["leader", "mentor"])
def test_a_body_naming_someone_elses_row_answers_like_no_such_row(matrix_world, caller):
    """The same for what a caller sends: creating something on someone else's enrollment,
    pairing or cycle is refused exactly as on one that does not exist."""
    answer = Callers(matrix_world).answer
    own = matrix_world.own.objects
    oracles = []
    for path in _creates():
        for name, key in BODY_FIELDS.items():
            # The rest of the body is the caller's own: only the named row differs.
            body = {"cycle": own["upcoming_cycle"].pk} if name == "subject" else {}
            answers = []
            for row_id in (matrix_world.other.objects[key].pk, NO_SUCH_ID):
                response = answer(caller, "post", path, is_api=True, data={**body, name: row_id})
                content = re.sub(rf"\b{row_id}\b", "<id>", response.content.decode())
                answers.append((response.status_code, content))
            (theirs, nothing) = answers
            if theirs != nothing:
                oracles.append(f"POST {path} {name}=: someone else's {theirs}, no such {nothing}")
    assert not oracles, "\n".join(oracles)


# Pages that take a row's id in their query string: (page, parameter, the row, caller).
PAGE_PARAMETERS = [("/mentoring/sessions/log/", "pairing", "pairing", "mentor")]


@pytest.mark.parametrize(("page", "name", "key", "caller"), PAGE_PARAMETERS)
def test_a_page_naming_someone_elses_row_answers_like_no_such_row(
    matrix_world, page, name, key, caller
):
    answer = Callers(matrix_world).answer
    theirs = answer(
        caller, "get", f"{page}?{name}={matrix_world.other.objects[key].pk}", is_api=False
    )
    nothing = answer(caller, "get", f"{page}?{name}={NO_SUCH_ID}", is_api=False)
    own = answer(caller, "get", f"{page}?{name}={matrix_world.own.objects[key].pk}", is_api=False)
    assert theirs.status_code == nothing.status_code == 404
    assert own.status_code == 200
