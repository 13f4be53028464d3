from django.urls import path

from pulse import views

app_name = "pulse"

urlpatterns = [
    path("", views.pulse_list, name="list"),
    path("new/", views.pulse_edit, name="create"),
    path("<int:pk>/", views.pulse_detail, name="detail"),
    path("<int:pk>/edit/", views.pulse_edit, name="edit"),
    path("mine/", views.mine, name="mine"),
    path("mine/share/", views.share, name="share"),
    path("leaders/<int:leader_id>/", views.leader_pulse, name="leader"),
    path("answer/<str:token>/", views.answer, name="answer"),
]
