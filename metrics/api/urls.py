from rest_framework.routers import DefaultRouter

from metrics.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("definitions", views.MetricDefinitionViewSet, basename="metrics-definition")
router.register("observations", views.ObservationViewSet, basename="metrics-observation")
router.register("targets", views.TargetViewSet, basename="metrics-target")
router.register("scorecards", views.ScorecardViewSet, basename="metrics-scorecard")
router.register("cohorts", views.CohortMetricsViewSet, basename="metrics-cohort")
router.register("programs", views.ProgramMetricsViewSet, basename="metrics-program")

urlpatterns = router.urls
