"""HR's directory pages (directory/views.py)."""

from django.urls import include, path

from directory import views

app_name = "directory"

urlpatterns = [
    path("", views.syncs, name="syncs"),
    path("syncs/<int:pk>/", views.sync_detail, name="sync-detail"),
    path(
        "syncs/<int:pk>/approve/",
        views.sync_decide,
        {"decision": "approve"},
        name="sync-approve",
    ),
    path("syncs/<int:pk>/reject/", views.sync_decide, {"decision": "reject"}, name="sync-reject"),
    path("", include("directory.scim.page_urls")),
]
