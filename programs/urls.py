from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("cohorts/", views.cohort_list, name="cohort-list"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort-detail"),
    path("cohorts/<int:pk>/enroll/", views.cohort_enroll, name="cohort-enroll"),
    path("cohorts/<int:pk>/import/", views.cohort_import, name="cohort-import"),
    path("my/", views.my_program, name="my-program"),
    path(
        "my/<int:enrollment_pk>/modules/<int:module_pk>/done/",
        views.my_module_done,
        name="my-module-done",
    ),
]
