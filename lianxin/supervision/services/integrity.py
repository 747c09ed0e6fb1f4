"""Writes of the integrity records (廉政档案): asset declarations and personal-matter reports
("filings"), and the log of who read them.

Filings are written whole: a save replaces the draft's items with the rows given, after every
row has been validated (nothing is stored if one is wrong). Submitting locks the filing for its
cadre; the organisation department may lock it for good or send it back. Every write is atomic
and audited (actions, ids and row counts, never content or amounts)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, units_where
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import Unit
from lianxin.core.transitions import commit, lock, require_state

from ..errors import Code
from ..models import (
    BusinessInterest,
    Declaration,
    DeclarationStatus,
    Deposit,
    FamilyMember,
    IncomeItem,
    IntegrityReadLog,
    Liability,
    MarriageChange,
    PersonalMatterReport,
    RealEstate,
    RelativeBusiness,
    RelativeEmployment,
    Security,
    TravelAbroad,
    Vehicle,
)
from ..models.integrity import _Filing
from ..rules import can

F = TypeVar("F", bound=_Filing)
ItemKinds = dict[str, tuple[type[models.Model], list[str]]]
Errors = dict[str, list[str]]

# Item kinds of a declaration: the key used in forms, services and errors → model and fields.
DECLARATION_ITEMS: ItemKinds = {
    "family": (FamilyMember, ["name", "relation"]),
    "real_estate": (RealEstate, ["holder", "address", "area", "value"]),
    "vehicles": (Vehicle, ["holder", "description", "plate", "value"]),
    "deposits": (Deposit, ["holder", "bank", "amount"]),
    "securities": (Security, ["holder", "name", "value"]),
    "liabilities": (Liability, ["holder", "lender", "amount"]),
    "businesses": (
        BusinessInterest,
        [
            "holder",
            "company",
            "role",
            "share",
            "investment",
            "registered_area",
            "registered_unit",
            "deals_with",
            "deals_with_unit",
        ],
    ),
    "income": (IncomeItem, ["holder", "kind", "amount", "description"]),
}
REPORT_ITEMS: ItemKinds = {
    "marriages": (MarriageChange, ["person", "change", "date", "partner"]),
    "travels": (TravelAbroad, ["start", "end", "destination", "purpose"]),
    "employments": (RelativeEmployment, ["name", "relation", "employer", "position"]),
    "relative_businesses": (
        RelativeBusiness,
        ["name", "relation", "company", "role", "share", "registered_area", "registered_unit"],
    ),
}
MAX_ROWS = 50  # per item kind: a family with more than 50 flats is a typing accident


def _build_rows(
    kinds: ItemKinds, items: dict[str, Any] | None, parent_field: str, errors: Errors
) -> dict[str, list[Any]]:
    """Unsaved, validated model instances per kind; problems go into `errors` as
    "<kind>-<row>-<field>" (the formset prefixes of the pages)."""
    unknown = set(items or {}) - set(kinds)
    if unknown:
        errors["__all__"] = [
            _("Unknown item kinds: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))}
        ]
    built: dict[str, list[Any]] = {}
    for kind, (model, fields) in kinds.items():
        rows = (items or {}).get(kind) or []
        if len(rows) > MAX_ROWS:
            errors[kind] = [_("At most %(n)d rows.") % {"n": MAX_ROWS}]
            continue
        built[kind] = []
        for index, row in enumerate(rows):
            values = {}
            for name in fields:
                value = row.get(name)
                if name.endswith("_unit"):
                    if isinstance(value, Unit):
                        value = value.pk
                    values[name + "_id"] = value or None
                elif value is None and getattr(model._meta.get_field(name), "blank", False):
                    values[name] = ""
                else:
                    values[name] = value
            if "holder" in values and values["holder"] is None:
                values["holder"] = ""
            obj: Any = model(**values)
            try:
                obj.full_clean(
                    exclude=[parent_field], validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    errors[f"{kind}-{index}-{name}"] = problems
                continue
            if model is TravelAbroad and obj.end < obj.start:
                errors[f"{kind}-{index}-end"] = [_("The return date is before the departure.")]
                continue
            built[kind].append(obj)
    return built


def _check_holders(built: dict[str, list[Any]], errors: Errors) -> None:
    names = {m.name.strip() for m in built.get("family", [])}
    selves = [m for m in built.get("family", []) if m.relation == "self"]
    if len(selves) > 1:
        errors["family"] = [_("Only one family member can be the cadre themself.")]
    for kind, rows in built.items():
        for index, obj in enumerate(rows):
            holder = getattr(obj, "holder", "").strip()
            if holder and holder not in names:
                errors[f"{kind}-{index}-holder"] = [
                    _("“%(name)s” is not in the list of family members.") % {"name": holder}
                ]


def _raise_if(errors: Errors) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        detail = _("The declaration was not saved: %(first)s") % {"first": first}
        if len(errors) > 1:
            detail = _("%(first)s (and %(n)d more)") % {"first": detail, "n": len(errors) - 1}
        raise InvalidInput(detail, code=Code.INVALID_DECLARATION, fields=errors)


def _cadre_unit(cadre: Any, unit: Unit | None) -> Unit:
    mine = units_where(cadre, *OFFICIAL_ROLES)
    if not mine:
        raise PermissionDenied(_("Only cadres file asset declarations."), code=Code.NOT_A_CADRE)
    if unit is None:
        return mine[0]
    if unit not in mine:
        raise InvalidInput(
            _("You hold no post in this unit."),
            code=Code.INVALID_DECLARATION,
            fields={"unit": [_("You hold no post in this unit.")]},
        )
    return unit


def _perm_noun(model: type[_Filing]) -> str:
    return "declaration" if model is Declaration else "personal_report"


def _filing_for_update(
    model: type[F], *, cadre: Any, year: Any, unit: Unit | None, actor: Any
) -> tuple[F | None, int, Unit]:
    """The cadre's filing of `year` locked (None if there is none yet), the year checked, and
    the unit it is filed for. Inside the caller's transaction."""
    if actor is None or getattr(actor, "pk", None) != cadre.pk:
        raise PermissionDenied(
            _("Only the cadre themself fills in their declaration."), code=Code.NOT_OWNER
        )
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise InvalidInput(
            _("The year is not valid."),
            code=Code.INVALID_DECLARATION,
            fields={"year": [_("The year is not valid.")]},
        )
    # Found by (cadre, year), then locked by its id. A filing not there yet is created by the
    # caller; two first saves at once meet the unique constraint (IntegrityError).
    found = model._default_manager.filter(cadre=cadre, year=year).only("pk").first()
    filing = lock(model, found) if found is not None else None
    if filing is not None and not can(actor, f"supervision.edit_{_perm_noun(model)}", filing):
        raise InvalidTransition(
            _("Only a draft can be changed; this one has been submitted."), code=Code.NOT_DRAFT
        )
    unit = _cadre_unit(cadre, unit if unit is not None else getattr(filing, "unit", None))
    return filing, year, unit


def _replace_items(
    filing: _Filing, kinds: ItemKinds, built: dict[str, list[Any]], parent_field: str
) -> dict[str, int]:
    counts = {}
    for kind, (model, _fields) in kinds.items():
        model._default_manager.filter(**{parent_field: filing}).delete()
        rows = built.get(kind, [])
        for obj in rows:
            setattr(obj, parent_field, filing)
        model._default_manager.bulk_create(rows)
        counts[kind] = len(rows)
    return counts


def declaration_save(
    *, cadre: Any, year: int, items: dict[str, Any], actor: Any, unit: Unit | None = None
) -> Declaration:
    """Create or replace the cadre's draft declaration for `year` with the rows in `items`
    ({"family": [{"name", "relation"}], "real_estate": [{"holder", "address", "area", "value"}],
    …}, see DECLARATION_ITEMS). Invalid rows raise InvalidInput with per-row field errors and
    nothing is stored."""
    errors: Errors = {}
    built = _build_rows(DECLARATION_ITEMS, items, "declaration", errors)
    _check_holders(built, errors)
    _raise_if(errors)
    try:
        with transaction.atomic():
            declaration, year, unit = _filing_for_update(
                Declaration, cadre=cadre, year=year, unit=unit, actor=actor
            )
            if declaration is None:
                declaration = Declaration.objects.create(cadre=cadre, year=year, unit=unit)
            declaration.unit = unit
            counts = _replace_items(declaration, DECLARATION_ITEMS, built, "declaration")
            commit(
                declaration,
                action="declaration_save",
                actor=actor,
                fields=["unit"],
                data={"year": year, "rows": counts},
            )
    except IntegrityError as exc:  # the database's own range checks, behind the validators
        raise InvalidInput(
            _("The declaration was not saved: a figure is out of range."),
            code=Code.INVALID_DECLARATION,
        ) from exc
    return declaration


def _filing_move(
    filing: F, *, action: str, actor: Any, perm: str, allowed: list[str], to: str, reason: str = ""
) -> F:
    """Move a filing between states. The permission is asked of the integrity rules (`can`,
    which no superuser passes) before the state, on the locked row."""
    with transaction.atomic():
        filing = lock(type(filing), filing, related=("unit",))
        if not can(actor, perm, filing):
            raise PermissionDenied(code=Code.NOT_ALLOWED)
        require_state(
            filing,
            allowed,
            message=_("This is not possible: the filing is %(status)s."),
            code=Code.INVALID_TRANSITION,
        )
        before = filing.status
        filing.status = to
        fields = []
        if to == DeclarationStatus.SUBMITTED:
            filing.submitted_at = clock.now()
            fields.append("submitted_at")
        return commit(
            filing,
            action=action,
            actor=actor,
            fields=fields,
            from_state=before,
            reason=reason,
            data={"year": filing.year, "cadre_id": filing.cadre_id},
        )


def declaration_submit(*, declaration: Declaration, actor: Any) -> Declaration:
    """The cadre submits their draft: it can no longer be changed by them."""
    if declaration.cadre_id != getattr(actor, "pk", None):
        raise PermissionDenied(
            _("Only the cadre themself submits their declaration."), code=Code.NOT_OWNER
        )
    if not declaration.familymember_items.filter(relation="self").exists():
        raise InvalidInput(
            _("List yourself among the family members before submitting."),
            code=Code.INVALID_DECLARATION,
            fields={"family": [_("List yourself among the family members.")]},
        )
    return _filing_move(
        declaration,
        action="declaration_submit",
        actor=actor,
        perm="supervision.view_declaration",
        allowed=[DeclarationStatus.DRAFT],
        to=DeclarationStatus.SUBMITTED,
    )


def declaration_lock(*, declaration: Declaration, actor: Any) -> Declaration:
    """The organisation department archives a submitted declaration for good."""
    return _filing_move(
        declaration,
        action="declaration_lock",
        actor=actor,
        perm="supervision.review_declaration",
        allowed=[DeclarationStatus.SUBMITTED],
        to=DeclarationStatus.LOCKED,
    )


def declaration_return(*, declaration: Declaration, actor: Any, reason: str) -> Declaration:
    """The organisation department sends a submitted declaration back for correction."""
    reason = (reason or "").strip()[:500]
    if not reason:
        raise InvalidInput(_("Give a reason."), fields={"reason": [_("Give a reason.")]})
    return _filing_move(
        declaration,
        action="declaration_return",
        actor=actor,
        perm="supervision.review_declaration",
        allowed=[DeclarationStatus.SUBMITTED],
        to=DeclarationStatus.DRAFT,
        reason=reason,
    )


def personal_report_save(
    *, cadre: Any, year: int, items: dict[str, Any], actor: Any, unit: Unit | None = None
) -> PersonalMatterReport:
    """Create or replace the cadre's draft personal-matter report (items: REPORT_ITEMS)."""
    errors: Errors = {}
    built = _build_rows(REPORT_ITEMS, items, "report", errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(
            _("The report was not saved: %(first)s") % {"first": first},
            code=Code.INVALID_REPORT,
            fields=errors,
        )
    try:
        with transaction.atomic():
            report, year, unit = _filing_for_update(
                PersonalMatterReport, cadre=cadre, year=year, unit=unit, actor=actor
            )
            if report is None:
                report = PersonalMatterReport.objects.create(cadre=cadre, year=year, unit=unit)
            report.unit = unit
            counts = _replace_items(report, REPORT_ITEMS, built, "report")
            commit(
                report,
                action="personal_report_save",
                actor=actor,
                fields=["unit"],
                data={"year": year, "rows": counts},
            )
    except IntegrityError as exc:
        raise InvalidInput(
            _("The report was not saved: a figure is out of range."), code=Code.INVALID_REPORT
        ) from exc
    return report


def personal_report_submit(*, report: PersonalMatterReport, actor: Any) -> PersonalMatterReport:
    if report.cadre_id != getattr(actor, "pk", None):
        raise PermissionDenied(
            _("Only the cadre themself submits their report."), code=Code.NOT_OWNER
        )
    return _filing_move(
        report,
        action="personal_report_submit",
        actor=actor,
        perm="supervision.view_personal_report",
        allowed=[DeclarationStatus.DRAFT],
        to=DeclarationStatus.SUBMITTED,
    )


def personal_report_lock(*, report: PersonalMatterReport, actor: Any) -> PersonalMatterReport:
    return _filing_move(
        report,
        action="personal_report_lock",
        actor=actor,
        perm="supervision.review_personal_report",
        allowed=[DeclarationStatus.SUBMITTED],
        to=DeclarationStatus.LOCKED,
    )


def integrity_read_record(
    *,
    user: Any,
    declarations: Any = (),
    reports: Any = (),
    kind: str = IntegrityReadLog.Kind.DETAIL,
) -> int:
    """Log reads by anyone but the filing's own cadre (the log is itself the record: no audit
    event per read). Returns the number of rows written."""
    if not getattr(user, "is_authenticated", False):
        return 0
    at = clock.now()
    rows = [
        IntegrityReadLog(declaration=d, user=user, kind=kind, at=at)
        for d in declarations
        if d.cadre_id != user.pk
    ]
    rows += [
        IntegrityReadLog(report=r, user=user, kind=kind, at=at)
        for r in reports
        if r.cadre_id != user.pk
    ]
    IntegrityReadLog.objects.bulk_create(rows)
    return len(rows)
