from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config.api_docs import ApiDocsView, SignedInUnlessPublic
from config.health import healthz
from people.api.audit import AuditEventViewSet
from people.audit_views import audit_list
from people.views import admin_login, home

api_v1 = [
    path("", include("people.api.urls")),
    path("", include("programs.api.urls")),
    path("mentorship/", include("mentorship.api.urls")),
    path("feedback/", include("feedback.api.urls")),
    path("metrics/", include("metrics.api.urls")),
    path("plans/", include("plans.api.urls")),
    path("", include("pulse.api.urls")),
    path("dashboards/", include("dashboards.api.urls")),
    path("audit/events/", AuditEventViewSet.as_view({"get": "list"}), name="audit-event-list"),
    path("", include("personal_data.api.urls")),
    path("", include("directory.api.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("people.urls")),
    # The admin's login, with the sign-in rate limit (before the admin's own route).
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("programs/", include("programs.urls")),
    path("mentoring/", include("mentorship.urls")),
    path("feedback/", include("feedback.urls")),
    path("metrics/", include("metrics.urls")),
    path("plans/", include("plans.urls")),
    path("pulse/", include("pulse.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("audit/", audit_list, name="audit"),
    path("personal-data/", include("personal_data.urls")),
    path("directory/", include("directory.urls")),
    path("sso/", include("directory.sso.urls")),
    path("scim/v2/", include("directory.scim.urls")),
    path("api/v1/", include(api_v1)),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[SignedInUnlessPublic]),
        name="schema",
    ),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
]

# A URL no route matches: JSON under /api/ (common.errors), Django's page elsewhere.
handler404 = "common.errors.not_found"
