from rest_framework import serializers


class RowErrorSerializer(serializers.Serializer):
    """One error of a bulk import (common.csv_import.RowError), as the API reports it."""

    row = serializers.IntegerField(
        help_text="CSV: the spreadsheet row (header = 1). JSON: the position in the list (from 0)."
    )
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()
