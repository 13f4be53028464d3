"""HR's pulse form: it reads what was typed; the rules live in pulse.services, whose
refusals land on these fields."""

from django import forms

from common.web import ServiceInputForm
from pulse.models import DEFAULT_TEMPLATE, PULSE_FIELDS, Pulse, PulseTemplate


class PulseForm(ServiceInputForm):
    class Meta:
        model = Pulse
        fields = list(PULSE_FIELDS)
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"})}
        labels = {
            "template": "Questionnaire",
            "answer_days": "Days open for answers",
            "remind_after_days": "Remind after (days)",
            "is_active": "Active (new rounds open)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].empty_label = "All leaders"
        if not self.instance.pk:
            # A new pulse starts from the seeded engagement pulse, the one most HR teams want.
            default = PulseTemplate.objects.filter(name=DEFAULT_TEMPLATE).first()
            self.fields["template"].initial = default.pk if default else None
