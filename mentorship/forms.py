"""Mentorship's page forms. They read and type the input; the services validate and write
(``common.web.ServiceInputForm``), and a refusal lands on the field at fault."""

from django import forms
from django.utils import timezone

from common.web import ServiceInputForm
from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile
from people.models import User
from programs.models import Competency, Dimension


def _when_field() -> forms.DateTimeField:
    """When a session starts, as the browser's datetime-local input sends and shows it."""
    return forms.DateTimeField(
        label="When (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


def _minutes_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Minutes",
        min_value=MentoringSession.MIN_MINUTES,
        max_value=MentoringSession.MAX_MINUTES,
        initial=45,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


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
    starts_at = _when_field()
    duration_minutes = _minutes_field()
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
    due_on = forms.DateField(required=False, widget=DATE_INPUT)


ActionItemFormSet = forms.formset_factory(InlineActionItemForm, extra=3, max_num=10)


class GoalProgressForm(forms.Form):
    progress = forms.IntegerField(min_value=0, max_value=100, label="Progress (%)")


class PairingCreateForm(forms.Form):
    mentee = forms.ModelChoiceField(queryset=None, label="Leader")
    mentor = forms.ModelChoiceField(queryset=None, required=False)
    started_on = forms.DateField(widget=DATE_INPUT)
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


class SessionRescheduleForm(ServiceInputForm):
    """Move a planned session or change its format (``session_update``)."""

    starts_at = _when_field()
    duration_minutes = _minutes_field()

    class Meta:
        model = MentoringSession
        fields = ["starts_at", "duration_minutes", "format"]


class ActionItemForm(ServiceInputForm):
    class Meta:
        model = ActionItem
        fields = ["description", "owner", "due_on", "dimension"]
        widgets = {"due_on": DATE_INPUT}
        labels = {"owner": "Who", "due_on": "Due", "dimension": "Development-plan focus"}


class GoalCreateForm(ServiceInputForm):
    class Meta:
        model = Goal
        fields = ["title", "competency", "measure", "target_date"]
        widgets = {"target_date": DATE_INPUT}
        labels = {"measure": "How you will know (the measure)"}
        help_texts = {"measure": "Say what will be true when it is reached, with a number."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competency"].queryset = Competency.objects.order_by("name")


class GoalForm(GoalCreateForm):
    """Everything the leader and their mentor change on a goal as it goes."""

    class Meta(GoalCreateForm.Meta):
        fields = [*GoalCreateForm.Meta.fields, "status", "progress", "notes"]
        labels = {**GoalCreateForm.Meta.labels, "progress": "Progress (%)"}
        help_texts = {
            **GoalCreateForm.Meta.help_texts,
            "status": "Left as it is, it follows the progress: under way above 0%, "
            "achieved at 100%.",
        }
        widgets = {
            **GoalCreateForm.Meta.widgets,
            "progress": forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class MentorProfileForm(ServiceInputForm):
    """HR's settings of one mentor (``mentor_profile_update``)."""

    dimensions = forms.MultipleChoiceField(
        choices=Dimension.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Balance dimensions they develop well",
        help_text="Leaders whose development plan focuses on these are offered this mentor first.",
    )
    field_order = ["capacity", "is_active", "expertise", "dimensions", "bio"]

    class Meta:
        model = MentorProfile
        fields = ["capacity", "is_active", "expertise", "bio"]
        widgets = {
            "expertise": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "capacity": "Capacity (most active mentees at once)",
            "is_active": "Taking new mentees",
            "expertise": "Competencies they mentor well",
        }
        help_texts = {"capacity": ""}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expertise"].queryset = Competency.objects.order_by("name")
        if self.instance.pk:
            self.initial["dimensions"] = [
                row.dimension for row in self.instance.dimension_expertise.all()
            ]
