import zoneinfo

from django import forms
from django.utils.text import slugify

from common.web import ServiceInputForm
from people.models import User
from programs.models import Cohort, CohortSession, Competency, Dimension, Module, Program


class EnrollForm(forms.Form):
    leader = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("full_name", "email"),
        help_text="Anyone without the Leader role gets it when enrolled.",
    )

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = self.fields["leader"].queryset.exclude(
            enrollments__cohort=cohort
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: email, full_name, title, manager_email (any order; "
        "other columns are ignored). Save from Excel as \u201cCSV UTF-8\u201d.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


# --- HR's catalogue, cohorts and progress ---------------------------------------------


class _SlugFromName(ServiceInputForm):
    """The slug may be left empty: it is made from the name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Used in links; left empty, it is made from the name."

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and cleaned.get("name"):
            max_length = self._meta.model._meta.get_field("slug").max_length
            cleaned["slug"] = slugify(cleaned["name"])[:max_length]
        return cleaned


class CompetencyForm(_SlugFromName):
    class Meta:
        model = Competency
        fields = ["name", "slug", "description"]


class ProgramForm(_SlugFromName):
    class Meta:
        model = Program
        fields = ["name", "slug", "description", "competencies", "is_active"]
        widgets = {"competencies": forms.CheckboxSelectMultiple}
        labels = {"is_active": "Active (new cohorts can be opened)"}


class ModuleForm(ServiceInputForm):
    dimensions = forms.MultipleChoiceField(
        choices=Dimension.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Balance dimensions it develops",
        help_text="Development plans offer the module to leaders working on these.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["dimensions"] = list(
                self.instance.dimension_tags.values_list("dimension", flat=True)
            )

    class Meta:
        model = Module
        fields = [
            "title",
            "description",
            "position",
            "kind",
            "competency",
            "is_required",
            "expected_hours",
        ]
        labels = {"position": "Order", "is_required": "Required to complete the program"}
        help_texts = {"position": "Modules are listed from the lowest number up."}


class CohortForm(ServiceInputForm):
    time_zone = forms.ChoiceField(
        choices=[(name, name) for name in sorted(zoneinfo.available_timezones())],
        initial="UTC",
        help_text="Session times are shown and entered in this time zone.",
    )

    class Meta:
        model = Cohort
        fields = [
            "program",
            "name",
            "starts_on",
            "ends_on",
            "delivery",
            "time_zone",
            "capacity",
            "facilitator",
            "plan_due_days",
            "checkin_weeks",
        ]
        labels = {
            "plan_due_days": "Development plan due (days after a 360 report's release)",
            "checkin_weeks": "Development plan check-in every (weeks)",
        }
        help_texts = {
            "plan_due_days": "Leaders without a plan are reminded weekly until then. Blank: "
            "no plan asked for.",
            "checkin_weeks": "Leaders get a short check-in by email. Blank: none.",
        }
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.order_by("name")
        self.fields["facilitator"].queryset = User.objects.filter(is_active=True).order_by(
            "full_name", "email"
        )


# What a browser's datetime-local input sends and shows.
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class CohortSessionForm(ServiceInputForm):
    """Times on the cohort's wall clock: the view validates and renders the form inside
    ``timezone.override(cohort's time zone)``."""

    meeting_url = forms.URLField(required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = CohortSession
        fields = ["title", "module", "starts_at", "ends_at", "location", "meeting_url"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        }

    def __init__(self, *args, cohort: Cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = cohort.program.modules.order_by("position", "id")
        for name in ("starts_at", "ends_at"):
            self.fields[name].label += f" ({cohort.time_zone})"


class ModuleCompletionForm(forms.Form):
    """HR marks one module of an enrollment as done."""

    completed_on = forms.DateField(
        label="Completed on", widget=forms.DateInput(attrs={"type": "date"})
    )
    score = forms.IntegerField(label="Score (optional)", min_value=0, max_value=100, required=False)
