from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("r/<str:token>/", views.respond, name="respond"),
]
