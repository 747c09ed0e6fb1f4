from rest_framework import serializers


class ArticleHitSerializer(serializers.Serializer):
    """A published article found by search, as the operator console and other systems read it."""

    id = serializers.IntegerField()
    question = serializers.CharField()
    answer = serializers.CharField()
    policy_basis = serializers.CharField()
    unit = serializers.CharField(source="unit.name")
    unit_code = serializers.CharField(source="unit.code")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    score = serializers.FloatField(
        help_text="Share of the query found, question matches weighing most (0–1)."
    )
    snippet = serializers.CharField(help_text="Plain text from the answer around the first match.")
    url = serializers.SerializerMethodField()

    def get_url(self, article) -> str:
        return f"/knowledge/{article.pk}/"
