"""Public inquiries (询问): a citizen or deputy asks a unit (or one of its cadres), the unit's
leader answers publicly by a deadline in working days. The model lives in models/reports.py."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, users_with_role
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL, Calendar
from lianxin.core.errors import InvalidInput, PermissionDenied, RateLimited
from lianxin.core.models import Notification, Role, RoleAssignment, Unit
from lianxin.core.notify import notification_send, notify_people
from lianxin.core.ratelimit import address_tag, within_rate
from lianxin.core.text import clean_text, visible
from lianxin.core.transitions import transition

from ..errors import Code
from ..models import Inquiry, InquiryStatus
from ..selectors import inquiry_answer_days
from .common import require

MAX_INQUIRY_TEXT = 5000
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def inquiry_submit(
    *,
    asker,
    unit: Unit,
    title: str,
    text: str,
    cadre=None,
    as_deputy: bool = False,
    name: str = "",
    phone: str = "",
    ident: str = "",
) -> Inquiry:
    """A public inquiry to a unit (or one of its cadres), due INQUIRY_ANSWER_WORKDAYS working
    days later; the unit's leaders are told. A citizen without an account (`asker` None or
    anonymous) gives a name and a mobile number, as for an appeal; the number is never shown
    and gets the answer by SMS. Such inquiries from one address (`ident`) are limited by
    PUBLIC_SUBMIT_RATE."""
    anonymous = asker is None or not asker.is_authenticated
    if anonymous:
        asker = None
        errors: dict[str, list[str]] = {}
        name = visible(name or "")
        phone = re.sub(r"[\s-]", "", str(phone or ""))
        if not name or len(name) > 50:
            errors["name"] = [_("Give your name (at most 50 characters).")]
        if not _MOBILE.match(phone):
            errors["phone"] = [_("Give a mainland mobile number of 11 digits, e.g. 13800000000.")]
        if errors:
            raise InvalidInput(
                _("Please correct the marked fields."), code=Code.INQUIRY_ASKER, fields=errors
            )
        if as_deputy:
            raise PermissionDenied(_("Deputies ask with their account."))
        rate = settings.PUBLIC_SUBMIT_RATE
        # A keyed tag of the address: a plain hash of an IPv4 address is undone by trying all.
        if not within_rate(f"inquiry-submit:{address_tag(ident)}", rate):
            raise RateLimited(_("Too many inquiries from this network; please try again later."))
    else:
        name, phone = "", ""
        require(asker, "evaluation.ask_inquiry")
        if as_deputy:
            require(asker, "evaluation.ask_inquiry_as_deputy")
    if unit is None or not unit.is_active:
        raise InvalidInput(_("Choose the unit to ask."), fields={"unit": [_("Choose a unit.")]})
    if (
        cadre is not None
        and not RoleAssignment.objects.filter(
            user=cadre, unit=unit, role__in=OFFICIAL_ROLES
        ).exists()
    ):
        raise InvalidInput(
            _("This cadre holds no post in the unit."),
            code=Code.CADRE_NOT_IN_UNIT,
            fields={"cadre": [_("Not a cadre of this unit.")]},
        )
    title = clean_text(title, field="title", label=_("Title"), max_length=200)
    text = clean_text(text, field="text", label=_("Question"), max_length=MAX_INQUIRY_TEXT)
    now = clock.now()
    deadline = Calendar.load().add_workdays(now, inquiry_answer_days())
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            asker=asker,
            asker_name=name,
            asker_phone=phone,
            unit=unit,
            cadre=cadre,
            title=title,
            text=text,
            created_at=now,
            deadline=deadline,
            asker_kind=Inquiry.AskerKind.DEPUTY if as_deputy else Inquiry.AskerKind.CITIZEN,
        )
        audit_record(
            actor=asker,
            actor_label="" if asker else "citizen without an account",
            action="inquiry_submit",
            obj=inquiry,
            to_state=InquiryStatus.OPEN,
            data={
                "unit": unit.pk,
                "cadre": cadre.pk if cadre else None,
                "deadline": deadline,
                "account": asker is not None,
            },
        )
        notify_people(
            users_with_role(Role.LEADER, unit),
            subject=_("New inquiry: %(title)s") % {"title": title},
            body=_("An inquiry to %(unit)s must be answered publicly by %(deadline)s.")
            % {
                "unit": unit.name,
                "deadline": deadline.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
            },
            link=reverse("evaluation:inquiry", args=[inquiry.pk]),
        )
    return inquiry


def inquiry_answer(*, inquiry: Inquiry, actor, text: str) -> Inquiry:
    """The unit leader's public answer; after the deadline it is still taken, and counts as
    late."""

    def change(inquiry: Inquiry) -> list[str]:
        answer = clean_text(text, field="answer", label=_("Answer"), max_length=MAX_INQUIRY_TEXT)
        inquiry.answer, inquiry.answered_by, inquiry.answered_at = answer, actor, clock.now()
        return ["answer", "answered_by", "answered_at"]

    with transaction.atomic():
        inquiry = transition(
            Inquiry,
            inquiry,
            action="inquiry_answer",
            actor=actor,
            related=("unit",),
            perm="evaluation.answer_inquiry",
            allowed=[InquiryStatus.OPEN],
            to=InquiryStatus.ANSWERED,
            change=change,
            data=lambda inquiry: {"on_time": inquiry.answered_on_time},
            refused=_("Only an inquiry awaiting its answer can be answered."),
            refused_code=Code.INQUIRY_NOT_OPEN,
            missing=_("Inquiry not found."),
        )
        link = reverse("evaluation:inquiry", args=[inquiry.pk])
        if inquiry.asker is not None:
            notify_people(
                [inquiry.asker],
                subject=_("Your inquiry has been answered"),
                body=inquiry.title,
                link=link,
            )
        else:
            notification_send(
                channel=Notification.Channel.SMS,
                address=inquiry.asker_phone,
                subject=_("Your inquiry has been answered"),
                body=_(
                    "Your inquiry No. %(number)d “%(title)s” has been "
                    "answered; the answer is on the public inquiries page."
                )
                % {"number": inquiry.pk, "title": inquiry.title},
                link=link,
            )
    return inquiry


def inquiry_withdraw(*, inquiry: Inquiry, actor) -> Inquiry:
    return transition(
        Inquiry,
        inquiry,
        action="inquiry_withdraw",
        actor=actor,
        related=("unit",),
        perm="evaluation.withdraw_inquiry",
        allowed=[InquiryStatus.OPEN],
        to=InquiryStatus.WITHDRAWN,
        refused=_("Only an inquiry awaiting its answer can be withdrawn."),
        refused_code=Code.INQUIRY_NOT_OPEN,
        missing=_("Inquiry not found."),
    )
