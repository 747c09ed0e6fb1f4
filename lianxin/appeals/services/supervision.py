"""Supervision (督办) and the escalation of overdue appeals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core import clock, transitions
from lianxin.core.access import users_with_role
from lianxin.core.models import Role, Unit
from lianxin.core.notify import notify_people

from ..models import Appeal
from .common import check, clean_text, lock, unit_data


@transaction.atomic
def appeal_supervise(
    *, appeal: Appeal | int, actor: Any, note: str, version: int | None = None
) -> Appeal:
    """督办: a supervisor presses the unit; its leaders are told at once."""
    appeal = lock(appeal, version)
    check(appeal, "supervise", actor)
    note = clean_text(note, field="note", max_length=1000)
    transitions.commit(
        appeal,
        action="supervise",
        actor=actor,
        from_state=appeal.status,
        fields=[],
        reason=note,
        data=unit_data(appeal.unit),
    )
    if appeal.unit:
        notify_people(
            users_with_role(Role.LEADER, appeal.unit),
            subject=_("Supervision: %(tn)s") % {"tn": appeal.tracking_number},
            body=note,
            link=f"/appeals/{appeal.tracking_number}/",
        )
    return appeal


@transaction.atomic
def appeal_escalate_overdue(*, appeal: Appeal | int, now: datetime | None = None) -> Appeal | None:
    """Flag one overdue appeal and tell the unit's leaders and the supervisors (once)."""
    appeal = lock(appeal, None)
    now = now or clock.now()
    if appeal.escalated_at is not None or not appeal.is_overdue(now):
        return None
    appeal.escalated_at = now
    transitions.commit(
        appeal,
        action="escalate",
        actor=None,
        actor_label="system",
        from_state=appeal.status,
        fields=["escalated_at"],
        data={"handling_deadline": appeal.handling_deadline, **unit_data(appeal.unit)},
    )
    root = appeal.unit or Unit.objects.filter(parent=None).first()
    people: set[Any] = set()
    if appeal.unit:
        people |= set(users_with_role(Role.LEADER, appeal.unit))
    if root:
        people |= set(users_with_role(Role.SUPERVISOR, root))
    notify_people(
        sorted(people, key=lambda u: u.pk),
        subject=_("Overdue appeal %(tn)s") % {"tn": appeal.tracking_number},
        body=appeal.title,
        link=f"/appeals/{appeal.tracking_number}/",
    )
    return appeal
