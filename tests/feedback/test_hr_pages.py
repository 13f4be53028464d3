"""HR's questionnaire and reminder pages: copy a questionnaire, edit or add questions while
it is not frozen, change a cycle's reminder cadence before it opens. Only HR may; bad input
shows the error beside the field and changes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from common.errors import ApplicationError
from common.models import AuditEvent
from feedback import services
from feedback.models import FROZEN_MESSAGE, Cycle, Question, Questionnaire
from tests.feedback.factories import CycleFactory, QuestionnaireFactory, default_questionnaire


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def field_error(response, field: str) -> str:
    """The error shown beside ``field`` (the page renders it in an element of its own)."""
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index(f'id="id_{field}_errors"')
    return html[start : html.index("</div>", start)]


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def draft(db):
    """An editable questionnaire of two questions."""
    questionnaire = QuestionnaireFactory(name="Pilot questions")
    Question.objects.create(
        questionnaire=questionnaire,
        position=1,
        kind="rating",
        text="Sets clear goals",
        dimension="goal_orientation",
        side="management",
    )
    Question.objects.create(
        questionnaire=questionnaire, position=2, kind="comment", text="Anything else?"
    )
    return questionnaire


@pytest.fixture
def frozen(draft):
    Questionnaire.objects.filter(pk=draft.pk).update(frozen_at=timezone.now())
    draft.refresh_from_db()
    return draft


def question_fields(**overrides) -> dict:
    fields = {
        "text": "Inspires the team with a clear picture of the future",
        "kind": "rating",
        "dimension": "focus",
        "side": "leadership",
        "competency": "",
    }
    return {**fields, **overrides}


# --- questionnaires ----------------------------------------------------------------------


def test_hr_copies_the_default_questionnaire(hr):
    original = default_questionnaire()
    client = client_for(hr)
    listed = client.get("/feedback/questionnaires/").content.decode()
    assert original.name in listed
    response = client.post(f"/feedback/questionnaires/{original.pk}/copy/", {"name": "Balance 2"})
    copy = Questionnaire.objects.get(name="Balance 2")
    assert response.status_code == 302
    assert response["Location"] == f"/feedback/questionnaires/{copy.pk}/"
    asked = ("position", "kind", "text", "dimension", "side")
    assert list(copy.questions.values_list(*asked)) == list(original.questions.values_list(*asked))
    assert copy.questions.count() == 20
    assert not copy.is_frozen
    assert AuditEvent.objects.filter(action="questionnaire.copy", actor=hr).exists()
    page = client.get(response["Location"])
    assert "Copied as \u201cBalance 2\u201d" in page.content.decode()


def test_a_copy_without_a_name_gets_one(hr, draft):
    client_for(hr).post(f"/feedback/questionnaires/{draft.pk}/copy/", {"name": ""})
    assert Questionnaire.objects.filter(name="Pilot questions (copy)").exists()


def test_a_copy_with_a_taken_name_shows_the_field_error_and_copies_nothing(hr, draft):
    taken = default_questionnaire().name
    response = client_for(hr).post(f"/feedback/questionnaires/{draft.pk}/copy/", {"name": taken})
    assert "already exists" in field_error(response, "name")
    assert Questionnaire.objects.count() == 2
    assert not AuditEvent.objects.filter(action="questionnaire.copy").exists()


def test_hr_edits_a_question_of_an_editable_questionnaire(hr, draft):
    question = draft.questions.get(position=1)
    url = f"/feedback/questions/{question.pk}/edit/"
    assert "Sets clear goals" in client_for(hr).get(url).content.decode()
    response = client_for(hr).post(url, question_fields())
    assert response.status_code == 302
    assert response["Location"] == f"/feedback/questionnaires/{draft.pk}/"
    question.refresh_from_db()
    assert (question.text, question.dimension, question.side, question.position) == (
        "Inspires the team with a clear picture of the future",
        "focus",
        "leadership",
        1,
    )
    event = AuditEvent.objects.get(action="question.update")
    assert set(event.changes) == {"text", "dimension", "side"}


def test_hr_adds_a_question_at_the_end(hr, draft):
    url = f"/feedback/questionnaires/{draft.pk}/questions/new/"
    response = client_for(hr).post(url, question_fields(text="Listens before deciding"))
    assert response.status_code == 302
    added = draft.questions.get(text="Listens before deciding")
    assert added.position == 3
    assert AuditEvent.objects.filter(action="question.create", actor=hr).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"text": ""}, "text", "This field is required"),
        ({"text": "x" * 301}, "text", "at most 300 characters"),
        ({"kind": "essay"}, "kind", "Select a valid choice"),
        ({"side": ""}, "side", "Give both a dimension and a side, or neither"),
        ({"kind": "comment"}, "dimension", "Comments are not scored on a dimension"),
        ({"competency": "999999"}, "competency", "Select a valid choice"),
    ],
)
def test_a_bad_question_shows_the_field_error_and_changes_nothing(
    hr, draft, overrides, field, says
):
    question = draft.questions.get(position=1)
    edit = f"/feedback/questions/{question.pk}/edit/"
    assert says in field_error(client_for(hr).post(edit, question_fields(**overrides)), field)
    add = f"/feedback/questionnaires/{draft.pk}/questions/new/"
    assert says in field_error(client_for(hr).post(add, question_fields(**overrides)), field)
    question.refresh_from_db()
    assert question.text == "Sets clear goals" and draft.questions.count() == 2
    assert not AuditEvent.objects.filter(action__startswith="question.").exists()


def test_a_frozen_questionnaires_questions_cannot_be_edited(hr, frozen):
    question = frozen.questions.get(position=1)
    client = client_for(hr)
    detail = f"/feedback/questionnaires/{frozen.pk}/"
    edit = f"/feedback/questions/{question.pk}/edit/"
    page = client.get(detail).content.decode()
    assert "frozen" in page and edit not in page and "Add a question" not in page
    assert "Copy this questionnaire" in page
    for response in (
        client.get(edit, follow=True),
        client.post(edit, question_fields(), follow=True),
        client.post(f"{detail}questions/new/", question_fields(), follow=True),
    ):
        assert response.redirect_chain == [(detail, 302)]
        assert FROZEN_MESSAGE in shown_messages(response)
    question.refresh_from_db()
    assert question.text == "Sets clear goals" and frozen.questions.count() == 2
    assert not AuditEvent.objects.filter(action__startswith="question.").exists()


def test_a_frozen_questionnaire_can_be_copied_and_the_copy_edited(hr, frozen):
    client = client_for(hr)
    copied = client.post(f"/feedback/questionnaires/{frozen.pk}/copy/", {"name": ""})
    copy = Questionnaire.objects.get(name="Pilot questions (copy)")
    assert copied["Location"] == f"/feedback/questionnaires/{copy.pk}/"
    question = copy.questions.get(position=1)
    edit = f"/feedback/questions/{question.pk}/edit/"
    assert client.post(edit, question_fields(text="Sets goals with the team")).status_code == 302
    question.refresh_from_db()
    assert question.text == "Sets goals with the team"
    assert frozen.questions.get(position=1).text == "Sets clear goals"


def test_the_question_services_refuse_a_frozen_questionnaire_and_fixed_fields(hr, frozen):
    """The page checks first; the services refuse on their own (a cycle may open between
    the page and the save)."""
    question = frozen.questions.get(position=1)
    with pytest.raises(ApplicationError, match="frozen"):
        services.question_update(question=question, by=hr, text="Changed")
    with pytest.raises(ApplicationError, match="frozen"):
        services.question_create(questionnaire=frozen, by=hr, kind="comment", text="More?")
    Questionnaire.objects.filter(pk=frozen.pk).update(frozen_at=None)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.question_update(question=question, by=hr, position=7)
    question.refresh_from_db()
    assert (question.text, question.position) == ("Sets clear goals", 1)
    assert frozen.questions.count() == 2


@pytest.mark.parametrize("role", ["mentor", "leader", "nobody"])
def test_only_hr_copies_and_edits_questionnaires(request, role, draft):
    client = client_for(request.getfixturevalue(role))
    question = draft.questions.get(position=1)
    base = f"/feedback/questionnaires/{draft.pk}/"
    edit = f"/feedback/questions/{question.pk}/edit/"
    assert client.get("/feedback/questionnaires/").status_code == 403
    assert client.get(base).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, question_fields()).status_code == 403
    assert client.post(f"{base}questions/new/", question_fields()).status_code == 403
    assert client.post(f"{base}copy/", {"name": "Mine"}).status_code == 403
    question.refresh_from_db()
    assert question.text == "Sets clear goals" and draft.questions.count() == 2
    assert not Questionnaire.objects.filter(name="Mine").exists()


# --- a cycle's reminders -----------------------------------------------------------------


@pytest.fixture
def cycle(db, clock):
    clock.set(datetime.datetime(2027, 2, 1, 8, tzinfo=datetime.UTC))
    return CycleFactory(reminder_every_days=3)


def test_hr_changes_the_reminder_cadence_before_the_cycle_opens(hr, cycle):
    client = client_for(hr)
    detail = client.get(f"/feedback/cycles/{cycle.pk}/").content.decode()
    url = f"/feedback/cycles/{cycle.pk}/reminders/"
    assert f'href="{url}"' in detail
    response = client.post(url, {"reminder_every_days": "2"}, follow=True)
    assert response.redirect_chain == [(f"/feedback/cycles/{cycle.pk}/", 302)]
    assert "Reminders saved: every 2 day(s)." in shown_messages(response)
    cycle.refresh_from_db()
    assert cycle.reminder_every_days == 2
    event = AuditEvent.objects.get(action="cycle.update")
    assert event.changes == {"reminder_every_days": [3, 2]}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("-1", "greater than or equal to 0"),
        ("61", "less than or equal to 60"),
        ("often", "Enter a whole number"),
        ("", "This field is required"),
    ],
)
def test_a_bad_cadence_shows_the_field_error_and_changes_nothing(hr, cycle, value, says):
    url = f"/feedback/cycles/{cycle.pk}/reminders/"
    response = client_for(hr).post(url, {"reminder_every_days": value})
    assert says in field_error(response, "reminder_every_days")
    cycle.refresh_from_db()
    assert cycle.reminder_every_days == 3
    assert not AuditEvent.objects.filter(action="cycle.update").exists()


def test_an_opened_cycles_reminders_cannot_change(hr, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
    client = client_for(hr)
    detail = f"/feedback/cycles/{cycle.pk}/"
    url = f"{detail}reminders/"
    assert url not in client.get(detail).content.decode()
    response = client.post(url, {"reminder_every_days": "1"}, follow=True)
    assert response.redirect_chain == [(detail, 302)]
    assert any("can no longer change" in message for message in shown_messages(response))
    cycle.refresh_from_db()
    assert cycle.reminder_every_days == 3


@pytest.mark.parametrize("role", ["mentor", "leader", "nobody"])
def test_only_hr_changes_reminders(request, role, cycle):
    client = client_for(request.getfixturevalue(role))
    url = f"/feedback/cycles/{cycle.pk}/reminders/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"reminder_every_days": "1"}).status_code == 403
    cycle.refresh_from_db()
    assert cycle.reminder_every_days == 3


def test_the_cycle_pages_link_to_the_questionnaires(hr, cycle):
    client = client_for(hr)
    assert 'href="/feedback/questionnaires/"' in client.get("/feedback/cycles/").content.decode()
    detail = client.get(f"/feedback/cycles/{cycle.pk}/").content.decode()
    assert f'href="/feedback/questionnaires/{cycle.questionnaire_id}/"' in detail
