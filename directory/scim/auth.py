"""Who may call ``/scim/v2/``: the holder of a live SCIM bearer token, nobody else (a
session or an API token of any person, HR included, is not one)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from directory.models import ScimToken
from directory.scim.tokens import scim_token_authenticate

REALM = 'Bearer realm="scim"'


class ScimTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``: the request's ``auth`` is the ``ScimToken``
    and its user nobody (the directory acts, not a person)."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != b"bearer":
            return None
        try:
            raw = words[1].decode() if len(words) == 2 else ""
        except UnicodeError:
            raw = ""
        token = scim_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("The bearer token is not a live SCIM token.")
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return REALM


class HasScimToken(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ScimToken)
