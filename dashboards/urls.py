from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.leader_home, name="leader_home"),
    path("leaders/<int:leader_id>/", views.leader_detail, name="leader_detail"),
]
