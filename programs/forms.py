import zoneinfo

from django import forms
from django.utils.text import slugify

from people.models import User
from programs.models import Cohort, CohortSession, Competency, Module, Program


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


class ServiceModelForm(forms.ModelForm):
    """A model's fields as a form; validating the whole row and saving it are the service's
    (``full_clean`` and the audit trail), whose refusal ``common.web.form_errors`` puts
    back on the fields. So the form never writes into the instance it shows: that stays
    as read from the database, the "before" of the audit trail."""

    def _post_clean(self) -> None:
        pass

    def save(self, commit: bool = True):
        raise NotImplementedError("Call the service with form.cleaned_data.")


class _SlugFromName(ServiceModelForm):
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


class ModuleForm(ServiceModelForm):
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


class CohortForm(ServiceModelForm):
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
        ]
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


class CohortSessionForm(ServiceModelForm):
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
