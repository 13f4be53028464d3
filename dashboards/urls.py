from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.leader_home, name="leader_home"),
    path("leaders/<int:leader_id>/", views.leader_detail, name="leader_detail"),
    path("mentor/", views.mentor_home, name="mentor_home"),
    path("manager/", views.manager_home, name="manager_home"),
    path("cohorts/", views.cohort_list, name="cohort_list"),
    path("cohorts/<int:cohort_id>/", views.cohort_detail, name="cohort_detail"),
    path("programs/<int:program_id>/impact/", views.program_impact, name="program_impact"),
]
