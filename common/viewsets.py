"""The base of the API's scoped viewsets."""

from rest_framework import viewsets


class ScopedViewSet(viewsets.GenericViewSet):
    """``queryset`` declares the type; ``scoped`` narrows it to what the caller may see."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped(self, user):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return self.scoped(self.request.user)
