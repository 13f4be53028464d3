"""Routes (issue 17)."""

urlpatterns: list = []
