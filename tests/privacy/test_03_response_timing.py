"""Attack 3: HR watches responses arrive (sequential ids in the Response admin) while
polling who has completed, maps each response to a named rater, and after release
reads that single response's answers in the admin.

Defence: no admin page, API or export shows a single response; responses carry no id
or time that orders them by arrival; HR keeps who-has-answered (for nudges) only."""

import uuid

from django.contrib import admin

from feedback.models import Answer, RaterRequest, Response
from tests.privacy.attack import answer, open_cycle, release, requests_of


def test_no_admin_page_lists_or_shows_single_responses(client, world, clock, hr, anon_api):
    hr.is_staff = hr.is_superuser = True
    hr.save()
    open_cycle(clock, world.cycle)
    for request in RaterRequest.objects.filter(cycle=world.cycle):
        answer(anon_api, request, 4, comment="Fine")
    release(world.cycle)
    client.force_login(hr)

    assert Response not in admin.site._registry
    assert Answer not in admin.site._registry
    assert client.get("/admin/feedback/response/").status_code == 404
    some = Response.objects.first()
    assert client.get(f"/admin/feedback/response/{some.pk}/change/").status_code == 404
    assert client.get("/admin/feedback/answer/").status_code == 404


def test_responses_carry_no_order_of_arrival(world, clock, anon_api):
    open_cycle(clock, world.cycle)
    for request in requests_of(world.cycle, world.leader, "direct_report"):
        answer(anon_api, request, 3)

    ids = list(Response.objects.values_list("pk", flat=True))
    answer_ids = list(Answer.objects.values_list("pk", flat=True))

    assert len(ids) == 3
    assert all(isinstance(pk, uuid.UUID) and pk.version == 4 for pk in ids + answer_ids)
    field_names = {field.name for field in Response._meta.get_fields()}
    assert not field_names & {"created_at", "submitted_at", "updated_at", "request", "rater"}


def test_hr_still_sees_who_has_answered_for_nudges_but_no_answers(api, world, clock, hr, anon_api):
    open_cycle(clock, world.cycle)
    first = requests_of(world.cycle, world.leader, "direct_report")[0]
    answer(anon_api, first, 1, comment="A sentence only this rater wrote")

    completed = api(hr).get("/api/v1/feedback/requests/", {"status": "completed"})

    assert [row["id"] for row in completed.json()["results"]] == [first.pk]
    assert "A sentence only this rater wrote" not in completed.content.decode()
