"""Keeping the dashboard's daily roll-ups current.

A refresh finds the days of receipt of every appeal changed since the last one and rebuilds
those days' rows from the appeals themselves (one GROUP BY over a day's appeals, a few thousand
rows even at Beijing's volume). Rebuilding instead of counting events up makes a refresh
idempotent: running it twice, late, or over an overlap changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from lianxin.core.calendar import LOCAL

from .models import (
    COUNTERS,
    OPEN_STATES,
    Appeal,
    DailyAppealStat,
    DailyAppealTotal,
    FollowUp,
    MonthlyAppealStat,
    RollupState,
    Satisfaction,
    Status,
)

STATE_NAME = "appeals-daily"
# A transaction that began before the last refresh may commit after it with an earlier
# updated_at: changes this much older than the watermark are looked at again.
OVERLAP = timedelta(minutes=10)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=LOCAL)
    return start, start + timedelta(days=1)


def _day_rows(day_filter: Q) -> list[DailyAppealStat]:
    """The roll-up rows of the appeals matching `day_filter`: the appeals' own figures in one
    GROUP BY, then their follow-ups (the last one of each appeal counts) in one ordered pass.
    Two plain scans instead of a correlated subquery per appeal."""
    day = TruncDate("created_at", tzinfo=LOCAL)
    figures = (
        Appeal.objects.filter(day_filter)
        .values("unit_id", "category_id", day=day)
        .annotate(
            received=Count("pk"),
            dispatched=Count("pk", filter=Q(dispatched_at__isnull=False)),
            responded_in_time=Count("pk", filter=Q(accepted_at__lte=F("contact_deadline"))),
            replied=Count("pk", filter=Q(replied_at__isnull=False)),
            replied_in_time=Count("pk", filter=Q(replied_at__lte=F("handling_deadline"))),
            open=Count("pk", filter=Q(status__in=OPEN_STATES)),
            closed=Count("pk", filter=Q(status=Status.CLOSED)),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            returned=Count("pk", filter=Q(return_count__gt=0)),
        )
        .order_by()
    )
    rows = {(r["day"], r["unit_id"], r["category_id"]): DailyAppealStat(**r) for r in figures}
    followups = (
        FollowUp.objects.filter(appeal__in=Appeal.objects.filter(day_filter).values("pk"))
        .annotate(day=TruncDate("appeal__created_at", tzinfo=LOCAL))
        .order_by("appeal_id", "-created_at", "-pk")
        .values_list(
            "appeal_id", "day", "appeal__unit_id", "appeal__category_id", "satisfaction", "resolved"
        )
    )
    counter: dict[str, str] = {
        Satisfaction.SATISFIED: "satisfied",
        Satisfaction.BASIC: "basically_satisfied",
        Satisfaction.DISSATISFIED: "dissatisfied",
    }
    previous = None
    for appeal_id, day_, unit_id, category_id, satisfaction, resolved in followups.iterator(
        chunk_size=5000
    ):
        if appeal_id == previous:
            continue  # an earlier follow-up of the same appeal
        previous = appeal_id
        # An appeal transferred between the two reads lands in a row of its own; its
        # updated_at has moved, so the next refresh puts it right.
        key = (day_, unit_id, category_id)
        row = rows.get(key) or rows.setdefault(
            key, DailyAppealStat(day=day_, unit_id=unit_id, category_id=category_id)
        )
        row.rated += 1
        row.resolved += bool(resolved)
        name = counter.get(satisfaction)
        if name:
            setattr(row, name, getattr(row, name) + 1)
    return list(rows.values())


def _touched_days(state: RollupState) -> set[date] | None:
    """Days of receipt of the appeals changed since the last refresh; None means all."""
    if state.watermark is None:
        return None
    changed = Appeal.objects.filter(
        Q(updated_at__gte=state.watermark - OVERLAP) | Q(pk__gt=state.last_appeal_id)
    )
    days = changed.annotate(day=TruncDate("created_at", tzinfo=LOCAL)).values_list("day", flat=True)
    return set(days.order_by().distinct())


def _rebuild_months(months: set[date] | None) -> None:
    """Sum the daily rows of each month (all months when None) into its monthly rows."""
    daily = DailyAppealStat.objects.all()
    monthly = MonthlyAppealStat.objects.all()
    if months is not None:
        starts = Q(pk__in=[])
        for month in months:
            after = (month + timedelta(days=32)).replace(day=1)
            starts |= Q(day__gte=month, day__lt=after)
        daily = daily.filter(starts)
        monthly = monthly.filter(month__in=months)
    monthly.delete()
    sums = (
        daily.values("unit_id", "category_id", month=TruncMonth("day"))
        .annotate(**{c: Sum(c) for c in COUNTERS})
        .order_by()
    )
    MonthlyAppealStat.objects.bulk_create(
        [MonthlyAppealStat(**row) for row in sums], batch_size=2000
    )


def _rebuild_totals(days: set[date] | None) -> None:
    """Sum each day's daily rows (every day's when None) into the district's total of it."""
    daily = DailyAppealStat.objects.all()
    totals = DailyAppealTotal.objects.all()
    if days is not None:
        daily = daily.filter(day__in=days)
        totals = totals.filter(day__in=days)
    totals.delete()
    sums = daily.values("day").annotate(received=Sum("received"), closed=Sum("closed"))
    DailyAppealTotal.objects.bulk_create(
        [DailyAppealTotal(**row) for row in sums.order_by("day")], batch_size=2000
    )


def rollup_refresh(*, full: bool = False) -> int:
    """Bring the roll-ups up to date; returns the number of days rebuilt. Refreshes queue
    behind each other on the state row, so two workers never rebuild the same day at once."""
    with transaction.atomic():
        state, _ = RollupState.objects.get_or_create(name=STATE_NAME)
        state = RollupState.objects.select_for_update().get(pk=state.pk)
        started = timezone.now()
        last_id = Appeal.objects.aggregate(m=Max("pk"))["m"] or 0
        days = None if full else _touched_days(state)
        if days is None:
            DailyAppealStat.objects.all().delete()
            rows = _day_rows(Q(pk__lte=last_id))
            rebuilt = len({row.day for row in rows})
        else:
            rows = []
            for day in sorted(days):
                start, end = _day_bounds(day)
                DailyAppealStat.objects.filter(day=day).delete()
                rows += _day_rows(Q(created_at__gte=start, created_at__lt=end))
            rebuilt = len(days)
        # In day order: a period's rows then lie together on disk (as refreshes day by day
        # leave them), not scattered over the whole table by the GROUP BY's hashing.
        rows.sort(key=lambda row: row.day)
        DailyAppealStat.objects.bulk_create(rows, batch_size=2000)
        _rebuild_months(None if days is None else {d.replace(day=1) for d in days})
        _rebuild_totals(days)
        state.watermark = started
        state.last_appeal_id = last_id
        state.refreshed_at = timezone.now()
        state.save()
    return rebuilt


def rollup_refreshed_at() -> datetime | None:
    return (
        RollupState.objects.filter(name=STATE_NAME).values_list("refreshed_at", flat=True).first()
    )
