from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    # HR: the catalogue
    path("", views.program_list, name="program-list"),
    path("new/", views.program_edit, name="program-create"),
    path("<int:pk>/", views.program_detail, name="program-detail"),
    path("<int:pk>/edit/", views.program_edit, name="program-edit"),
    path("<int:program_pk>/modules/new/", views.module_edit, name="module-create"),
    path("<int:program_pk>/modules/<int:pk>/edit/", views.module_edit, name="module-edit"),
    path("competencies/", views.competency_list, name="competency-list"),
    path("competencies/new/", views.competency_edit, name="competency-create"),
    path("competencies/<int:pk>/edit/", views.competency_edit, name="competency-edit"),
    # HR: cohorts
    path("cohorts/", views.cohort_list, name="cohort-list"),
    path("cohorts/new/", views.cohort_edit, name="cohort-create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort-detail"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="cohort-edit"),
    path("cohorts/<int:pk>/enroll/", views.cohort_enroll, name="cohort-enroll"),
    path("cohorts/<int:pk>/import/", views.cohort_import, name="cohort-import"),
    path(
        "cohorts/<int:cohort_pk>/sessions/new/",
        views.cohort_session_edit,
        name="cohort-session-create",
    ),
    path(
        "cohorts/<int:cohort_pk>/sessions/<int:pk>/edit/",
        views.cohort_session_edit,
        name="cohort-session-edit",
    ),
    # HR: enrollments
    path("enrollments/<int:pk>/", views.enrollment_detail, name="enrollment-detail"),
    path("enrollments/<int:pk>/withdraw/", views.enrollment_withdraw, name="enrollment-withdraw"),
    path("enrollments/<int:pk>/<slug:verb>/", views.enrollment_action, name="enrollment-action"),
    path(
        "enrollments/<int:pk>/modules/<int:module_pk>/done/",
        views.enrollment_module_done,
        name="enrollment-module-done",
    ),
    path(
        "enrollments/<int:pk>/modules/<int:module_pk>/undone/",
        views.enrollment_module_undone,
        name="enrollment-module-undone",
    ),
    path(
        "enrollments/<int:pk>/attendance/<int:session_pk>/",
        views.enrollment_session_attendance,
        name="enrollment-session-attendance",
    ),
    # Leaders
    path("my/", views.my_program, name="my-program"),
    path(
        "my/<int:enrollment_pk>/modules/<int:module_pk>/done/",
        views.my_module_done,
        name="my-module-done",
    ),
]
