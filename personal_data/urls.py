from django.urls import path

from personal_data import views

app_name = "personal_data"

urlpatterns = [
    path("", views.person_search, name="search"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/export.json", views.person_export, name="export"),
    path("<int:pk>/erase/", views.person_erase, name="erase"),
]
