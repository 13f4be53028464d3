from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("r/<str:token>/", views.respond, name="respond"),
    path("cycles/", views.cycle_list, name="cycles"),
    path("cycles/new/", views.cycle_create, name="cycle-create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle-detail"),
    path("cycles/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("cycles/<int:pk>/share/", views.share, name="share"),
    path("cycles/<int:pk>/nominations/", views.hr_nominate, name="hr-nominate"),
    path("cycles/<int:pk>/proposals/", views.decide_proposals, name="decide-proposals"),
    path("cycles/<int:pk>/reports/<int:subject_id>/", views.report, name="report"),
    path("cycles/<int:pk>/reminders/", views.cycle_reminders, name="cycle-reminders"),
    path("cycles/<int:pk>/<str:verb>/", views.cycle_action, name="cycle-action"),
    path("requests/<int:pk>/<str:verb>/", views.request_action, name="request-action"),
    path("nominations/<int:pk>/withdraw/", views.unnominate, name="unnominate"),
    path("mine/", views.my_feedback, name="mine"),
    path("questionnaires/", views.questionnaire_list, name="questionnaires"),
    path("questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire-detail"),
    path("questionnaires/<int:pk>/copy/", views.questionnaire_copy, name="questionnaire-copy"),
    path("questionnaires/<int:pk>/questions/new/", views.question_add, name="question-add"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question-edit"),
]
