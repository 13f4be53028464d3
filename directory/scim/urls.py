"""SCIM 2.0's routes (under ``/scim/v2/``), named as RFC 7644 names them: no trailing
slash, which is how identity providers call them."""

from django.urls import path

from directory.scim import api

urlpatterns = [
    path(
        "ServiceProviderConfig",
        api.ServiceProviderConfigView.as_view(),
        name="scim-service-provider-config",
    ),
    path("ResourceTypes", api.ResourceTypesView.as_view(), name="scim-resource-types"),
    path("Schemas", api.SchemasView.as_view(), name="scim-schemas"),
    path("Users", api.UsersView.as_view(), name="scim-users"),
    path("Users/<str:pk>", api.UserView.as_view(), name="scim-user"),
    path("Groups", api.GroupsView.as_view(), name="scim-groups"),
    path("Groups/<str:pk>", api.GroupView.as_view(), name="scim-group"),
]
