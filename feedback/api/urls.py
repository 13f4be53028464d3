from django.urls import path
from rest_framework.routers import DefaultRouter

from feedback.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cycles", views.CycleViewSet, basename="feedback-cycle")
router.register("questionnaires", views.QuestionnaireViewSet, basename="feedback-questionnaire")
router.register("nominations", views.NominationViewSet, basename="feedback-nomination")
router.register("requests", views.RaterRequestViewSet, basename="feedback-request")

urlpatterns = [
    path("respond/<str:token>/", views.RaterLinkView.as_view(), name="feedback-respond"),
    *router.urls,
]
