"""The responsible unit's page for a published notice: attach and remove files, correct the
notice (更正); and the public download of an attached file."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from lianxin.core import uploads
from lianxin.core.access import may
from lianxin.core.errors import LianxinError, NotFound

from ..models import Notice, NoticeStatus
from ..selectors import attachment_for_download, notice_files
from ..services import corrections as service
from .common import posted_date, posted_id, run


def _page(request, notice: Notice, *, status: int | None = None, typed=None):
    return render(
        request,
        "participation/notice_edit.html",
        {
            "notice": notice,
            "files": notice_files(notice),
            "paragraphs": notice.paragraphs.all(),
            "revisions": notice.revisions.all(),
            "editable": notice.status == NoticeStatus.OPEN,
            "typed": typed,
            "max_files": settings.NOTICE_ATTACHMENTS_MAX,
            "max_mb": max(1, settings.UPLOAD_MAX_BYTES // (1024 * 1024)),
        },
        status=status,
    )


def _managed(request, pk: int) -> Notice:
    notice = get_object_or_404(Notice.objects.select_related("unit"), pk=pk)
    if not may(request.user, "participation.manage_notice", notice):
        raise PermissionDenied
    return notice


def _closes_at(request, notice: Notice) -> datetime | None:
    """The posted closing date, at the notice's closing time of day; None when the date is
    the one the notice already has (the form shows it)."""
    day = posted_date(request, "closes_at", _("Comments close"))
    current = timezone.localtime(notice.closes_at)
    if day == current.date():
        return None
    return datetime.combine(day, current.timetz())


@login_required
def notice_edit(request, pk: int):
    notice = _managed(request, pk)
    status = None
    typed = None
    if request.method == "POST":
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        if action == "remove":
            status = run(
                request,
                lambda: service.attachment_remove(
                    attachment_id=posted_id(request, "file") or 0,
                    actor=request.user,
                    reason=reason,
                ),
                _("The file is removed from the notice; the reason is shown in its place."),
            )
        elif action == "correct":
            typed = request.POST
            status = run(
                request,
                lambda: service.notice_correct(
                    notice_id=notice.pk,
                    actor=request.user,
                    reason=reason,
                    version=posted_id(request, "version"),
                    title=request.POST.get("title", ""),
                    channels=request.POST.get("channels", ""),
                    closes_at=_closes_at(request, notice),
                    paragraphs={
                        p.number: request.POST.get(f"paragraph-{p.number}", p.text)
                        for p in notice.paragraphs.all()
                    },
                ),
                _("The correction is published with its date and reason."),
            )
        else:
            status = 400
        if status is None:
            return redirect("participation:notice-edit", pk=notice.pk)
        notice.refresh_from_db()
    return _page(request, notice, status=status, typed=typed)


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@login_required
def notice_attach(request, pk: int):
    notice = _managed(request, pk)
    if request.method != "POST":
        return redirect("participation:notice-edit", pk=notice.pk)
    try:
        files = uploads.read_files(request, "files")
    except LianxinError as exc:
        # Django stopped reading the form at its limits: nothing was read, nothing is stored.
        messages.error(request, str(exc.message))
        return _page(request, notice, status=413 if exc.code == "file_too_large" else 400)
    return _attach(request, notice, files)


@csrf_protect
def _attach(request, notice: Notice, files):
    status = run(
        request,
        lambda: service.notice_attach(notice_id=notice.pk, actor=request.user, files=files),
        _("The files are published with the notice."),
    )
    if status is None:
        return redirect("participation:notice-edit", pk=notice.pk)
    notice.refresh_from_db()
    return _page(request, notice, status=status)


def attachment_download(request, pk: int, file_pk: int):
    try:
        attachment = attachment_for_download(notice_id=pk, attachment_id=file_pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return uploads.download(attachment.stored_as, name=attachment.name, kind=attachment.kind)
