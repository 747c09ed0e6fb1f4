"""Periodic work of the evaluation app (Celery beat; run_schedule in embedded mode)."""

from celery import shared_task

from .rates import live_overdue_by_unit
from .services.appraisal import appraisal_campaigns_close_due


@shared_task
def close_due_appraisals() -> int:
    return appraisal_campaigns_close_due()


@shared_task
def refresh_live_overdue() -> int:
    """Every minute: the overdue backlog by unit that current-month rankings add to the
    roll-ups. Returns how many units have one."""
    return len(live_overdue_by_unit(refresh=True))
