from django.urls import path
from rest_framework.routers import DefaultRouter

from programs.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("competencies", views.CompetencyViewSet, basename="competency")
router.register("programs", views.ProgramViewSet, basename="program")
router.register("modules", views.ModuleViewSet, basename="module")
router.register("cohorts", views.CohortViewSet, basename="cohort")
router.register("cohort-sessions", views.CohortSessionViewSet, basename="cohort-session")
router.register("enrollments", views.EnrollmentViewSet, basename="enrollment")
router.register("module-completions", views.ModuleCompletionViewSet, basename="module-completion")
router.register("session-attendance", views.SessionAttendanceViewSet, basename="session-attendance")

urlpatterns = [
    path(
        "cohorts/<int:pk>/calendar.ics", views.CohortCalendarView.as_view(), name="cohort-calendar"
    ),
    *router.urls,
]
