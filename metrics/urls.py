from django.urls import path
from django.views.generic import RedirectView

from metrics import views

app_name = "metrics"


def moved(pattern_name: str):
    """A page that moved to the dashboards: a permanent redirect, query string kept."""
    return RedirectView.as_view(pattern_name=pattern_name, permanent=True, query_string=True)


urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.observation_import, name="import"),
    path("definitions/new/", views.definition_create, name="definition-create"),
    path("definitions/<int:pk>/edit/", views.definition_edit, name="definition-edit"),
    path("targets/", views.target_list, name="targets"),
    path("targets/new/", views.target_create, name="target-create"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target-edit"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target-delete"),
    # One page per job: the scorecard is on the leader's dashboard, the cohort's metric
    # table on the cohort dashboard, the impact figures on the program's impact page.
    path("me/", moved("dashboards:leader_home")),
    path("leaders/<int:leader_id>/", moved("dashboards:leader_detail")),
    path("cohorts/<int:cohort_id>/", moved("dashboards:cohort_detail")),
    path("programs/<int:program_id>/impact/", moved("dashboards:program_impact")),
]
