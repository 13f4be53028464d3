import pytest


@pytest.fixture
def reference_data(transactional_db):
    """Committed rows other connections (threads, a worker) can see, with the groups and
    competencies the migrations seeded put back after earlier tests' flushes."""
    from tests.conftest import restore_migrated_content

    restore_migrated_content()


@pytest.fixture
def mail_dir(tmp_path, monkeypatch):
    """Where the real worker writes emails; set before the worker starts."""
    directory = tmp_path / "mail"
    monkeypatch.setenv("LODESTAR_TEST_MAIL_DIR", str(directory))
    return directory
