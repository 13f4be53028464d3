from rest_framework.routers import SimpleRouter

from directory.api.views import DirectorySyncViewSet

router = SimpleRouter()
router.register("directory/syncs", DirectorySyncViewSet, basename="directory-sync")

urlpatterns = router.urls
