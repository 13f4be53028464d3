from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz
from people.views import home

api_v1 = [
    path("", include("people.api.urls")),
    path("", include("programs.api.urls")),
    path("mentorship/", include("mentorship.api.urls")),
    path("feedback/", include("feedback.api.urls")),
    path("metrics/", include("metrics.api.urls")),
    path("dashboards/", include("dashboards.api.urls")),
    path("", include("personal_data.api.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("programs/", include("programs.urls")),
    path("mentoring/", include("mentorship.urls")),
    path("feedback/", include("feedback.urls")),
    path("metrics/", include("metrics.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("personal-data/", include("personal_data.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
