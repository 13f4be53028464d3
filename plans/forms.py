"""Forms of the plan pages. They parse what was typed; the rules (how many focuses, what a
goal needs, which modules) live in plans.services, whose errors land on these fields."""

from django import forms

from plans.models import CheckIn
from plans.selectors import active_metrics


class FocusChangeForm(forms.Form):
    """What helps with a focus: modules, mentoring topics, a metric."""

    modules = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Program modules that develop it",
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.CharField(
        required=False, max_length=300, label="Topics to work on with the mentor"
    )
    metric = forms.ModelChoiceField(
        queryset=None, required=False, label="A team metric it should move", empty_label="None"
    )

    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["modules"].queryset = modules
        self.fields["metric"].queryset = active_metrics()


class FocusForm(FocusChangeForm):
    """One dimension of *Build my plan*: chosen or not, and if chosen, its goal and what
    helps with it."""

    chosen = forms.BooleanField(required=False, label="Focus on this")
    goal = forms.CharField(required=False, max_length=200, label="What will you do differently?")
    measure = forms.CharField(
        required=False, max_length=300, label="How will you know? A measurable target"
    )
    target_date = forms.DateField(
        required=False, label="By when?", widget=forms.DateInput(attrs={"type": "date"})
    )
    field_order = ["chosen", "goal", "measure", "target_date", "modules", "topics", "metric"]


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    check_in = forms.ModelChoiceField(
        queryset=CheckIn.objects.none(),
        required=False,
        label="About",
        empty_label="The plan",
    )

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["check_in"].queryset = CheckIn.objects.filter(
                plan=plan, submitted_at__isnull=False
            ).order_by("-due_on")
            self.fields["check_in"].label_from_instance = lambda check_in: (
                f"The check-in of {check_in.due_on:%-d %b %Y}"
            )


class CheckInForm(forms.Form):
    """Progress per goal (one field per focus, named ``focus_<id>``) and one sentence."""

    note = forms.CharField(required=False, max_length=300, label="One sentence on how it is going")

    def __init__(self, *args, focuses, **kwargs):
        super().__init__(*args, **kwargs)
        for focus in focuses:
            self.fields[f"focus_{focus.pk}"] = forms.IntegerField(
                min_value=0,
                max_value=100,
                label=f"{focus.get_dimension_display()}: {focus.goal.title} (%)",
                initial=focus.goal.progress,
            )

    def progress(self) -> dict[int, int]:
        return {
            int(name.removeprefix("focus_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("focus_")
        }
