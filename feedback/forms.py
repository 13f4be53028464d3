from django import forms

from feedback.models import MIN_ANONYMITY_THRESHOLD, Questionnaire
from programs.models import Cohort


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
    reminder_every_days = forms.IntegerField(min_value=0, max_value=60, initial=3)
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
