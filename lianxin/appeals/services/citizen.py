"""What the citizen does with their query code: prove the appeal is theirs, rate the reply
(回访, also taken by an operator on the phone), withdraw it."""

from __future__ import annotations

import hmac
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core import clock, keys, transitions
from lianxin.core.errors import InvalidInput

from ..models import Appeal, FollowUp, Satisfaction, Status
from .common import (
    MAX_REOPENS,
    check,
    clean_text,
    deadlines,
    lock,
    notify_unit_handlers,
    unit_data,
)


def _code_of(digest: bytes) -> str:
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def query_code_for(tracking_number: str) -> str:
    """The query code is derived, not stored: a copy of the database alone cannot reveal it."""
    return _code_of(keys.mac("query-code", f"query-code:{tracking_number}"))


def query_code_matches(appeal: Appeal, code: str) -> bool:
    """A code made under the current key or a former one (core.keys: rotation)."""
    given = str(code or "").strip()
    return any(
        hmac.compare_digest(_code_of(d), given)
        for d in keys.macs("query-code", f"query-code:{appeal.tracking_number}")
    )


@transaction.atomic
def appeal_follow_up(
    *,
    appeal: Appeal | int,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
    actor: Any = None,
    by_citizen: bool = False,
    version: int | None = None,
) -> Appeal:
    """回访. The citizen (proved by the query code, checked by the caller) or an operator on
    the phone. Dissatisfied sends the appeal back to its unit, at most twice."""
    appeal = lock(appeal, version)
    check(appeal, "followup", actor, citizen=by_citizen)
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(
            _("Choose satisfied, basically satisfied or dissatisfied."),
            fields={"satisfaction": [_("Unknown choice.")]},
        )
    comment = clean_text(comment, field="comment", max_length=1000, required=False)
    FollowUp.objects.create(
        appeal=appeal,
        created_at=clock.now(),
        resolved=bool(resolved),
        satisfaction=satisfaction,
        comment=comment,
        by=FollowUp.By.CITIZEN if by_citizen else FollowUp.By.OPERATOR,
        operator=None if by_citizen else actor,
        unit=appeal.unit,
    )
    before = appeal.status
    data = {"resolved": bool(resolved), "satisfaction": satisfaction, **unit_data(appeal.unit)}
    if satisfaction == Satisfaction.DISSATISFIED and appeal.reopen_count < MAX_REOPENS:
        appeal.status = Status.REOPENED
        appeal.reopen_count += 1
        appeal.escalated_at = None
        appeal.contact_deadline, appeal.handling_deadline = deadlines(appeal, clock.now())
        appeal.public_note = _("Reopened: the unit handles it again")
        fields = [
            "reopen_count",
            "escalated_at",
            "contact_deadline",
            "handling_deadline",
            "public_note",
        ]
        action = "reopen"
        if appeal.unit:
            notify_unit_handlers(appeal, appeal.unit, _("Citizen dissatisfied: appeal reopened"))
    else:
        appeal.status = Status.CLOSED
        appeal.closed_at = clock.now()
        appeal.public_note = _("Closed")
        fields = ["closed_at", "public_note"]
        action = "followup"
    return transitions.commit(
        appeal,
        action=action,
        actor=actor,
        from_state=before,
        fields=fields,
        reason=comment,
        data=data,
        actor_label="citizen" if by_citizen else "",
    )


@transaction.atomic
def appeal_withdraw(
    *,
    appeal: Appeal | int,
    actor: Any = None,
    by_citizen: bool = False,
    reason: str = "",
    version: int | None = None,
) -> Appeal:
    appeal = lock(appeal, version)
    check(appeal, "withdraw", actor, citizen=by_citizen)
    before = appeal.status
    appeal.status = Status.WITHDRAWN
    appeal.closed_at = clock.now()
    appeal.public_note = _("Withdrawn")
    return transitions.commit(
        appeal,
        action="withdraw",
        actor=actor,
        from_state=before,
        reason=clean_text(reason, field="reason", max_length=1000, required=False),
        fields=["closed_at", "public_note"],
        actor_label="citizen" if by_citizen else "",
    )
