"""廉政档案 pages: a cadre's own declaration and personal-matter report (a formset per item kind),
the organisation department's and inspectors' list, detail with the year-over-year comparison,
the read log, spot checks and the XLSX summary. Every read by someone other than the cadre is
logged through services.integrity.integrity_read_record."""

from __future__ import annotations

import shlex
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.core.access import OFFICIAL_ROLES, units_where
from lianxin.core.errors import LianxinError
from lianxin.core.models import Unit
from lianxin.core.params import as_id

from .. import integrity as ir
from ..exports import XLSX, declarations_workbook
from ..models import (
    Declaration,
    DeclarationStatus,
    IntegrityReadLog,
    PersonalMatterReport,
)
from ..rules import can
from ..selectors import (
    DeclarationListing,
    companion_report,
    declaration_comparison,
    declaration_listing,
    declarations_exportable_by,
    declarations_visible_to,
    filing_rows,
    integrity_read_logs_visible_to,
    personal_reports_visible_to,
    spot_check_units_for,
    spot_checks_visible_to,
)
from ..services.integrity import (
    DECLARATION_ITEMS,
    MAX_ROWS,
    REPORT_ITEMS,
    ItemKinds,
    declaration_lock,
    declaration_return,
    declaration_save,
    declaration_submit,
    integrity_read_record,
    personal_report_lock,
    personal_report_save,
    personal_report_submit,
)
from ..services.spot_checks import spot_check_announce, spot_check_draw

DECLARATION_TITLES = {
    "family": gettext_lazy("Family members (yourself, spouse, children)"),
    "real_estate": gettext_lazy("Real estate"),
    "vehicles": gettext_lazy("Vehicles"),
    "deposits": gettext_lazy("Deposits"),
    "securities": gettext_lazy("Securities"),
    "liabilities": gettext_lazy("Liabilities (mortgages, loans)"),
    "businesses": gettext_lazy("Business interests"),
    "income": gettext_lazy("Income of the year (per family member)"),
}
REPORT_TITLES = {
    "marriages": gettext_lazy("Marriage changes"),
    "travels": gettext_lazy("Travel abroad"),
    "employments": gettext_lazy("Relatives' employment"),
    "relative_businesses": gettext_lazy("Relatives' businesses"),
}

_form_classes: dict[str, type] = {}


def _item_form(kind: str, model: Any, fields: list[str]) -> type:
    """A plain form built from the item model: its fields carry the model's validators, so
    the page shows the same messages as the service would."""
    if kind not in _form_classes:
        widgets: dict[str, type[forms.Widget] | forms.Widget] = {
            name: forms.DateInput(attrs={"type": "date"}) for name in ("date", "start", "end")
        }
        base = forms.modelform_factory(model, fields=fields, widgets=widgets)
        _form_classes[kind] = base
    return _form_classes[kind]


def _formsets(
    kinds: ItemKinds, titles: dict[str, Any], filing: Any, data: Any = None
) -> list[dict[str, Any]]:
    out = []
    parent = "declaration" if kinds is DECLARATION_ITEMS else "report"
    for kind, (model, fields) in kinds.items():
        initial = filing_rows(filing, model, fields, parent)
        formset_class: Any = forms.formset_factory(
            _item_form(kind, model, fields),
            extra=1,
            can_delete=True,
            max_num=MAX_ROWS,
            validate_max=True,
        )
        formset = formset_class(data, initial=initial or None, prefix=kind)
        rows = _filled(formset)
        out.append(
            {
                "kind": kind,
                "title": titles[kind],
                "formset": formset,
                "entries": [{"form": f, "counted": f in rows} for f in formset.forms],
                "count": len(rows),
            }
        )
    return out


def _filled(formset) -> list:
    """The forms that hold a row: on a page sent back with errors, the rows typed so far (not
    the rows of the last saved draft, nor the empty row offered for the next one)."""
    if not formset.is_bound:
        return formset.forms[: formset.initial_form_count()]
    return [
        form
        for i, form in enumerate(formset.forms)
        if (i < formset.initial_form_count() or form.has_changed())
        and not form.data.get(form.add_prefix("DELETE"))
    ]


def _rows(formset) -> tuple[list[dict], list]:
    rows, owners = [], []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        rows.append({k: v for k, v in data.items() if k != "DELETE"})
        owners.append(form)
    return rows, owners


FILINGS: dict[str, dict[str, Any]] = {
    "declaration": {
        "model": Declaration,
        "kinds": DECLARATION_ITEMS,
        "titles": DECLARATION_TITLES,
        "save": declaration_save,
        "submit": declaration_submit,
        "template": "supervision/integrity_form.html",
        "detail": "supervision:declaration",
        "heading": gettext_lazy("Asset declaration %(year)d"),
    },
    "report": {
        "model": PersonalMatterReport,
        "kinds": REPORT_ITEMS,
        "titles": REPORT_TITLES,
        "save": personal_report_save,
        "submit": personal_report_submit,
        "template": "supervision/integrity_form.html",
        "detail": "supervision:personal_report",
        "heading": gettext_lazy("Personal-matter report %(year)d"),
    },
}


class UnitForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Your unit at the time"), queryset=Unit.objects.none()
    )


def _filing_edit(request, year: int, which: str):
    conf = FILINGS[which]
    if not can(request.user, "supervision.file_declaration"):
        raise PermissionDenied(_("Asset declarations are filed by cadres."))
    if not 2000 <= year <= 2100:
        raise Http404
    filing = conf["model"].objects.filter(cadre=request.user, year=year).first()
    if filing is not None and filing.status != DeclarationStatus.DRAFT:
        return redirect(conf["detail"], pk=filing.pk)
    mine = units_where(request.user, *OFFICIAL_ROLES)
    unit_form = UnitForm(
        request.POST or None,
        initial={"unit": filing.unit_id if filing else (mine[0].pk if mine else None)},
    )
    unit_field: Any = unit_form.fields["unit"]
    unit_field.queryset = Unit.objects.filter(pk__in=[u.pk for u in mine])
    sections = _formsets(
        conf["kinds"], conf["titles"], filing, request.POST if request.method == "POST" else None
    )
    if request.method == "POST":
        valid = unit_form.is_valid()
        valid = all([s["formset"].is_valid() for s in sections]) and valid
        if valid:
            items, owners = {}, {}
            for s in sections:
                items[s["kind"]], owners[s["kind"]] = _rows(s["formset"])
            try:
                filing = conf["save"](
                    cadre=request.user,
                    year=year,
                    items=items,
                    actor=request.user,
                    unit=unit_form.cleaned_data["unit"],
                )
                if request.POST.get("action") == "submit":
                    filing = conf["submit"](
                        **{"declaration" if which == "declaration" else "report": filing},
                        actor=request.user,
                    )
                    messages.success(request, _("Submitted. It can no longer be changed."))
                    return redirect(conf["detail"], pk=filing.pk)
            except LianxinError as exc:
                _attach(exc, sections, owners)
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Draft saved."))
                return redirect(request.path)
        else:
            messages.error(request, _("Nothing was saved: correct the marked fields."))
    return render(
        request,
        conf["template"],
        {
            "heading": conf["heading"] % {"year": year},
            "sections": sections,
            "unit_form": unit_form,
            "filing": filing,
            "year": year,
            "which": which,
        },
    )


def _attach(exc: LianxinError, sections, owners) -> None:
    """Put the service's "<kind>-<row>-<field>" errors back on the forms they came from."""
    by_kind = {s["kind"]: s["formset"] for s in sections}
    for key, problems in exc.fields.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] in owners and parts[1].isdigit():
            rows = owners[parts[0]]
            index = int(parts[1])
            if index < len(rows):
                form = rows[index]
                for problem in problems:
                    form.add_error(parts[2] if parts[2] in form.fields else None, problem)
                continue
        if parts[0] in by_kind:
            by_kind[parts[0]]._non_form_errors = forms.utils.ErrorList(problems)


@login_required
def integrity_home(request):
    """The cadre's own filings by year, and the way in for readers."""
    if not (
        can(request.user, "supervision.file_declaration")
        or can(request.user, "supervision.list_declarations")
    ):
        raise PermissionDenied(_("Integrity records are for cadres."))
    this_year = timezone.localdate().year
    return render(
        request,
        "supervision/integrity_home.html",
        {
            "declarations": Declaration.objects.filter(cadre=request.user),
            "reports": PersonalMatterReport.objects.filter(cadre=request.user),
            "years": list(range(this_year, this_year - 4, -1)),
            "can_file": can(request.user, "supervision.file_declaration"),
            "can_list": can(request.user, "supervision.list_declarations"),
            "can_readlog": can(request.user, "supervision.view_integrity_readlog"),
        },
    )


@login_required
def declaration_edit(request, year: int):
    return _filing_edit(request, year, "declaration")


@login_required
def personal_report_edit(request, year: int):
    return _filing_edit(request, year, "report")


def _table(title, model, fields, queryset) -> dict:
    """A section of a detail page: column headings and display values."""
    heads = [model._meta.get_field(f).verbose_name for f in fields]
    rows = []
    for obj in queryset:
        row = []
        for f in fields:
            display = getattr(obj, f"get_{f}_display", None)
            value = display() if display else getattr(obj, f)
            row.append("" if value is None else value)
        rows.append(row)
    return {"title": title, "heads": heads, "rows": rows}


def _signed(amount) -> str:
    return "—" if amount is None else ("+" if amount > 0 else "") + ir.yuan(amount)


def _comparison_context(c: ir.Comparison) -> dict:
    return {
        "comparison_rows": [
            (
                ir.category_label(row.category),
                ir.yuan(row.previous),
                ir.yuan(row.current),
                _signed(row.change),
            )
            for row in c.categories
        ],
        "net": (
            "—" if c.net_previous is None else ir.yuan(c.net_previous),
            ir.yuan(c.net_current),
            _signed(c.net_change),
        ),
        "income": ir.yuan(c.income),
        "allowance": ir.yuan(c.allowance),
    }


def _visible_or_404(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@login_required
def declaration_detail(request, pk: int):
    declaration = _visible_or_404(declarations_visible_to(request.user), pk)
    if not can(request.user, "supervision.view_declaration", declaration):
        raise Http404
    return _declaration_page(request, declaration)


def _declaration_page(request, declaration, *, status: int = 200, **review):
    """The declaration as its reader sees it (the read is logged); `review` carries a refused
    review back to its form: the reason typed and the error beside it."""
    integrity_read_record(user=request.user, declarations=[declaration])
    is_owner = declaration.cadre_id == request.user.pk
    comparison = None if is_owner else declaration_comparison(declaration)
    return render(
        request,
        "supervision/integrity_detail.html",
        {
            **(_comparison_context(comparison) if comparison else {}),
            "declaration": declaration,
            "sections": [
                _table(
                    DECLARATION_TITLES[kind],
                    model,
                    fields,
                    model._default_manager.filter(declaration=declaration),
                )
                for kind, (model, fields) in DECLARATION_ITEMS.items()
            ],
            "comparison": comparison,
            "report": companion_report(request.user, declaration),
            "is_owner": is_owner,
            "can_review": can(request.user, "supervision.review_declaration", declaration),
            **review,
        },
        status=status,
    )


@login_required
def personal_report_detail(request, pk: int):
    report = _visible_or_404(personal_reports_visible_to(request.user), pk)
    if not can(request.user, "supervision.view_personal_report", report):
        raise Http404
    integrity_read_record(user=request.user, reports=[report])
    return render(
        request,
        "supervision/integrity_report_detail.html",
        {
            "report": report,
            "sections": [
                _table(
                    REPORT_TITLES[kind], model, fields, model._default_manager.filter(report=report)
                )
                for kind, (model, fields) in REPORT_ITEMS.items()
            ],
            "is_owner": report.cadre_id == request.user.pk,
            "can_review": can(request.user, "supervision.review_personal_report", report),
        },
    )


@login_required
@require_POST
def declaration_act(request, pk: int):
    declaration = _visible_or_404(declarations_visible_to(request.user), pk)
    action = request.POST.get("action")
    try:
        if action == "lock":
            declaration_lock(declaration=declaration, actor=request.user)
            messages.success(request, _("The declaration is locked."))
        elif action == "return":
            declaration_return(
                declaration=declaration, actor=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The declaration was sent back to its cadre."))
        else:
            return HttpResponse(status=400)
    except LianxinError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        if "reason" in exc.fields:
            return _declaration_page(
                request,
                declaration,
                status=400,
                reason=request.POST.get("reason", ""),
                reason_errors=exc.fields["reason"],
            )
        messages.error(request, exc.message)
    return redirect("supervision:declaration", pk=declaration.pk)


@login_required
@require_POST
def personal_report_act(request, pk: int):
    report = _visible_or_404(personal_reports_visible_to(request.user), pk)
    if request.POST.get("action") != "lock":
        return HttpResponse(status=400)
    try:
        personal_report_lock(report=report, actor=request.user)
        messages.success(request, _("The report is locked."))
    except LianxinError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    return redirect("supervision:personal_report", pk=report.pk)


def _listing(request: Any) -> DeclarationListing:
    """The declarations a reader lists: other cadres' filed declarations, by year and unit."""
    return declaration_listing(
        request.user, year=as_id(request.GET.get("year")), unit_code=request.GET.get("unit") or None
    )


@login_required
def declaration_list(request):
    if not can(request.user, "supervision.list_declarations"):
        raise PermissionDenied(
            _("Declarations are read by the organisation department and the inspectors.")
        )
    listing = _listing(request)
    page = Paginator(listing.declarations, 30).get_page(request.GET.get("page"))
    rows = [(d, declaration_comparison(d)) for d in page]
    # Flags show what a declaration holds: listing them is a read.
    integrity_read_record(
        user=request.user, declarations=[d for d, _c in rows], kind=IntegrityReadLog.Kind.LIST
    )
    return render(
        request,
        "supervision/integrity_list.html",
        {
            "rows": rows,
            "page": page,
            "year": listing.year,
            "years": listing.years,
            "unit": listing.unit,
            "units": listing.units,
            "can_export": can(request.user, "supervision.export_declarations"),
            "can_readlog": can(request.user, "supervision.view_integrity_readlog"),
        },
    )


@login_required
def read_log(request):
    if not can(request.user, "supervision.view_integrity_readlog"):
        raise PermissionDenied(
            _("The read log is for organisation department leads and administrators.")
        )
    page = Paginator(integrity_read_logs_visible_to(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "supervision/integrity_readlog.html", {"page": page})


# --- spot checks ------------------------------------------------------------------------------


class AnnounceForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year of the declarations"), min_value=2000, max_value=2100
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Among the cadres of"), queryset=Unit.objects.none()
    )
    share = forms.DecimalField(
        label=gettext_lazy("Share to draw (0–1)"),
        min_value=0,
        max_value=1,
        decimal_places=4,
        initial="0.1",
    )
    seed = forms.CharField(
        label=gettext_lazy("Published seed"),
        max_length=200,
        help_text=gettext_lazy(
            "A public value announced before the draw, e.g. the "
            "date and the number read out at the meeting."
        ),
    )


@login_required
def spot_checks(request):
    if not can(request.user, "supervision.view_spot_checks"):
        raise PermissionDenied(
            _("Spot checks are for the organisation department and the inspectors.")
        )
    can_draw = can(request.user, "supervision.draw_spot_check")
    form = AnnounceForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    unit_field: Any = form.fields["unit"]
    unit_field.queryset = spot_check_units_for(request.user)
    if request.method == "POST":
        if not can_draw:
            raise PermissionDenied(_("Spot checks are drawn by the organisation department."))
        if form.is_valid():
            try:
                check = spot_check_announce(actor=request.user, **form.cleaned_data)
            except LianxinError as exc:
                if exc.status == 403:
                    raise PermissionDenied(exc.message) from exc
                # Beside the field it concerns, with what was typed still in the form.
                for name, problems in exc.fields.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
                if not exc.fields:
                    messages.error(request, exc.message)
            else:
                messages.success(request, _("The seed is announced."))
                return redirect("supervision:spot_check", pk=check.pk)
    return render(
        request,
        "supervision/integrity_spotchecks.html",
        {
            "checks": spot_checks_visible_to(request.user),
            "form": form,
            "can_draw": can_draw,
        },
    )


@login_required
def spot_check_detail(request, pk: int):
    if not can(request.user, "supervision.view_spot_checks"):
        raise PermissionDenied(
            _("Spot checks are for the organisation department and the inspectors.")
        )
    check = get_object_or_404(spot_checks_visible_to(request.user), pk=pk)
    can_draw = can(request.user, "supervision.draw_spot_check", check.unit)
    if request.method == "POST":
        if not can_draw:
            raise PermissionDenied(_("Spot checks are drawn by the organisation department."))
        try:
            check = spot_check_draw(spot_check=check, actor=request.user)
            messages.success(request, _("Drawn."))
        except LianxinError as exc:
            messages.error(request, exc.message)
        return redirect("supervision:spot_check", pk=check.pk)
    return render(
        request,
        "supervision/integrity_spotcheck.html",
        {
            "check": check,
            "can_draw": can_draw,
            "command": (
                f"python manage.py spot_check_draw --verify --year {check.year} "
                f"--unit {shlex.quote(check.unit.code)} --seed {shlex.quote(check.seed)}"
            ),
        },
    )


# --- export -----------------------------------------------------------------------------------


@login_required
def declaration_export(request):
    if not can(request.user, "supervision.export_declarations"):
        raise PermissionDenied(_("The export is for the organisation department."))
    listing = _listing(request)
    declarations = declarations_exportable_by(request.user, listing.declarations)
    content = declarations_workbook(declarations, listing.year)
    integrity_read_record(
        user=request.user, declarations=declarations, kind=IntegrityReadLog.Kind.EXPORT
    )
    name = f"declarations-{listing.year}-{listing.unit.code if listing.unit else 'all'}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
