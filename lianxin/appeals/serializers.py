"""API shapes for appeals. Validation of content is the services' job; these only type-check."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lianxin.core.models import AuditEvent, Unit

from .models import Appeal, AppealPhoto, Category, PhotoKind, Satisfaction, Track, Urgency
from .selectors import (
    appeal_actions,
    appeal_contact,
    appeal_timeline,
    citizen_photo_token,
    citizen_photos,
)
from .services import MAX_CONTENT, MAX_TITLE, query_code_for

# Length limits are enforced by the services; these caps only stop absurd payloads early.
HUGE = 100_000


# Documents the intake: the view hands the body to services.validated_intake, which refuses a
# blank title or content and counts lengths after trimming.
class SubmitSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(min_length=1, max_length=MAX_TITLE)
    content = serializers.CharField(min_length=1, max_length=MAX_CONTENT, trim_whitespace=False)
    category = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("Category code; empty lets a dispatcher choose."),
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ORDINARY)
    track = serializers.ChoiceField(choices=Track.choices, default=Track.HOTLINE)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=HUGE)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=HUGE)
    contact_email = serializers.CharField(required=False, allow_blank=True, max_length=HUGE)
    address = serializers.CharField(required=False, allow_blank=True, max_length=HUGE)
    is_public = serializers.BooleanField(default=False)
    photos_public = serializers.BooleanField(
        default=False,
        help_text=_("The citizen lets the photos be shown where the appeal is public."),
    )


class SubmitWithPhotosSerializer(SubmitSerializer):
    """The intake as multipart/form-data, with photos (JPEG, PNG or WebP; judged by content;
    at most APPEAL_PHOTOS_MAX). A bad one refuses the whole appeal (400, nothing stored)."""

    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=_(
            "Repeat the field for each photo. EXIF, GPS and every other metadata are removed "
            "before a photo is stored."
        ),
    )


class DeadlinesSerializer(serializers.Serializer[Appeal]):
    contact = serializers.DateTimeField(source="contact_deadline")
    handling = serializers.DateTimeField(source="handling_deadline")


class SubmitResultSerializer(serializers.Serializer[Appeal]):
    tracking_number = serializers.CharField()
    query_code = serializers.SerializerMethodField()
    status = serializers.CharField()
    deadlines = DeadlinesSerializer(source="*")

    def get_query_code(self, appeal: Appeal) -> str:
        return query_code_for(appeal.tracking_number)


# Serializer[Any]: used only with many=True (lists of events), which the stubs' instance type
# cannot express.
class TimelineEntrySerializer(serializers.Serializer[Any]):
    time = serializers.DateTimeField(source="created_at")
    action = serializers.CharField()
    to_state = serializers.CharField()
    unit = serializers.SerializerMethodField()

    def get_unit(self, event: AuditEvent) -> str | None:
        unit: str | None = event.data.get("unit")  # JSON data: the name recorded, if any
        return unit


class InternalTimelineEntrySerializer(TimelineEntrySerializer):
    actor = serializers.CharField(source="actor_label")
    reason = serializers.CharField()
    # The metaclass takes declared fields out of the class, so this does not replace
    # Serializer.data at run time; the stubs see a class attribute overriding the property.
    data = serializers.JSONField()  # type: ignore[assignment]


# Serializer[Any]: used with many=True, as TimelineEntrySerializer.
class PhotoSerializer(serializers.Serializer[Any]):
    """A photo's place in a page: its address (for the tracking API a link signed for an hour,
    since the citizen has no account) and what it shows."""

    kind = serializers.ChoiceField(choices=PhotoKind.choices)
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    is_public = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_url(self, photo: AppealPhoto) -> str:
        url = reverse("appeals:photo", args=[photo.pk])
        if self.context.get("signed"):
            url += "?" + urlencode({"t": citizen_photo_token(photo)})
        return url


def _photos(appeal: Appeal, *, signed: bool) -> list[dict[str, Any]]:
    """Signed links for the citizen (only the photos they see), plain ones for staff."""
    photos = citizen_photos(appeal) if signed else appeal.photos.all()
    # As in get_timeline below: the stubs miss what many=True makes.
    return PhotoSerializer(  # type: ignore[return-value]
        photos, many=True, context={"signed": signed}
    ).data


class TrackSerializer(serializers.ModelSerializer[Appeal]):
    """What a citizen sees with the tracking number and query code. No personal data."""

    status_display = serializers.CharField(source="get_status_display")
    category = serializers.CharField(source="category.name", default=None, allow_null=True)
    unit = serializers.CharField(source="unit.name", default=None, allow_null=True)
    deadlines = DeadlinesSerializer(source="*")
    timeline = serializers.SerializerMethodField()
    can_follow_up = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "tracking_number",
            "title",
            "content",
            "status",
            "status_display",
            "category",
            "unit",
            "created_at",
            "deadlines",
            "reply",
            "replied_at",
            "public_note",
            "photos",
            "timeline",
            "can_follow_up",
        ]

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, appeal: Appeal) -> list[dict[str, Any]]:
        return _photos(appeal, signed=True)

    def get_timeline(self, appeal: Appeal) -> list[dict[str, Any]]:
        # many=True makes a ListSerializer (its data a ReturnList); the stubs type it as the
        # single serializer, whose data is a ReturnDict.
        return TimelineEntrySerializer(  # type: ignore[return-value]
            appeal_timeline(appeal, public=True), many=True
        ).data

    def get_can_follow_up(self, appeal: Appeal) -> bool:
        return appeal.status == "replied"


class CitizenAuthSerializer(serializers.Serializer[Any]):
    tracking_number = serializers.CharField(max_length=30)
    query_code = serializers.CharField(max_length=30)


class CitizenFollowUpSerializer(CitizenAuthSerializer):
    resolved = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=HUGE)


class CitizenWithdrawSerializer(CitizenAuthSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=HUGE)


class AppealListSerializer(serializers.ModelSerializer[Appeal]):
    category = serializers.CharField(source="category.name", default=None, allow_null=True)
    unit = serializers.CharField(source="unit.name", default=None, allow_null=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "tracking_number",
            "title",
            "status",
            "urgency",
            "track",
            "category",
            "unit",
            "created_at",
            "contact_deadline",
            "handling_deadline",
            "is_overdue",
            "version",
        ]

    def get_is_overdue(self, appeal: Appeal) -> bool:
        return appeal.is_overdue()


class AppealDetailSerializer(AppealListSerializer):
    contact = serializers.SerializerMethodField()
    co_units = serializers.SlugRelatedField[Unit](many=True, read_only=True, slug_field="name")
    master = serializers.CharField(source="master.tracking_number", default=None, allow_null=True)
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta(AppealListSerializer.Meta):
        fields = [
            *AppealListSerializer.Meta.fields,
            "content",
            "address",
            "is_public",
            "channel",
            "contact",
            "co_units",
            "master",
            "reply",
            "replied_at",
            "reply_score",
            "reply_review",
            "reopen_count",
            "return_count",
            "photos",
            "external_media_url",
            "timeline",
            "actions",
        ]

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, appeal: Appeal) -> list[dict[str, Any]]:
        return _photos(appeal, signed=False)

    def get_contact(self, appeal: Appeal) -> dict[str, Any]:
        return appeal_contact(self.context["request"].user, appeal)

    def get_timeline(self, appeal: Appeal) -> list[dict[str, Any]]:
        events = appeal_timeline(appeal, public=False)
        # As TrackSerializer.get_timeline: the stubs miss what many=True makes.
        return InternalTimelineEntrySerializer(events, many=True).data  # type: ignore[return-value]

    def get_actions(self, appeal: Appeal) -> list[str]:
        return appeal_actions(self.context["request"].user, appeal)


class VersionSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("The version you saw; a stale one is a conflict.")
    )


class DispatchSerializer(VersionSerializer):
    unit = serializers.IntegerField()
    category = serializers.CharField(required=False, allow_blank=True)


# An optional reason (withdraw); RequiredReasonSerializer: one the service requires (return,
# transfer, extension, close). Comments, not docstrings: these would describe the subclasses.
class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=HUGE, allow_blank=True, required=False, default="")


class RequiredReasonSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=HUGE)


class TransferSerializer(RequiredReasonSerializer):
    unit = serializers.IntegerField()


class CoHandleSerializer(VersionSerializer):
    units = serializers.ListField(child=serializers.IntegerField(), max_length=20)


class ExtensionSerializer(RequiredReasonSerializer):
    days = serializers.IntegerField()


class ExtensionDecisionSerializer(VersionSerializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=HUGE)


class ReviewSerializer(ExtensionDecisionSerializer):
    """A held reply: approve sends it to the citizen; reject (with a reason) returns the appeal
    to its handler."""


class ReplySerializer(VersionSerializer):
    text = serializers.CharField(max_length=HUGE)


class FollowUpSerializer(VersionSerializer):
    resolved = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=HUGE)


class MergeSerializer(VersionSerializer):
    master = serializers.CharField(help_text=_("Tracking number of the master appeal"))


class NoteSerializer(VersionSerializer):
    note = serializers.CharField(max_length=HUGE)


class CategorySerializer(serializers.ModelSerializer[Category]):
    group = serializers.CharField(source="parent.name", default=None, allow_null=True)

    class Meta:
        model = Category
        fields = ["code", "name", "group", "description"]
