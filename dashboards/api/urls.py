from django.urls import path

from dashboards.api import views

leader = views.LeaderDashboardViewSet
urlpatterns = [
    path("me/", leader.as_view({"get": "me"}), name="dashboard-me"),
    path("leaders/<int:pk>/", leader.as_view({"get": "retrieve"}), name="dashboard-leader"),
    path(
        "mentors/me/",
        views.MentorDashboardViewSet.as_view({"get": "me"}),
        name="dashboard-mentor-me",
    ),
    path(
        "managers/me/",
        views.ManagerDashboardViewSet.as_view({"get": "me"}),
        name="dashboard-manager-me",
    ),
    path(
        "cohorts/<int:pk>/",
        views.CohortDashboardViewSet.as_view({"get": "retrieve"}),
        name="dashboard-cohort",
    ),
    path(
        "programs/<int:pk>/impact/",
        views.ProgramImpactViewSet.as_view({"get": "retrieve"}),
        name="dashboard-program-impact",
    ),
]
