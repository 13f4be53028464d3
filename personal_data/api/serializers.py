from rest_framework import serializers

from common.serializers import Serializer


class EraseRequestSerializer(Serializer):
    confirm = serializers.CharField(
        help_text="The person's email address, typed again: erasure cannot be undone."
    )


class ErasureSerializer(Serializer):
    """What erasing the person changed, counted."""

    person_id = serializers.IntegerField()
    pairings_ended = serializers.IntegerField()
    requests_expired = serializers.IntegerField()
    nominations_withdrawn = serializers.IntegerField()
    rows_deleted = serializers.IntegerField(help_text="API tokens.")
    texts_redacted = serializers.IntegerField(help_text="Rows whose free text was blanked.")
    emails_redacted = serializers.IntegerField(help_text="Outbox rows addressed to them.")
    mentions_replaced = serializers.IntegerField(
        help_text="Rows elsewhere that named them, now naming the placeholder."
    )
