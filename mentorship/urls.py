from django.urls import path

from mentorship import views

app_name = "mentorship"

urlpatterns = [
    path("mentees/", views.my_mentees, name="my-mentees"),
    path("sessions/log/", views.log_session, name="log-session"),
    path("sessions/<int:pk>/outcome/", views.session_outcome, name="session-outcome"),
    path("me/", views.my_mentoring, name="my-mentoring"),
    path("action-items/<int:pk>/done/", views.action_item_done, name="action-item-done"),
    path("goals/<int:pk>/progress/", views.goal_progress, name="goal-progress"),
    path("pairings/", views.pairings, name="pairings"),
    path("pairings/new/", views.pairing_create, name="pairing-create"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing-end"),
]
