"""Periodic work on appeals: the deadline scan that escalates overdue appeals."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import Appeal, Status
from .rollups import rollup_refresh
from .services.dispatch import appeal_route
from .services.supervision import appeal_escalate_overdue


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
    """Every minute: route the appeals whose routing task never ran (the broker was down when
    they arrived, or a worker died): without a category, not yet suggested, from the last hour
    (older ones are the dispatcher's by now)."""
    if not settings.CATEGORY_SUGGESTER:
        return 0
    now = timezone.now()
    ids = list(
        Appeal.objects.filter(
            status=Status.SUBMITTED,
            category__isnull=True,
            suggested_category__isnull=True,
            created_at__gte=now - timedelta(hours=1),
            created_at__lte=now - timedelta(seconds=30),
        ).values_list("pk", flat=True)[:200]
    )
    return sum(1 for pk in ids if appeal_route(appeal=pk) is not None)


@shared_task
def refresh_rollups() -> int:
    """Every minute (Celery beat): bring the daily and monthly roll-ups up to date."""
    return rollup_refresh()
