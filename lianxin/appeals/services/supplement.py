"""补充: what a citizen adds to an appeal still being worked on, most often by calling the
hotline again (the operator console records it). Kept on the appeal's timeline, where the
handler reads it, and the unit's handlers are told."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core import transitions

from ..models import OPEN_STATES, Appeal, Channel
from .common import clean_text, lock, notify_unit_handlers, unit_data


@transaction.atomic
def appeal_supplement(
    *,
    appeal: Appeal | int,
    note: str,
    actor: Any,
    channel: str = Channel.PHONE,
    data: dict[str, Any] | None = None,
    version: int | None = None,
) -> Appeal:
    """Add the citizen's new information to an open appeal. The state does not change; the
    version does, so a handler's form built before it must be reloaded."""
    appeal = lock(appeal, version)
    transitions.require_permission(actor, "appeals.supplement_appeal", appeal)
    transitions.require_state(
        appeal,
        OPEN_STATES,
        message=_("Cannot add to an appeal that is %(status)s: take it as a new appeal."),
    )
    note = clean_text(note, field="note", max_length=2000)
    transitions.commit(
        appeal,
        action="supplement",
        actor=actor,
        from_state=appeal.status,
        reason=note,
        data={"channel": channel, **unit_data(appeal.unit), **(data or {})},
    )
    if appeal.unit is not None:
        notify_unit_handlers(
            appeal,
            appeal.unit,
            _("The citizen added to appeal %(tn)s") % {"tn": appeal.tracking_number},
        )
    return appeal
