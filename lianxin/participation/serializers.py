"""The public read-only API's shapes: nothing personal (masked labels only)."""

from django.urls import reverse
from rest_framework import serializers

from .models import (
    Answer,
    Applicant,
    Comment,
    CorrectionRequest,
    Decision,
    ExpertOpinion,
    Hearing,
    Milestone,
    Notice,
    NoticeAttachment,
    NoticeRevision,
    Paragraph,
    Step,
)
from .selectors import notice_counts


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["outcome", "reason", "answered_at"]


class CommentSerializer(serializers.ModelSerializer):
    paragraph = serializers.IntegerField(
        source="paragraph.number",
        allow_null=True,
        default=None,
        help_text="Paragraph number; null: the whole text.",
    )
    text = serializers.SerializerMethodField()
    topic = serializers.CharField(source="group.topic", default=None, allow_null=True)
    answer = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "paragraph",
            "author_label",
            "text",
            "created_at",
            "hidden",
            "hidden_reason",
            "topic",
            "answer",
        ]

    def get_text(self, comment) -> str:
        return "" if comment.hidden else comment.text

    def get_answer(self, comment) -> dict | None:
        answer = comment.public_answer
        return AnswerSerializer(answer).data if answer else None


class ParagraphSerializer(serializers.ModelSerializer):
    class Meta:
        model = Paragraph
        fields = ["number", "text"]


class CountsSerializer(serializers.Serializer):
    comments = serializers.IntegerField()
    hidden = serializers.IntegerField()
    answered = serializers.IntegerField()
    adopted = serializers.IntegerField()
    partly = serializers.IntegerField()
    not_adopted = serializers.IntegerField()


class NoticeFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Download address; null once removed.")

    class Meta:
        model = NoticeAttachment
        fields = [
            "id",
            "name",
            "kind",
            "size",
            "sha256",
            "uploaded_at",
            "url",
            "removed_at",
            "removed_reason",
        ]

    def get_url(self, attachment) -> str | None:
        if attachment.removed_at is not None:
            return None
        path = reverse("participation:notice-file", args=[attachment.notice_id, attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RevisionSerializer(serializers.ModelSerializer):
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text='Each {"field", "old", "new"}; a paragraph also has its "number".',
    )

    class Meta:
        model = NoticeRevision
        fields = ["changed_at", "reason", "changes"]


class NoticeListSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")
    counts = serializers.SerializerMethodField()
    files = NoticeFileSerializer(many=True, help_text="Files published with the notice.")

    class Meta:
        model = Notice
        fields = [
            "id",
            "title",
            "unit",
            "status",
            "opens_at",
            "closes_at",
            "is_major",
            "short_period_reason",
            "decision",
            "counts",
            "files",
        ]

    def get_counts(self, notice) -> CountsSerializer:
        return notice_counts(notice)  # type: ignore[return-value]  # the dict it describes


class NoticeSerializer(NoticeListSerializer):
    paragraphs = ParagraphSerializer(many=True)
    comments = CommentSerializer(many=True)
    corrections = RevisionSerializer(many=True, source="revisions")

    class Meta(NoticeListSerializer.Meta):
        fields = NoticeListSerializer.Meta.fields + [
            "text",
            "channels",
            "attachments",
            "closing_summary",
            "paragraphs",
            "comments",
            "corrections",
        ]


class OpinionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpertOpinion
        fields = ["expert", "opinion"]


class StepSerializer(serializers.ModelSerializer):
    opinions = OpinionSerializer(many=True)

    class Meta:
        model = Step
        fields = [
            "kind",
            "started_on",
            "ended_on",
            "summary",
            "evidence",
            "dissent",
            "adoption",
            "opinions",
        ]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_on", "progress", "evidence", "completed_on", "on_time"]


class CorrectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrectionRequest
        fields = [
            "id",
            "author_label",
            "text",
            "created_at",
            "deadline",
            "status",
            "answer",
            "answered_at",
        ]


class DecisionListSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")

    class Meta:
        model = Decision
        fields = ["id", "title", "unit", "status", "created_at"]


class DecisionSerializer(DecisionListSerializer):
    steps = StepSerializer(many=True)
    milestones = MilestoneSerializer(many=True)
    corrections = CorrectionSerializer(many=True)

    class Meta(DecisionListSerializer.Meta):
        fields = DecisionListSerializer.Meta.fields + [
            "summary",
            "steps",
            "milestones",
            "corrections",
        ]


class DrawApplicantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Applicant
        fields = ["id", "public_label", "stake", "probability", "selected"]


class HearingDrawSerializer(serializers.ModelSerializer):
    seed = serializers.CharField(source="draw.seed", default=None, allow_null=True)
    method = serializers.CharField(source="draw.method", default=None, allow_null=True)
    drawn_at = serializers.DateTimeField(source="draw.drawn_at", default=None, allow_null=True)
    quotas = serializers.SerializerMethodField()
    applicants = DrawApplicantSerializer(many=True)

    class Meta:
        model = Hearing
        fields = [
            "id",
            "title",
            "status",
            "selection_method",
            "seats",
            "seed",
            "method",
            "drawn_at",
            "quotas",
            "applicants",
        ]

    def get_quotas(self, hearing) -> dict[str, int]:
        return dict(hearing.quotas.values_list("stake", "seats"))
