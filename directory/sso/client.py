"""The OpenID Connect client (Authlib): discovery from ``<OIDC_ISSUER>/.well-known/
openid-configuration``, the state, nonce and PKCE of each sign-in kept in the session,
and the ID token checked against the provider's keys, issuer, audience and nonce."""

from __future__ import annotations

from collections.abc import Mapping

from authlib.integrations.django_client import OAuth
from django.conf import settings

# What the provider must answer within (discovery, keys, the token and userinfo calls).
PROVIDER_TIMEOUT_SECONDS = 10

# One client per configuration: each keeps the provider's metadata and keys once loaded.
_clients: dict[tuple[str, str, str], object] = {}


def oidc_client():
    """The client for the configured provider (``sso_enabled()`` says whether there is one)."""
    key = (settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET)
    if key not in _clients:
        _clients[key] = OAuth().register(
            "lodestar",
            client_id=settings.OIDC_CLIENT_ID,
            client_secret=settings.OIDC_CLIENT_SECRET,
            server_metadata_url=f"{settings.OIDC_ISSUER}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "default_timeout": PROVIDER_TIMEOUT_SECONDS,
            },
        )
    return _clients[key]


class ClaimsMismatchError(ValueError):
    """The userinfo endpoint answered for someone other than the ID token's subject."""


def identity_claims(client, token: Mapping) -> dict:
    """The signed-in identity's claims: the validated ID token's, completed from the
    userinfo endpoint when the ID token carries no email (providers that keep the ID
    token small for the code flow); userinfo must name the same subject (OIDC Core 5.3.2)."""
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise ClaimsMismatchError("The provider sent no ID token.")
    if "email" not in claims:
        extra = dict(client.userinfo(token=token))
        if extra.get("sub") != claims["sub"]:
            raise ClaimsMismatchError("The userinfo endpoint named another subject.")
        claims = {**extra, **claims}
    return claims
