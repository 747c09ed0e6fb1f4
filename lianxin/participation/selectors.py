"""Reads for the public pages and the API (everything here is public: no personal data)."""

from django.db.models import Count, F, Q, QuerySet

from lianxin.core import clock

from .models import Comment, Milestone, Notice, Outcome


def notices_public() -> QuerySet[Notice]:
    return Notice.objects.select_related("unit", "decision").annotate(
        comment_count=Count("comments", filter=Q(comments__hidden=False))
    )


def notice_counts(notice: Notice) -> dict[str, int]:
    """Comments shown, hidden, answered (by their own or their group's answer), per outcome."""
    visible = notice.comments.filter(hidden=False)
    counts = {"comments": visible.count(), "hidden": notice.comments.filter(hidden=True).count()}
    own = visible.filter(answer__isnull=False)
    grouped = visible.filter(answer__isnull=True, group__answer__isnull=False)
    counts["answered"] = own.count() + grouped.count()
    for outcome in Outcome.values:
        counts[outcome] = (
            own.filter(answer__outcome=outcome).count()
            + grouped.filter(group__answer__outcome=outcome).count()
        )
    return counts


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
