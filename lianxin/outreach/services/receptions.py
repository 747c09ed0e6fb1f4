"""Contact points and reception days (联系点、接访日): the published schedule, citizens'
bookings and their cancellation, the reception recorded afterwards, and each matter raised
there made an appeal in one step."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal
from lianxin.appeals.services.intake import appeal_submit
from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, has_role, may
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from lianxin.core.models import Unit
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission, require_state

from ..errors import Code
from ..models import (
    HOLDING,
    Booking,
    BookingStatus,
    ContactPoint,
    ContactPointKind,
    ReceptionDay,
    ReceptionMatter,
    ReceptionSlot,
    ReceptionStatus,
)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Booking codes: no 0/O or 1/I, so a code read out on the phone is not misheard.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_SLOTS = 12
MAX_CAPACITY = 50
SLOT_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})$")


def local_now() -> datetime:
    return clock.now().astimezone(LOCAL)


def _mobile(phone: Any, *, required: bool) -> str:
    phone = re.sub(r"[\s()-]", "", str(phone or ""))
    if not phone and not required:
        return ""
    if not MOBILE_RE.match(phone):
        message = _("Enter a mainland mobile number of 11 digits, e.g. 13812345678.")
        raise InvalidInput(message, code=Code.BAD_PHONE, fields={"phone": [message]})
    return phone


def contact_point_create(
    *,
    actor: Any,
    unit: Unit,
    leader: Any,
    leader_title: str,
    name: str,
    kind: str,
    address: str,
    description: str = "",
    village: Unit | None = None,
    is_public: bool = True,
) -> ContactPoint:
    """Set up a leader's contact point, kept by the leader's unit."""
    require_permission(actor, "outreach.set_up_contact_point", unit)
    name = clean_text(name, field="name", max_length=100, label=_("Name"))
    leader_title = clean_text(
        leader_title, field="leader_title", max_length=100, label=_("Leader's post")
    )
    address = clean_text(address, field="address", max_length=200, label=_("Address"))
    description = clean_text(
        description, field="description", max_length=2000, required=False, label=_("Description")
    )
    if kind not in ContactPointKind.values:
        raise InvalidInput(_("Choose a village, an enterprise or a farm."))
    if not has_role(leader, *OFFICIAL_ROLES):
        raise InvalidInput(_("The leader of a contact point is an official."))
    with transaction.atomic():
        point = ContactPoint.objects.create(
            name=name,
            kind=kind,
            leader=leader,
            leader_title=leader_title,
            unit=unit,
            village=village,
            address=address,
            description=description,
            is_public=bool(is_public),
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action="contact_point_create",
            obj=point,
            data={"unit": unit.pk, "leader": leader.pk, "kind": kind},
        )
    return point


def parse_slots(text: str) -> list[tuple[time, time]]:
    """Slots typed one per line or separated by commas, like "09:00-10:00, 10:00-11:30"."""
    slots = []
    for part in re.split(r"[,，;；\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = SLOT_RE.match(part)
        try:
            if match is None:
                raise ValueError
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            slots.append((time(h1, m1), time(h2, m2)))
        except ValueError:
            raise InvalidInput(
                _("Write each time slot like 09:00-10:00: %(slot)s is not.") % {"slot": part[:20]},
                code=Code.BAD_SLOTS,
                fields={"slots": [_("Write each time slot like 09:00-10:00.")]},
            ) from None
    return slots


def reception_day_add(
    *,
    actor: Any,
    contact_point: ContactPoint | int,
    day: date,
    slots: list[tuple[time, time]],
    capacity: int,
    note: str = "",
) -> ReceptionDay:
    """Publish a reception day with its time slots, each with `capacity` places."""
    note = clean_text(note, field="note", max_length=200, required=False, label=_("Note"))
    if day < local_now().date():
        raise InvalidInput(
            _("A reception day cannot be in the past."),
            code=Code.RECEPTION_PAST,
            fields={"day": [_("Choose today or a later day.")]},
        )
    ordered = sorted(slots)
    problem = None
    if not ordered or len(ordered) > MAX_SLOTS:
        problem = _("Give from 1 to %(n)d time slots.") % {"n": MAX_SLOTS}
    elif any(end <= start for start, end in ordered):
        problem = _("A time slot must end after it begins.")
    elif any(a[1] > b[0] for a, b in zip(ordered, ordered[1:], strict=False)):
        problem = _("Time slots must not overlap.")
    elif not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        problem = _("Places per slot: a number from 1 to %(n)d.") % {"n": MAX_CAPACITY}
    if problem:
        raise InvalidInput(problem, code=Code.BAD_SLOTS, fields={"slots": [problem]})
    with transaction.atomic():
        point = lock(ContactPoint, contact_point)
        require_permission(actor, "outreach.manage_receptions", point)
        if ReceptionDay.objects.filter(contact_point=point, day=day).exists():
            raise Conflict(
                _("This contact point already has a reception on %(day)s.") % {"day": day},
                code=Code.DAY_TAKEN,
            )
        now = clock.now()
        reception = ReceptionDay.objects.create(
            contact_point=point, day=day, note=note, created_at=now, updated_at=now
        )
        ReceptionSlot.objects.bulk_create(
            ReceptionSlot(reception=reception, starts_at=start, ends_at=end, capacity=capacity)
            for start, end in ordered
        )
        audit_record(
            actor=actor,
            action="reception_day_add",
            obj=reception,
            to_state=reception.status,
            data={
                "contact_point": point.pk,
                "day": day.isoformat(),
                "slots": [f"{s:%H:%M}-{e:%H:%M}" for s, e in ordered],
                "capacity": capacity,
            },
        )
    return reception


def booking_make(
    *,
    slot: ReceptionSlot | int,
    matter: str,
    name: str = "",
    phone: str = "",
    anonymous: bool = False,
    actor: Any = None,
) -> Booking:
    """Book a place in a slot: a citizen with their name and mobile number, or a hotline
    operator for a caller who gives no name (`anonymous`: the phone is optional). The slot's
    row is locked while its places are counted: two people racing for the last place cannot
    both get it."""
    operator = actor if getattr(actor, "is_authenticated", False) else None
    matter = clean_text(matter, field="matter", max_length=1000, label=_("What you want to raise"))
    if anonymous:
        name, phone = "", _mobile(phone, required=False)
    else:
        name = clean_text(name, field="name", max_length=50, label=_("Your name"))
        phone = _mobile(phone, required=True)
    with transaction.atomic():
        locked = lock(
            ReceptionSlot,
            slot,
            related=["reception__contact_point"],
            missing=_("This time slot does not exist."),
        )
        reception, point = locked.reception, locked.reception.contact_point
        staff = operator is not None and may(operator, "outreach.manage_receptions", point)
        if not point.is_public and not staff:
            raise NotFound(_("This time slot does not exist."))
        if anonymous:
            require_permission(
                operator,
                "outreach.book_for_caller",
                locked,
                message=_("Only a hotline operator books for a caller who gives no name."),
            )
        if reception.status != ReceptionStatus.SCHEDULED or locked.has_begun:
            raise InvalidTransition(
                _("This reception time has passed. Please choose a coming one."),
                code=Code.RECEPTION_PAST,
            )
        taken = Booking.objects.filter(slot=locked, status__in=HOLDING).count()
        if taken >= locked.capacity:
            raise InvalidTransition(
                _("This time slot is fully booked. Please choose another time or day."),
                code=Code.SLOT_FULL,
            )
        if (
            phone
            and Booking.objects.filter(
                slot__reception=reception, phone=phone, status=BookingStatus.BOOKED
            ).exists()
        ):
            raise InvalidTransition(
                _("This phone number already has a booking on this day."),
                code=Code.ALREADY_BOOKED,
            )
        # A citizen signed in books for themselves; an operator (or the unit's staff) for
        # a caller: only then is the booking theirs to answer for.
        for_caller = operator is not None and may(operator, "outreach.book_for_caller", locked)
        booking = _create_with_code(
            slot=locked,
            name=name,
            phone=phone,
            anonymous=bool(anonymous),
            matter=matter,
            booked_by=operator if for_caller else None,
        )
        audit_record(
            actor=operator,
            actor_label="" if operator else "public",
            action="booking_make",
            obj=booking,
            to_state=booking.status,
            # No name or phone in the audit chain: it is kept for ever.
            data={"slot": locked.pk, "reception": reception.pk, "anonymous": bool(anonymous)},
        )
    return booking


def _new_code() -> str:
    """A random code with at least one digit: read out or printed, it is plainly a code, not a
    word (and a Chinese page shows no Latin word)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if any(ch.isdigit() for ch in code):
            return code


def _create_with_code(**fields: Any) -> Booking:
    now = clock.now()
    for _attempt in range(5):
        code = _new_code()
        try:
            with transaction.atomic():  # a savepoint: a clash of codes spoils nothing else
                return Booking.objects.create(code=code, created_at=now, updated_at=now, **fields)
        except IntegrityError:
            if not Booking.objects.filter(code=code).exists():
                raise
    raise RuntimeError("five booking codes in a row were taken")  # 1 in 2^200


def booking_cancel(*, code: str, phone: str = "", actor: Any = None) -> Booking:
    """Cancel a booking: the citizen with its code and the phone it was made with, or the
    contact point's staff. The place becomes free again."""
    code = re.sub(r"\s", "", str(code or "")).upper()[:20]
    phone = re.sub(r"[\s()-]", "", str(phone or ""))
    booking = (
        Booking.objects.filter(code=code).select_related("slot__reception__contact_point").first()
        if code
        else None
    )
    staff = (
        booking is not None
        and getattr(actor, "is_authenticated", False)
        and may(actor, "outreach.manage_receptions", booking.slot.reception)
    )
    if booking is None or not (
        staff or (booking.phone and phone and constant_time_compare(booking.phone, phone))
    ):
        raise NotFound(_("No booking has this code and phone number."))
    with transaction.atomic():
        # The slot first, as booking_make locks it: the same order, no deadlock.
        slot = lock(ReceptionSlot, booking.slot_id, related=["reception"])
        locked = lock(Booking, booking)
        require_state(locked, [BookingStatus.BOOKED], message=_("This booking is %(status)s."))
        if not staff and slot.has_begun:
            raise InvalidTransition(
                _("The reception has begun; the booking can no longer be cancelled."),
                code=Code.RECEPTION_PAST,
            )
        locked.status = BookingStatus.CANCELLED
        operator = actor if getattr(actor, "is_authenticated", False) else None
        commit(
            locked,
            action="booking_cancel",
            actor=operator,
            actor_label="" if operator else "public",
            from_state=BookingStatus.BOOKED,
            data={"slot": slot.pk},
        )
    return locked


def reception_record(
    *,
    actor: Any,
    reception: ReceptionDay | int,
    attended: Collection[int],
    walk_ins: int = 0,
    summary: str = "",
    version: int | None = None,
) -> ReceptionDay:
    """Record a reception on or after its day: which booked citizens came (the others did
    not), how many came without booking, and a public summary (no names)."""
    summary = clean_text(
        summary, field="summary", max_length=2000, required=False, label=_("Public summary")
    )
    if not isinstance(walk_ins, int) or not 0 <= walk_ins <= 999:
        raise InvalidInput(_("Came without booking: a number from 0 to 999."))
    with transaction.atomic():
        locked = lock(ReceptionDay, reception, related=["contact_point"])
        require_permission(actor, "outreach.manage_receptions", locked)
        if version is not None and locked.version != version:
            raise Conflict(_("Someone changed this reception a moment ago. Reload the page."))
        require_state(
            locked, [ReceptionStatus.SCHEDULED], message=_("This reception is already recorded.")
        )
        if locked.day > local_now().date():
            raise InvalidTransition(
                _("A reception is recorded on or after its day."), code=Code.NOT_YET_HELD
            )
        booked = Booking.objects.filter(slot__reception=locked, status=BookingStatus.BOOKED)
        came = set(booked.filter(pk__in=list(attended)).values_list("pk", flat=True))
        absent = set(booked.exclude(pk__in=came).values_list("pk", flat=True))
        now = clock.now()
        for ids, status in ((came, BookingStatus.ATTENDED), (absent, BookingStatus.ABSENT)):
            Booking.objects.filter(pk__in=ids).update(
                status=status, updated_at=now, version=F("version") + 1
            )
        locked.summary, locked.walk_ins = summary, walk_ins
        locked.status = ReceptionStatus.HELD
        commit(
            locked,
            action="reception_record",
            actor=actor,
            fields=["summary", "walk_ins"],
            from_state=ReceptionStatus.SCHEDULED,
            data={"attended": sorted(came), "absent": sorted(absent), "walk_ins": walk_ins},
        )
    return locked


def reception_matter_add(
    *,
    actor: Any,
    reception: ReceptionDay | int,
    title: str,
    content: str,
    booking: Booking | int | None = None,
    name: str = "",
    phone: str = "",
) -> ReceptionMatter:
    """Note a matter raised at a reception, by a booked citizen (their contact comes from the
    booking) or by someone who walked in (name and phone as they gave them, if at all)."""
    title = clean_text(title, field="title", max_length=200, label=_("Title (public)"))
    content = clean_text(content, field="content", max_length=4000, label=_("What was raised"))
    with transaction.atomic():
        locked = lock(ReceptionDay, reception, related=["contact_point"])
        require_permission(actor, "outreach.manage_receptions", locked)
        if locked.day > local_now().date():
            raise InvalidTransition(
                _("What was raised is recorded on or after the reception day."),
                code=Code.NOT_YET_HELD,
            )
        source = None
        if booking is not None:
            pk = booking.pk if isinstance(booking, Booking) else booking
            source = Booking.objects.filter(pk=pk, slot__reception=locked).first()
            if source is None:
                raise NotFound(_("This booking is not for this reception."))
            name, phone = source.name, source.phone
        else:
            name = clean_text(name, field="name", max_length=50, required=False, label=_("Name"))
            phone = _mobile(phone, required=False)
        matter = ReceptionMatter.objects.create(
            reception=locked,
            booking=source,
            title=title,
            content=content,
            name=name,
            phone=phone,
            recorded_by=actor,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action="reception_matter_add",
            obj=matter,
            data={"reception": locked.pk, "booking": source.pk if source else None},
        )
    return matter


def reception_matter_to_appeal(
    *,
    actor: Any,
    matter: ReceptionMatter | int,
    category: Any = None,
    is_public: bool = False,
) -> Appeal:
    """A matter raised at a reception, filed as an appeal in one step (handled like any other),
    linked to the matter so the contact point's page shows what followed."""
    with transaction.atomic():
        locked = lock(ReceptionMatter, matter, related=["reception__contact_point"])
        require_permission(actor, "outreach.manage_receptions", locked.reception)
        if locked.appeal_id is not None:
            raise InvalidTransition(
                _("This matter is already an appeal."), code=Code.ALREADY_APPEALED
            )
        point = locked.reception.contact_point
        appeal, _created = appeal_submit(
            title=locked.title,
            content=locked.content,
            category=category,
            contact_name=locked.name,
            contact_phone=locked.phone,
            address=point.address,
            is_public=is_public,
            submitted_by=actor,
            idempotency_key=f"outreach-matter-{locked.pk}",
        )
        locked.appeal = appeal
        commit(
            locked,
            action="reception_matter_appeal",
            actor=actor,
            fields=["appeal"],
            data={"appeal": appeal.pk, "reception": locked.reception_id},
        )
    return appeal
