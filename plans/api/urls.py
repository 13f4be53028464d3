from rest_framework.routers import DefaultRouter

from plans.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("focuses", views.FocusViewSet, basename="plans-focus")
router.register("", views.PlanViewSet, basename="plans-plan")

urlpatterns = router.urls
