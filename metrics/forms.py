from django import forms


class ObservationImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: leader_email, metric (code), period (YYYY-MM or YYYY-Qn), value, "
        "and optionally note; any order, other columns are ignored. Save from Excel as "
        "\u201cCSV UTF-8\u201d.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
