"""Single sign-on's fixtures: a real OpenID provider (tests/directory/oidc.py) for the
test client's callback and one for the browser's (the live server's)."""

import pytest

from tests.directory.oidc import TEST_CLIENT_CALLBACK, running_provider, sso_settings


@pytest.fixture(scope="session")
def oidc_issuer(tmp_path_factory):
    """A provider whose client calls back to Django's test client."""
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with running_provider([TEST_CLIENT_CALLBACK], log) as issuer:
        yield issuer


@pytest.fixture
def sso(db, settings, oidc_issuer):
    """Single sign-on on, at the provider; example.com is the allowed domain."""
    sso_settings(settings, oidc_issuer)
    return settings


@pytest.fixture(scope="session")
def browser_oidc_issuer(live_server, tmp_path_factory):
    """A provider whose client calls back to the live server (the browser tests)."""
    log = tmp_path_factory.mktemp("oidc-browser") / "provider.log"
    with running_provider([f"{live_server.url}/sso/callback/"], log) as issuer:
        yield issuer


@pytest.fixture
def browser_sso(settings, browser_oidc_issuer):
    sso_settings(settings, browser_oidc_issuer)
    return settings
