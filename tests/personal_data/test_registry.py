"""The registry knows every way a row refers to a person, and the export lists, and
erasure handles, the rows of each (walking every model Django knows)."""

import pytest
from django.apps import apps

from personal_data.registry import (
    REDACTIONS,
    REFERENCES,
    Erase,
    Listing,
    Reference,
    references_to_users,
)
from personal_data.selectors import person_export, section
from personal_data.services import ERASED_TEXT, person_erase

pytestmark = pytest.mark.django_db


def _id(reference: Reference) -> str:
    return f"{reference.model}.{reference.field}"


def test_every_reference_to_a_person_in_every_model_is_in_the_registry():
    registered = {(reference.model, reference.field) for reference in REFERENCES}

    missing = sorted(set(references_to_users()) - registered)

    assert not missing, (
        f"{missing} refer to a person but personal_data.registry does not say where the "
        "export lists them or what erasure does with them."
    )


def test_the_walk_finds_keys_one_to_one_keys_and_the_users_own_links():
    found = set(references_to_users())

    assert {
        ("programs.Enrollment", "leader"),
        ("people.ApiToken", "user"),
        ("common.AuditEvent", "actor"),
        ("common.AuditEvent", "subject"),
        ("people.User", "manager"),
        ("people.User", "groups"),
        ("admin.LogEntry", "user"),
    } <= found


def test_every_registry_entry_names_a_real_field():
    for reference in REFERENCES:
        apps.get_model(reference.model)._meta.get_field(reference.field)
        if reference.at:
            apps.get_model(reference.model)._meta.get_field(reference.at)
    for redaction in REDACTIONS:
        model = apps.get_model(redaction.model)
        for name in redaction.fields:
            model._meta.get_field(name)


@pytest.mark.parametrize("reference", REFERENCES, ids=_id)
def test_the_export_lists_every_row_that_refers_to_the_person(everywhere, reference):
    person = everywhere.person
    rows = reference.rows(person)
    assert rows.exists(), f"The test world has no {_id(reference)} row for the person."

    part = section(person_export(person=person), reference.section)

    if reference.listing == Listing.ROWS:
        listed = {
            entry["id"]
            for entry in part
            if entry.get("model", reference.model) == reference.model
            and entry.get("as", reference.field) == reference.field
        }
        assert set(rows.values_list("pk", flat=True)) <= listed
    elif reference.listing == Listing.COUNTS:
        assert sum(entry["count"] for entry in part) == rows.count()
        assert all("id" not in entry for entry in part), "counts only, never the rows"
    elif reference.listing == Listing.REPORTS:
        released = set(
            rows.filter(cycle__released_at__isnull=False).values_list("cycle_id", flat=True)
        )
        assert released
        assert {report["cycle"]["id"] for report in part} == released
    elif reference.listing == Listing.RESULTS:
        closed = set(rows.filter(round__status="closed").values_list("round", flat=True))
        assert closed
        assert {result["round"] for result in part} == closed
    elif reference.listing == Listing.NAMES:
        assert set(rows.values_list("name", flat=True)) <= set(part)
    else:
        assert len(part) == rows.count()


@pytest.mark.parametrize("reference", REFERENCES, ids=_id)
def test_erasure_keeps_deletes_or_unlinks_the_rows_of_every_reference(everywhere, hr, reference):
    person = everywhere.person
    before = set(reference.rows(person).values_list("pk", flat=True))
    assert before, f"The test world has no {_id(reference)} row for the person."

    person_erase(person=person, by=hr, confirm=person.email)

    person.refresh_from_db()
    after = set(reference.rows(person).values_list("pk", flat=True))
    if reference.erase == Erase.KEEP:
        # The erasure's own audit events are about the person too, so the rows can grow.
        assert before <= after, "kept, and still the anonymised person's"
    else:
        assert not after
        linked = reference.rows(person).model.objects.filter(pk__in=before)
        assert linked.count() == (len(before) if reference.erase == Erase.CLEAR else 0)


@pytest.mark.parametrize(
    "redaction", REDACTIONS, ids=lambda r: f"{r.model}.{r.lookup}.{'+'.join(r.fields)}"
)
def test_erasure_blanks_the_free_text_the_person_wrote(everywhere, hr, redaction):
    person = everywhere.person
    rows = redaction.rows(person)
    assert rows.exists(), "The test world has no such text written by the person."
    written = list(rows.values_list(*redaction.fields))

    person_erase(person=person, by=hr, confirm=person.email)

    model = apps.get_model(redaction.model)
    for values, blanked in zip(written, rows.values_list(*redaction.fields), strict=True):
        for name, old, new in zip(redaction.fields, values, blanked, strict=True):
            field = model._meta.get_field(name)
            if redaction.value is not None:
                assert new.startswith("erased-nomination-") and new.endswith("@erased.invalid")
            else:
                assert new == ("" if field.blank else ERASED_TEXT), f"{name} was {old!r}"
