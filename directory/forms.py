from django import forms


class SyncUploadForm(forms.Form):
    file = forms.FileField(
        label="People file (CSV)",
        help_text="Columns: email, full_name, title, region, manager_email, active (any "
        "order; only email is required; other columns are ignored). An empty cell leaves "
        "what Lodestar has; active = no marks a leaver. Save from Excel as \u201cCSV UTF-8\u201d.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
