"""People's pages: home, and signing in (login, password change and reset)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from common.throttles import SignInThrottle, rate_limited
from people.forms import PasswordResetForm
from people.navigation import landing_url


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

login = sign_in_rate(auth_views.LoginView.as_view())
admin_login = sign_in_rate(admin.site.login)
password_reset = sign_in_rate(auth_views.PasswordResetView.as_view(form_class=PasswordResetForm))
