"""Periodic work of the supervision app, one section per capability."""

from celery import shared_task
from django.utils import timezone

from .models import Report
from .services.escalation import report_escalate_overdue, reports_audit_received

# --- reporting channel (举报) -------------------------------------------------------------------


@shared_task
def escalate_overdue_reports() -> int:
    """Daily (Celery beat): first audit the reports received before today (in a batch, so the
    audit log dates them to the day only), then tell the inspection leads about every case
    past its acknowledgement or feedback clock. Returns how many cases were escalated."""
    today = timezone.localdate()
    reports_audit_received(today=today)
    ids = list(Report.objects.overdue(today).values_list("pk", flat=True))
    return sum(1 for pk in ids if report_escalate_overdue(report=pk, today=today) is not None)
