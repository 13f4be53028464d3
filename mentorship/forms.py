from django import forms
from django.utils import timezone

from mentorship.models import ActionItem, Goal, MentoringSession
from people.models import User
from programs.models import Competency, Dimension


class SessionLogForm(forms.Form):
    """The one-page "log a session" form: everything a mentor needs in under a minute."""

    pairing = forms.ModelChoiceField(queryset=None, label="Mentee", empty_label=None)
    status = forms.ChoiceField(
        choices=[
            (MentoringSession.Status.HELD, "Held (log it)"),
            (MentoringSession.Status.PLANNED, "Planned (send an invitation)"),
        ],
        initial=MentoringSession.Status.HELD,
        widget=forms.RadioSelect,
        label="This session was",
    )
    starts_at = forms.DateTimeField(
        label="When (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    duration_minutes = forms.IntegerField(
        label="Minutes",
        min_value=MentoringSession.MIN_MINUTES,
        max_value=MentoringSession.MAX_MINUTES,
        initial=45,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    format = forms.ChoiceField(
        choices=MentoringSession.Format.choices, initial=MentoringSession.Format.VIDEO
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Competency.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    dimension = forms.ChoiceField(
        choices=[("", "None"), *Dimension.choices],
        required=False,
        label="Development-plan focus it worked on",
    )
    shared_notes = forms.CharField(
        required=False,
        label="Notes (shared with your mentee and HR)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    private_notes = forms.CharField(
        required=False,
        label="Private notes (only you will ever see these)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, pairings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = pairings
        self.fields["pairing"].label_from_instance = lambda pairing: pairing.mentee.full_name
        if not self.is_bound:
            self.initial.setdefault("starts_at", timezone.now().replace(second=0, microsecond=0))


class InlineActionItemForm(forms.Form):
    description = forms.CharField(max_length=500, required=False, label="Action item")
    owner = forms.ChoiceField(choices=ActionItem.Owner.choices, initial=ActionItem.Owner.MENTEE)
    due_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


ActionItemFormSet = forms.formset_factory(InlineActionItemForm, extra=3, max_num=10)


class GoalProgressForm(forms.Form):
    progress = forms.IntegerField(min_value=0, max_value=100, label="Progress (%)")


class PairingCreateForm(forms.Form):
    mentee = forms.ModelChoiceField(queryset=None, label="Leader")
    mentor = forms.ModelChoiceField(queryset=None, required=False)
    started_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    objectives = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, mentees, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentee"].queryset = mentees
        self.fields["mentor"].queryset = mentors
        self.fields["mentee"].label_from_instance = _person_label
        self.fields["mentor"].label_from_instance = _person_label
        self.initial.setdefault("started_on", timezone.localdate())


def _person_label(user: User) -> str:
    return f"{user.full_name} ({user.job_title})" if user.job_title else user.full_name


class GoalCreateForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["title", "competency", "target_date"]
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"})}
