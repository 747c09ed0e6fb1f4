from rest_framework import serializers


class CallOpenSerializer(serializers.Serializer):
    phone = serializers.CharField(
        max_length=40, help_text="The caller's number as the telephone system shows it."
    )
    recording_ref = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where the telephone system keeps the call's recording.",
    )


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    phone = serializers.CharField()
    outcome = serializers.CharField(help_text="`open` until the operator records the outcome.")
    source = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.source
    started_at = serializers.DateTimeField()
    recording_ref = serializers.CharField()
    console = serializers.CharField(help_text="The operator console that shows the call.")
