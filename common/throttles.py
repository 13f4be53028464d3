"""Rate limits, counted in the shared cache (Redis) so they hold across every web process.

One rate per scope, read from ``settings.THROTTLE_RATES`` when a request is counted (so
tests can lower or raise them): ``sign_in`` (per address: the token endpoint and the
sign-in and password-reset forms), ``rater_link`` (per address: the rater link page and
API), ``writes`` (per signed-in user: every API write) and ``scim`` (per SCIM bearer
token). The DRF views use the classes below; pages use ``rate_limited(RaterLinkThrottle)``,
which counts with the same classes.

``client_address`` is the one answer to "which address is this request from", for these
limits and for the sign-in lockout (people/signin.py): the address ``NUM_PROXIES`` trusted
proxies in front of Lodestar saw, never a header a client could forge.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math

from django.conf import settings
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def client_address(request) -> str | None:
    """The client's IP address: ``REMOTE_ADDR``, or with ``NUM_PROXIES`` proxies in front,
    the entry of ``X-Forwarded-For`` the outermost trusted proxy added. Anything that is
    not an IP address falls back to ``REMOTE_ADDR``."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


class _Throttle(SimpleRateThrottle):
    """A DRF throttle whose rate is read from ``settings.THROTTLE_RATES`` on every request,
    and that lets requests through (and says so in the log) when the cache is down: the
    sign-in lockout lives in the database and still holds."""

    def get_rate(self) -> str | None:
        return settings.THROTTLE_RATES[self.scope]

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # redis-py, socket and timeout errors: the cache is unreachable
            logger.warning("Rate limit %s not counted: the cache is unreachable.", self.scope)
            return True


class AddressThrottle(_Throttle):
    """Counts every request from one address, signed in or not."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class SignInThrottle(AddressThrottle):
    scope = "sign_in"


class RaterLinkThrottle(AddressThrottle):
    scope = "rater_link"


class WriteThrottle(_Throttle):
    """A generous per-user rate on every API write; reads and anonymous requests are not
    counted here (the anonymous endpoints have their own address limits)."""

    scope = "writes"

    def get_cache_key(self, request, view) -> str | None:
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ScimThrottle(_Throttle):
    """Every request made with one SCIM bearer token (directory/scim): its own rate, since
    an identity provider's first push sends every person at once."""

    scope = "scim"

    def get_cache_key(self, request, view) -> str | None:
        token = getattr(request.auth, "pk", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token}


def rate_limited(throttle_class: type[_Throttle], *, methods: tuple[str, ...] | None = None):
    """A page counted by ``throttle_class`` (all requests, or only ``methods``); over the
    rate it answers 429 with a short page and ``Retry-After``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if methods is None or request.method in methods:
                throttle = throttle_class()
                if not throttle.allow_request(request, None):
                    return too_many_requests(request, throttle.wait())
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_requests(request, wait: float | None):
    seconds = max(math.ceil(wait or 0), 1)
    response = render(request, "429.html", {"wait": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response
