from rest_framework.routers import DefaultRouter

from personal_data.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("people", views.PersonDataViewSet, basename="person-data")

urlpatterns = router.urls
