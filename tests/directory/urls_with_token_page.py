"""The project's routes with HR's SCIM token page mounted where ``directory/urls.py``
mounts it once merged (``path("", include("directory.scim.page_urls"))``): until then the
page's tests use this. Delete it, and the tests' ``urls`` mark, after the merge."""

from django.urls import include, path

from config.urls import handler404
from config.urls import urlpatterns as project

urlpatterns = [path("directory/", include("directory.scim.page_urls")), *project]

__all__ = ["handler404", "urlpatterns"]
