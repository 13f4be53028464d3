"""The erase confirmation: HR types the person's email address again (the service checks
it), so nobody is erased by a slip of the mouse."""

from django import forms


class EraseForm(forms.Form):
    confirm = forms.CharField(
        label="Type their email address to confirm",
        max_length=254,
        help_text="Erasure cannot be undone.",
    )
