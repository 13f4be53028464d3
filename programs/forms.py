from django import forms

from people.models import User


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
