from django.urls import path
from rest_framework.routers import DefaultRouter

from people.api.views import ApiTokenViewSet, MeView, TokenView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("auth/tokens", ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
