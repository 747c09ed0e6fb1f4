"""Reads of the supervision app that respect permissions, one section per capability."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from lianxin.core.access import has_role, subtree_q, units_where
from lianxin.core.models import Role, Unit

from . import integrity as ir
from .models import (
    Declaration,
    DeclarationStatus,
    IntegrityReadLog,
    PersonalMatterReport,
    SpotCheck,
)
from .models.integrity import _Filing
from .models.reports import InspectorKey, Report, ReportRead
from .rules import can, report_conflicts

# --- integrity records ------------------------------------------------------------------------
INTEGRITY_READER_ROLES = (Role.ORGDEPT, Role.INSPECTOR)


def _filings_visible_to(model: type[_Filing], user: Any) -> QuerySet[Any]:
    """Own filings, plus those whose unit at the time lies where the user is organisation
    department or inspector (drafts only to their cadre: they are not filed yet)."""
    if not getattr(user, "is_authenticated", False):
        return model._default_manager.none()
    units = units_where(user, *INTEGRITY_READER_ROLES)
    others = subtree_q(units, "unit") & ~Q(status=DeclarationStatus.DRAFT)
    return model._default_manager.filter(Q(cadre=user) | others).select_related("cadre", "unit")


def declarations_visible_to(user: Any) -> QuerySet[Declaration]:
    return _filings_visible_to(Declaration, user)


def personal_reports_visible_to(user: Any) -> QuerySet[PersonalMatterReport]:
    return _filings_visible_to(PersonalMatterReport, user)


def integrity_units_for(user: Any) -> list[Unit]:
    """Units the user may filter the declaration list by (their reach as reader)."""
    q = Q(pk__in=[])
    for unit in units_where(user, *INTEGRITY_READER_ROLES):
        q |= Q(path__startswith=unit.path)
    return list(Unit.objects.filter(q))


def integrity_read_logs_visible_to(user: Any) -> QuerySet[IntegrityReadLog]:
    if not can(user, "supervision.view_integrity_readlog"):
        return IntegrityReadLog.objects.none()
    return IntegrityReadLog.objects.select_related(
        "user", "declaration__cadre", "declaration__unit", "report__cadre", "report__unit"
    )


def integrity_policy() -> ir.Policy:
    return ir.Policy(
        living_allowance=Decimal(str(settings.INTEGRITY_LIVING_ALLOWANCE)),
        tolerance_abs=Decimal(str(settings.INTEGRITY_TOLERANCE_ABS)),
        tolerance_rel=Decimal(str(settings.INTEGRITY_TOLERANCE_REL)),
    )


def declaration_snapshot(declaration: Declaration) -> ir.Snapshot:
    members = [(m.name, m.relation) for m in declaration.familymember_items.all()]
    relation = {ir.norm(name): rel for name, rel in members}

    def item(
        category: str, key: str, label: str, value: Decimal, holder: str = "", **extra: Any
    ) -> ir.Item:
        return ir.Item(
            category=category,
            key=ir.norm(key),
            label=label,
            value=value,
            holder=holder,
            relation=relation.get(ir.norm(holder), ""),
            **extra,
        )

    items = [
        item("real_estate", r.address, r.address, r.value, r.holder)
        for r in declaration.realestate_items.all()
    ]
    items += [
        item(
            "vehicle",
            v.plate or v.description,
            f"{v.description} {v.plate}".strip(),
            v.value,
            v.holder,
        )
        for v in declaration.vehicle_items.all()
    ]
    items += [
        item("deposit", f"{d.bank}/{d.holder}", d.bank, d.amount, d.holder)
        for d in declaration.deposit_items.all()
    ]
    items += [
        item("security", f"{s.name}/{s.holder}", s.name, s.value, s.holder)
        for s in declaration.security_items.all()
    ]
    items += [
        item("liability", f"{li.lender}/{li.holder}", li.lender, li.amount, li.holder)
        for li in declaration.liability_items.all()
    ]
    items += [
        item(
            "business",
            b.company,
            b.company,
            b.investment,
            b.holder,
            registered_unit_id=b.registered_unit_id,
            registered_area=b.registered_area,
            deals_with_unit_id=b.deals_with_unit_id,
            deals_with=b.deals_with,
        )
        for b in declaration.businessinterest_items.all()
    ]
    income = [
        ir.Income(kind=i.kind, amount=i.amount, holder=i.holder, description=i.description)
        for i in declaration.incomeitem_items.all()
    ]
    return ir.Snapshot(year=declaration.year, members=members, items=items, income=income)


def report_snapshot(report: PersonalMatterReport | None) -> ir.ReportSnapshot:
    if report is None:
        return ir.ReportSnapshot()
    return ir.ReportSnapshot(
        marriages=[(m.person, m.change, m.partner) for m in report.marriagechange_items.all()],
        businesses=[
            ir.Item(
                category="business",
                key=ir.norm(b.company),
                label=b.company,
                value=Decimal("0"),
                holder=b.name,
                relation=b.relation,
                registered_unit_id=b.registered_unit_id,
                registered_area=b.registered_area,
            )
            for b in report.relativebusiness_items.all()
        ],
        employments=[(e.name, e.employer) for e in report.relativeemployment_items.all()],
    )


def authority_of(unit: Unit) -> ir.Authority:
    subtree = list(Unit.objects.subtree(unit).values_list("pk", "name"))
    return ir.Authority(
        unit_name=unit.name,
        unit_ids={pk for pk, _n in subtree},
        names={ir.norm(name): pk for pk, name in subtree},
    )


def declaration_comparison(
    declaration: Declaration, *, authority: ir.Authority | None = None
) -> ir.Comparison:
    """Compare a declaration with the same cadre's previous year (submitted or locked, or the
    cadre's own), with that year's personal-matter report, inside the authority of the unit the
    cadre served in at the time."""
    previous = (
        Declaration.objects.filter(cadre_id=declaration.cadre_id, year=declaration.year - 1)
        .exclude(status=DeclarationStatus.DRAFT)
        .first()
    )
    report = (
        PersonalMatterReport.objects.filter(cadre_id=declaration.cadre_id, year=declaration.year)
        .exclude(status=DeclarationStatus.DRAFT)
        .first()
    )
    return ir.compare(
        declaration_snapshot(previous) if previous else None,
        declaration_snapshot(declaration),
        report=report_snapshot(report),
        authority=authority or authority_of(declaration.unit),
        policy=integrity_policy(),
    )


def can_read_integrity(user: Any) -> bool:
    return has_role(user, *INTEGRITY_READER_ROLES)


@dataclass
class DeclarationListing:
    """The declarations a reader lists: others' filed declarations of one year, in one unit's
    subtree if a unit is chosen, with the years and units to choose from."""

    declarations: QuerySet[Declaration]
    year: int
    years: list[int]
    unit: Unit | None
    units: list[Unit]


def declaration_listing(
    user: Any, *, year: int | None = None, unit_code: str | None = None
) -> DeclarationListing:
    """`year` defaults to the latest year with a filed declaration (else this year); a
    `unit_code` outside the reader's reach is ignored."""
    units = integrity_units_for(user)
    qs = declarations_visible_to(user).exclude(status=DeclarationStatus.DRAFT)
    years = sorted(set(qs.values_list("year", flat=True)), reverse=True)
    if year is None:
        year = years[0] if years else timezone.localdate().year
    qs = qs.filter(year=year)
    unit = next((u for u in units if u.code == unit_code), None) if unit_code else None
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return DeclarationListing(
        qs.order_by("unit__path", "cadre__username"), year, years, unit, units
    )


def declarations_exportable_by(user: Any, declarations: Any) -> list[Declaration]:
    """Of `declarations`, those in units where the user is organisation department (an
    inspector reads them but does not take them away in a file)."""
    orgdept = units_where(user, Role.ORGDEPT)
    return [d for d in declarations if any(u.contains(d.unit) for u in orgdept)]


def spot_checks_visible_to(user: Any) -> QuerySet[SpotCheck]:
    """Spot checks among the cadres of units within the user's reach as reader."""
    return SpotCheck.objects.filter(unit__in=integrity_units_for(user)).select_related("unit")


def spot_check_units_for(user: Any) -> QuerySet[Unit]:
    """The units whose cadres the user may draw spot checks among."""
    return Unit.objects.filter(pk__in=[u.pk for u in units_where(user, Role.ORGDEPT)])


def companion_report(user: Any, declaration: Declaration) -> PersonalMatterReport | None:
    """The same cadre's personal-matter report of the declaration's year, if the user may see
    it (its cadre always; others once it is filed)."""
    report = PersonalMatterReport.objects.filter(
        cadre_id=declaration.cadre_id, year=declaration.year
    ).first()
    if report is None or not can(user, "supervision.view_personal_report", report):
        return None
    if declaration.cadre_id != user.pk and report.status == DeclarationStatus.DRAFT:
        return None
    return report


def filing_rows(
    filing: _Filing | None, model: Any, fields: list[str], parent: str
) -> list[dict[str, Any]]:
    """A filing's rows of one item kind as form values (a unit as its id)."""
    if filing is None:
        return []
    names = [f + "_id" if f.endswith("_unit") else f for f in fields]
    return [
        {k.removesuffix("_id") if k.endswith("_unit_id") else k: v for k, v in row.items()}
        for row in model._default_manager.filter(**{parent: filing}).values(*names)
    ]


# --- reporting channel (举报) -------------------------------------------------------------------


def reports_visible_to(user: Any) -> list[Report]:
    """Every case but those the inspector is in conflict with (they do not exist for them)."""
    return [
        r for r in Report.objects.select_related("accused_unit") if not report_conflicts(user, r)
    ]


def report_ids_shared_with(user: Any) -> set[Any]:
    """The cases whose key is wrapped for the user's keypair."""
    return set(Report.objects.filter(wraps__inspector_key__user=user).values_list("pk", flat=True))


def has_keypair(user: Any) -> bool:
    return InspectorKey.objects.filter(user=user).exists()


def report_reads_visible_to(user: Any, *, limit: int = 1000) -> list[ReportRead]:
    """The latest reads of cases, leaving out cases the reader is in conflict with: listing
    them would tell that they exist."""
    return [
        r
        for r in ReportRead.objects.select_related("user", "report__accused_unit")[:limit]
        if not report_conflicts(user, r.report)
    ]
