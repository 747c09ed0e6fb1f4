"""Read-only admin: every participation record changes through its service (audited, with
the regulation's checks), never through a form that could bypass them."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from lianxin.core.admin import AuditedAdmin

from . import models


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "unit", "status", "opens_at", "closes_at"]
    list_filter = ["status"]
    search_fields = ["title"]


@admin.register(models.Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["notice", "paragraph", "author_label", "hidden", "created_at"]
    list_filter = ["hidden"]


@admin.register(models.Hearing)
class HearingAdmin(ReadOnlyAdmin):
    list_display = ["title", "unit", "status", "held_at", "seats"]
    list_filter = ["status"]


@admin.register(models.Applicant)
class ApplicantAdmin(ReadOnlyAdmin):
    list_display = ["public_label", "hearing", "stake", "selected", "probability"]
    list_filter = ["stake", "selected"]


@admin.register(models.Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["title", "unit", "status", "responsible"]
    list_filter = ["status"]


@admin.register(models.CorrectionRequest)
class CorrectionRequestAdmin(ReadOnlyAdmin):
    list_display = ["decision", "status", "created_at", "deadline"]
    list_filter = ["status"]


@admin.register(models.LiabilityRecord)
class LiabilityRecordAdmin(ReadOnlyAdmin):
    list_display = ["decision", "cadre", "recorded_at"]


@admin.register(models.NoticeAttachment)
class NoticeAttachmentAdmin(ReadOnlyAdmin):
    # The kind's code and the storage name are machine words: the name's extension tells the
    # kind, and the file is reached from the notice's page.
    list_display = ["name", "notice", "size", "uploaded_at", "removed_at"]
    exclude = ["kind", "stored_as"]


@admin.register(models.NoticeRevision)
class NoticeRevisionAdmin(ReadOnlyAdmin):
    list_display = ["notice", "changed_at", "changed_by", "reason"]
    exclude = ["changes"]
    readonly_fields = ["what_changed"]

    @admin.display(description=_("changes"))
    def what_changed(self, revision):
        labels = {
            "title": _("Title"),
            "channels": _("Other channels"),
            "closes_at": _("Comments close"),
            "file": _("File removed"),
            "paragraph": _("Paragraph"),
        }
        return format_html_join(
            mark_safe("<br>"),
            "{}{}：{} → {}",
            (
                (labels.get(c.get("field"), ""), c.get("number", ""), c.get("old"), c.get("new"))
                for c in revision.changes
            ),
        )
