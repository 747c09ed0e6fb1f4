"""Background work on appeals: routing new ones, the deadline scan that escalates overdue
appeals, the roll-ups."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import Appeal, Status
from .rollups import rollup_refresh
from .services.dispatch import appeal_route, appeals_route
from .services.supervision import appeal_escalate_overdue

ROUTE_GRACE = timedelta(seconds=30)


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
    (older ones are the dispatcher's by now), oldest first. Without a broker this is how
    every appeal is routed (`run_schedule`, every second); with one, each appeal's own task
    has ROUTE_GRACE to run first and this is the safety net for a task lost (the broker was
    down when the appeal arrived, or a worker died). Returns how many were routed."""
    if not settings.CATEGORY_SUGGESTER:
        return 0
    now = timezone.now()
    grace = ROUTE_GRACE if settings.CELERY_BROKER_URL else timedelta(0)
    ids = list(
        Appeal.objects.filter(
            status=Status.SUBMITTED,
            category__isnull=True,
            routed_at__isnull=True,
            created_at__gte=now - timedelta(hours=1),
            created_at__lte=now - grace,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    return appeals_route(ids=ids)


@shared_task
def refresh_rollups() -> int:
    """Every minute (Celery beat): bring the daily and monthly roll-ups up to date."""
    return rollup_refresh()
