"""Review of issue 17: an erased person (personal_data) is nobody to SCIM. The identity
provider keeps the SCIM id it was given (the person's key); a later PUT or PATCH to it
must not write the real name and email back onto the anonymised row (which would tie
the kept history to them again) nor bring it back as active."""

import pytest

from people.models import User
from personal_data.services import person_erase
from tests.directory.conftest import okta_user, patch
from tests.people.factories import HRFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased(db):
    hr = HRFactory()
    person = UserFactory(email="ana.lima@example.com", full_name="Ana Lima")
    person_erase(person=person, by=hr, confirm=person.email)
    person.refresh_from_db()
    return person


def test_scim_put_to_an_erased_person_does_not_restore_them(scim, erased):
    response = scim.put(f"/Users/{erased.pk}", okta_user())

    assert response.status_code == 404, response.content
    erased.refresh_from_db()
    assert erased.email.endswith("@erased.invalid")
    assert not erased.is_active


def test_scim_patch_to_an_erased_person_does_not_reactivate_them(scim, erased):
    response = scim.patch(
        f"/Users/{erased.pk}",
        patch(
            {"op": "replace", "path": "active", "value": True},
            {"op": "replace", "path": "userName", "value": "ana.lima@example.com"},
        ),
    )

    assert response.status_code == 404, response.content
    assert not User.objects.filter(email="ana.lima@example.com").exists()
