"""Every write of the supervision app, one section per capability: the reporting channel (举报)
and the integrity records (廉政档案). Each service is atomic and audited (actions and ids, never
content or amounts)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import rules
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, SYSTEM, SystemActor, has_role, units_where
from lianxin.core.audit import audit_record
from lianxin.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from lianxin.core.models import Role, Unit
from lianxin.core.notify import notify_people
from lianxin.core.ratelimit import count_hit, hits, local_counter

from . import integrity as integrity_rules
from . import reporting as rp
from .models import (
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
    SpotCheck,
    TravelAbroad,
    Vehicle,
)
from .models.reports import (
    InspectorKey,
    Report,
    ReportFile,
    ReportKeyWrap,
    ReportMessage,
    ReportRead,
    ReportStatus,
)
from .rules import can, report_conflicts

# --- integrity records ------------------------------------------------------------------------
# Declarations and personal-matter reports are written whole: a save replaces the draft's items
# with the rows given, after every row has been validated (nothing is stored if one is wrong).
# Submitting locks the filing for its cadre; the organisation department may lock it for good
# or send it back. Spot checks: the seed is announced first, the draw made from it later.

# Item kinds of a declaration: the key used in forms, services and errors → model and fields.
DECLARATION_ITEMS: dict[str, tuple[type, list[str]]] = {
    "family": (FamilyMember, ["name", "relation"]),
    "real_estate": (RealEstate, ["holder", "address", "area", "value"]),
    "vehicles": (Vehicle, ["holder", "description", "plate", "value"]),
    "deposits": (Deposit, ["holder", "bank", "amount"]),
    "securities": (Security, ["holder", "name", "value"]),
    "liabilities": (Liability, ["holder", "lender", "amount"]),
    "businesses": (BusinessInterest, ["holder", "company", "role", "share", "investment",
                                      "registered_area", "registered_unit", "deals_with",
                                      "deals_with_unit"]),
    "income": (IncomeItem, ["holder", "kind", "amount", "description"]),
}
REPORT_ITEMS: dict[str, tuple[type, list[str]]] = {
    "marriages": (MarriageChange, ["person", "change", "date", "partner"]),
    "travels": (TravelAbroad, ["start", "end", "destination", "purpose"]),
    "employments": (RelativeEmployment, ["name", "relation", "employer", "position"]),
    "relative_businesses": (RelativeBusiness, ["name", "relation", "company", "role", "share",
                                               "registered_area", "registered_unit"]),
}
MAX_ROWS = 50  # per item kind: a family with more than 50 flats is a typing accident


def _build_rows(kinds: dict[str, tuple[type, list[str]]], items: dict, parent_field: str,
                errors: dict[str, list[str]]) -> dict[str, list]:
    """Unsaved, validated model instances per kind; problems go into `errors` as
    "<kind>-<row>-<field>" (the formset prefixes of the pages)."""
    unknown = set(items or {}) - set(kinds)
    if unknown:
        errors["__all__"] = [_("Unknown item kinds: %(kinds)s.") % {
            "kinds": ", ".join(sorted(unknown))}]
    built: dict[str, list] = {}
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
                elif value is None and model._meta.get_field(name).blank:
                    values[name] = ""
                else:
                    values[name] = value
            if "holder" in values and values["holder"] is None:
                values["holder"] = ""
            obj = model(**values)
            try:
                obj.full_clean(exclude=[parent_field], validate_unique=False,
                               validate_constraints=False)
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    errors[f"{kind}-{index}-{name}"] = problems
                continue
            if model is TravelAbroad and obj.end < obj.start:
                errors[f"{kind}-{index}-end"] = [_("The return date is before the departure.")]
                continue
            built[kind].append(obj)
    return built


def _check_holders(built: dict[str, list], errors: dict[str, list[str]]) -> None:
    names = {m.name.strip() for m in built.get("family", [])}
    selves = [m for m in built.get("family", []) if m.relation == "self"]
    if len(selves) > 1:
        errors["family"] = [_("Only one family member can be the cadre themself.")]
    for kind, rows in built.items():
        for index, obj in enumerate(rows):
            holder = getattr(obj, "holder", "").strip()
            if holder and holder not in names:
                errors[f"{kind}-{index}-holder"] = [_(
                    "“%(name)s” is not in the list of family members.") % {"name": holder}]


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        detail = _("The declaration was not saved: %(first)s") % {"first": first}
        if len(errors) > 1:
            detail = _("%(first)s (and %(n)d more)") % {"first": detail, "n": len(errors) - 1}
        raise InvalidInput(detail, code="invalid_declaration", fields=errors)


def _cadre_unit(cadre, unit: Unit | None) -> Unit:
    mine = units_where(cadre, *OFFICIAL_ROLES)
    if not mine:
        raise PermissionDenied(_("Only cadres file asset declarations."), code="not_a_cadre")
    if unit is None:
        return mine[0]
    if unit not in mine:
        raise InvalidInput(_("You hold no post in this unit."), code="invalid_declaration",
                           fields={"unit": [_("You hold no post in this unit.")]})
    return unit


def _filing_for_update(model, *, cadre, year: int, unit: Unit | None, actor):
    if actor is None or getattr(actor, "pk", None) != cadre.pk:
        raise PermissionDenied(_("Only the cadre themself fills in their declaration."),
                               code="not_owner")
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("The year is not valid."), code="invalid_declaration",
                           fields={"year": [_("The year is not valid.")]})
    filing = model.objects.select_for_update().filter(cadre=cadre, year=year).first()
    if filing is not None and not can(actor, f"supervision.edit_{_perm_noun(model)}", filing):
        raise InvalidTransition(_("Only a draft can be changed; this one has been submitted."),
                                code="not_draft")
    unit = _cadre_unit(cadre, unit if unit is not None else getattr(filing, "unit", None))
    return filing, year, unit


def _perm_noun(model) -> str:
    return "declaration" if model is Declaration else "personal_report"


def _replace_items(filing, kinds, built, parent_field: str) -> dict[str, int]:
    counts = {}
    for kind, (model, _fields) in kinds.items():
        model.objects.filter(**{parent_field: filing}).delete()
        rows = built.get(kind, [])
        for obj in rows:
            setattr(obj, parent_field, filing)
        model.objects.bulk_create(rows)
        counts[kind] = len(rows)
    return counts


def declaration_save(*, cadre, year: int, items: dict, actor, unit: Unit | None = None
                     ) -> Declaration:
    """Create or replace the cadre's draft declaration for `year` with the rows in `items`
    ({"family": [{"name", "relation"}], "real_estate": [{"holder", "address", "area", "value"}],
    …}, see DECLARATION_ITEMS). Invalid rows raise InvalidInput with per-row field errors and
    nothing is stored."""
    errors: dict[str, list[str]] = {}
    built = _build_rows(DECLARATION_ITEMS, items, "declaration", errors)
    _check_holders(built, errors)
    _raise_if(errors)
    try:
        with transaction.atomic():
            declaration, year, unit = _filing_for_update(Declaration, cadre=cadre, year=year,
                                                         unit=unit, actor=actor)
            created = declaration is None
            if created:
                declaration = Declaration.objects.create(cadre=cadre, year=year, unit=unit)
            elif declaration.unit_id != unit.pk:
                declaration.unit = unit
                declaration.save(update_fields=["unit", "updated_at"])
            else:
                declaration.save(update_fields=["updated_at"])
            counts = _replace_items(declaration, DECLARATION_ITEMS, built, "declaration")
            audit_record(actor=actor, action="declaration_save", obj=declaration,
                         to_state=declaration.status, data={"year": year, "rows": counts})
    except IntegrityError as exc:  # the database's own range checks, behind the validators
        raise InvalidInput(_("The declaration was not saved: a figure is out of range."),
                           code="invalid_declaration") from exc
    return declaration


def _transition(filing, *, action: str, actor, perm: str, allowed: list[str], to: str,
                reason: str = ""):
    model = type(filing)
    with transaction.atomic():
        filing = model.objects.select_for_update().select_related("unit").get(pk=filing.pk)
        if not can(actor, perm, filing):
            raise PermissionDenied(code="not_allowed")
        if filing.status not in allowed:
            raise InvalidTransition(
                _("This is not possible: the filing is %(status)s.") % {
                    "status": filing.get_status_display()}, code="invalid_transition")
        before = filing.status
        filing.status = to
        fields = ["status", "updated_at"]
        if to == DeclarationStatus.SUBMITTED:
            filing.submitted_at = clock.now()
            fields.append("submitted_at")
        filing.save(update_fields=fields)
        audit_record(actor=actor, action=action, obj=filing, from_state=before, to_state=to,
                     reason=reason, data={"year": filing.year, "cadre_id": filing.cadre_id})
    return filing


def declaration_submit(*, declaration: Declaration, actor) -> Declaration:
    """The cadre submits their draft: it can no longer be changed by them."""
    if declaration.cadre_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the cadre themself submits their declaration."),
                               code="not_owner")
    if not declaration.familymember_items.filter(relation="self").exists():
        raise InvalidInput(_("List yourself among the family members before submitting."),
                           code="invalid_declaration",
                           fields={"family": [_("List yourself among the family members.")]})
    return _transition(declaration, action="declaration_submit", actor=actor,
                       perm="supervision.view_declaration", allowed=[DeclarationStatus.DRAFT],
                       to=DeclarationStatus.SUBMITTED)


def declaration_lock(*, declaration: Declaration, actor) -> Declaration:
    """The organisation department archives a submitted declaration for good."""
    return _transition(declaration, action="declaration_lock", actor=actor,
                       perm="supervision.review_declaration",
                       allowed=[DeclarationStatus.SUBMITTED], to=DeclarationStatus.LOCKED)


def declaration_return(*, declaration: Declaration, actor, reason: str) -> Declaration:
    """The organisation department sends a submitted declaration back for correction."""
    reason = (reason or "").strip()[:500]
    if not reason:
        raise InvalidInput(_("Give a reason."), fields={"reason": [_("Give a reason.")]})
    return _transition(declaration, action="declaration_return", actor=actor,
                       perm="supervision.review_declaration",
                       allowed=[DeclarationStatus.SUBMITTED], to=DeclarationStatus.DRAFT,
                       reason=reason)


def personal_report_save(*, cadre, year: int, items: dict, actor, unit: Unit | None = None
                         ) -> PersonalMatterReport:
    """Create or replace the cadre's draft personal-matter report (items: REPORT_ITEMS)."""
    errors: dict[str, list[str]] = {}
    built = _build_rows(REPORT_ITEMS, items, "report", errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(_("The report was not saved: %(first)s") % {"first": first},
                           code="invalid_report", fields=errors)
    try:
        with transaction.atomic():
            report, year, unit = _filing_for_update(PersonalMatterReport, cadre=cadre,
                                                    year=year, unit=unit, actor=actor)
            if report is None:
                report = PersonalMatterReport.objects.create(cadre=cadre, year=year, unit=unit)
            else:
                report.unit = unit
                report.save(update_fields=["unit", "updated_at"])
            counts = _replace_items(report, REPORT_ITEMS, built, "report")
            audit_record(actor=actor, action="personal_report_save", obj=report,
                         to_state=report.status, data={"year": year, "rows": counts})
    except IntegrityError as exc:
        raise InvalidInput(_("The report was not saved: a figure is out of range."),
                           code="invalid_report") from exc
    return report


def personal_report_submit(*, report: PersonalMatterReport, actor) -> PersonalMatterReport:
    if report.cadre_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the cadre themself submits their report."),
                               code="not_owner")
    return _transition(report, action="personal_report_submit", actor=actor,
                       perm="supervision.view_personal_report",
                       allowed=[DeclarationStatus.DRAFT], to=DeclarationStatus.SUBMITTED)


def personal_report_lock(*, report: PersonalMatterReport, actor) -> PersonalMatterReport:
    return _transition(report, action="personal_report_lock", actor=actor,
                       perm="supervision.review_personal_report",
                       allowed=[DeclarationStatus.SUBMITTED], to=DeclarationStatus.LOCKED)


def integrity_read_record(*, user, declarations=(), reports=(),
                          kind: str = IntegrityReadLog.Kind.DETAIL) -> int:
    """Log reads by anyone but the filing's own cadre (the log is itself the record: no audit
    event per read). Returns the number of rows written."""
    if not getattr(user, "is_authenticated", False):
        return 0
    at = clock.now()
    rows = [IntegrityReadLog(declaration=d, user=user, kind=kind, at=at)
            for d in declarations if d.cadre_id != user.pk]
    rows += [IntegrityReadLog(report=r, user=user, kind=kind, at=at)
             for r in reports if r.cadre_id != user.pk]
    IntegrityReadLog.objects.bulk_create(rows)
    return len(rows)


def _share(value) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("The share must be a number between 0 and 1."),
                           fields={"share": [_("Between 0 and 1, e.g. 0.1 for 10 %.")]}) from exc
    if not share.is_finite() or not Decimal("0") < share <= 1:
        raise InvalidInput(_("The share must be a number between 0 and 1."),
                           fields={"share": [_("Between 0 and 1, e.g. 0.1 for 10 %.")]})
    return share.quantize(Decimal("0.0001"))


def _check_drawer(actor, unit: Unit) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor is None or not can(actor, "supervision.draw_spot_check", unit):
        raise PermissionDenied(_("Spot checks are drawn by the organisation department."),
                               code="not_allowed")


def spot_check_announce(*, year: int, seed: str, share, unit: Unit, actor) -> SpotCheck:
    """Publish the seed of a coming draw (e.g. a date and the number announced at a public
    meeting, or a lottery result of a named future day). The draw can only use a seed announced
    before it."""
    _check_drawer(actor, unit)
    seed = (seed or "").strip()
    if not seed or len(seed) > 200:
        raise InvalidInput(_("Give the seed (at most 200 characters)."),
                           fields={"seed": [_("Give the seed (at most 200 characters).")]})
    share = _share(share)
    try:
        with transaction.atomic():
            check = SpotCheck.objects.create(
                year=int(year), unit=unit, seed=seed, share=share, created_at=clock.now(),
                created_by=actor if getattr(actor, "is_authenticated", False) else None)
            audit_record(actor=actor, action="spot_check_announce", obj=check,
                         to_state=check.status,
                         data={"year": check.year, "unit_id": unit.pk, "seed": seed,
                               "share": str(share)})
    except IntegrityError as exc:
        raise InvalidInput(_("This seed has already been used for this year and unit."),
                           code="seed_used", fields={"seed": [_("Already used.")]}) from exc
    return check


def spot_check_eligible(*, year: int, unit: Unit) -> list[str]:
    """The cadres (usernames, sorted) with a submitted or locked declaration for `year` whose
    unit at the time lies in `unit`'s subtree."""
    return sorted(set(Declaration.objects.filter(
        year=year, unit__path__startswith=unit.path,
        status__in=[DeclarationStatus.SUBMITTED, DeclarationStatus.LOCKED],
    ).values_list("cadre__username", flat=True)))


def spot_check_draw(*, spot_check: SpotCheck | int, actor) -> SpotCheck:
    """Draw the announced spot check: integrity.draw(seed, eligible, share), stored with the
    eligible list and its hash so that anyone can re-run it."""
    pk = spot_check.pk if isinstance(spot_check, SpotCheck) else spot_check
    with transaction.atomic():
        check = SpotCheck.objects.select_for_update().select_related("unit").filter(
            pk=pk).first()
        if check is None:
            raise NotFound()
        _check_drawer(actor, check.unit)
        if check.status != SpotCheck.Status.ANNOUNCED:
            raise InvalidTransition(_("This spot check has already been drawn."),
                                    code="already_drawn")
        eligible = spot_check_eligible(year=check.year, unit=check.unit)
        if not eligible:
            raise InvalidTransition(_("No cadre has submitted a declaration for this year "
                                      "in this unit yet."), code="nobody_eligible")
        check.eligible = eligible
        check.eligible_hash = integrity_rules.eligible_hash(eligible)
        check.drawn = integrity_rules.draw(check.seed, eligible, check.share)
        check.status = SpotCheck.Status.DRAWN
        check.drawn_at = clock.now()
        check.save(update_fields=["eligible", "eligible_hash", "drawn", "status", "drawn_at"])
        audit_record(actor=actor, action="spot_check_draw", obj=check,
                     from_state=SpotCheck.Status.ANNOUNCED, to_state=check.status,
                     data={"eligible_hash": check.eligible_hash, "eligible": len(eligible),
                           "drawn": len(check.drawn)})
    return check


# --- reporting channel (举报) -------------------------------------------------------------------
# A report is sealed with its own key at once; the key is wrapped for every inspector free of
# conflict who holds a keypair, and for the reporter with a key derived from the receipt. The
# server keeps neither the receipt nor any inspector's passphrase, so it can read nothing by
# itself. No time beyond the day, no address, no device is stored; the submission is audited
# the next day in a batch (reports_audit_received). See docs/supervision/reporting.md.

REPORT_MAX_ACCUSED_CHARS = 200
REPORT_MAX_CONTENT_CHARS = 20000
REPORT_MAX_MESSAGE_CHARS = 5000
PASSPHRASE_MIN_CHARS = 12


@dataclass
class ReporterAccess:
    """A report opened with its receipt, and its key, for this request only."""

    report: Report
    key: bytes


def _today():
    return timezone.localdate(clock.now())


def _accused_unit(value, accused: str) -> Unit | None:
    """The unit the reporter chose (by id or code), else the non-root unit whose name the
    accused text names (the longest, so 东湖社区 wins over 东湖). The district root itself is
    never the accused unit: everyone works under it."""
    if isinstance(value, Unit):
        unit = value
    elif value not in (None, ""):
        value = str(value).strip()
        lookup = Q(code=value) | (Q(pk=int(value)) if value.isdigit() else Q(pk__in=[]))
        unit = Unit.objects.filter(lookup, is_active=True).first()
        if unit is None:
            raise InvalidInput(_("Choose the unit from the list."), code="accused_unit_unknown",
                               fields={"accused_unit": [_("Unknown unit.")]})
    else:
        named = [u for u in Unit.objects.filter(is_active=True, parent__isnull=False)
                 if u.name and u.name in accused]
        unit = max(named, key=lambda u: len(u.name), default=None)
    return unit if unit is not None and unit.parent_id is not None else None


def _read_upload(upload, max_bytes: int) -> bytes | None:
    """The file's bytes, or None when it is over the limit (the upload handler may already
    have dropped the data of an oversized file and flagged it)."""
    if getattr(upload, "too_big", False) or (getattr(upload, "size", 0) or 0) > max_bytes:
        return None
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    return None if len(data) > max_bytes else bytes(data)


def _check_evidence(files, errors: dict[str, list]) -> list[tuple[str, str, bytes]]:
    """(name, kind, bytes) of each evidence file, after every check; problems go to errors."""
    max_bytes = int(settings.REPORT_MAX_FILE_BYTES)
    max_count = int(settings.REPORT_MAX_FILES)
    files = list(files or ())
    if len(files) > max_count:
        errors.setdefault("too_many_files", []).append(
            _("At most %(count)d files can be attached.") % {"count": max_count})
        return []
    checked = []
    for upload in files:
        name = str(getattr(upload, "name", "") or "file")[:200]
        data = _read_upload(upload, max_bytes)
        if data is None:
            errors.setdefault("file_too_large", []).append(
                _("%(name)s is larger than %(mb)s MB.") % {"name": name,
                                                         "mb": round(max_bytes / 1048576, 1)})
            continue
        kind = rp.sniff_file_type(data) if data else None
        if kind is None:
            errors.setdefault("file_type", []).append(
                _("%(name)s is not an accepted file. Attach pictures (JPEG, PNG, GIF, WebP), PDF "
                  "or office documents.") % {"name": name})
            continue
        checked.append((name, kind, data))
    return checked


def _parse_day(value, errors: dict[str, list]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            errors.setdefault("occurred_on", []).append(_("Give the date as YYYY-MM-DD."))
            return None
    if value > _today():
        errors.setdefault("occurred_on", []).append(_("The date cannot be in the future."))
        return None
    return value


# Which stored error goes to which form field, and the code of the first one found.
_REPORT_ERROR_FIELDS = {
    "accused_required": "accused", "accused_too_long": "accused",
    "content_required": "content", "content_too_long": "content", "occurred_on": "occurred_on",
    "too_many_files": "files", "file_too_large": "files", "file_type": "files",
}


def _eligible_keys(report: Report) -> list[InspectorKey]:
    """Keys of active inspectors free of conflict with the report."""
    keys = InspectorKey.objects.filter(
        user__is_active=True, user__roles__role=Role.INSPECTOR).distinct().select_related("user")
    return [k for k in keys if not report_conflicts(k.user, report)]


def _evidence_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "reports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _write_evidence(path: Path, data: bytes, day: date) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    # The file's times say the day, not the hour (the inode's change time still says when:
    # see the threat model).
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    os.utime(path, (midnight.timestamp(), midnight.timestamp()))


def report_submit(*, accused: str, content: str, occurred_on=None, accused_unit=None,
                  files=()) -> tuple[Report, str]:
    """Accept a report; returns it and its receipt (shown to the reporter once, kept nowhere).
    Every check runs before anything is written; files are written inside the transaction and
    removed again if it fails, so an error leaves no row and no file behind."""
    accused, content = str(accused or "").strip(), str(content or "").strip()
    errors: dict[str, list] = {}
    if not accused:
        errors["accused_required"] = [_("Say who or which unit you are reporting.")]
    elif len(accused) > REPORT_MAX_ACCUSED_CHARS:
        errors["accused_too_long"] = [_("At most %(n)d characters.") % {"n": REPORT_MAX_ACCUSED_CHARS}]
    if not content:
        errors["content_required"] = [_("Describe what happened.")]
    elif len(content) > REPORT_MAX_CONTENT_CHARS:
        errors["content_too_long"] = [_("At most %(n)d characters.") % {"n": REPORT_MAX_CONTENT_CHARS}]
    day = _parse_day(occurred_on, errors)
    evidence = _check_evidence(files, errors)
    if errors:
        fields: dict[str, list] = {}
        for code, messages in errors.items():
            fields.setdefault(_REPORT_ERROR_FIELDS[code], []).extend(messages)
        raise InvalidInput(next(iter(errors.values()))[0], code=next(iter(errors)), fields=fields)
    unit = _accused_unit(accused_unit, accused)

    today = _today()
    clocks, ack_due, feedback_due = rp.report_deadlines(today)
    key, receipt = rp.new_report_key(), rp.new_receipt()
    reporter_salt = rp.new_salt()
    ops, mem = rp.kdf_limits("receipt")
    accused_salt = rp.new_salt()
    report = Report(
        received_on=today, clocks=clocks, ack_due=ack_due, feedback_due=feedback_due,
        receipt_hash=rp.receipt_hash(receipt), receipt_bucket=rp.receipt_bucket(receipt),
        reporter_wrap=rp.seal(rp.derive_key(receipt, reporter_salt, ops, mem), key),
        reporter_salt=reporter_salt, reporter_opslimit=ops, reporter_memlimit=mem,
        ciphertext=rp.seal_json(key, {"accused": accused, "content": content,
                                      "occurred_on": day.isoformat() if day else None}),
        accused_unit=unit, accused_salt=accused_salt,
        accused_hashes=rp.accused_name_hashes(accused_salt, accused),
    )
    readers = _eligible_keys(report)
    if not readers:
        raise rp.ChannelUnavailable()
    written: list[Path] = []
    try:
        with transaction.atomic():
            report.save(force_insert=True)
            ReportKeyWrap.objects.bulk_create([
                ReportKeyWrap(report=report, inspector_key=k,
                              wrapped_key=rp.wrap_for_inspector(key, k.public_key))
                for k in readers])
            folder = _evidence_dir() if evidence else None
            for name, kind, data in evidence:
                stored = secrets.token_hex(16)
                path = folder / stored
                written.append(path)
                _write_evidence(path, rp.seal(key, data), today)
                ReportFile.objects.create(report=report, stored_name=stored,
                                          meta=rp.seal_json(key, {"name": name, "kind": kind}))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return report, receipt


def _receipt_limits() -> tuple[int, int, int]:
    return (int(settings.REPORT_RECEIPT_MAX_FAILURES),
            int(settings.REPORT_RECEIPT_MAX_GLOBAL_FAILURES),
            int(settings.REPORT_RECEIPT_LOCKOUT_SECONDS))


def report_open_by_receipt(*, receipt, ident: str) -> ReporterAccess:
    """The report a receipt opens, with its key. Wrong receipts are counted per address (kept
    as a keyed tag) and overall, and lock the channel's look-ups for a while when too many;
    an unknown and a malformed receipt get the same answer after about the same work."""
    per_address, overall, window = _receipt_limits()
    # Per address in this process's memory only; overall in the database, in whole (UTC) days,
    # so the stored counter says no more than "today".
    address_key, global_key = f"report-receipt-fail:{ident}", "report-receipt-fail:all"
    if local_counter.hits(address_key) >= per_address or hits(global_key) >= overall:
        raise RateLimited()
    digits = rp.normalise_receipt(receipt)
    if digits is not None:
        for report in Report.objects.filter(receipt_bucket__in=rp.receipt_buckets(digits)):
            if rp.receipt_matches(report.receipt_hash, digits):
                wrapping = rp.derive_key(digits, bytes(report.reporter_salt),
                                         report.reporter_opslimit, report.reporter_memlimit)
                return ReporterAccess(report=report, key=rp.unseal(wrapping, report.reporter_wrap))
    rp.burn_receipt_check()
    local_counter.hit(address_key, window)
    count_hit(global_key, 86400, aligned=True)
    raise NotFound(_("No report matches this receipt."))


def _messages_of(report: Report, key: bytes, *, notes: bool = False) -> list[dict]:
    """The exchange with the reporter, or (`notes`) the inspectors' notes of the case."""
    messages = report.messages.all()
    messages = (messages.filter(side=ReportMessage.Side.NOTE) if notes
                else messages.exclude(side=ReportMessage.Side.NOTE))
    return [{"side": m.side, "day": m.sent_on, "text": rp.unseal(key, m.ciphertext).decode()}
            for m in messages]


def report_status(*, access: ReporterAccess) -> dict:
    """What the reporter sees: the status, the clocks and the messages, decrypted with the key
    their receipt unlocked."""
    report = access.report
    return {
        "status": report.status,
        "status_display": str(ReportStatus(report.status).label),
        "received_on": report.received_on,
        "ack_due": report.ack_due,
        "feedback_due": report.feedback_due,
        "messages": _messages_of(report, access.key),
    }


def _check_handler(report: Report, actor) -> None:
    """Inspectors free of conflict only; a conflicted one is told the case does not exist."""
    if not rules.has_perm("supervision.view_report", actor):
        raise PermissionDenied()
    if not rules.has_perm("supervision.handle_report", actor, report):
        raise NotFound(_("No such case."))


def report_key_for(*, report: Report, actor, private_key: bytes | None) -> bytes:
    """The report's key, unwrapped with the inspector's unlocked private key."""
    _check_handler(report, actor)
    if private_key is None:
        raise PermissionDenied(_("Unlock your key with your passphrase first."), code="key_locked")
    wrap = ReportKeyWrap.objects.filter(report=report, inspector_key__user=actor).first()
    key = rp.unwrap_for_inspector(wrap.wrapped_key, private_key) if wrap else None
    if key is None:
        raise PermissionDenied(
            _("This case has not been shared with your key yet. An inspector who can read it "
              "can share it with you."), code="no_case_key")
    return key


def _log_read(report: Report, actor, what: str) -> None:
    ReportRead.objects.create(report=report, user=actor, at=clock.now(), what=what)


def report_read(*, report: Report, actor, private_key: bytes | None) -> dict:
    """A case opened by an inspector: its content, messages and files' names. Logged."""
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    with transaction.atomic():
        _log_read(report, actor, "case")
    content = rp.unseal_json(key, report.ciphertext)
    files = [{"id": f.id, **rp.unseal_json(key, f.meta)} for f in report.files.all()]
    return {**content, "messages": _messages_of(report, key), "files": files,
            "notes": _messages_of(report, key, notes=True)}


def report_file_read(*, report_file: ReportFile, actor, private_key: bytes | None
                     ) -> tuple[str, str, bytes]:
    """(name, kind, bytes) of an evidence file. Logged."""
    report = report_file.report
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    meta = rp.unseal_json(key, report_file.meta)
    data = rp.unseal(key, (_evidence_dir() / report_file.stored_name).read_bytes())
    with transaction.atomic():
        _log_read(report, actor, "file")
    return meta["name"], meta["kind"], data


def _message_text(text) -> str:
    text = str(text or "").strip()
    if not text:
        raise InvalidInput(_("Write a message."), code="message_required",
                           fields={"text": [_("This field is required.")]})
    if len(text) > REPORT_MAX_MESSAGE_CHARS:
        raise InvalidInput(_("At most %(n)d characters.") % {"n": REPORT_MAX_MESSAGE_CHARS},
                           code="message_too_long", fields={"text": [_("Too long.")]})
    return text


def _add_message(report: Report, key: bytes, side: str, text: str) -> ReportMessage:
    """Inside the caller's transaction, with the report row locked."""
    last = report.messages.order_by("-seq").values_list("seq", flat=True).first() or 0
    return ReportMessage.objects.create(report=report, side=side, sent_on=_today(), seq=last + 1,
                                        ciphertext=rp.seal(key, text.encode()))


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


def report_message_add(*, text, access: ReporterAccess | None = None, report: Report | None = None,
                       actor=None, private_key: bytes | None = None) -> ReportMessage:
    """A message from the reporter (with `access` from their receipt) or from an inspector
    (`report`, `actor` and their unlocked `private_key`). Closed cases take no more messages.
    An inspector's message acknowledges the report, and once it is accepted gives feedback."""
    text = _message_text(text)
    if access is not None:
        report, key, side = access.report, access.key, ReportMessage.Side.REPORTER
    else:
        key = report_key_for(report=report, actor=actor, private_key=private_key)
        side = ReportMessage.Side.INSPECTOR
    with transaction.atomic():
        report = _locked(report)
        if not report.is_open:
            raise InvalidTransition(_("This case is closed."), code="report_closed")
        message = _add_message(report, key, side, text)
        if side == ReportMessage.Side.INSPECTOR:
            today = _today()
            report.acknowledged_on = report.acknowledged_on or today
            if report.status in (ReportStatus.ASSESSED, ReportStatus.INVESTIGATING):
                report.feedback_on = report.feedback_on or today
            report.save(update_fields=["acknowledged_on", "feedback_on"])
            # The reporter's own messages are not audited: the chain's clock would date them.
            audit_record(actor=actor, action="report_message", obj=report)
    return message


def report_note_add(*, report: Report, actor, private_key: bytes | None, text) -> ReportMessage:
    """An investigation step recorded by an inspector (who was heard, what was checked):
    sealed with the report's key like a message, dated by the day, for the inspectors only.
    It tells the reporter nothing, so it neither acknowledges nor gives feedback."""
    text = _message_text(text)
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    with transaction.atomic():
        report = _locked(report)
        if not report.is_open:
            raise InvalidTransition(_("This case is closed."), code="report_closed")
        note = _add_message(report, key, ReportMessage.Side.NOTE, text)
        audit_record(actor=actor, action="report_note", obj=report)
    return note


def _report_transition(*, report: Report, actor, action: str, allowed: list[str], to: str,
                       key: bytes | None = None, message: str = "", feedback: bool = False
                       ) -> Report:
    _check_handler(report, actor)
    with transaction.atomic():
        report = _locked(report)
        if report.status not in allowed:
            raise InvalidTransition(_("This action is not possible in the case's current state."))
        before, today = report.status, _today()
        report.status = to
        report.acknowledged_on = report.acknowledged_on or today
        if feedback:
            report.feedback_on = report.feedback_on or today
        report.save(update_fields=["status", "acknowledged_on", "feedback_on"])
        if message and key is not None:
            _add_message(report, key, ReportMessage.Side.INSPECTOR, message)
        audit_record(actor=actor, action=action, obj=report, from_state=before, to_state=to)
    return report


def report_assess(*, report: Report, actor, private_key: bytes | None, accept: bool,
                  reason: str = "") -> Report:
    """Accept the report for investigation, or not (a reason is required). The reason, if
    any, is told to the reporter as a message, which counts as feedback; it is never written
    to the audit log."""
    reason = str(reason or "").strip()
    if not accept and not reason:
        raise InvalidInput(_("Give the reason for not accepting the report."),
                           code="reason_required", fields={"reason": [_("This field is required.")]})
    key = report_key_for(report=report, actor=actor, private_key=private_key) if reason else None
    if reason:
        reason = _message_text(reason)
    return _report_transition(
        report=report, actor=actor, action="report_assess", allowed=[ReportStatus.RECEIVED],
        to=ReportStatus.ASSESSED if accept else ReportStatus.NOT_ACCEPTED, key=key,
        message=reason, feedback=bool(reason))


def report_investigate(*, report: Report, actor) -> Report:
    return _report_transition(report=report, actor=actor, action="report_investigate",
                              allowed=[ReportStatus.ASSESSED], to=ReportStatus.INVESTIGATING)


def report_conclude(*, report: Report, actor, private_key: bytes | None, result: str) -> Report:
    """Close the investigation; the result goes to the reporter as a message."""
    if not str(result or "").strip():
        raise InvalidInput(_("Write the result that will be told to the reporter."),
                           code="result_required", fields={"result": [_("This field is required.")]})
    result = _message_text(result)
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    return _report_transition(
        report=report, actor=actor, action="report_conclude",
        allowed=[ReportStatus.INVESTIGATING], to=ReportStatus.CONCLUDED, key=key,
        message=result, feedback=True)


def report_share(*, report: Report, actor, private_key: bytes | None) -> int:
    """Wrap the report's key for every eligible inspector who has a keypair but no copy yet
    (inspectors added after the report came in). Returns how many were added."""
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    have = set(report.wraps.values_list("inspector_key_id", flat=True))
    new = [k for k in _eligible_keys(report) if k.pk not in have]
    if not new:
        return 0
    with transaction.atomic():
        ReportKeyWrap.objects.bulk_create([
            ReportKeyWrap(report=report, inspector_key=k,
                          wrapped_key=rp.wrap_for_inspector(key, k.public_key)) for k in new])
        audit_record(actor=actor, action="report_share", obj=report,
                     data={"inspectors": sorted(k.user_id for k in new)})
    return len(new)


def reports_share_all(*, actor, private_key: bytes | None) -> int:
    """report_share for every case the actor can read."""
    shared = 0
    for report in Report.objects.filter(wraps__inspector_key__user=actor).distinct():
        if rules.has_perm("supervision.handle_report", actor, report):
            shared += report_share(report=report, actor=actor, private_key=private_key)
    return shared


def inspector_key_create(*, user, passphrase: str, replace: bool = False) -> InspectorKey:
    """An inspector's keypair, its private key sealed with their passphrase. Replacing it (a
    forgotten passphrase) drops the old copies of report keys: another inspector must share
    the cases again."""
    if not has_role(user, Role.INSPECTOR):
        raise PermissionDenied(_("Only inspectors hold reporting keys."))
    _check_passphrase(passphrase, "passphrase")
    locked = rp.keypair_create(passphrase)
    with transaction.atomic():
        existing = InspectorKey.objects.select_for_update().filter(user=user).first()
        if existing is not None:
            if not replace:
                raise Conflict(_("You already have a key."), code="key_exists")
            existing.delete()
        key = InspectorKey.objects.create(
            user=user, public_key=locked.public_key, sealed_private_key=locked.sealed_private_key,
            salt=locked.salt, opslimit=locked.opslimit, memlimit=locked.memlimit)
        audit_record(actor=user, action="inspector_key_create", obj=key,
                     data={"replaced": existing is not None})
    return key


def _check_passphrase(passphrase: str, field: str) -> None:
    if len(passphrase or "") < PASSPHRASE_MIN_CHARS:
        raise InvalidInput(_("The passphrase must have at least %(n)d characters.")
                           % {"n": PASSPHRASE_MIN_CHARS}, code="passphrase_too_short",
                           fields={field: [_("Too short.")]})


def inspector_key_change_passphrase(*, user, passphrase: str, new_passphrase: str) -> InspectorKey:
    """Seal the same private key under a new passphrase. The public key does not change, so
    every case already shared with the inspector stays readable; nothing needs re-sharing.
    The current passphrase is checked like an unlock (wrong ones count toward the lockout)."""
    _check_passphrase(new_passphrase, "new_passphrase")
    private_key = inspector_key_unlock(user=user, passphrase=passphrase)
    locked = rp.keypair_lock(private_key, new_passphrase)
    with transaction.atomic():
        key = InspectorKey.objects.select_for_update().get(user=user)
        if bytes(key.public_key) != locked.public_key:
            # The key was replaced between the unlock and this transaction.
            raise Conflict(_("Your key changed meanwhile; try again."), code="conflict")
        key.sealed_private_key = locked.sealed_private_key
        key.salt, key.opslimit, key.memlimit = locked.salt, locked.opslimit, locked.memlimit
        key.save(update_fields=["sealed_private_key", "salt", "opslimit", "memlimit"])
        audit_record(actor=user, action="inspector_key_change_passphrase", obj=key, data={})
    return key


def inspector_key_unlock(*, user, passphrase: str) -> bytes:
    """The inspector's private key, for their session. Wrong passphrases are counted per
    person and lock unlocking for the lockout period."""
    limit, _overall, window = _receipt_limits()
    fail_key = f"inspector-unlock-fail:{user.pk}"
    if hits(fail_key) >= limit:
        raise RateLimited()
    stored = InspectorKey.objects.filter(user=user).first()
    if stored is None:
        raise NotFound(_("You have no key yet."), code="no_key")
    private_key = rp.keypair_unlock(stored, passphrase or "")
    if private_key is None:
        count_hit(fail_key, window)
        raise PermissionDenied(_("Wrong passphrase."), code="wrong_passphrase")
    return private_key


def inspection_leads():
    return get_user_model().objects.filter(
        roles__role=Role.INSPECTOR, roles__unit__parent__isnull=True, is_active=True).distinct()


def report_escalate_overdue(*, report: Report | str, today: date) -> Report | None:
    """Tell the inspection leads free of conflict that a case has passed a clock: its id and
    which clock, never its content. Each clock escalates once."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(
            pk=report.pk if isinstance(report, Report) else report).first()
        if report is None or not report.is_open:
            return None
        late = []
        if report.acknowledged_on is None and report.ack_due < today and not report.ack_escalated_on:
            report.ack_escalated_on = today
            late.append("acknowledgement")
        if report.feedback_on is None and report.feedback_due < today and not report.feedback_escalated_on:
            report.feedback_escalated_on = today
            late.append("feedback")
        if not late:
            return None
        report.save(update_fields=["ack_escalated_on", "feedback_escalated_on"])
        leads = [u for u in inspection_leads() if not report_conflicts(u, report)]
        names = {"acknowledgement": _("Acknowledgement due"), "feedback": _("Feedback due")}
        notify_people(leads, subject=_("A report is overdue"),
                      body=_("Case %(case)s has passed its deadline (%(clocks)s).")
                      % {"case": report.short_id, "clocks": ", ".join(str(names[c]) for c in late)},
                      link=reverse("supervision:report-case", args=[report.pk]))
        audit_record(actor=SYSTEM, action="report_escalate", obj=report,
                     data={"clocks": late, "leads": len(leads)})
    return report


def reports_audit_received(*, today: date) -> int:
    """Audit the reports received before today, in random order, and tell the leads how many
    arrived: the audit chain and the notifications then date them to the day only."""
    pending = list(Report.objects.filter(received_on__lt=today, received_audited=False))
    if not pending:
        return 0
    secrets.SystemRandom().shuffle(pending)
    with transaction.atomic():
        for report in pending:
            audit_record(actor=SYSTEM, action="report_received", obj=report,
                         to_state=ReportStatus.RECEIVED,
                         data={"received_on": report.received_on.isoformat()})
        Report.objects.filter(pk__in=[r.pk for r in pending]).update(received_audited=True)
        notify_people(list(inspection_leads()), subject=_("New reports"),
                      body=_("%(count)d new report(s) arrived.") % {"count": len(pending)},
                      link=reverse("supervision:report-cases"))
    return len(pending)
