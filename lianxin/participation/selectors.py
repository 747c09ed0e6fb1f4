"""Reads for the public pages and the API (everything here is public: no personal data)."""

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.errors import NotFound

from .models import Comment, Milestone, Notice, NoticeAttachment, Outcome


def notices_public() -> QuerySet[Notice]:
    return Notice.objects.select_related("unit", "decision").annotate(
        comment_count=Count("comments", filter=Q(comments__hidden=False))
    )


COUNTS = ("comments", "hidden", "answered", *Outcome.values)


def notices_with_counts(notices: QuerySet[Notice] | None = None) -> QuerySet[Notice]:
    """`notices` with their comment counts (`count_<name>` for each of COUNTS) computed in the
    same query: comments shown, hidden, answered (by their own or their group's answer), and
    per outcome. Every join is to-one from the comment, so each comment is counted once."""
    visible = Q(comments__hidden=False)
    own = Q(comments__answer__isnull=False)
    grouped = Q(comments__answer__isnull=True, comments__group__answer__isnull=False)
    counts = {
        "count_comments": Count("comments", filter=visible),
        "count_hidden": Count("comments", filter=Q(comments__hidden=True)),
        "count_answered": Count("comments", filter=visible & (own | grouped)),
    }
    for outcome in Outcome.values:
        counts[f"count_{outcome}"] = Count(
            "comments",
            filter=visible
            & (
                Q(comments__answer__outcome=outcome)
                | Q(comments__answer__isnull=True, comments__group__answer__outcome=outcome)
            ),
        )
    return (notices if notices is not None else Notice.objects.all()).annotate(**counts)


def notice_counts(notice: Notice) -> dict[str, int]:
    """Comments shown, hidden, answered, per outcome: from the notice's annotations when it was
    read through `notices_with_counts`, else with one query."""
    if not hasattr(notice, "count_comments"):
        notice = notices_with_counts().get(pk=notice.pk)
    return {name: getattr(notice, f"count_{name}") for name in COUNTS}


def notice_files(notice: Notice) -> list[NoticeAttachment]:
    """The notice's attachments, removed ones included (shown with the reason)."""
    return list(notice.files.all())


def attachment_for_download(*, notice_id: int, attachment_id: int) -> NoticeAttachment:
    """An attachment anyone may download: notices have no draft state (a notice is public from
    the moment it is published), so every attachment not removed is public."""
    found = (
        NoticeAttachment.objects.filter(
            pk=attachment_id, notice_id=notice_id, removed_at__isnull=True
        )
        .exclude(stored_as="")
        .first()
    )
    if found is None:
        raise NotFound(_("No such attachment, or it was removed."))
    return found


def notice_comments(notice: Notice) -> QuerySet[Comment]:
    return notice.comments.select_related("paragraph", "answer", "group__answer")


def share_comments_answered(notices: QuerySet[Notice]) -> float | None:
    """Indicator: visible comments with a published answer / visible comments."""
    return share_comments_answered_of(Comment.objects.filter(notice__in=notices))


def share_comments_answered_of(comments: QuerySet[Comment]) -> float | None:
    """Of `comments`, the visible ones with a published answer (their own or their group's) /
    the visible ones; None when there are none."""
    comments = comments.filter(hidden=False)
    total = comments.count()
    if not total:
        return None
    answered = comments.filter(Q(answer__isnull=False) | Q(group__answer__isnull=False)).count()
    return answered / total


def share_milestones_on_time(milestones: QuerySet[Milestone]) -> float | None:
    """Indicator: milestones completed by their due date / milestones due by today."""
    due = milestones.filter(due_on__lte=clock.now().date())
    total = due.count()
    if not total:
        return None
    on_time = due.filter(completed_on__isnull=False, completed_on__lte=F("due_on")).count()
    return on_time / total
