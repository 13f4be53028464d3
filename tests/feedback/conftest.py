import pytest


@pytest.fixture
def mail_dir(tmp_path, monkeypatch):
    """Where the real worker writes the emails it sends (read by ``sent_mail``)."""
    directory = tmp_path / "mail"
    directory.mkdir()
    monkeypatch.setenv("LODESTAR_TEST_MAIL_DIR", str(directory))
    # The worker treats a claim older than 2 s as abandoned, so a killed worker's
    # in-flight email is retried within the test instead of after 10 minutes.
    monkeypatch.setenv("FEEDBACK_SEND_CLAIM_TIMEOUT", "2")
    return directory


@pytest.fixture
def feedback_worker(mail_dir, settings, celery_worker):
    """A real worker whose emails land in ``mail_dir``; started after the env is set."""
    settings.FEEDBACK_SEND_CLAIM_TIMEOUT = 2
    settings.FEEDBACK_REQUEUE_AFTER = 1
    return celery_worker
