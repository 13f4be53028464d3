"""Attack 6: the admin hides private notes, but a changelist filter on them
(``?private_notes__icontains=quitting``) answers with a count, and ``__startswith``
extracts them character by character.

Defence: no admin accepts a lookup that reaches a private field (mentors' notes,
answers, comments, password hashes), directly or through a relation. This test walks
every registered admin and every path to every private field."""

import pytest
from django.apps import apps
from django.contrib import admin

from common.privacy import private_fields
from mentorship.models import MentoringSession
from tests.mentorship.factories import MentoringSessionFactory

MAX_HOPS = 3


def _paths_to_private_fields(model, prefix="", hops=0, seen=()):
    for name in private_fields(model):
        yield f"{prefix}{name}"
    if hops == MAX_HOPS:
        return
    for field in model._meta.get_fields():
        if not field.is_relation or field.related_model is None:
            continue
        if field.related_model in seen:
            continue
        # A reverse relation's ``name`` is its query name (``sessions`` for a pairing).
        yield from _paths_to_private_fields(
            field.related_model, f"{prefix}{field.name}__", hops + 1, (*seen, model)
        )


def _admin_attacks():
    attacks = []
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for path in sorted(set(_paths_to_private_fields(model))):
            attacks.append(pytest.param(url, path, id=f"{model._meta.label}:{path}"))
    return attacks


@pytest.fixture
def superuser_client(client, hr):
    hr.is_staff = hr.is_superuser = True
    hr.save()
    client.force_login(hr)
    return client


def test_the_notes_attack_from_the_review_is_refused(superuser_client):
    MentoringSessionFactory(private_notes="thinking about quitting")
    url = "/admin/mentorship/mentoringsession/"

    hit = superuser_client.get(url, {"private_notes__icontains": "quitting"})
    miss = superuser_client.get(url, {"private_notes__icontains": "zebra"})

    assert hit.status_code == miss.status_code == 400
    assert hit.content == miss.content


def test_private_fields_are_declared_where_the_data_lives():
    assert "private_notes" in private_fields(MentoringSession)
    assert {"rating", "cant_say", "text"} <= private_fields(apps.get_model("feedback", "Answer"))
    assert "password" in private_fields(apps.get_model("people", "User"))


@pytest.mark.parametrize(("url", "path"), _admin_attacks())
def test_no_admin_filters_on_a_private_field(superuser_client, url, path):
    response = superuser_client.get(url, {f"{path}__startswith": "a"})

    assert response.status_code == 400, (
        f"{url}?{path}__startswith=a answered {response.status_code}"
    )


def test_no_admin_searches_or_lists_a_private_field():
    for model, model_admin in admin.site._registry.items():
        private = private_fields(model)
        named = [*model_admin.search_fields, *model_admin.list_display]
        for name in named:
            if isinstance(name, str):
                root = name.lstrip("^=@").split("__")[0]
                assert root not in private, f"{model._meta.label} admin names {name}"
