import pytest


@pytest.fixture
def reference_data(transactional_db):
    """Committed rows other connections (threads, a worker) can see, with the groups and
    competencies the migrations seeded put back after earlier tests' flushes."""
    from tests.conftest import restore_migrated_content

    restore_migrated_content()
