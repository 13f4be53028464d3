from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.index, name="index"),
    path("me/", views.my_scorecard, name="my-scorecard"),
    path("leaders/<int:pk>/", views.leader_scorecard, name="leader-scorecard"),
    path("cohorts/<int:pk>/", views.cohort_table, name="cohort"),
    path("programs/<int:pk>/impact/", views.program_impact, name="program-impact"),
    path("import/", views.observation_import, name="import"),
]
