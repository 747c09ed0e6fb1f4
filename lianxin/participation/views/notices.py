"""公示 pages: the list, a notice with its paragraphs, comments and answers (phone first), the
responsible unit's desk (moderate, group, answer, close), and publishing a notice."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import may, units_where
from lianxin.core.models import Role
from lianxin.core.params import as_id

from ..models import Decision, Hearing, Milestone, Notice, NoticeStatus, Outcome
from ..selectors import (
    notice_comments,
    notice_counts,
    notice_files,
    notices_public,
    share_comments_answered,
    share_milestones_on_time,
)
from ..services import notices as service
from .common import limit_public, posted_datetime, posted_id, run, units_for


def index(request):
    return render(
        request,
        "participation/index.html",
        {
            "notices": notices_public()[:50],
            "hearings": Hearing.objects.select_related("unit")[:20],
            "decisions": Decision.objects.select_related("unit")[:20],
            "can_publish": bool(units_where(request.user, Role.HANDLER, Role.LEADER)),
            "can_organise": bool(units_where(request.user, Role.LEADER, Role.ADMIN)),
            "answered_share": share_comments_answered(Notice.objects.all()),
            "on_time_share": share_milestones_on_time(Milestone.objects.all()),
        },
    )


def _context(request, notice: Notice) -> dict:
    comments = list(notice_comments(notice))
    by_paragraph: dict[int | None, list] = {}
    for comment in comments:
        by_paragraph.setdefault(comment.paragraph_id, []).append(comment)
    revisions = list(notice.revisions.all())
    corrected: dict[int, list] = {}  # paragraph number -> its corrections, oldest first
    for revision in revisions:
        for change in revision.changes:
            if change.get("field") == "paragraph":
                corrected.setdefault(change["number"], []).append((revision, change["old"]))
    paragraphs = [
        (p, by_paragraph.get(p.pk, []), corrected.get(p.number, []))
        for p in notice.paragraphs.all()
    ]
    return {
        "notice": notice,
        "files": notice_files(notice),
        "revisions": revisions,
        "counts": notice_counts(notice),
        "paragraphs": paragraphs,
        "whole": by_paragraph.get(None, []),
        "comments": comments,
        "can_manage": may(request.user, "participation.manage_notice", notice),
        "can_moderate": may(request.user, "participation.moderate_notice", notice),
        "outcomes": Outcome.choices,
        "hearings": notice.hearings.all(),
        "accepting": notice.status == NoticeStatus.OPEN
        and notice.opens_at <= clock.now() <= notice.closes_at,
    }


def notice_detail(request, pk: int):
    notice = get_object_or_404(Notice.objects.select_related("unit", "decision"), pk=pk)
    status = None
    typed = {}
    if request.method == "POST":
        typed = {"text": request.POST.get("text", ""), "paragraph": request.POST.get("paragraph")}

        def comment():
            limit_public(request)
            service.notice_comment(
                notice_id=notice.pk,
                actor=request.user,
                text=request.POST.get("text", ""),
                paragraph_id=posted_id(request, "paragraph"),
                anonymous=bool(request.POST.get("anonymous")),
            )

        status = run(
            request,
            comment,
            _(
                "Thank you. Your comment is published; the unit will answer it before the "
                "notice closes."
            ),
        )
        if status is None:
            return redirect("participation:notice", pk=notice.pk)
        notice.refresh_from_db()
    context = _context(request, notice) | {"typed": typed}
    return render(request, "participation/notice.html", context, status=status)


@login_required
def notice_manage(request, pk: int):
    notice = get_object_or_404(Notice.objects.select_related("unit"), pk=pk)
    if not may(request.user, "participation.moderate_notice", notice):
        raise PermissionDenied
    status = None
    if request.method == "POST":
        action = request.POST.get("action")
        user = request.user
        reason = request.POST.get("reason", "")
        outcome = request.POST.get("outcome", "")
        actions = {
            "hide": (
                lambda: service.comment_hide(
                    comment_id=posted_id(request, "comment") or 0, actor=user, reason=reason
                ),
                _("The comment is hidden; the reason is shown in its place."),
            ),
            "group": (
                lambda: service.comments_group(
                    notice_id=notice.pk,
                    actor=user,
                    topic=request.POST.get("topic", ""),
                    comment_ids=[i for i in map(as_id, request.POST.getlist("comments")) if i],
                ),
                _("The comments are grouped."),
            ),
            "answer": (
                lambda: service.comment_answer(
                    comment_id=posted_id(request, "comment") or 0,
                    actor=user,
                    outcome=outcome,
                    reason=reason,
                ),
                _("The answer is published."),
            ),
            "answer_group": (
                lambda: service.group_answer(
                    group_id=posted_id(request, "group") or 0,
                    actor=user,
                    outcome=outcome,
                    reason=reason,
                ),
                _("The answer is published."),
            ),
            "close": (
                lambda: service.notice_close(
                    notice_id=notice.pk, actor=user, summary=request.POST.get("summary", "")
                ),
                _("The notice is closed."),
            ),
        }
        if action not in actions:
            status = 400
        else:
            status = run(request, *actions[action])
            if status is None:
                return redirect("participation:notice-manage", pk=notice.pk)
        notice.refresh_from_db()
    context = _context(request, notice) | {
        "groups": notice.groups.select_related("answer").all(),
        "unanswered": service.unanswered(notice),
    }
    return render(request, "participation/notice_manage.html", context, status=status)


@login_required
def notice_new(request):
    units = units_for(request.user, Role.HANDLER, Role.LEADER)
    if not units:
        raise PermissionDenied
    status = None
    if request.method == "POST":
        unit = next((u for u in units if u.pk == posted_id(request, "unit")), None)
        created = {}

        def create():
            if unit is None:
                raise PermissionDenied
            created["notice"] = service.notice_create(
                actor=request.user,
                unit=unit,
                title=request.POST.get("title", ""),
                text=request.POST.get("text", ""),
                opens_at=posted_datetime(request, "opens_at", _("Comments open")),
                closes_at=posted_datetime(request, "closes_at", _("Comments close")),
                is_major=bool(request.POST.get("is_major")),
                short_period_reason=request.POST.get("short_period_reason", ""),
                channels=request.POST.get("channels", ""),
            )

        status = run(request, create, _("The notice is published."))
        if status is None:
            return redirect("participation:notice", pk=created["notice"].pk)
    return render(
        request,
        "participation/notice_new.html",
        {"units": units, "typed": request.POST},
        status=status,
    )
