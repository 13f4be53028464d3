from django.urls import path
from rest_framework.routers import DefaultRouter

from pulse.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("pulses", views.PulseViewSet, basename="pulse-pulse")

urlpatterns = [
    path("pulse/me/", views.MyPulseView.as_view(), name="pulse-me"),
    path("pulse/me/share/", views.MyPulseShareView.as_view(), name="pulse-me-share"),
    *router.urls,
]
