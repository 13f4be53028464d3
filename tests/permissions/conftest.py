"""One world for the matrix, filter and field-level modules: built once inside a
transaction that is rolled back when the package's last test ends (each test runs in a
savepoint of it), at a stopped clock."""

import pytest
import time_machine
from django.db import transaction

from tests.permissions.world import TODAY, world_build


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    with (
        time_machine.travel(TODAY, tick=False),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        built = world_build()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def matrix_world(world, db):
    """The shared world, for a test that reads or writes (in its own savepoint)."""
    return world


@pytest.fixture(scope="module", autouse=True)
def schema_built_once():
    """The OpenAPI schema is the same for every caller (served public, SERVE_PUBLIC):
    build it once per module, not once per caller. The matrix asks who may read it;
    tests/openapi.py and CI's spectacular --validate check what it says."""
    from drf_spectacular.generators import SchemaGenerator

    built = {}
    real = SchemaGenerator.get_schema

    def get_schema(self, request=None, public=False):
        if public not in built:
            built[public] = real(self, request=request, public=public)
        return built[public]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SchemaGenerator, "get_schema", get_schema)
        yield
