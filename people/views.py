from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from people.navigation import landing_url


@login_required
def home(request):
    """Send each person to where they work; people without a role get a short welcome."""
    url = landing_url(request.user)
    if url:
        return redirect(url)
    return render(request, "home.html")
