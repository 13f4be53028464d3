"""Attack 10: a leader records their own e-learning completion with ``score=100`` and
``completed_on=2001-01-01``, which then feeds HR's program impact.

Defence: scores are HR's (or an import's); a completion date lies within the cohort's
dates and not in the future, for everyone."""

import datetime

import pytest

from programs.models import Module, ModuleCompletion
from tests.programs.factories import CohortFactory, EnrollmentFactory, ModuleFactory

COMPLETIONS = "/api/v1/module-completions/"


@pytest.fixture
def elearning(db, clock, leader):
    """Leo's enrollment in a cohort of 4 Jan - 30 Jun 2027; today is 1 Feb 2027."""
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 6, 30))
    enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    module = ModuleFactory(program=cohort.program, kind=Module.Kind.E_LEARNING)
    return enrollment, module


def _record(api, user, enrollment, module, **fields):
    return api(user).post(COMPLETIONS, {"enrollment": enrollment.pk, "module": module.pk, **fields})


def test_a_leader_cannot_score_their_own_completion(api, leader, elearning):
    response = _record(api, leader, *elearning, score=100)

    assert response.status_code == 400
    assert "score" in response.json()
    assert not ModuleCompletion.objects.exists()


def test_a_leader_cannot_backdate_a_completion_before_the_cohort(api, leader, elearning):
    response = _record(api, leader, *elearning, completed_on="2001-01-01")

    assert response.status_code == 400
    assert "completed_on" in response.json()
    assert not ModuleCompletion.objects.exists()


@pytest.mark.parametrize("day", ["2027-01-03", "2027-02-02", "2027-07-01"])
def test_nobody_records_a_completion_outside_the_cohort_or_in_the_future(api, hr, elearning, day):
    response = _record(api, hr, *elearning, completed_on=day, score=80)

    assert response.status_code == 400
    assert "completed_on" in response.json()
    assert not ModuleCompletion.objects.exists()


def test_a_leader_records_their_own_completion_without_a_score(api, leader, elearning):
    response = _record(api, leader, *elearning, completed_on="2027-01-20")

    assert response.status_code == 201, response.json()
    assert response.json()["score"] is None


def test_hr_records_a_score(api, hr, elearning):
    response = _record(api, hr, *elearning, completed_on="2027-01-20", score=85)

    assert response.status_code == 201, response.json()
    assert response.json()["score"] == 85
