from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("build/<int:cycle_pk>/", views.build, name="build"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/comments/", views.comment, name="comment"),
    path("<int:pk>/check-in/", views.check_in, name="check-in"),
    path("focuses/<int:pk>/", views.focus_change, name="focus-change"),
]
