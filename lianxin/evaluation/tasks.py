"""Periodic work of the evaluation app (Celery beat; run_schedule in embedded mode)."""

from celery import shared_task


@shared_task
def close_due_appraisals() -> int:
    from .services import appraisal_campaigns_close_due

    return appraisal_campaigns_close_due()
