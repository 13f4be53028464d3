"""HR's page for SCIM tokens (``/directory/scim/tokens/``): make one (shown once, on the
page that answers the form, never stored nor put in the session) and revoke one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from common.web import REFUSALS, form_errors, posted, run_service
from directory.models import ScimToken
from directory.scim import tokens
from people.decorators import role_required
from people.roles import Role


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Who uses it, e.g. 'Okta' or 'Microsoft Entra'."
    )


def _page(request, form: TokenForm, *, secret: str | None = None, status: int = 200):
    context = {
        "form": form,
        "tokens": tokens.scim_token_list(),
        "secret": secret,
        "base_url": request.build_absolute_uri("/scim/v2/"),
    }
    return render(request, "directory/scim/tokens.html", context, status=status)


@role_required(Role.HR)
def token_list(request):
    form = TokenForm(posted(request))
    if request.method != "POST":
        return _page(request, form)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _, secret = tokens.scim_token_create(name=form.cleaned_data["name"], by=request.user)
    except REFUSALS as error:
        form_errors(form, error)
        return _page(request, form, status=400)
    return _page(request, TokenForm(), secret=secret, status=201)


@role_required(Role.HR)
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ScimToken, pk=pk)
    if token.revoked_at is not None:
        messages.info(request, f"{token} was revoked already.")
    else:
        run_service(
            request,
            lambda: tokens.scim_token_revoke(token=token, by=request.user),
            f"{token} is revoked: it no longer opens SCIM.",
        )
    return redirect("directory:scim-tokens")
