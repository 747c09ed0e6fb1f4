"""A citizen's account and their appeals (我的诉求, PIPL): the copy of their data (art. 45) and
the deletion of the account (art. 47).

What deletion keeps, and why. An appeal is a public record the hotline must keep (the units'
history, the rates, supervision, the audit log): its matter — title, content, place, category,
the units' handling and replies, the citizen's ratings — stays. What identifies the citizen
goes: name, phone number and its lookup key, email, the link to the login, and the number or
address on the messages sent about it. An unfinished appeal still needs a way to reach the
citizen, so the account cannot be deleted while one is not finished: the citizen withdraws it
or waits until it is closed (the page says so)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.audit import action_label, audit_record
from lianxin.core.citizens import citizen_account_delete, citizen_account_of
from lianxin.core.errors import InvalidTransition
from lianxin.core.notify import notifications_forget_addresses

from ..errors import Code
from ..models import TERMINAL_STATES, Appeal
from ..selectors import appeal_timeline, citizen_appeals

CONTACT_FIELDS = ["contact_name", "contact_phone", "contact_email", "contact_phone_key"]


def unfinished_appeals(user: Any, phone_keys: list[str]) -> list[Appeal]:
    return list(citizen_appeals(user, phone_keys).exclude(status__in=TERMINAL_STATES))


@transaction.atomic
def citizen_account_erase(*, user: Any, phone_keys: list[str]) -> int:
    """Delete the citizen's account and erase their contact details from their appeals (all
    finished: else InvalidTransition). Returns how many appeals were anonymised."""
    appeals = list(citizen_appeals(user, phone_keys).select_for_update(of=("self",)))
    open_ones = [a.tracking_number for a in appeals if a.status not in TERMINAL_STATES]
    if open_ones:
        raise InvalidTransition(
            _(
                "%(n)d of your appeals are not finished yet: withdraw them or wait until they "
                "are closed, then delete your account."
            )
            % {"n": len(open_ones)},
            code=Code.APPEALS_UNFINISHED,
        )
    addresses = set()
    for appeal in appeals:
        addresses |= {appeal.contact_phone, appeal.contact_email}
        for name in CONTACT_FIELDS:
            setattr(appeal, name, "")
        appeal.submitted_by = None
        appeal.updated_at = clock.now()
        appeal.save(update_fields=[*CONTACT_FIELDS, "submitted_by", "updated_at"])
        audit_record(
            actor=user,
            actor_label="citizen",
            action="contact_erase",
            obj=appeal,
            reason=_("The citizen deleted their account."),
        )
    notifications_forget_addresses(addresses)
    citizen_account_delete(user=user)
    return len(appeals)


def citizen_data(user: Any, phone_keys: list[str]) -> dict[str, Any]:
    """Everything kept about the citizen, for the copy they may ask for (PIPL art. 45): the
    account and every appeal of theirs with its replies, ratings and public progress. The
    export itself is audited by the caller's service below."""
    account = citizen_account_of(user)
    appeals = citizen_appeals(user, phone_keys).prefetch_related("followups")
    return {
        "account": {
            "created_at": account.created_at if account else None,
            "last_signin_at": account.last_signin_at if account else None,
            "kept": _(
                "The account keeps no phone number, only a keyed lookup key of it, and no name."
            ),
        },
        "appeals": [_appeal_data(a) for a in appeals],
    }


def _appeal_data(appeal: Appeal) -> dict[str, Any]:
    return {
        "tracking_number": appeal.tracking_number,
        "title": appeal.title,
        "content": appeal.content,
        "category": str(appeal.category) if appeal.category else "",
        "channel": appeal.get_channel_display(),
        "status": appeal.get_status_display(),
        "urgency": appeal.get_urgency_display(),
        "contact_name": appeal.contact_name,
        "contact_phone": appeal.contact_phone,
        "contact_email": appeal.contact_email,
        "address": appeal.address,
        "is_public": appeal.is_public,
        "unit": appeal.unit.name if appeal.unit else "",
        "submitted_at": appeal.created_at,
        "handling_deadline": appeal.handling_deadline,
        "reply": appeal.reply,
        "replied_at": appeal.replied_at,
        "closed_at": appeal.closed_at,
        "ratings": [
            {
                "at": f.created_at,
                "resolved": f.resolved,
                "satisfaction": f.get_satisfaction_display(),
                "comment": f.comment,
                "by": f.get_by_display(),
            }
            for f in appeal.followups.all()
        ],
        "progress": [
            {"at": e.created_at, "step": str(action_label(e.action))}
            for e in appeal_timeline(appeal, public=True)
        ],
    }


@transaction.atomic
def citizen_data_export(*, user: Any, phone_keys: list[str], fmt: str) -> dict[str, Any]:
    """The citizen's data, with the export audited (which format, how many appeals; no
    personal data in the event)."""
    data = citizen_data(user, phone_keys)
    account = citizen_account_of(user)
    audit_record(
        actor=user,
        action="citizen_data_export",
        obj=account if account is not None else user,
        data={"format": fmt, "appeals": len(data["appeals"])},
    )
    return data
