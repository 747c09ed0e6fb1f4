"""Background work on appeals: routing new ones, the deadline scan that escalates overdue
appeals, the roll-ups."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from lianxin.core.queue import urgent_work

from .models import Appeal, Status
from .rollups import rollup_refresh
from .services.dispatch import appeal_route, appeals_route
from .services.supervision import appeal_escalate_overdue

ROUTE_GRACE = timedelta(seconds=30)
# Appeals asked of the router in one call (appeals_route).
ROUTE_BATCH = 200


@shared_task
def scan_overdue() -> int:
    now = timezone.now()
    ids = list(
        Appeal.objects.overdue(now)
        .filter(escalated_at__isnull=True)
        .values_list("pk", flat=True)[:5000]
    )
    return sum(1 for pk in ids if appeal_escalate_overdue(appeal=pk, now=now) is not None)


@shared_task
def route_appeal(appeal_id: int) -> bool:
    return appeal_route(appeal=appeal_id) is not None


@shared_task
def route_pending_appeals() -> int:
    """The appeals the router has not looked at: without a category, from the last hour
    (older ones are the dispatcher's by now), oldest first, ROUTE_BATCH at a time until none
    is left. Without a broker this is how every appeal is routed (`run_schedule`, every
    second); with one, each appeal's own task has ROUTE_GRACE to run first and this is the
    safety net for a task lost (the broker was down when the appeal arrived, or a worker
    died). Returns how many were routed.

    Why on until none is left: one batch a pass (a second) routed at most ROUTE_BATCH appeals
    a second, fewer than a burst brings, and the suggestion fell further behind every second.
    Each batch goes on after the last appeal of the one before (created_at, then id), so
    every appeal is looked at once per pass however the router answers."""
    if not settings.CATEGORY_SUGGESTER:
        return 0
    now = timezone.now()
    grace = ROUTE_GRACE if settings.CELERY_BROKER_URL else timedelta(0)
    waiting = Appeal.objects.filter(
        status=Status.SUBMITTED,
        category__isnull=True,
        routed_at__isnull=True,
        created_at__gte=now - timedelta(hours=1),
        created_at__lte=now - grace,
    ).order_by("created_at", "pk")
    routed = 0
    after = Q()
    # The whole pass, the router's model included, before the process's other background work.
    with urgent_work():
        while True:
            batch = list(waiting.filter(after).values_list("pk", "created_at")[:ROUTE_BATCH])
            routed += appeals_route(ids=[pk for pk, _created in batch])
            if len(batch) < ROUTE_BATCH:
                return routed
            last_pk, last_created = batch[-1]
            after = Q(created_at__gt=last_created) | Q(created_at=last_created, pk__gt=last_pk)


@shared_task
def refresh_rollups() -> int:
    """Every minute (Celery beat): bring the daily and monthly roll-ups up to date."""
    return rollup_refresh()
