"""Reads of the evaluation app that respect who is asking."""

# --- rankings: the appeals behind a figure ----------------------------------------------------

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Appeal, Satisfaction
from lianxin.appeals.selectors import appeals_visible_to, with_last_followup
from lianxin.core import clock
from lianxin.core.access import may
from lianxin.core.calendar import LOCAL
from lianxin.core.models import Role, Unit

from .appraisal import rating_summary, response_enough
from .models import (
    CommentStatus,
    DutyReport,
    IndicatorResult,
    IndicatorScheme,
    Inquiry,
    InquiryStatus,
    ReportRating,
    ReportStatus,
    ResultSnapshot,
    SchemeStatus,
    UnitResult,
)
from .models.appraisal import (
    RATING_VALUES as _RATING_VALUES,
)
from .models.appraisal import (
    AppraisalCampaign,
    AppraisalComment,
    AppraisalInvitation,
    AppraisalQuestion,
)
from .rates import current_month, live_overdue

_LATE = Q(replied_at__gt=F("handling_deadline"))

# measure -> (label, filter of the appeals received in the month under the unit). Each one is
# the set a roll-up counter (or difference of counters) counts; see rates.DEFINITIONS.
DRILL_MEASURES = {
    "received": (_("All appeals received"), Q()),
    "dispatched": (_("Dispatched to the unit"), Q(dispatched_at__isnull=False)),
    "not_responded": (
        _("Not contacted within the contact deadline"),
        Q(dispatched_at__isnull=False) & ~Q(accepted_at__lte=F("contact_deadline")),
    ),
    "rated": (_("Followed up"), Q(has_followup=True)),
    "unresolved": (_("Not resolved, says the citizen"), Q(has_followup=True, last_resolved=False)),
    "dissatisfied": (_("Dissatisfied"), Q(last_satisfaction=Satisfaction.DISSATISFIED)),
    "basically_satisfied": (_("Basically satisfied"), Q(last_satisfaction=Satisfaction.BASIC)),
    "replied_late": (_("Replied after the handling deadline"), _LATE),
    "reopened": (_("Reopened"), Q(reopen_count__gt=0)),
    "returned": (_("Returned (退单) at least once"), Q(return_count__gt=0)),
    "overdue": (_("Overdue"), None),  # replied late, plus the live backlog in the current month
}


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime.combine(month.replace(day=1), time.min, LOCAL)
    after = datetime.combine(
        (month.replace(day=1) + timedelta(days=32)).replace(day=1), time.min, LOCAL
    )
    return start, after


def ranking_drill_appeals(
    user, *, unit: Unit, start: date, end: date, measure: str
) -> QuerySet[Appeal]:
    """The appeals behind the figure `measure` of `unit` (with its subtree) for the months
    `start`..`end`, as far as `user` may see them (appeals_visible_to). Unknown measures raise
    KeyError."""
    label, q = DRILL_MEASURES[measure]
    first = month_bounds(start)[0]
    after = month_bounds(end)[1]
    qs = appeals_visible_to(user).filter(unit__path__startswith=unit.path)
    qs = with_last_followup(qs)
    received = Q(created_at__gte=first, created_at__lt=after)
    if q is None:  # "overdue", the one figure that is not a plain filter
        q = received & _LATE
        if end.replace(day=1) == current_month():
            q |= Q(pk__in=live_overdue().values("pk"))
        return qs.filter(q).order_by("-created_at")
    return qs.filter(received & q).order_by("-created_at")


# --- indicators, reports and inquiries ---------------------------------------------------------


# The levels an indicator scheme assesses (a street's figures include its communities').
ASSESSED_KINDS = ("department", "street", "town")


def assessed_units() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True, kind__in=ASSESSED_KINDS).order_by("path"))


def scheme_in_force(year: int) -> IndicatorScheme | None:
    """The published (frozen) version of a year's scheme, the one its results use."""
    return IndicatorScheme.objects.filter(year=year, status=SchemeStatus.PUBLISHED).first()


def snapshot_latest(year: int) -> ResultSnapshot | None:
    return (
        ResultSnapshot.objects.filter(year=year)
        .select_related("scheme", "computed_by")
        .order_by("-computed_at", "-id")
        .first()
    )


def snapshot_rows(snapshot: ResultSnapshot) -> list[UnitResult]:
    """The units of a snapshot, best first (units without any measured indicator last), each
    with its indicator lines in the scheme's order."""
    return list(
        snapshot.units.select_related("unit")
        .prefetch_related(
            Prefetch("lines", queryset=IndicatorResult.objects.order_by("position", "id"))
        )
        .order_by(F("rank").asc(nulls_last=True), "unit__path")
    )


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (datetime(year, 1, 1, tzinfo=LOCAL), datetime(year + 1, 1, 1, tzinfo=LOCAL))


def _in_subtree(unit: Unit, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in rows if r["unit__path"].startswith(unit.path)]


def duty_report_unit_ratings(units: list[Unit], year: int) -> dict[int, float | None]:
    """Unit id -> mean over the year's published reports of cadres in the unit's subtree of
    each report's mean rating, scaled 1–5 -> 0–100; None where no report was rated."""
    rows = list(
        DutyReport.objects.filter(status=ReportStatus.PUBLISHED, year=year)
        .annotate(mean=Avg("ratings__stars"))
        .filter(mean__isnull=False)
        .values("unit__path", "mean")
    )
    out: dict[int, float | None] = {}
    for unit in units:
        means = [float(r["mean"]) for r in _in_subtree(unit, rows)]
        out[unit.pk] = (sum(means) / len(means) - 1) / 4 * 100 if means else None
    return out


def inquiries_due(year: int, *, now: datetime | None = None):
    """Inquiries due in `year`: deadline in that year and either passed or already answered
    (an open inquiry whose deadline is still ahead is not due yet); withdrawn ones never are."""
    start, after = _year_bounds(year)
    now = now or clock.now()
    return (
        Inquiry.objects.filter(deadline__gte=start, deadline__lt=after)
        .exclude(status=InquiryStatus.WITHDRAWN)
        .filter(Q(deadline__lte=now) | Q(answered_at__isnull=False))
    )


def inquiries_on_time_share(
    units: list[Unit], year: int, *, now: datetime | None = None
) -> dict[int, float | None]:
    """Unit id -> inquiries answered by their deadline / inquiries due in the year, over the
    unit's subtree; None where none was due. Late and missing answers count against it."""
    rows = list(
        inquiries_due(year, now=now)
        .values("unit__path")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=Q(answered_at__lte=F("deadline"))))
        .order_by()
    )
    out: dict[int, float | None] = {}
    for unit in units:
        mine = _in_subtree(unit, rows)
        due = sum(r["due"] for r in mine)
        out[unit.pk] = sum(r["on_time"] for r in mine) / due if due else None
    return out


def reports_published(*, year: int | None = None, unit: Unit | None = None):
    qs = (
        DutyReport.objects.filter(status=ReportStatus.PUBLISHED)
        .select_related("author", "unit")
        .annotate(mean=Avg("ratings__stars"), votes=Count("ratings"))
    )
    if year:
        qs = qs.filter(year=year)
    if unit:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.order_by("-year", "unit__path", "-published_at")


def report_comments_public(report: DutyReport):
    return report.ratings.filter(comment_status=CommentStatus.APPROVED).order_by("-id")


def report_comments_pending():
    return (
        ReportRating.objects.filter(comment_status=CommentStatus.PENDING)
        .select_related("report__unit")
        .order_by("id")
    )


def inquiries_public(*, unit: Unit | None = None, status: str = ""):
    """The public list: every inquiry but the withdrawn, with its answer once given."""
    qs = Inquiry.objects.exclude(status=InquiryStatus.WITHDRAWN).select_related(
        "unit", "cadre", "asker"
    )
    if unit:
        qs = qs.filter(unit__path__startswith=unit.path)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def inquiries_on_time_percent(units: list[Unit], year: int) -> dict[int, float | None]:
    """The indicator source "inquiries_on_time" (measures.py): inquiries_on_time_share in
    percent."""
    return {
        pk: (None if share is None else share * 100)
        for pk, share in inquiries_on_time_share(units, year).items()
    }


def inquiry_answer_days() -> int:
    return int(settings.INQUIRY_ANSWER_WORKDAYS)


# --- democratic appraisal ---------------------------------------------------------------------


def appraisal_campaigns_for(user):
    """Every campaign for those who run appraisals; the published ones for everybody else."""
    campaigns = AppraisalCampaign.objects.all()
    if may(user, "evaluation.manage_appraisal"):
        return campaigns
    return campaigns.filter(status=AppraisalCampaign.Status.PUBLISHED)


def appraisal_unit_choices() -> list[Unit]:
    """The units a campaign may appraise: those the indicator system assesses."""
    return assessed_units()


def appraisal_cadre_choices():
    """The cadres a campaign may appraise: active people who lead or handle in a unit."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, roles__role__in=[Role.LEADER, Role.HANDLER])
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def appraisal_results(campaign: AppraisalCampaign, *, all_comments: bool = False) -> dict:
    """Per target: for each rating question the count, mean, standard deviation and 95 %
    confidence interval (plus all rating questions pooled), and the comments — only the
    approved ones unless `all_comments` (moderation). Comments are read in id order, which is
    random: it says nothing about when they were written."""
    questions = list(campaign.questions.all())
    rating_questions = [q for q in questions if q.kind == AppraisalQuestion.Kind.RATING]
    tallies = {(t.target_id, t.question_id): t.histogram for t in campaign.tallies.all()}
    comments = campaign.comments.select_related("question").order_by("id")
    if not all_comments:
        comments = comments.filter(status=AppraisalComment.Status.APPROVED)
    by_target: dict[int, list[AppraisalComment]] = {}
    for comment in comments:
        by_target.setdefault(comment.target_id, []).append(comment)
    targets = []
    for target in campaign.targets.select_related("unit", "cadre"):
        rows = []
        pooled = dict.fromkeys(_RATING_VALUES, 0)
        for question in rating_questions:
            histogram = tallies.get((target.pk, question.pk), {})
            for v in _RATING_VALUES:
                pooled[v] += histogram.get(v, 0)
            rows.append({"question": question, **rating_summary(histogram)})
        targets.append(
            {
                "target": target,
                "rows": rows,
                "overall": rating_summary(pooled),
                "comments": by_target.get(target.pk, []),
            }
        )
    invitations = AppraisalInvitation.objects.filter(campaign=campaign)
    issued = invitations.count()
    voted = invitations.filter(used=True).count()
    return {
        "campaign": campaign,
        "questions": rating_questions,
        "targets": targets,
        "issued": issued,
        "voted": voted,
        "response_rate": voted / issued if issued else None,
        # Below the minimum response no figure is shown to anyone (the rule is stated).
        "enough": response_enough(issued=issued, voted=voted),
        "min_responses": settings.APPRAISAL_MIN_RESPONSES,
        "min_rate_percent": round(settings.APPRAISAL_MIN_RESPONSE_RATE * 100),
        "pending": campaign.comments.filter(status=AppraisalComment.Status.PENDING).count(),
    }
