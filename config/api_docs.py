"""/api/schema/ and /api/docs/: open in development, behind sign-in in production.

``settings.API_DOCS_PUBLIC`` decides (production settings turn it off), read on every
request so tests can try both.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission


class SignedInUnlessPublic(BasePermission):
    """Who may read the schema and the docs page."""

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI; a browser that is not signed in is sent to the login page and back."""

    permission_classes = [SignedInUnlessPublic]

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | PermissionDenied) and not (
            self.request.user and self.request.user.is_authenticated
        ):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
