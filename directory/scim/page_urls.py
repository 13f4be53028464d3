"""HR's SCIM token page, under ``/directory/``."""

from django.urls import path

from directory.scim import views

urlpatterns = [
    path("scim/tokens/", views.token_list, name="scim-tokens"),
    path("scim/tokens/<int:pk>/revoke/", views.token_revoke, name="scim-token-revoke"),
]
