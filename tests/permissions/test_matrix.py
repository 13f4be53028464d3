"""Every route (API and pages) x method x caller answers as matrix.py says."""

import pytest

from feedback.views import CYCLE_VERBS
from programs.views import ENROLLMENT_VERBS
from tests.permissions import matrix
from tests.permissions.routes import Callers, path_values, routes, url_of


def _cells(world) -> dict[str, str]:
    actual = {}
    answer = Callers(world).answer
    for route in routes():
        for method in route.methods():
            rows: dict[str, list[str]] = {}
            for caller in matrix.CALLERS:
                for values in path_values(route, world, caller=caller):
                    verb = {k: v for k, v in values.items() if k == "verb"}
                    key = f"{method.upper()} {url_of(route, verb)}"
                    if caller == "rater link" and not route.is_rater_link:
                        code = "-"
                    else:
                        url = url_of(route, values)
                        code = str(answer(caller, method, url, is_api=route.is_api).status_code)
                    rows.setdefault(key, []).append(code)
            for key, codes in rows.items():
                actual[key] = " ".join(codes)
    return actual


def test_every_caller_gets_the_expected_answer_on_every_route(matrix_world):
    actual = _cells(matrix_world)
    expected = matrix.EXPECTED
    if actual != expected:
        rows = "\n".join(f"    {key!r}: {value!r}," for key, value in sorted(actual.items()))
        changed = sorted(
            key for key in actual.keys() | expected.keys() if actual.get(key) != expected.get(key)
        )
        pytest.fail(
            f"Answers changed on {len(changed)} route(s): {changed}\n"
            f"The matrix now ({', '.join(matrix.CALLERS)}):\n{{\n{rows}\n}}"
        )


def test_every_verb_a_page_accepts_is_in_the_matrix():
    assert set(matrix.VERBS["/feedback/cycles/<pk>/<verb>/"]) == set(CYCLE_VERBS)
    assert set(matrix.VERBS["/programs/enrollments/<pk>/<verb>/"]) == set(ENROLLMENT_VERBS)


def test_someone_elses_object_is_404_never_403():
    """No existence oracle, read from the table: where a path names the leader's object,
    the other leader (and the other mentor) get 404, or exactly what its owner (the
    mentor) gets when the answer does not depend on whose it is (the catalogue, a role
    refusal, a method not allowed)."""
    pairs = [("leader", "other leader"), ("mentor", "other mentor"), ("manager", "other manager")]
    oracles = []
    for key, row in matrix.EXPECTED.items():
        if "<" not in key:
            continue
        codes = dict(zip(matrix.CALLERS, row.split(), strict=True))
        for own, other in pairs:
            if codes[other] not in ("404", codes[own]):
                oracles.append(f"{key}: {own} {codes[own]}, {other} {codes[other]}")
    assert not oracles, "\n".join(oracles)
