import datetime

import pytest
from django.test import Client

from tests.feedback.factories import CycleFactory, default_questionnaire
from tests.feedback.helpers import team_in, tick
from tests.people.factories import UserFactory

UTC = datetime.UTC


@pytest.fixture
def admin_client_(db, clock):
    """Logged in on the day the tests' cycles open (a session lasts two weeks)."""
    clock.set(datetime.datetime(2027, 3, 1, 8, tzinfo=UTC))
    user = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _change_form(questionnaire) -> dict:
    data = {
        "name": questionnaire.name,
        "description": "Changed",
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    return data


def test_frozen_questionnaire_edit_is_refused_in_the_admin_with_a_clear_message(
    admin_client_, clock
):
    clock.set(datetime.datetime(2027, 3, 1, 8, tzinfo=UTC))
    cycle = CycleFactory(
        opens_at=datetime.datetime(2027, 3, 1, 8, tzinfo=UTC),
        due_at=datetime.datetime(2027, 3, 11, 8, tzinfo=UTC),
    )
    team_in(cycle.cohort, reports=0)
    tick()
    questionnaire = default_questionnaire()
    url = f"/admin/feedback/questionnaire/{questionnaire.pk}/change/"
    response = admin_client_.post(url, _change_form(questionnaire))
    assert response.status_code == 200
    assert "This questionnaire is frozen" in response.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.description != "Changed"

    copy = admin_client_.post(
        "/admin/feedback/questionnaire/",
        {"action": "copy", "_selected_action": [questionnaire.pk]},
        follow=True,
    )
    assert "(copy)" in copy.content.decode()


def test_open_cycle_is_read_only_in_the_admin(admin_client_, clock):
    clock.set(datetime.datetime(2027, 3, 1, 8, tzinfo=UTC))
    cycle = CycleFactory(
        opens_at=datetime.datetime(2027, 3, 1, 8, tzinfo=UTC),
        due_at=datetime.datetime(2027, 3, 11, 8, tzinfo=UTC),
    )
    team_in(cycle.cohort, reports=0)
    tick()
    page = admin_client_.get(f"/admin/feedback/cycle/{cycle.pk}/change/").content.decode()
    assert 'name="due_at' not in page
    assert admin_client_.get("/admin/feedback/raterrequest/add/").status_code == 403
    draft = CycleFactory(cohort=cycle.cohort, status="draft")
    page = admin_client_.get(f"/admin/feedback/cycle/{draft.pk}/change/").content.decode()
    assert 'name="due_at' in page
