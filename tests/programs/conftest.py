import importlib

import pytest
from django.contrib.auth.models import Group

from people.roles import Role
from programs.models import Competency

SEED = importlib.import_module("programs.migrations.0002_seed_competencies")


@pytest.fixture
def reference_data(transactional_db):
    """Groups and competencies seeded by migrations, which a transactional test flushes away."""
    for role in Role:
        Group.objects.get_or_create(name=role)
    for slug, name, description in SEED.COMPETENCIES:
        Competency.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
