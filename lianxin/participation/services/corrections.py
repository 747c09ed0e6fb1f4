"""What may change on a notice once it is published: attached files (added; removed with a
public reason) and corrections (更正) of its title, channels, closing date and the text of its
paragraphs, each a recorded revision shown on the public page. A closed notice is final.

Why corrections and not edits: people commented on the text as it stood. A paragraph's text
may be corrected (a typo, a wrong figure), but never silently: the revision keeps the old text
and the public page shows it, with the date and the reason, under the paragraph, so every
comment can still be read against what it answered. Paragraphs are neither added nor removed
(comments hang on them): a different draft is a new notice. The comment period may only be
extended, never shortened, and not into the past: shortening a running period would take time
from people who planned to comment."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lianxin.core import clock, uploads
from lianxin.core.errors import InvalidInput, InvalidTransition
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission

from ..errors import Code
from ..models import Notice, NoticeAttachment, NoticeRevision, NoticeStatus
from .notices import MAX_REASON, MAX_TEXT

FOLDER = "participation/notices"


def _require_editable(notice: Notice) -> None:
    if notice.status != NoticeStatus.OPEN:
        raise InvalidTransition(
            _(
                "This notice is closed: its text, files and dates are final and can no longer "
                "be changed."
            ),
            code=Code.NOTICE_FINAL,
        )


def _locked_notice(notice_id: int, actor: Any, version: int | None = None) -> Notice:
    notice = lock(Notice, notice_id, version=version, missing=_("No such notice."))
    require_permission(actor, "participation.manage_notice", notice)
    _require_editable(notice)
    return notice


def notice_attach(
    *, notice_id: int, actor: Any, files: list[UploadedFile]
) -> list[NoticeAttachment]:
    """Files published with the notice. All or nothing: a file too large, of a type not
    accepted (by content) or one too many refuses the lot, and no file stays in storage."""
    limit = settings.NOTICE_ATTACHMENTS_MAX
    checked = uploads.check_uploads(files, max_count=limit)  # before the lock: reads files
    made = []
    with uploads.storing(FOLDER) as save:
        notice = _locked_notice(notice_id, actor)
        uploads.require_room(
            already=notice.files.filter(removed_at__isnull=True).count(),
            adding=len(checked),
            max_count=limit,
        )
        for upload in checked:
            attachment = NoticeAttachment.objects.create(
                notice=notice,
                name=upload.name,
                kind=upload.kind.code,
                size=upload.size,
                sha256=upload.sha256,
                stored_as=save(upload),
                uploaded_by=actor,
            )
            made.append(attachment)
        commit(
            notice,
            action="notice_attach",
            actor=actor,
            data={
                "files": [
                    {"id": a.pk, "name": a.name, "kind": a.kind, "size": a.size, "sha256": a.sha256}
                    for a in made
                ]
            },
        )
    return made


def attachment_remove(*, attachment_id: int, actor: Any, reason: str) -> NoticeAttachment:
    """Taken off the notice, never silently: the row stays with the reason (shown where the
    file was and in the correction history), the file itself is deleted after commit."""
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, label=_("Reason"))
    with transaction.atomic():
        attachment = lock(NoticeAttachment, attachment_id, missing=_("No such attachment."))
        notice = _locked_notice(attachment.notice_id, actor)
        if attachment.removed_at is not None:
            raise InvalidTransition(
                _("This file was already removed."), code=Code.ATTACHMENT_REMOVED
            )
        stored = attachment.stored_as
        attachment.removed_at, attachment.removed_reason = clock.now(), reason
        attachment.stored_as = ""
        attachment.save(update_fields=["removed_at", "removed_reason", "stored_as"])
        revision = NoticeRevision.objects.create(
            notice=notice,
            reason=reason,
            changes=[{"field": "file", "old": attachment.name, "new": ""}],
            changed_by=actor,
        )
        commit(
            notice,
            action="notice_attachment_remove",
            actor=actor,
            reason=reason,
            data={"file": attachment.pk, "name": attachment.name, "revision": revision.pk},
        )
        if stored:
            uploads.discard_after_commit(stored)
    return attachment


def notice_correct(
    *,
    notice_id: int,
    actor: Any,
    reason: str,
    version: int | None = None,
    title: str | None = None,
    channels: str | None = None,
    closes_at: datetime | None = None,
    paragraphs: dict[int, str] | None = None,
) -> NoticeRevision:
    """A correction of an open notice: what is given and differs is changed, and recorded
    with the old and new value in one revision (shown publicly as 更正, with its date and
    `reason`). `paragraphs`: new text by paragraph number. Refused with nothing changed when
    the notice is closed, the form is stale (`version`), the reason is missing, nothing
    differs, or the closing date does not move later."""
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, label=_("Reason"))
    with transaction.atomic():
        notice = _locked_notice(notice_id, actor, version)
        changes: list[dict[str, Any]] = []
        fields: list[str] = []
        if title is not None:
            title = clean_text(title, field="title", max_length=200, label=_("Title"))
            if title != notice.title:
                changes.append({"field": "title", "old": notice.title, "new": title})
                notice.title = title
                fields.append("title")
        if channels is not None:
            channels = clean_text(channels, field="channels", max_length=1000, required=False)
            if channels != notice.channels:
                changes.append({"field": "channels", "old": notice.channels, "new": channels})
                notice.channels = channels
                fields.append("channels")
        if closes_at is not None and closes_at != notice.closes_at:
            if closes_at < notice.closes_at or closes_at <= clock.now():
                message = _(
                    "The comment period may only be extended: the new closing date must be "
                    "after %(date)s and in the future."
                ) % {"date": date_format(notice.closes_at, "Y-m-d")}
                raise InvalidInput(
                    message, code=Code.PERIOD_NOT_EXTENDED, fields={"closes_at": [message]}
                )
            changes.append(
                {
                    "field": "closes_at",
                    "old": timezone.localtime(notice.closes_at).isoformat(),
                    "new": timezone.localtime(closes_at).isoformat(),
                }
            )
            notice.closes_at = closes_at
            fields.append("closes_at")
        changed_paragraphs = []
        if paragraphs:
            by_number = {p.number: p for p in notice.paragraphs.all()}
            for number, text in sorted(paragraphs.items()):
                paragraph = by_number.get(number)
                if paragraph is None:
                    raise InvalidInput(
                        _("This paragraph is not part of the notice."), code=Code.BAD_PARAGRAPH
                    )
                text = clean_text(
                    text, field=f"paragraph_{number}", max_length=MAX_TEXT, label=_("Paragraph")
                )
                if text != paragraph.text:
                    changes.append(
                        {"field": "paragraph", "number": number, "old": paragraph.text, "new": text}
                    )
                    paragraph.text = text
                    changed_paragraphs.append(paragraph)
            if changed_paragraphs:
                for paragraph in changed_paragraphs:
                    paragraph.save(update_fields=["text"])
                # The full text is the paragraphs as they now stand.
                notice.text = "\n\n".join(p.text for p in by_number.values())
                fields.append("text")
        if not changes:
            raise InvalidInput(
                _("Nothing was changed: change at least one field to correct the notice."),
                code=Code.NOTHING_CHANGED,
            )
        revision = NoticeRevision.objects.create(
            notice=notice, reason=reason, changes=changes, changed_by=actor
        )
        commit(
            notice,
            action="notice_correct",
            actor=actor,
            fields=fields,
            reason=reason,
            data={"revision": revision.pk, "changes": changes},
        )
    return revision
