from django.urls import path

from mentorship import views

app_name = "mentorship"

urlpatterns = [
    path("mentees/", views.my_mentees, name="my-mentees"),
    path("sessions/log/", views.log_session, name="log-session"),
    path("sessions/<int:pk>/outcome/", views.session_outcome, name="session-outcome"),
    path("sessions/<int:pk>/reschedule/", views.session_reschedule, name="session-reschedule"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session-cancel"),
    path("me/", views.my_mentoring, name="my-mentoring"),
    path("action-items/<int:pk>/done/", views.action_item_done, name="action-item-done"),
    path("action-items/<int:pk>/edit/", views.action_item_edit, name="action-item-edit"),
    path("leaders/<int:pk>/goals/new/", views.goal_create, name="goal-create"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal-edit"),
    path("goals/<int:pk>/progress/", views.goal_progress, name="goal-progress"),
    path("pairings/", views.pairings, name="pairings"),
    path("pairings/new/", views.pairing_create, name="pairing-create"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing-end"),
    path("mentors/", views.mentors, name="mentors"),
    path("mentors/<int:pk>/edit/", views.mentor_edit, name="mentor-edit"),
]
