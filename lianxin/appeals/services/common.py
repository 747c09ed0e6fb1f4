"""What every appeal service shares: the field labels and errors, the row lock and the
lifecycle check (both through core.transitions), deadlines and notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core import text, transitions
from lianxin.core.access import first_role_holders
from lianxin.core.calendar import Calendar
from lianxin.core.errors import InvalidInput
from lianxin.core.models import Role, Unit
from lianxin.core.notify import notification_send, notify_people

from .. import clocks
from ..lifecycle import ACTION_LABELS, ACTION_PERMS, ALLOWED_FROM
from ..models import Appeal

MAX_TITLE = 200
MAX_CONTENT = 5000
MAX_REOPENS = 2

FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "content": gettext_lazy("Content"),
    "contact_name": gettext_lazy("Name"),
    "contact_phone": gettext_lazy("Phone"),
    "contact_email": gettext_lazy("Email"),
    "address": gettext_lazy("Address"),
    "category": gettext_lazy("Category"),
    "urgency": gettext_lazy("Urgency"),
    "track": gettext_lazy("Track"),
    "reason": gettext_lazy("Reason"),
    "text": gettext_lazy("Reply"),
    "comment": gettext_lazy("Comment"),
    "note": gettext_lazy("Note"),
    "days": gettext_lazy("Days"),
}


def field_error(errors: dict[str, list[str]]) -> InvalidInput:
    """One error for the caller: the first problem, named by its field, and all of them."""
    field, messages = next(iter(errors.items()))
    detail = _("%(field)s: %(message)s") % {
        "field": FIELD_LABELS.get(field, field),
        "message": messages[0],
    }
    if len(errors) > 1:
        detail = _("%(first)s (and %(n)d more)") % {"first": detail, "n": len(errors) - 1}
    return InvalidInput(detail, fields=errors)


def clean_text(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    """core.text's cleaner, the field named as the appeal's forms name it."""
    return text.clean_text(
        value,
        field=field,
        max_length=max_length,
        required=required,
        label=str(FIELD_LABELS.get(field, field)),
    )


def lock(appeal: Appeal | int, version: int | None) -> Appeal:
    """The appeal's row, locked until the transaction ends, with its unit and category."""
    return transitions.lock(
        Appeal,
        appeal,
        version=version,
        related=("unit", "category"),
        missing=_("Appeal not found."),
    )


def check(appeal: Appeal, action: str, actor: Any, *, citizen: bool = False) -> None:
    """Permission first (a citizen is proved by the query code, checked by the caller), then
    whether the appeal's state allows the action."""
    if not citizen:
        transitions.require_permission(actor, ACTION_PERMS[action], appeal)
    transitions.require_state(appeal, ALLOWED_FROM[action], message=refusal(action))


def refusal(action: str) -> str:
    """ "Cannot <action> an appeal that is %(status)s.": the action's name goes in now,
    core.transitions fills in the state's."""
    return _("Cannot %(action)s an appeal that is %(status)s.") % {
        "action": ACTION_LABELS[action],
        "status": "%(status)s",
    }


def unit_data(unit: Unit | None) -> dict[str, Any]:
    return {"unit_id": unit.pk, "unit": unit.name} if unit else {}


def deadlines(
    appeal: Appeal, start: datetime, calendar: Calendar | None = None
) -> tuple[datetime, datetime]:
    return clocks.deadlines(
        start=start,
        urgency=appeal.urgency,
        track=appeal.track,
        category=appeal.category,
        calendar=calendar or Calendar.load(),
    )


# Who is told of an appeal the unit receives: its handlers, or its leaders when it has none.
UNIT_RECIPIENTS = [Role.HANDLER, Role.LEADER]


def notify_unit_handlers(
    appeal: Appeal, unit: Unit, subject: str, *, handlers: list[Any] | None = None
) -> None:
    """`handlers`: the unit's, when the caller found them already (first_role_holders_by_unit
    with UNIT_RECIPIENTS)."""
    link = f"/appeals/{appeal.tracking_number}/"
    body = f"{appeal.tracking_number} {appeal.title}"
    if handlers is None:
        handlers = first_role_holders(UNIT_RECIPIENTS, unit)
    notify_people(handlers, subject=subject, body=body, link=link)


def notify_citizen(appeal: Appeal, subject: str) -> None:
    body = _("Query it with tracking number %(tn)s and your query code.") % {
        "tn": appeal.tracking_number
    }
    if appeal.contact_phone:
        notification_send(channel="sms", address=appeal.contact_phone, subject=subject, body=body)
    if appeal.contact_email:
        notification_send(channel="email", address=appeal.contact_email, subject=subject, body=body)
