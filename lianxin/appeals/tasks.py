"""Periodic work on appeals: the deadline scan that escalates overdue appeals."""

from celery import shared_task
from django.utils import timezone

from .models import Appeal
from .services import appeal_escalate_overdue, appeal_route


@shared_task
def scan_overdue() -> int:
    now = timezone.now()
    ids = list(Appeal.objects.overdue(now).filter(escalated_at__isnull=True).values_list("pk", flat=True)[:5000])
    return sum(1 for pk in ids if appeal_escalate_overdue(appeal=pk, now=now) is not None)


@shared_task
def route_appeal(appeal_id: int) -> bool:
    return appeal_route(appeal=appeal_id) is not None


@shared_task
def refresh_rollups() -> int:
    """Every minute (Celery beat): bring the daily and monthly roll-ups up to date."""
    from .rollups import rollup_refresh

    return rollup_refresh()
