"""Review of issue 17: SCIM answers malformed requests with a SCIM 400, never a 500 --
list items that are not objects in a PATCH, and strings no database stores (a lone
UTF-16 surrogate, a NUL) in a filter or a body."""

import pytest

from people.models import User
from tests.directory.conftest import ERROR, patch
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "operations",
    [
        [
            {"op": "replace", "path": "emails", "value": ["ana@example.com"]},
            {"op": "replace", "path": "emails.value", "value": "ana@example.com"},
        ],
        [
            {"op": "replace", "path": "emails", "value": [1]},
            {"op": "remove", "path": "emails", "value": [{"value": "ana@example.com"}]},
        ],
    ],
    ids=["sub-attribute-of-a-string-item", "remove-by-value-among-non-objects"],
)
def test_patch_with_list_items_that_are_not_objects_is_a_400(scim, operations):
    person = UserFactory()

    response = scim.patch(f"/Users/{person.pk}", patch(*operations))

    assert response.status_code == 400, response.content
    assert response.json()["schemas"] == [ERROR]


@pytest.mark.parametrize("value", ["\\ud800", "\\u0000"], ids=["surrogate", "nul"])
def test_a_filter_value_no_database_stores_is_a_400(scim, value):
    response = scim.get("/Users", filter=f'userName eq "ana{value}@example.com"')

    assert response.status_code == 400, response.content
    assert response.json()["scimType"] == "invalidFilter"


@pytest.mark.parametrize("value", ["\\ud800", "\\u0000"], ids=["surrogate", "nul"])
def test_a_body_string_no_database_stores_is_a_400_and_writes_nothing(scim, value):
    raw = (
        '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], '
        f'"userName": "ana@example.com", "displayName": "Ana", "title": "Lead{value}"}}'
    )

    response = scim.post("/Users", raw=raw)

    assert response.status_code == 400, response.content
    assert not User.objects.filter(email="ana@example.com").exists()


def test_a_username_with_a_surrogate_is_a_400(scim):
    raw = '{"userName": "ana\\ud800@example.com", "displayName": "Ana"}'

    response = scim.post("/Users", raw=raw)

    assert response.status_code == 400, response.content
