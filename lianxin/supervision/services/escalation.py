"""The reporting channel's clocks (举报): the next-day batch audit of the reports received, and
the escalation of cases past their acknowledgement or feedback deadline to the inspection
leads. Run daily by tasks.escalate_overdue_reports."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.core.access import SYSTEM
from lianxin.core.audit import audit_record
from lianxin.core.errors import NotFound
from lianxin.core.models import Role
from lianxin.core.notify import notify_people
from lianxin.core.transitions import commit, lock

from ..models.reports import Report, ReportStatus
from ..rules import report_conflicts
from .reports import NO_STATE


def inspection_leads() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(
            roles__role=Role.INSPECTOR, roles__unit__parent__isnull=True, is_active=True
        )
        .distinct()
    )


def report_escalate_overdue(*, report: Report | str, today: date) -> Report | None:
    """Tell the inspection leads free of conflict that a case has passed a clock: its id and
    which clock, never its content. Each clock escalates once."""
    # lock() takes an instance or a key; a report's key is a UUID, so given as an instance.
    target = report if isinstance(report, Report) else Report(pk=report)
    with transaction.atomic():
        try:
            case = lock(Report, target)
        except NotFound:
            return None
        if not case.is_open:
            return None
        late = []
        if case.acknowledged_on is None and case.ack_due < today and not case.ack_escalated_on:
            case.ack_escalated_on = today
            late.append("acknowledgement")
        if (
            case.feedback_on is None
            and case.feedback_due < today
            and not case.feedback_escalated_on
        ):
            case.feedback_escalated_on = today
            late.append("feedback")
        if not late:
            return None
        leads = [u for u in inspection_leads() if not report_conflicts(u, case)]
        names = {"acknowledgement": _("Acknowledgement due"), "feedback": _("Feedback due")}
        notify_people(
            leads,
            subject=_("A report is overdue"),
            body=_("Case %(case)s has passed its deadline (%(clocks)s).")
            % {"case": case.short_id, "clocks": ", ".join(str(names[c]) for c in late)},
            link=reverse("supervision:report-case", args=[case.pk]),
        )
        return commit(
            case,
            action="report_escalate",
            actor=SYSTEM,
            fields=["ack_escalated_on", "feedback_escalated_on"],
            data={"clocks": late, "leads": len(leads)},
            state_field=NO_STATE,
        )


def reports_audit_received(*, today: date) -> int:
    """Audit the reports received before today, in random order, and tell the leads how many
    arrived: the audit chain and the notifications then date them to the day only."""
    pending = list(Report.objects.filter(received_on__lt=today, received_audited=False))
    if not pending:
        return 0
    secrets.SystemRandom().shuffle(pending)
    with transaction.atomic():
        for report in pending:
            audit_record(
                actor=SYSTEM,
                action="report_received",
                obj=report,
                to_state=ReportStatus.RECEIVED,
                data={"received_on": report.received_on.isoformat()},
            )
        Report.objects.filter(pk__in=[r.pk for r in pending]).update(received_audited=True)
        notify_people(
            list(inspection_leads()),
            subject=_("New reports"),
            body=_("%(count)d new report(s) arrived.") % {"count": len(pending)},
            link=reverse("supervision:report-cases"),
        )
    return len(pending)
