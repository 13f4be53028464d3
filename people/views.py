"""People's pages: home, signing in (login, password change and reset), and HR's page
that lets leaders' managers sign in."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from common.throttles import SignInThrottle, rate_limited
from common.web import run_service
from people import services
from people.decorators import role_required
from people.forms import LoginForm, PasswordResetForm
from people.models import User
from people.navigation import landing_url
from people.passwords import sso_enabled
from people.roles import Role


@login_required
def home(request):
    """Send each person to where they work; people without a role get a short welcome."""
    url = landing_url(request.user)
    if url:
        return redirect(url)
    return render(request, "home.html")


# Sign-in forms count against the address's sign-in rate (common/throttles.py) on top of
# the per-account lockout (people/signin.py): one address trying many accounts is slowed.
sign_in_rate = rate_limited(SignInThrottle, methods=("POST",))


class LoginView(auth_views.LoginView):
    """Django's login, with the single sign-on button when it is configured; when
    password sign-in is off, the button leads and the form is for break-glass accounts."""

    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "sso_enabled": sso_enabled(),
            "sso_provider_name": settings.OIDC_PROVIDER_NAME,
            "password_sign_in": settings.PASSWORD_SIGN_IN,
        }


login = sign_in_rate(LoginView.as_view())
admin_login = sign_in_rate(admin.site.login)
password_reset = sign_in_rate(auth_views.PasswordResetView.as_view(form_class=PasswordResetForm))


# --- HR: managers who may sign in ------------------------------------------------------


@role_required(Role.HR)
def managers(request):
    """Everyone with a leader reporting to them, whether they sign in, and a button to
    let them (or to stop them)."""
    holds = User.groups.through.objects.filter(user=OuterRef("pk"), group__name=Role.MANAGER)
    people = (
        services.managers_of_leaders()
        .annotate(
            leaders=Count(
                "direct_reports",
                filter=Q(direct_reports__groups__name=Role.LEADER, direct_reports__is_active=True),
            ),
            signs_in=Exists(holds),
        )
        .order_by("full_name", "pk")
    )
    return render(request, "people/managers.html", {"people": people})


@role_required(Role.HR)
@require_POST
def manager_sign_in(request, pk: int):
    person = get_object_or_404(User, pk=pk, is_active=True)
    if request.POST.get("allow") == "0":
        run_service(
            request,
            lambda: services.manager_sign_in_revoke(user=person, by=request.user),
            f"{person.full_name} no longer signs in as a manager.",
        )
    else:
        run_service(
            request,
            lambda: services.manager_sign_in_grant(user=person, by=request.user),
            f"{person.full_name} is invited: they choose a password from the email.",
        )
    return redirect("managers")
