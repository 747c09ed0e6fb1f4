"""Contact points and reception days. Citizens (no account, phone width): the contact points
and their coming reception days, booking a slot, the booking code, cancelling. The contact
point's staff (desktop): the schedule, the bookings, the reception recorded afterwards and
each matter raised made an appeal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lianxin.core.access import OFFICIAL_ROLES, has_role, may
from lianxin.core.errors import InvalidInput, LianxinError, RateLimited
from lianxin.core.masking import mask_name, mask_phone
from lianxin.core.params import as_id
from lianxin.core.ratelimit import address_tag, client_address, within_rate

from ..models import Booking, ContactPoint, ReceptionDay, ReceptionSlot, ReceptionStatus
from ..selectors import (
    coming_receptions,
    past_receptions,
    public_contact_points,
    reception_bookings,
    reception_points_for,
)
from ..services.receptions import (
    booking_cancel,
    booking_make,
    local_now,
    parse_slots,
    reception_day_add,
    reception_matter_add,
    reception_matter_to_appeal,
    reception_record,
)

SESSION_KEY = "outreach_booking"


def _limit(request: HttpRequest, scope: str, rate: str) -> None:
    """Public writes need no account: an address may send only so many (as for appeals)."""
    if has_role(request.user, *OFFICIAL_ROLES):  # staff and operators booking for callers
        return
    if not within_rate(f"outreach-{scope}:{address_tag(client_address(request))}", rate):
        raise RateLimited()


def _run(request: HttpRequest, service: Callable[[], Any], done: str) -> int | None:
    """Runs the service; None when it succeeded (and says `done`), else the refusal's status
    (its message shown; the service changed nothing)."""
    try:
        service()
    except LianxinError as exc:
        messages.error(request, str(exc.message))
        return exc.status
    messages.success(request, done)
    return None


# --- citizens ----------------------------------------------------------------------------------


def contact_points(request: HttpRequest) -> HttpResponse:
    points = list(public_contact_points())
    days: dict[int, list[ReceptionDay]] = {}
    for reception in coming_receptions(points, local_now().date()):
        days.setdefault(reception.contact_point_id, []).append(reception)
    rows = [{"point": p, "days": days.get(p.pk, [])[:3]} for p in points]
    return render(request, "outreach/contact_points.html", {"rows": rows})


def _point_or_404(request: HttpRequest, pk: Any) -> ContactPoint:
    point = (
        ContactPoint.objects.select_related("leader", "unit", "village")
        .filter(pk=as_id(pk) or 0)
        .first()
    )
    if point is None or not (point.is_public or may(request.user, "outreach.view_bookings", point)):
        raise Http404
    return point


def contact_point(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point_or_404(request, pk)
    now = local_now()
    return render(
        request,
        "outreach/contact_point.html",
        {
            "point": point,
            "coming": coming_receptions([point], now.date()),
            "past": past_receptions(point),
            "now": now,
            "is_staff": may(request.user, "outreach.view_bookings", point),
        },
    )


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, pk: int) -> HttpResponse:
    slot = (
        ReceptionSlot.objects.select_related("reception__contact_point")
        .filter(pk=as_id(pk) or 0)
        .first()
    )
    if slot is None:
        raise Http404
    point = _point_or_404(request, slot.reception.contact_point_id)
    for_caller = may(request.user, "outreach.book_for_caller", slot)
    typed = request.POST if request.method == "POST" else {}
    status = 200
    if request.method == "POST":
        made: dict[str, Booking] = {}

        def make() -> None:
            _limit(request, "booking", settings.PUBLIC_SUBMIT_RATE)
            made["booking"] = booking_make(
                slot=slot,
                name=typed.get("name", ""),
                phone=typed.get("phone", ""),
                matter=typed.get("matter", ""),
                anonymous=for_caller and typed.get("anonymous") == "yes",
                actor=request.user,
            )

        failed = _run(request, make, _("Your place is booked."))
        if failed is None:
            request.session[SESSION_KEY] = made["booking"].code
            return redirect("outreach:booked")
        status = failed
    return render(
        request,
        "outreach/book.html",
        {
            "slot": slot,
            "point": point,
            "typed": typed,
            "for_caller": for_caller,
            "begun": slot.has_begun,
        },
        status=status,
    )


def booked(request: HttpRequest) -> HttpResponse:
    """The confirmation with the booking code, shown to whoever just booked (this session)."""
    code = request.session.get(SESSION_KEY)
    booking = (
        Booking.objects.select_related("slot__reception__contact_point")
        .filter(code=code or "")
        .first()
    )
    if booking is None:
        return redirect("outreach:contact-points")
    return render(
        request,
        "outreach/booked.html",
        {"booking": booking, "phone": mask_phone(booking.phone)},
    )


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest) -> HttpResponse:
    status = 200
    typed = request.POST if request.method == "POST" else {}
    if request.method == "POST":

        def cancel_it() -> None:
            _limit(request, "cancel", settings.TRACK_RATE)  # codes are not to be guessed
            booking_cancel(code=typed.get("code", ""), phone=typed.get("phone", ""))

        failed = _run(request, cancel_it, _("Your booking is cancelled; the place is free again."))
        if failed is None:
            request.session.pop(SESSION_KEY, None)
            return redirect("outreach:contact-points")
        status = failed
    return render(request, "outreach/cancel.html", {"typed": typed}, status=status)


# --- the contact point's staff -----------------------------------------------------------------


def _person(user: Any, booking: Booking) -> dict[str, str]:
    """Name and phone as this user may see them: the unit's staff in full; a supervisor, and
    everyone for a caller who gave no name, masked."""
    if booking.anonymous:
        return {"name": _("Anonymous caller"), "phone": mask_phone(booking.phone)}
    if may(user, "outreach.see_booking_personal_data", booking):
        return {"name": booking.name, "phone": booking.phone}
    return {"name": mask_name(booking.name), "phone": mask_phone(booking.phone)}


@login_required
def receptions(request: HttpRequest) -> HttpResponse:
    points = list(reception_points_for(request.user))
    days: dict[int, list[ReceptionDay]] = {}
    for reception in coming_receptions(points, local_now().date()):
        days.setdefault(reception.contact_point_id, []).append(reception)
    rows = [{"point": p, "days": days.get(p.pk, [])} for p in points]
    return render(request, "outreach/receptions.html", {"rows": rows})


def _staff_point(request: HttpRequest, pk: Any) -> ContactPoint:
    point = ContactPoint.objects.select_related("leader", "unit").filter(pk=as_id(pk) or 0).first()
    if point is None or not may(request.user, "outreach.view_bookings", point):
        raise Http404
    return point


@login_required
@require_http_methods(["GET", "POST"])
def reception_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact point's schedule: every reception day, and a form to publish another."""
    point = _staff_point(request, pk)
    status = 200
    typed = request.POST if request.method == "POST" else {}
    if request.method == "POST":

        def add() -> None:
            reception_day_add(
                actor=request.user,
                contact_point=point,
                day=_posted_date(typed.get("day", "")),
                slots=parse_slots(typed.get("slots", "")),
                capacity=_posted_int(typed.get("capacity", ""), _("Places per slot")),
                note=typed.get("note", ""),
            )

        failed = _run(request, add, _("The reception day is published."))
        if failed is None:
            return redirect("outreach:reception-schedule", pk=point.pk)
        status = failed
    days = (
        ReceptionDay.objects.filter(contact_point=point)
        .prefetch_related("slots__bookings")
        .order_by("-day")
    )
    return render(
        request,
        "outreach/reception_schedule.html",
        {
            "point": point,
            "days": days,
            "typed": typed,
            "can_manage": may(request.user, "outreach.manage_receptions", point),
            "today": local_now().date(),
        },
        status=status,
    )


def _posted_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            _("Enter the reception day, e.g. 2026-12-08."), fields={"day": [_("Enter a date.")]}
        ) from None


def _posted_int(text: str, label: str) -> int:
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise InvalidInput(_("%(field)s: enter a whole number.") % {"field": label})
    return int(text)


@login_required
@require_http_methods(["GET", "POST"])
def reception_day(request: HttpRequest, pk: int) -> HttpResponse:
    """One reception day: its bookings; afterwards, who came and what was raised, each matter
    made an appeal in one step."""
    reception = (
        ReceptionDay.objects.select_related("contact_point__unit", "contact_point__leader")
        .filter(pk=as_id(pk) or 0)
        .first()
    )
    if reception is None or not may(request.user, "outreach.view_bookings", reception):
        raise Http404
    can_manage = may(request.user, "outreach.manage_receptions", reception)
    status = 200
    typed = request.POST if request.method == "POST" else {}
    if request.method == "POST":

        def record() -> None:
            reception_record(
                actor=request.user,
                reception=reception,
                attended=[i for i in map(as_id, request.POST.getlist("attended")) if i],
                walk_ins=_posted_int(typed.get("walk_ins") or "0", _("Came without booking")),
                summary=typed.get("summary", ""),
                version=as_id(typed.get("version")),
            )

        def matter() -> None:
            reception_matter_add(
                actor=request.user,
                reception=reception,
                title=typed.get("title", ""),
                content=typed.get("content", ""),
                booking=as_id(typed.get("booking")),
                name=typed.get("name", ""),
                phone=typed.get("phone", ""),
            )

        def appeal() -> None:
            raised = reception.matters.filter(pk=as_id(typed.get("matter")) or 0).first()
            if raised is None:
                raise InvalidInput(_("Choose a matter of this reception."))
            reception_matter_to_appeal(
                actor=request.user, matter=raised, is_public=typed.get("is_public") == "yes"
            )

        def cancel_booking() -> None:
            rows = reception_bookings(reception).filter(pk=as_id(typed.get("booking")) or 0)
            booking_cancel(
                code=rows.values_list("code", flat=True).first() or "", actor=request.user
            )

        actions: dict[str, tuple[Callable[[], None], str]] = {
            "record": (record, _("The reception is recorded.")),
            "matter": (matter, _("The matter is recorded.")),
            "appeal": (appeal, _("The matter is filed as an appeal.")),
            "cancel": (cancel_booking, _("The booking is cancelled.")),
        }
        chosen = actions.get(typed.get("action", ""))
        if chosen is None:
            messages.error(request, _("Unknown action."))
            status = 400
        else:
            failed = _run(request, *chosen)
            if failed is None:
                return redirect("outreach:reception-day", pk=reception.pk)
            status = failed
            reception.refresh_from_db()
    bookings = [
        {"booking": b, "person": _person(request.user, b)} for b in reception_bookings(reception)
    ]
    return render(
        request,
        "outreach/reception_day.html",
        {
            "reception": reception,
            "point": reception.contact_point,
            "bookings": bookings,
            "matters": reception.matters.select_related("appeal", "booking"),
            "can_manage": can_manage,
            "may_record": can_manage
            and reception.status == ReceptionStatus.SCHEDULED
            and reception.day <= local_now().date(),
            "held_or_due": reception.day <= local_now().date(),
            "typed": typed,
        },
        status=status,
    )
