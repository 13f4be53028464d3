"""Production refuses to start with single sign-on half configured, over plain HTTP, or
with passwords turned off and no other way in (config/environment.py)."""

import pytest

from config.environment import production_problems
from tests.config.test_production import PRODUCTION_ENV

SSO = {
    "OIDC_ISSUER": "https://id.example.com",
    "OIDC_CLIENT_ID": "lodestar",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_ALLOWED_DOMAINS": "example.com",
}


def test_complete_single_sign_on_with_passwords_off_and_break_glass_is_fine():
    env = {**PRODUCTION_ENV, **SSO, "PASSWORD_SIGN_IN": "false", "BREAK_GLASS_EMAILS": "a@x.com"}
    assert production_problems(env) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"OIDC_ISSUER": "http://id.example.com"}, "OIDC_ISSUER must be the provider's https://"),
        ({"OIDC_CLIENT_SECRET": ""}, "also needs OIDC_CLIENT_SECRET"),
        ({"OIDC_ALLOWED_DOMAINS": ""}, "also needs OIDC_ALLOWED_DOMAINS"),
        ({"PASSWORD_SIGN_IN": "false"}, "needs BREAK_GLASS_EMAILS"),
        (
            {"PASSWORD_SIGN_IN": "false", "OIDC_ISSUER": "", "OIDC_CLIENT_ID": ""},
            "needs single sign-on",
        ),
    ],
)
def test_single_sign_on_problems_are_named(change, problem):
    problems = production_problems({**PRODUCTION_ENV, **SSO, **change})
    assert any(problem in line for line in problems), problems
