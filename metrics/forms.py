"""Forms of HR's metrics pages: the CSV import, metric definitions and targets. They only
read the input; metrics.services validates and writes."""

from django import forms

from common.web import ServiceInputForm
from metrics.models import MetricDefinition, Target


class ObservationImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: leader_email, metric (code), period (YYYY-MM or YYYY-Qn), value, "
        "and optionally note; any order, other columns are ignored. Save from Excel as "
        "\u201cCSV UTF-8\u201d.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class MetricDefinitionForm(ServiceInputForm):
    class Meta:
        model = MetricDefinition
        fields = [
            "code",
            "name",
            "description",
            "category",
            "unit",
            "currency",
            "direction",
            "aggregation",
            "period",
            "min_value",
            "max_value",
            "is_active",
            "imported_wins",
        ]
        labels = {
            "min_value": "Lowest valid value",
            "max_value": "Highest valid value",
            "imported_wins": "Imported values win",
        }
        help_texts = {
            "currency": "Only for currency metrics: a three-letter code such as EUR.",
            "is_active": "Inactive metrics keep their values but leave the scorecards.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class TargetForm(ServiceInputForm):
    """A new target: for one leader, or as the default of a cohort."""

    class Meta:
        model = Target
        fields = ["metric", "leader", "cohort", "value", "valid_from", "valid_to"]
        labels = {"leader": "For one leader", "cohort": "Or as the default of a cohort"}
        help_texts = {"cohort": "A leader's own target wins over their cohort's default."}
        widgets = {"valid_from": DATE_INPUT, "valid_to": DATE_INPUT}

    def __init__(self, *args, leaders, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = MetricDefinition.objects.filter(is_active=True)
        self.fields["leader"].queryset = leaders.order_by("full_name")
        self.fields["cohort"].queryset = cohorts.order_by("-starts_on")


class TargetChangeForm(ServiceInputForm):
    """What can change on a target (its metric and whom it is for cannot: set a new one)."""

    class Meta:
        model = Target
        fields = ["value", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE_INPUT, "valid_to": DATE_INPUT}
