from django.urls import path
from rest_framework.routers import DefaultRouter

from mentorship.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("pairings", views.PairingViewSet, basename="mentorship-pairing")
router.register("sessions", views.SessionViewSet, basename="mentorship-session")
router.register("action-items", views.ActionItemViewSet, basename="mentorship-action-item")
router.register("goals", views.GoalViewSet, basename="mentorship-goal")

urlpatterns = [
    path("suggestions/", views.SuggestionsView.as_view(), name="mentorship-suggestions"),
    path("calendar.ics", views.CalendarView.as_view(), name="mentorship-calendar"),
    *router.urls,
]
