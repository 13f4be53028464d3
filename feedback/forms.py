"""Forms of the feedback pages. They read and type the input; feedback.services decides."""

from django import forms

from common.web import ServiceInputForm
from feedback.models import MIN_ANONYMITY_THRESHOLD, Question, Questionnaire
from programs.models import Cohort

# Reminders at most every two months; 0 sends none (only the "closing tomorrow" one).
MAX_REMINDER_EVERY_DAYS = 60


class CycleForm(forms.Form):
    """A cycle as HR types it: dates and times on the cohort's local wall clock."""

    name = forms.CharField(max_length=200)
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.order_by("-starts_on"))
    questionnaire = forms.ModelChoiceField(queryset=Questionnaire.objects.all())
    opens_at = forms.DateTimeField(
        label="Opens (cohort's local time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    due_at = forms.DateTimeField(
        label="Due (cohort's local time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reminder_every_days = forms.IntegerField(
        min_value=0, max_value=MAX_REMINDER_EVERY_DAYS, initial=3
    )
    min_peers = forms.IntegerField(label="Minimum peers", min_value=0, initial=3)
    min_direct_reports = forms.IntegerField(label="Minimum direct reports", min_value=0, initial=3)
    anonymity_threshold = forms.IntegerField(
        min_value=MIN_ANONYMITY_THRESHOLD, max_value=20, initial=MIN_ANONYMITY_THRESHOLD
    )
    recurrence_days = forms.IntegerField(
        label="Repeat every N days (optional)", min_value=1, required=False
    )


class NominationForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(label="Email")


class ExtendForm(forms.Form):
    due_at = forms.DateTimeField(
        label="New deadline (cohort's local time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class HRNominationForm(forms.Form):
    """HR adds a rater for one leader of the cycle (before it opens)."""

    subject = forms.ModelChoiceField(queryset=None, label="Leader")
    group = forms.ChoiceField(
        choices=[("peer", "Peer"), ("direct_report", "Direct report"), ("mentor", "Mentor")]
    )
    full_name = forms.CharField(label="Rater's name", max_length=200)
    email = forms.EmailField(label="Rater's email")

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects


class CycleRemindersForm(forms.Form):
    reminder_every_days = forms.IntegerField(
        label="Remind every N days",
        min_value=0,
        max_value=MAX_REMINDER_EVERY_DAYS,
        help_text="Counted from the opening, in the cohort's local time, to raters who have "
        "not answered yet; 0 for none. The “closing tomorrow” reminder is sent "
        "either way.",
    )


class QuestionnaireCopyForm(forms.Form):
    name = forms.CharField(
        label="Name of the copy",
        max_length=200,
        required=False,
        help_text="Leave empty for “… (copy)”.",
    )


class QuestionForm(ServiceInputForm):
    class Meta:
        model = Question
        fields = ["text", "kind", "dimension", "side", "competency"]
        help_texts = {
            "dimension": "Rating questions only: the dimension it scores, with its side.",
            "competency": "Optional: the program competency it relates to.",
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
