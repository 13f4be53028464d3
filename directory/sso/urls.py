"""Single sign-on (OpenID Connect): /sso/login/ and /sso/callback/ (404 unless
configured), and HR's just-in-time domains page."""

from django.urls import path

from directory.sso import views

app_name = "sso"

urlpatterns = [
    path("login/", views.sso_login, name="login"),
    path("callback/", views.sso_callback, name="callback"),
    path("domains/", views.jit_domains, name="domains"),
]
