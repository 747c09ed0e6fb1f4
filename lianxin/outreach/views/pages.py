"""The cadre's pages at phone width (my households, a household with its visits, the visit
form) and the unit leader's page (unpaired households, overdue pairings)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.core import clock, uploads
from lianxin.core.access import may
from lianxin.core.errors import InvalidInput, LianxinError, NotFound
from lianxin.core.params import as_id

from ..models import Household, Pairing, Visit, VisitForm
from ..selectors import (
    cadre_choices,
    household_person,
    household_visits,
    household_with_pairings,
    interval_months,
    is_overdue,
    managed_units,
    my_pairings,
    overdue_pairings,
    unpaired_households,
    visit_photo_for,
)
from ..services.households import pairing_assign
from ..services.visits import visit_need_to_appeal, visit_photo_add, visit_record

_person = household_person


@login_required
def my_households(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate(clock.now())
    rows = [
        {
            "pairing": p,
            "person": _person(request.user, p.household),
            "overdue": is_overdue(p, p.last_visit, today),  # type: ignore[attr-defined]  # my_pairings annotates it
        }
        for p in my_pairings(request.user)
    ]
    return render(
        request,
        "outreach/my_households.html",
        {"rows": rows, "is_manager": bool(managed_units(request.user))},
    )


def _household_or_404(request: HttpRequest, pk: Any) -> Household:
    household = household_with_pairings(as_id(pk) or 0)
    if household is None or not may(request.user, "outreach.view_household", household):
        raise Http404
    return household


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_or_404(request, pk)
    current = next((p for p in household.pairings.all() if p.ends_on is None), None)
    return render(
        request,
        "outreach/household.html",
        {
            "household": household,
            "person": _person(request.user, household),
            "current": current,
            "visits": household_visits(household),
            "interval": interval_months(household),
            "can_visit": current is not None
            and may(request.user, "outreach.record_visit", current),
            "can_manage": may(request.user, "outreach.manage_households", household),
            "photos_max": settings.VISIT_PHOTOS_MAX,
        },
    )


def _current_pairing(request: HttpRequest, household: Household) -> Pairing:
    current = next((p for p in household.pairings.all() if p.ends_on is None), None)
    if current is None or not may(request.user, "outreach.record_visit", current):
        raise PermissionDenied(_("Only the cadre paired with this household logs its visits."))
    return current


def _checked(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_or_404(request, pk)
    pairing = _current_pairing(request, household)
    photos: list[Any] = []
    unread: LianxinError | None = None
    if request.method == "POST":
        try:
            photos = uploads.read_files(request, "photos")
        except LianxinError as exc:
            unread = exc  # past Django's limits: refused with the form, nothing stored
    return _visit_form(request, household, pairing, photos, unread)


@csrf_protect
def _visit_form(
    request: HttpRequest,
    household: Household,
    pairing: Pairing,
    photos: list[Any],
    unread: LianxinError | None,
) -> HttpResponse:
    values: dict[str, Any] = {
        "visited_on": timezone.localdate(clock.now()).isoformat(),
        "form": VisitForm.FARM if household.is_farm else VisitForm.HOME,
        "client_uuid": str(uuid.uuid4()),
    }
    error = None
    status = 200
    if request.method == "POST":
        values = {
            key: request.POST.get(key, "")
            for key in (
                "visited_on",
                "form",
                "notes",
                "needs",
                "immunisation_done",
                "sick_count",
                "dead_count",
                "biosecurity_ok",
                "client_uuid",
            )
        }
        try:
            if unread is not None:
                raise unread
            visited_on = _date(values["visited_on"])
            client_uuid = _uuid(values["client_uuid"])
            visit_record(
                actor=request.user,
                pairing=pairing,
                visited_on=visited_on,
                form=values["form"],
                client_uuid=client_uuid,
                notes=values["notes"],
                needs=values["needs"],
                immunisation_done=_checked(values["immunisation_done"]),
                sick_count=values["sick_count"],
                dead_count=values["dead_count"],
                biosecurity_ok=_checked(values["biosecurity_ok"]),
                photos=photos,
            )
        except LianxinError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from exc
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("outreach:household", pk=household.pk)
    return render(
        request,
        "outreach/visit_form.html",
        {
            "household": household,
            "pairing": pairing,
            "person": _person(request.user, household),
            "values": values,
            "error": error,
            "forms": VisitForm.choices,
            "today": timezone.localdate(clock.now()).isoformat(),
            "photos_max": settings.VISIT_PHOTOS_MAX,
        },
        status=status,
    )


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Enter the visit date, e.g. 2026-11-03.")) from None


def _moment(value: Any) -> datetime | None:
    """The phone's time as ISO 8601 with its offset (JavaScript's toISOString), or none."""
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(_("The time the phone saved the visit is not a time.")) from None


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(_("The form is out of date: reload it and fill it again.")) from None


@login_required
@require_POST
def visit_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    visit = Visit.objects.select_related("pairing__household").filter(pk=as_id(pk) or 0).first()
    if visit is None or not may(request.user, "outreach.view_household", visit.pairing):
        raise Http404
    household = visit.pairing.household
    title = request.POST.get("title") or _("Need found on a visit: %(name)s") % {
        "name": household.head_name
    }
    try:
        appeal = visit_need_to_appeal(actor=request.user, visit=visit, title=title)
    except LianxinError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The needs were filed as appeal %(number)s.") % {"number": appeal.tracking_number},
        )
    return redirect("outreach:household", pk=household.pk)


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@login_required
@require_POST
def visit_photos(request: HttpRequest, pk: int) -> HttpResponse:
    """Photos added to a visit from the household's page (with signal)."""
    visit = Visit.objects.select_related("pairing__household").filter(pk=as_id(pk) or 0).first()
    if visit is None or not may(request.user, "outreach.view_household", visit.pairing.household):
        raise Http404
    try:
        files = uploads.read_files(request, "photos")
    except LianxinError as exc:
        messages.error(request, exc.message)
        return redirect("outreach:household", pk=visit.pairing.household_id)
    return _add_photos(request, visit, files)


@csrf_protect
def _add_photos(request: HttpRequest, visit: Visit, files: list[Any]) -> HttpResponse:
    try:
        visit_photo_add(actor=request.user, visit=visit, files=files)
    except LianxinError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The photo is added to the visit."))
    return redirect("outreach:household", pk=visit.pairing.household_id)


@login_required
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A visit's photo, shown in the household's page (never public: see visit_photo_for)."""
    photo = visit_photo_for(request.user, as_id(pk) or 0)
    if photo is None:
        raise Http404
    return uploads.download(
        photo.stored_as,
        name=f"visit-{photo.visit_id}-{photo.pk}.{photo.kind}",
        kind=photo.kind,
        inline=True,
    )


@login_required
def unit_overview(request: HttpRequest) -> HttpResponse:
    if not managed_units(request.user):
        raise PermissionDenied(_("This page is for unit leaders."))
    return render(
        request,
        "outreach/unit.html",
        {
            "unpaired": unpaired_households(request.user),
            "overdue": overdue_pairings(request.user),
            "cadres": cadre_choices(request.user),
        },
    )


@login_required
@require_POST
def pair(request: HttpRequest) -> HttpResponse:
    """Pair a household with a cadre, or hand it to another (the old pairing ends, kept)."""
    household = _household_or_404(request, request.POST.get("household"))
    cadre = cadre_choices(request.user).filter(pk=as_id(request.POST.get("cadre")) or 0).first()
    if cadre is None:
        messages.error(request, _("Choose a cadre from the list."))
        return redirect("outreach:unit")
    try:
        pairing_assign(actor=request.user, household=household, cadre=cadre)
    except LianxinError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(household)s is now paired with %(cadre)s.")
            % {
                "household": household.head_name,
                "cadre": cadre.get_full_name() or cadre.get_username(),
            },
        )
    return redirect("outreach:unit")


@login_required
@require_POST
def visit_sync(request: HttpRequest) -> HttpResponse:
    """A visit sent as JSON by a phone that kept it while offline (the page's script sends the
    session's CSRF token). The same `client_uuid` sent again answers 200 with the visit stored
    the first time: a resend after a lost answer stores nothing twice."""
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return _json_error(InvalidInput(_("The body is not a JSON object.")))
    try:
        pairing = Pairing.objects.filter(pk=as_id(body.get("pairing")) or 0).first()
        if pairing is None or not may(request.user, "outreach.view_household", pairing):
            raise NotFound()
        visit, created = visit_record(
            actor=request.user,
            pairing=pairing,
            visited_on=_date(str(body.get("visited_on", ""))),
            form=str(body.get("form", "")),
            client_uuid=_uuid(str(body.get("client_uuid", ""))),
            notes=body.get("notes", ""),
            needs=body.get("needs", ""),
            immunisation_done=body.get("immunisation_done"),
            sick_count=body.get("sick_count"),
            dead_count=body.get("dead_count"),
            biosecurity_ok=body.get("biosecurity_ok"),
            saved_at=_moment(body.get("saved_at")),
        )
    except LianxinError as exc:
        return _json_error(exc)
    return JsonResponse(
        {"id": visit.pk, "client_uuid": str(visit.client_uuid), "created": created},
        status=201 if created else 200,
    )


def _json_error(exc: LianxinError) -> JsonResponse:
    return JsonResponse(
        {
            "code": exc.code,
            "message": str(exc.message),
            "fields": {k: [str(m) for m in v] for k, v in exc.fields.items()},
        },
        status=exc.status,
    )
