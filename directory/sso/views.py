"""Single sign-on's pages: the way out to the company's provider, the way back in (the
callback), and HR's switch for just-in-time accounts. The rules live in services.py."""

from __future__ import annotations

import logging
from functools import wraps

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from django.contrib.auth import login as auth_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from joserfc.errors import JoseError

from common.web import run_service
from directory.sso import selectors, services
from directory.sso.client import ClaimsMismatchError, identity_claims, oidc_client
from people.decorators import role_required
from people.navigation import landing_url
from people.passwords import sso_enabled
from people.roles import Role

logger = logging.getLogger("lodestar.sso")

# Where to go after signing in, kept in the session between /sso/login/ and the callback.
NEXT_SESSION_KEY = "sso_next"
# Signing in through the provider proves who this is; no password backend is involved.
SSO_BACKEND = "django.contrib.auth.backends.ModelBackend"
# What a provider that fails, or answers what cannot be checked, may raise.
PROVIDER_ERRORS = (AuthlibBaseError, JoseError, requests.RequestException, ClaimsMismatchError)


def sso_configured(view):
    """Every sign-in route is 404 unless single sign-on is configured."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request, url: str) -> str:
    """``url`` if it stays on this site, else nothing."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _refused(request, refusal: services.SignInRefused):
    logger.warning("sso sign-in refused: %s", refusal.reason)
    return render(
        request,
        "directory/sso/refused.html",
        {"message": refusal.message, "reason": refusal.reason},
        status=403,
    )


@sso_configured
@require_GET
def sso_login(request):
    """Off to the provider; it sends the person back to the callback."""
    request.session[NEXT_SESSION_KEY] = _safe_next(request, request.GET.get("next", ""))
    callback = request.build_absolute_uri(reverse("sso:callback"))
    try:
        return oidc_client().authorize_redirect(request, callback)
    except PROVIDER_ERRORS:
        logger.exception("sso: the provider's discovery did not answer")
        return _refused(request, services.SignInRefused("provider_error"))


@sso_configured
@require_GET
def sso_callback(request):
    """Back from the provider: check the answer and the ID token, find the account, sign
    in, and go where the person was headed (or to their role's home page)."""
    client = oidc_client()
    try:
        token = client.authorize_access_token(request)
        claims = identity_claims(client, token)
        user = services.sso_account_for(claims=claims)
    except MismatchingStateError:
        return _refused(request, services.SignInRefused("state"))
    except PROVIDER_ERRORS as error:
        logger.warning("sso: the provider's answer was refused: %s", type(error).__name__)
        return _refused(request, services.SignInRefused("provider_error"))
    except services.SignInRefused as refusal:
        return _refused(request, refusal)
    next_url = _safe_next(request, request.session.pop(NEXT_SESSION_KEY, ""))
    auth_login(request, user, backend=SSO_BACKEND)
    logger.info("sso sign-in: user %s", user.pk)
    return redirect(next_url or landing_url(user) or "home")


@role_required(Role.HR)
def jit_domains(request):
    """HR: the single sign-on domains, and on which of them a first sign-in creates an
    account (without any role) instead of being refused."""
    if request.method == "POST":
        domain, on = request.POST.get("domain", ""), request.POST.get("jit") == "1"
        run_service(
            request,
            lambda: services.jit_domain_set(domain=domain, on=on, by=request.user),
            f"Just-in-time accounts are {'on' if on else 'off'} for {domain.strip().lower()}.",
        )
        return redirect("sso:domains")
    return render(
        request,
        "directory/sso/domains.html",
        {"rows": selectors.jit_domain_rows(), "sso_enabled": sso_enabled()},
    )
