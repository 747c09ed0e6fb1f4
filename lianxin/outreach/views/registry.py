"""The household registry's pages for unit staff: the list (masked for overseers), the form
that registers or edits a household, deactivation, and the import of an .xlsx registry
(upload, column mapping, progress, result)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lianxin.core import clock
from lianxin.core.access import may
from lianxin.core.errors import InvalidInput, LianxinError
from lianxin.core.params import as_id

from ..models import Difficulty, HouseholdImport, ImportStatus, Reason
from ..registry_file import COLUMNS, template_xlsx
from ..selectors import (
    household_person,
    household_with_pairings,
    imports_of,
    managed_units,
    registry_households,
    registry_units,
    village_choices,
)
from ..services.households import household_deactivate, household_register, household_update
from ..services.imports import (
    household_import_discard,
    household_import_open,
    household_import_start,
    household_import_step,
)

FORM_FIELDS = (
    "unit",
    "head_name",
    "members",
    "phone",
    "address",
    "difficulty",
    "species",
    "herd_size",
    "consent_on",
)


def _refused(exc: LianxinError) -> None:
    if exc.status == 403:
        raise PermissionDenied(exc.message) from exc


@login_required
def registry(request: HttpRequest) -> HttpResponse:
    if not registry_units(request.user):
        raise PermissionDenied(_("This page is for unit leaders and supervisors."))
    active = request.GET.get("show") != "inactive"
    households = registry_households(request.user, active=active)
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/registry.html",
        {
            "page": page,
            "rows": [(h, household_person(request.user, h)) for h in page.object_list],
            "active": active,
            "can_manage": bool(managed_units(request.user)),
        },
    )


def _values(request: HttpRequest, initial: dict[str, Any]) -> dict[str, Any]:
    if request.method != "POST":
        return initial
    values: dict[str, Any] = {name: request.POST.get(name, "") for name in FORM_FIELDS}
    values["reasons"] = request.POST.getlist("reasons")
    return values


def _consent(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = _("Enter the consent date, e.g. 2026-01-15.")
        raise InvalidInput(message, fields={"consent_on": [message]}) from None


def _details(values: dict[str, Any]) -> dict[str, Any]:
    """The household's particulars as the register and edit services take them."""
    details = {name: values[name] for name in FORM_FIELDS if name not in ("unit", "consent_on")}
    return {**details, "reasons": values["reasons"], "consent_on": _consent(values["consent_on"])}


def _render_form(
    request: HttpRequest,
    *,
    values: dict[str, Any],
    household: Any = None,
    exc: LianxinError | None = None,
) -> HttpResponse:
    return render(
        request,
        "outreach/household_form.html",
        {
            "household": household,
            "values": values,
            "villages": village_choices(request.user),
            "reasons": Reason.choices,
            "difficulties": Difficulty.choices,
            "farm": Reason.LIVESTOCK_FARM,
            "today": clock.now().date().isoformat(),
            "error": exc.message if exc else None,
            "errors": {k: [str(m) for m in v] for k, v in exc.fields.items()} if exc else {},
        },
        status=exc.status if exc else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_new(request: HttpRequest) -> HttpResponse:
    if not managed_units(request.user):
        raise PermissionDenied(_("Only a unit leader over a village registers its households."))
    villages = village_choices(request.user)
    if not villages:
        return render(request, "outreach/household_form.html", {"no_villages": True})
    values = _values(
        request,
        {"unit": villages[0].pk, "members": 1, "reasons": [], "difficulty": Difficulty.ORDINARY},
    )
    if request.method == "POST":
        unit = next((v for v in villages if v.pk == as_id(values["unit"])), None)
        try:
            if unit is None:
                message = _("Choose the village or community from the list.")
                raise InvalidInput(message, fields={"unit": [message]})
            household = household_register(
                actor=request.user,
                unit=unit,
                **_details(values),
            )
        except LianxinError as exc:
            _refused(exc)
            return _render_form(request, values=values, exc=exc)
        messages.success(request, _("The household is registered."))
        return redirect("outreach:household", pk=household.pk)
    return _render_form(request, values=values)


def _managed_household(request: HttpRequest, pk: Any) -> Any:
    household = household_with_pairings(as_id(pk) or 0)
    if household is None or not may(request.user, "outreach.view_household", household):
        raise Http404
    if not may(request.user, "outreach.manage_households", household):
        raise PermissionDenied(_("Only a unit leader over the village changes its households."))
    return household


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _managed_household(request, pk)
    initial = {name: getattr(household, name, "") for name in FORM_FIELDS if name != "unit"}
    initial.update(
        unit=household.unit_id,
        reasons=household.reasons,
        consent_on=household.consent_on.isoformat(),
        herd_size="" if household.herd_size is None else household.herd_size,
        version=household.version,
    )
    values = _values(request, initial)
    if request.method == "POST":
        values["version"] = request.POST.get("version", "")
        villages = village_choices(request.user)
        unit = next((v for v in villages if v.pk == as_id(values["unit"])), household.unit)
        try:
            household_update(
                actor=request.user,
                household=household,
                version=as_id(values["version"]),
                unit=unit,
                **_details(values),
            )
        except LianxinError as exc:
            _refused(exc)
            return _render_form(request, values=values, household=household, exc=exc)
        messages.success(request, _("The household's details are saved."))
        return redirect("outreach:household", pk=household.pk)
    return _render_form(request, values=values, household=household)


@login_required
@require_POST
def household_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = _managed_household(request, pk)
    try:
        household_deactivate(
            actor=request.user,
            household=household,
            reason=request.POST.get("reason", ""),
            version=as_id(request.POST.get("version")),
        )
    except LianxinError as exc:
        _refused(exc)
        messages.error(request, exc.message)
        return redirect("outreach:household-edit", pk=household.pk)
    messages.success(request, _("The household is deactivated; its record is kept."))
    return redirect("outreach:household", pk=household.pk)


# --- import ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    units = managed_units(request.user)
    if not units:
        raise PermissionDenied(_("Only a unit leader imports a household registry."))
    error, status = None, 200
    if request.method == "POST":
        unit = next((u for u in units if u.pk == as_id(request.POST.get("unit"))), units[0])
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("Choose the .xlsx file to import."))
            # Read at most one byte over the limit: enough to refuse a file too large.
            data = upload.read(int(settings.OUTREACH_IMPORT_MAX_BYTES) + 1)
            job = household_import_open(
                actor=request.user, unit=unit, data=data, file_name=upload.name or ""
            )
        except LianxinError as exc:
            _refused(exc)
            error, status = exc.message, exc.status
        else:
            return redirect("outreach:import", pk=job.pk)
    return render(
        request,
        "outreach/import_upload.html",
        {"units": units, "error": error, "imports": imports_of(request.user)[:10]},
        status=status,
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="household-registry.xlsx"'
    return response


def _import_or_404(request: HttpRequest, pk: Any) -> HouseholdImport:
    job = imports_of(request.user).filter(pk=as_id(pk) or 0).first()
    if job is None:
        raise Http404
    return job


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The mapping form while the import waits for it, the progress while it runs, the
    result when it is done."""
    job = _import_or_404(request, pk)
    mapping = dict(job.mapping)
    error, status = None, 200
    if request.method == "POST":
        mapping = {c.field: request.POST.get(c.field, "") for c in COLUMNS}
        try:
            household_import_start(
                actor=request.user,
                job=job,
                mapping={k: v for k, v in mapping.items() if v},
                version=as_id(request.POST.get("version")),
            )
        except LianxinError as exc:
            _refused(exc)
            error, status = exc.message, exc.status
        else:
            return redirect("outreach:import", pk=job.pk)
    return render(
        request,
        "outreach/import_detail.html",
        {
            "job": job,
            "columns": [(c, mapping.get(c.field, "")) for c in COLUMNS],
            "header": [name for name in job.header if name],
            "error": error,
            "Status": ImportStatus,
        },
        status=status,
    )


@login_required
@require_POST
def import_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the next rows. The page's script calls it until the import is done and shows the
    progress; without script, the page's button does the same one step at a time."""
    job = _import_or_404(request, pk)
    try:
        job = household_import_step(actor=request.user, job=job)
    except LianxinError as exc:
        _refused(exc)
        if "json" in request.headers.get("Accept", ""):
            return JsonResponse({"code": exc.code, "message": str(exc.message)}, status=exc.status)
        messages.error(request, exc.message)
        return redirect("outreach:import", pk=job.pk)
    if "json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {
                "done": job.position,
                "total": job.total,
                "finished": job.status != ImportStatus.RUNNING,
            }
        )
    return redirect("outreach:import", pk=job.pk)


@login_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    job = _import_or_404(request, pk)
    try:
        household_import_discard(actor=request.user, job=job)
    except LianxinError as exc:
        _refused(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The import is discarded; the file's rows are deleted."))
    return redirect("outreach:import", pk=job.pk)
