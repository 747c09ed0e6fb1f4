"""Every write of the evaluation app, one section per capability (each under its header)."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, F, IntegerField, Max, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, SYSTEM, may, units_where, users_with_role
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL, Calendar
from lianxin.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from lianxin.core.models import Notification, Role, RoleAssignment, Unit
from lianxin.core.notify import notification_send, notify_people
from lianxin.core.ratelimit import within_rate
from lianxin.core.text import INVISIBLE as _INVISIBLE

from . import appraisal
from .models import (
    CommentStatus,
    Direction,
    DutyReport,
    Indicator,
    IndicatorResult,
    IndicatorScheme,
    Inquiry,
    InquiryStatus,
    ReportRating,
    ReportStatus,
    ResultSnapshot,
    SchemeStatus,
    UnitResult,
)
from .models.appraisal import (
    RATING_VALUES,
    AppraisalCampaign,
    AppraisalComment,
    AppraisalInvitation,
    AppraisalQuestion,
    AppraisalTally,
    AppraisalTarget,
)

# --- indicators -----------------------------------------------------------------------------
# Schemes are versioned per year; a published version is frozen and results are snapshots
# computed with it (docs/evaluation/indicators.md).

WEIGHT_TOTAL = Decimal("100")
_CENT = Decimal("0.01")
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_INDICATORS = 50


def _require(actor, perm: str, obj=None) -> None:
    if actor is None or not may(actor, perm, obj):
        raise PermissionDenied()


def _decimal(value, *, field: str, label) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace("%", ""))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1e10"):
        raise InvalidInput(
            _("%(field)s: enter a number.") % {"field": label},
            fields={field: [_("Enter a number.")]},
        )
    return number.quantize(_CENT, rounding=ROUND_HALF_UP)


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            _("Enter a year between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="invalid_year",
            fields={"year": [_("Not a valid year.")]},
        )
    return year


def indicators_clean(rows: list[dict]) -> list[dict]:
    """Check a scheme's whole list of indicators; the weights must sum to exactly 100 %.
    Raises InvalidInput naming the first problem (the row number counts from 1)."""
    from .measures import MEASURES

    if not rows:
        raise InvalidInput(_("A scheme needs at least one indicator."), code="no_indicators")
    if len(rows) > MAX_INDICATORS:
        raise InvalidInput(_("A scheme has at most %(n)d indicators.") % {"n": MAX_INDICATORS})
    clean: list[dict] = []
    names: set[str] = set()
    for number, row in enumerate(rows, start=1):

        def fail(message, field, number=number):
            raise InvalidInput(
                _("Indicator %(n)d: %(message)s") % {"n": number, "message": message},
                code="invalid_indicator",
                fields={field: [message]},
            )

        name = _INVISIBLE.sub("", str(row.get("name") or "")).strip()
        if not name:
            fail(_("a name is required."), "name")
        if len(name) > 100:
            fail(_("the name has at most 100 characters."), "name")
        if name in names:
            fail(_("two indicators have the same name."), "name")
        names.add(name)
        source = str(row.get("source") or "")
        measure = MEASURES.get(source)
        if measure is None:
            fail(_("choose a source measure."), "source")
        if not measure.available:
            fail(
                _("the source “%(source)s” is not available yet.") % {"source": measure.label},
                "source",
            )
        direction = str(row.get("direction") or "")
        if direction not in Direction.values:
            fail(_("choose whether higher or lower is better."), "direction")
        target = _decimal(row.get("target"), field="target", label=_("Target"))
        if direction == Direction.HIGHER and target <= 0:
            fail(_("when higher is better the target must be above 0."), "target")
        if target < 0:
            fail(_("the target cannot be negative."), "target")
        weight = _decimal(row.get("weight"), field="weight", label=_("Weight"))
        if not 0 < weight <= WEIGHT_TOTAL:
            fail(_("the weight must be above 0 and at most 100 %."), "weight")
        clean.append(
            {
                "name": name,
                "source": source,
                "direction": direction,
                "target": target,
                "weight": weight,
            }
        )
    total = sum((r["weight"] for r in clean), Decimal(0))
    if total != WEIGHT_TOTAL:
        raise InvalidInput(
            _("The weights must sum to 100 %%; they sum to %(total)s %%.") % {"total": total},
            code="weights_not_100",
            fields={"weight": [_("The weights must sum to 100 %.")]},
        )
    return clean


def _replace_indicators(scheme: IndicatorScheme, rows: list[dict]) -> None:
    scheme.indicators.all().delete()
    Indicator.objects.bulk_create(
        [Indicator(scheme=scheme, position=n, **row) for n, row in enumerate(rows)]
    )


def _indicator_rows(scheme: IndicatorScheme) -> list[dict]:
    return [
        {
            "name": i.name,
            "source": i.source,
            "direction": i.direction,
            "target": i.target,
            "weight": i.weight,
        }
        for i in scheme.indicators.order_by("position", "id")
    ]


def _lock_scheme(scheme: IndicatorScheme | int) -> IndicatorScheme:
    pk = scheme.pk if isinstance(scheme, IndicatorScheme) else scheme
    locked = IndicatorScheme.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("Indicator scheme not found."))
    return locked


def _frozen(scheme: IndicatorScheme) -> InvalidTransition:
    return InvalidTransition(
        _(
            "Version %(version)d of the %(year)d scheme is %(status)s and cannot be changed; make "
            "a new version instead."
        )
        % {"version": scheme.version, "year": scheme.year, "status": scheme.get_status_display()},
        code="scheme_frozen",
    )


def scheme_create(
    *,
    year,
    name: str,
    actor,
    indicators: list[dict] | None = None,
    copy_from: IndicatorScheme | None = None,
) -> IndicatorScheme:
    """A new draft version of a year's scheme: empty, with the given indicators, or a copy of
    another scheme's (for instance last year's published one)."""
    _require(actor, "evaluation.manage_indicators")
    year = _year(year)
    name = _INVISIBLE.sub("", str(name or "")).strip()[:200] or _("Indicator scheme %(year)d") % {
        "year": year
    }
    rows = indicators_clean(indicators) if indicators is not None else None
    if rows is None and copy_from is not None:
        rows = indicators_clean(_indicator_rows(copy_from))
    with transaction.atomic():
        # Versions of a year are numbered in order: serialise with other writers of that year.
        list(IndicatorScheme.objects.select_for_update().filter(year=year).values_list("pk"))
        if IndicatorScheme.objects.filter(year=year, status=SchemeStatus.DRAFT).exists():
            raise Conflict(
                _("The %(year)d scheme already has a draft version; edit that one.")
                % {"year": year},
                code="draft_exists",
            )
        version = (
            IndicatorScheme.objects.filter(year=year).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        scheme = IndicatorScheme.objects.create(
            year=year,
            version=version,
            name=name,
            based_on=copy_from,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if rows:
            _replace_indicators(scheme, rows)
        audit_record(
            actor=actor,
            action="scheme_create",
            obj=scheme,
            to_state=scheme.status,
            data={
                "year": year,
                "version": version,
                "based_on": copy_from.pk if copy_from else None,
                "indicators": len(rows or []),
            },
        )
    return scheme


def scheme_save(
    *, scheme: IndicatorScheme, actor, indicators: list[dict], name: str | None = None
) -> IndicatorScheme:
    """Replace a draft's indicators (and name) as a whole: the weights of the new list must
    sum to 100 %, or nothing is saved."""
    _require(actor, "evaluation.manage_indicators", scheme)
    rows = indicators_clean(indicators)
    with transaction.atomic():
        scheme = _lock_scheme(scheme)
        if scheme.status != SchemeStatus.DRAFT:
            raise _frozen(scheme)
        if name is not None and name.strip():
            scheme.name = _INVISIBLE.sub("", name).strip()[:200]
        scheme.save(update_fields=["name", "updated_at"])
        _replace_indicators(scheme, rows)
        audit_record(
            actor=actor,
            action="scheme_save",
            obj=scheme,
            data={
                "indicators": [
                    {**r, "target": str(r["target"]), "weight": str(r["weight"])} for r in rows
                ]
            },
        )
    return scheme


def scheme_publish(*, scheme: IndicatorScheme, actor) -> IndicatorScheme:
    """Freeze a draft as the year's scheme (the version in force is retired). Not once the
    year's results have been computed: those stay what they were."""
    _require(actor, "evaluation.manage_indicators", scheme)
    with transaction.atomic():
        scheme = _lock_scheme(scheme)
        if scheme.status != SchemeStatus.DRAFT:
            raise InvalidTransition(_("Only a draft can be published."), code="not_draft")
        indicators_clean(_indicator_rows(scheme))  # still sums to 100, sources still there
        in_force = (
            IndicatorScheme.objects.select_for_update()
            .filter(year=scheme.year, status=SchemeStatus.PUBLISHED)
            .first()
        )
        if in_force is not None and ResultSnapshot.objects.filter(year=scheme.year).exists():
            raise InvalidTransition(
                _(
                    "The results of %(year)d were computed with version %(version)d; that version "
                    "stays in force."
                )
                % {"year": scheme.year, "version": in_force.version},
                code="results_exist",
            )
        if in_force is not None:
            in_force.status = SchemeStatus.RETIRED
            in_force.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                action="scheme_retire",
                obj=in_force,
                from_state=SchemeStatus.PUBLISHED,
                to_state=SchemeStatus.RETIRED,
                data={"replaced_by": scheme.pk},
            )
        scheme.status = SchemeStatus.PUBLISHED
        scheme.published_at = clock.now()
        scheme.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="scheme_publish",
            obj=scheme,
            from_state=SchemeStatus.DRAFT,
            to_state=SchemeStatus.PUBLISHED,
            data={"year": scheme.year, "version": scheme.version},
        )
    return scheme


def scheme_revise(*, scheme: IndicatorScheme, actor) -> IndicatorScheme:
    """Editing a frozen scheme: a new draft version of the same year with its indicators."""
    return scheme_create(year=scheme.year, name=scheme.name, actor=actor, copy_from=scheme)


def normalise(value: float, *, target: Decimal, direction: str) -> Decimal:
    """Achievement against target as a score 0–100, capped at 100: value / target when higher
    is better, target / value when lower is better (a value at or under the target scores
    100)."""
    value_d = Decimal(str(value))
    if direction == Direction.LOWER:
        ratio = Decimal(1) if value_d <= target else target / value_d
    else:
        ratio = value_d / target if target > 0 else Decimal(0)
    ratio = min(max(ratio, Decimal(0)), Decimal(1))
    return (ratio * 100).quantize(_CENT, rounding=ROUND_HALF_UP)


def composite_lines(
    indicators: list[Indicator], values: dict[int, float | None]
) -> tuple[list[dict], Decimal | None]:
    """One unit's lines (indicator id -> value) and its composite = the sum of the lines'
    contributions. An indicator the unit had nothing to measure for (value None) lends its
    weight to the others in proportion; with none measured the composite is None."""
    measured = sum((i.weight for i in indicators if values.get(i.pk) is not None), Decimal(0))
    lines: list[dict] = []
    for indicator in indicators:
        value = values.get(indicator.pk)
        line = {
            "indicator": indicator,
            "value": value,
            "score": None,
            "effective_weight": Decimal(0),
            "contribution": Decimal(0),
        }
        if value is not None and measured > 0:
            score = normalise(value, target=indicator.target, direction=indicator.direction)
            weight = (indicator.weight * WEIGHT_TOTAL / measured).quantize(Decimal("0.0001"))
            line.update(
                score=score,
                effective_weight=weight,
                contribution=(score * indicator.weight / measured).quantize(
                    _CENT, rounding=ROUND_HALF_UP
                ),
            )
        lines.append(line)
    if measured == 0:
        return lines, None
    return lines, sum((line["contribution"] for line in lines), Decimal(0))


def indicator_results_compute(*, year, actor, units: list[Unit] | None = None) -> ResultSnapshot:
    """Compute the year's composite scores with the year's published scheme version and store
    them as a new snapshot (earlier snapshots stay). No data at all: nothing is stored."""
    from .measures import MEASURES, measure_values, year_months
    from .selectors import assessed_units, scheme_in_force

    _require(actor, "evaluation.manage_indicators")
    year = _year(year)
    if year > clock.now().astimezone(LOCAL).year:
        raise InvalidInput(
            _("The year %(year)d has not begun.") % {"year": year}, code="future_year"
        )
    scheme = scheme_in_force(year)
    if scheme is None:
        raise InvalidInput(
            _("There is no published scheme for %(year)d.") % {"year": year},
            code="no_published_scheme",
        )
    units = assessed_units() if units is None else units
    if not units:
        raise InvalidInput(_("There are no units to assess."), code="no_units")
    indicators = list(scheme.indicators.order_by("position", "id"))
    keys = sorted({i.source for i in indicators})
    try:
        values = measure_values(keys, units, year)
    except LookupError as exc:
        measure = MEASURES.get(str(exc.args[0]))
        raise InvalidInput(
            _("The source “%(source)s” is not available.")
            % {"source": measure.label if measure else exc.args[0]},
            code="measure_unavailable",
        ) from exc
    rows = []
    for unit in units:
        lines, composite = composite_lines(
            indicators, {i.pk: values[i.source].get(unit.pk) for i in indicators}
        )
        rows.append((unit, lines, composite))
    if all(composite is None for _unit, _lines, composite in rows):
        raise InvalidInput(
            _("There is no data for %(year)d: no unit has a value for any indicator.")
            % {"year": year},
            code="no_data",
        )
    ranked = sorted((c for _u, _l, c in rows if c is not None), reverse=True)
    start, end = year_months(year)
    with transaction.atomic():
        snapshot = ResultSnapshot.objects.create(
            year=year,
            scheme=scheme,
            computed_at=clock.now(),
            period_start=start,
            period_end=end,
            computed_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        results = UnitResult.objects.bulk_create(
            [
                UnitResult(
                    snapshot=snapshot,
                    unit=unit,
                    composite=composite,
                    rank=None if composite is None else ranked.index(composite) + 1,
                )
                for unit, _lines, composite in rows
            ]
        )
        if any(r.pk is None for r in results):  # backends that return no ids on bulk insert
            results = list(snapshot.units.order_by("id"))
        IndicatorResult.objects.bulk_create(
            [
                IndicatorResult(
                    unit_result=result,
                    indicator=line["indicator"],
                    position=n,
                    name=line["indicator"].name,
                    source=line["indicator"].source,
                    direction=line["indicator"].direction,
                    target=line["indicator"].target,
                    weight=line["indicator"].weight,
                    value=line["value"],
                    score=line["score"],
                    effective_weight=line["effective_weight"],
                    contribution=line["contribution"],
                )
                for result, (_unit, lines, _c) in zip(results, rows, strict=True)
                for n, line in enumerate(lines)
            ]
        )
        audit_record(
            actor=actor,
            action="indicator_results_compute",
            obj=snapshot,
            data={
                "year": year,
                "scheme": scheme.pk,
                "version": scheme.version,
                "units": len(units),
            },
        )
    return snapshot


# --- reports and inquiries -------------------------------------------------------------------

MAX_REPORT_TEXT = 20000
MAX_RATING_COMMENT = 1000
MAX_INQUIRY_TEXT = 5000


def _text(value, *, field: str, label, max_length: int, required: bool = True) -> str:
    text = _INVISIBLE.sub("", "" if value is None else str(value)).strip()
    if required and not text:
        raise InvalidInput(
            _("%(field)s: this field is required.") % {"field": label},
            fields={field: [_("This field is required.")]},
        )
    if len(text) > max_length:
        message = _("At most %(n)d characters.") % {"n": max_length}
        raise InvalidInput(
            _("%(field)s: %(message)s") % {"field": label, "message": message},
            fields={field: [message]},
        )
    return text


def _report_year(value) -> int:
    year = _year(value)
    if year > clock.now().astimezone(LOCAL).year:
        raise InvalidInput(
            _("A report is written for a year that has begun."),
            code="invalid_year",
            fields={"year": [_("Not a valid year.")]},
        )
    return year


def _lock_report(report: DutyReport | int) -> DutyReport:
    pk = report.pk if isinstance(report, DutyReport) else report
    locked = DutyReport.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("Report not found."))
    return locked


def duty_report_create(*, author, unit: Unit, year, title: str, text: str) -> DutyReport:
    """A cadre's draft report for a unit in which the cadre holds an official role."""
    _require(author, "evaluation.write_duty_report")
    if unit not in units_where(author, *OFFICIAL_ROLES):
        raise PermissionDenied(
            _("You can only report for a unit in which you hold a post."), code="not_your_unit"
        )
    year = _report_year(year)
    title = _text(title, field="title", label=_("Title"), max_length=200)
    text = _text(text, field="text", label=_("Text"), max_length=MAX_REPORT_TEXT)
    with transaction.atomic():
        if DutyReport.objects.filter(author=author, unit=unit, year=year).exists():
            raise Conflict(
                _("You already have a report for %(year)d in this unit.") % {"year": year},
                code="report_exists",
            )
        try:
            with transaction.atomic():
                report = DutyReport.objects.create(
                    author=author, unit=unit, year=year, title=title, text=text
                )
        except IntegrityError as exc:
            raise Conflict(
                _("You already have a report for %(year)d in this unit.") % {"year": year},
                code="report_exists",
            ) from exc
        audit_record(
            actor=author,
            action="duty_report_create",
            obj=report,
            to_state=report.status,
            data={"unit": unit.pk, "year": year},
        )
    return report


def duty_report_update(*, report: DutyReport, actor, title: str, text: str) -> DutyReport:
    _require(actor, "evaluation.edit_duty_report", report)
    title = _text(title, field="title", label=_("Title"), max_length=200)
    text = _text(text, field="text", label=_("Text"), max_length=MAX_REPORT_TEXT)
    with transaction.atomic():
        report = _lock_report(report)
        if report.status != ReportStatus.DRAFT:
            raise InvalidTransition(
                _("A published report cannot be changed."), code="report_published"
            )
        report.title, report.text = title, text
        report.save(update_fields=["title", "text", "updated_at"])
        audit_record(actor=actor, action="duty_report_update", obj=report)
    return report


def duty_report_publish(*, report: DutyReport, actor) -> DutyReport:
    _require(actor, "evaluation.edit_duty_report", report)
    with transaction.atomic():
        report = _lock_report(report)
        if report.status != ReportStatus.DRAFT:
            raise InvalidTransition(_("This report is already published."), code="report_published")
        report.status = ReportStatus.PUBLISHED
        report.published_at = clock.now()
        report.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="duty_report_publish",
            obj=report,
            from_state=ReportStatus.DRAFT,
            to_state=ReportStatus.PUBLISHED,
        )
    return report


def _anon_key(report: DutyReport, address: str) -> str:
    key = getattr(settings, "QUERY_CODE_KEY", settings.SECRET_KEY).encode()
    return hmac.new(key, f"duty-rating:{report.pk}:{address}".encode(), hashlib.sha256).hexdigest()


def _anon_rate_ok(address: str) -> bool:
    """At most DUTY_RATING_ANON_RATE anonymous ratings per address ("10/hour"; "off")."""
    key = f"duty-rating-anon:{hashlib.sha256(address.encode()).hexdigest()[:32]}"
    return within_rate(key, settings.DUTY_RATING_ANON_RATE)


def duty_report_rate(
    *, report: DutyReport, actor=None, stars, comment: str = "", client_address: str = ""
) -> ReportRating:
    """A citizen's rating (1–5) and optional comment, held for moderation. One per citizen
    account; without an account, one per network address and report, and a few per hour."""
    actor = actor if actor is not None else AnonymousUser()
    _require(actor, "evaluation.rate_duty_report", report)
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise InvalidInput(
            _("Rate from 1 to 5 stars."),
            code="invalid_rating",
            fields={"stars": [_("Rate from 1 to 5 stars.")]},
        )
    comment = _text(
        comment, field="comment", label=_("Comment"), max_length=MAX_RATING_COMMENT, required=False
    )
    anonymous = not actor.is_authenticated
    if anonymous and not client_address:
        raise PermissionDenied(_("Log in to rate this report."))
    already = Conflict(_("You have already rated this report."), code="already_rated")
    with transaction.atomic():
        report = _lock_report(report)
        if report.status != ReportStatus.PUBLISHED:
            raise InvalidTransition(
                _("Only a published report can be rated."), code="report_not_published"
            )
        anon_key = _anon_key(report, client_address) if anonymous else ""
        mine = Q(anon_key=anon_key) if anonymous else Q(user=actor)
        if report.ratings.filter(mine).exists():
            raise already
        if anonymous and not _anon_rate_ok(client_address):
            raise RateLimited()
        try:
            with transaction.atomic():
                rating = ReportRating.objects.create(
                    report=report,
                    user=None if anonymous else actor,
                    anon_key=anon_key,
                    stars=stars,
                    comment=comment,
                    comment_status=CommentStatus.PENDING if comment else CommentStatus.NONE,
                )
        except IntegrityError as exc:
            raise already from exc
        audit_record(
            actor=None if anonymous else actor,
            actor_label=_("anonymous citizen") if anonymous else "",
            action="duty_report_rate",
            obj=rating,
            to_state=rating.comment_status,
            data={"report": report.pk, "stars": stars},
        )
    return rating


def report_comment_moderate(*, rating: ReportRating, actor, approve: bool) -> ReportRating:
    _require(actor, "evaluation.moderate_report_comment", rating)
    with transaction.atomic():
        rating = ReportRating.objects.select_for_update().filter(pk=rating.pk).first()
        if rating is None:
            raise NotFound(_("Comment not found."))
        if rating.comment_status != CommentStatus.PENDING:
            raise InvalidTransition(
                _("This comment has already been moderated."), code="comment_moderated"
            )
        rating.comment_status = CommentStatus.APPROVED if approve else CommentStatus.REJECTED
        rating.moderated_by, rating.moderated_at = actor, clock.now()
        rating.save(update_fields=["comment_status", "moderated_by", "moderated_at"])
        audit_record(
            actor=actor,
            action="report_comment_moderate",
            obj=rating,
            from_state=CommentStatus.PENDING,
            to_state=rating.comment_status,
        )
    return rating


_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _lock_inquiry(inquiry: Inquiry | int) -> Inquiry:
    pk = inquiry.pk if isinstance(inquiry, Inquiry) else inquiry
    locked = (
        Inquiry.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=pk).first()
    )
    if locked is None:
        raise NotFound(_("Inquiry not found."))
    return locked


def inquiry_submit(
    *, asker, unit: Unit, title: str, text: str, cadre=None, as_deputy: bool = False,
    name: str = "", phone: str = "", ident: str = "",
) -> Inquiry:
    """A public inquiry to a unit (or one of its cadres), due INQUIRY_ANSWER_WORKDAYS working
    days later; the unit's leaders are told. A citizen without an account (`asker` None or
    anonymous) gives a name and a mobile number, as for an appeal; the number is never shown
    and gets the answer by SMS. Such inquiries from one address (`ident`) are limited by
    PUBLIC_SUBMIT_RATE."""
    from .selectors import inquiry_answer_days

    anonymous = asker is None or not asker.is_authenticated
    if anonymous:
        asker = None
        errors = {}
        name = _INVISIBLE.sub("", str(name or "")).strip()
        phone = re.sub(r"[\s-]", "", str(phone or ""))
        if not name or len(name) > 50:
            errors["name"] = [_("Give your name (at most 50 characters).")]
        if not _MOBILE.match(phone):
            errors["phone"] = [_("Give a mainland mobile number of 11 digits, e.g. 13800000000.")]
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), code="inquiry_asker",
                               fields=errors)
        if as_deputy:
            raise PermissionDenied(_("Deputies ask with their account."))
        rate = getattr(settings, "PUBLIC_SUBMIT_RATE", "30/hour")
        if not within_rate(f"inquiry-submit:{hashlib.sha256(ident.encode()).hexdigest()[:32]}",
                           rate):
            raise RateLimited(_("Too many inquiries from this network; please try again later."))
    else:
        name, phone = "", ""
        _require(asker, "evaluation.ask_inquiry")
        if as_deputy:
            _require(asker, "evaluation.ask_inquiry_as_deputy")
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
            code="cadre_not_in_unit",
            fields={"cadre": [_("Not a cadre of this unit.")]},
        )
    title = _text(title, field="title", label=_("Title"), max_length=200)
    text = _text(text, field="text", label=_("Question"), max_length=MAX_INQUIRY_TEXT)
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
            data={"unit": unit.pk, "cadre": cadre.pk if cadre else None, "deadline": deadline,
                  "account": asker is not None},
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
    with transaction.atomic():
        inquiry = _lock_inquiry(inquiry)
        _require(actor, "evaluation.answer_inquiry", inquiry)
        if inquiry.status != InquiryStatus.OPEN:
            raise InvalidTransition(
                _("Only an inquiry awaiting its answer can be answered."), code="inquiry_not_open"
            )
        text = _text(text, field="answer", label=_("Answer"), max_length=MAX_INQUIRY_TEXT)
        inquiry.answer, inquiry.answered_by, inquiry.answered_at = text, actor, clock.now()
        inquiry.status = InquiryStatus.ANSWERED
        inquiry.save(update_fields=["answer", "answered_by", "answered_at", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="inquiry_answer",
            obj=inquiry,
            from_state=InquiryStatus.OPEN,
            to_state=InquiryStatus.ANSWERED,
            data={"on_time": inquiry.answered_on_time},
        )
        link = reverse("evaluation:inquiry", args=[inquiry.pk])
        if inquiry.asker is not None:
            notify_people([inquiry.asker], subject=_("Your inquiry has been answered"),
                          body=inquiry.title, link=link)
        else:
            notification_send(channel=Notification.Channel.SMS, address=inquiry.asker_phone,
                              subject=_("Your inquiry has been answered"),
                              body=_("Your inquiry No. %(number)d “%(title)s” has been "
                                     "answered; the answer is on the public inquiries page.")
                              % {"number": inquiry.pk, "title": inquiry.title}, link=link)
    return inquiry


def inquiry_withdraw(*, inquiry: Inquiry, actor) -> Inquiry:
    with transaction.atomic():
        inquiry = _lock_inquiry(inquiry)
        _require(actor, "evaluation.withdraw_inquiry", inquiry)
        if inquiry.status != InquiryStatus.OPEN:
            raise InvalidTransition(
                _("Only an inquiry awaiting its answer can be withdrawn."), code="inquiry_not_open"
            )
        inquiry.status = InquiryStatus.WITHDRAWN
        inquiry.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="inquiry_withdraw",
            obj=inquiry,
            from_state=InquiryStatus.OPEN,
            to_state=InquiryStatus.WITHDRAWN,
        )
    return inquiry


# --- democratic appraisal ---------------------------------------------------------------------
# Campaign states, voting codes, votes and comment moderation. A vote is deliberately NOT
# audited and leaves no time, id or order behind: see docs/evaluation/appraisal.md.


MAX_TOKENS_PER_BATCH = 5000
MAX_COMMENT = 1000
_APPRAISAL_PHONE = re.compile(r"^1[3-9]\d{9}$")
_CampaignStatus = AppraisalCampaign.Status


def _appraisal_manager(actor) -> None:
    if actor is None or not may(actor, "evaluation.manage_appraisal"):
        raise PermissionDenied(
            _("Only the organisation department and administrators may run democratic appraisals."),
            code="appraisal_forbidden",
        )


def _campaign_locked(campaign: AppraisalCampaign | int) -> AppraisalCampaign:
    pk = getattr(campaign, "pk", campaign)
    found = AppraisalCampaign.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("This appraisal campaign does not exist."), code="campaign_not_found")
    return found


def _campaign_move(campaign: AppraisalCampaign, *, to: str, actor, data: dict | None = None):
    before = campaign.status
    campaign.status = to
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"appraisal_{to}",
        obj=campaign,
        from_state=before,
        to_state=to,
        data=data or {},
    )
    return campaign


def _wrong_state(campaign: AppraisalCampaign, message: str):
    return InvalidTransition(
        message % {"status": campaign.get_status_display()}, code="campaign_state"
    )


MAX_APPRAISAL_QUESTIONS = 30
MAX_APPRAISAL_TARGETS = 300


def _appraisal_moment(value, *, field: str, label, errors: dict):
    """A datetime from a form's "YYYY-MM-DDTHH:MM" (local time) or a datetime."""
    from datetime import datetime

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL)
    text = str(value or "").strip()
    if not text:
        errors[field] = _("%(label)s is required.") % {"label": label}
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=LOCAL)
    except ValueError:
        errors[field] = _("Give a date and time, e.g. 2026-03-01 09:00.")
        return None


def _appraisal_lines(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    lines = (_INVISIBLE.sub("", str(v)).strip() for v in (value or []))
    return [line for line in lines if line]


def _appraisal_campaign_clean(
    *, name, year, kind, opens_at, closes_at, intro, units, cadres, rating_questions,
    text_questions,
) -> dict:
    """Every field of a campaign checked at once: one InvalidInput with an error per field."""
    from .selectors import appraisal_cadre_choices, appraisal_unit_choices

    errors: dict[str, str] = {}
    name = _INVISIBLE.sub("", str(name or "")).strip()
    if not name:
        errors["name"] = _("Give the campaign a name.")
    elif len(name) > 200:
        errors["name"] = _("At most %(max)d characters.") % {"max": 200}
    try:
        year = _year(year)
    except InvalidInput as error:
        errors["year"] = error.message
    if kind not in AppraisalCampaign.Kind.values:
        errors["kind"] = _("Choose units or cadres.")
    opens = _appraisal_moment(opens_at, field="opens_at", label=_("Voting opens at"),
                              errors=errors)
    closes = _appraisal_moment(closes_at, field="closes_at", label=_("Voting closes at"),
                               errors=errors)
    if opens and closes and closes <= opens:
        errors["closes_at"] = _("Voting must close after it opens.")
    elif closes and closes <= clock.now():
        errors["closes_at"] = _("The closing time has already passed; set a later one.")
    chosen: list[Unit] | list = []
    if kind == AppraisalCampaign.Kind.UNITS:
        allowed = {u.pk: u for u in appraisal_unit_choices()}
        picked, field = units, "units"
    else:
        allowed = {u.pk: u for u in appraisal_cadre_choices()}
        picked, field = cadres, "cadres"
    try:
        ids = list(dict.fromkeys(int(v) for v in (picked or [])))
    except (TypeError, ValueError):
        ids = [0]
    if kind in AppraisalCampaign.Kind.values:
        if not ids:
            errors[field] = _("Choose at least one unit or cadre to appraise.")
        elif any(i not in allowed for i in ids) or len(ids) > MAX_APPRAISAL_TARGETS:
            errors[field] = _("Choose from the list.")
        else:
            chosen = [allowed[i] for i in ids]
    ratings, texts = _appraisal_lines(rating_questions), _appraisal_lines(text_questions)
    if not ratings:
        errors["rating_questions"] = _("Ask at least one question to be rated 1–5.")
    for field_name, lines in (("rating_questions", ratings), ("text_questions", texts)):
        if any(len(line) > 300 for line in lines):
            errors[field_name] = _("A question has at most %(max)d characters.") % {"max": 300}
    if len(ratings) + len(texts) > MAX_APPRAISAL_QUESTIONS:
        errors["rating_questions"] = _("At most %(max)d questions.") % {
            "max": MAX_APPRAISAL_QUESTIONS}
    intro = _INVISIBLE.sub("", str(intro or "")).strip()
    if len(intro) > 2000:
        errors["intro"] = _("At most %(max)d characters.") % {"max": 2000}
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), code="campaign_invalid",
                           fields=errors)
    return {"name": name, "year": year, "kind": kind, "opens_at": opens, "closes_at": closes,
            "intro": intro, "targets": chosen, "ratings": ratings, "texts": texts}


def _appraisal_campaign_fill(campaign: AppraisalCampaign, clean: dict) -> dict:
    campaign.targets.all().delete()
    campaign.questions.all().delete()
    unit_kind = campaign.kind == AppraisalCampaign.Kind.UNITS
    AppraisalTarget.objects.bulk_create(
        AppraisalTarget(campaign=campaign, order=n, **({"unit": t} if unit_kind else {"cadre": t}))
        for n, t in enumerate(clean["targets"]))
    questions = ([(AppraisalQuestion.Kind.RATING, q) for q in clean["ratings"]]
                 + [(AppraisalQuestion.Kind.TEXT, q) for q in clean["texts"]])
    AppraisalQuestion.objects.bulk_create(
        AppraisalQuestion(campaign=campaign, order=n, kind=k, text=q)
        for n, (k, q) in enumerate(questions, start=1))
    return {"targets": len(clean["targets"]), "questions": len(questions)}


@transaction.atomic
def appraisal_campaign_create(
    *, name: str, year, kind: str, opens_at, closes_at, intro: str = "", units=(), cadres=(),
    rating_questions, text_questions=(), actor,
) -> AppraisalCampaign:
    """A draft campaign with its units or cadres and its questionnaire; it takes no vote until
    it is opened. `rating_questions`/`text_questions` are lists or one question per line."""
    _appraisal_manager(actor)
    clean = _appraisal_campaign_clean(
        name=name, year=year, kind=kind, opens_at=opens_at, closes_at=closes_at, intro=intro,
        units=units, cadres=cadres, rating_questions=rating_questions,
        text_questions=text_questions)
    campaign = AppraisalCampaign.objects.create(
        name=clean["name"], year=clean["year"], kind=clean["kind"], opens_at=clean["opens_at"],
        closes_at=clean["closes_at"], intro=clean["intro"],
        created_by=actor if getattr(actor, "pk", None) else None)
    counts = _appraisal_campaign_fill(campaign, clean)
    audit_record(actor=actor, action="appraisal_create", obj=campaign, to_state=campaign.status,
                 data={"name": campaign.name, "year": campaign.year, "kind": campaign.kind,
                       **counts})
    return campaign


@transaction.atomic
def appraisal_campaign_update(
    *, campaign: AppraisalCampaign | int, name: str, year, kind: str, opens_at, closes_at,
    intro: str = "", units=(), cadres=(), rating_questions, text_questions=(), actor,
) -> AppraisalCampaign:
    """Changes a draft campaign (its targets and questions are replaced); once opened the
    questionnaire is frozen."""
    _appraisal_manager(actor)
    campaign = _campaign_locked(campaign)
    if campaign.status != _CampaignStatus.DRAFT:
        raise _wrong_state(
            campaign, _("Only a draft campaign can be changed (this one is %(status)s).")
        )
    clean = _appraisal_campaign_clean(
        name=name, year=year, kind=kind, opens_at=opens_at, closes_at=closes_at, intro=intro,
        units=units, cadres=cadres, rating_questions=rating_questions,
        text_questions=text_questions)
    for field in ("name", "year", "kind", "opens_at", "closes_at", "intro"):
        setattr(campaign, field, clean[field])
    campaign.save()
    counts = _appraisal_campaign_fill(campaign, clean)
    audit_record(actor=actor, action="appraisal_update", obj=campaign,
                 data={"name": campaign.name, "year": campaign.year, "kind": campaign.kind,
                       **counts})
    return campaign


@transaction.atomic
def appraisal_campaign_open(*, campaign: AppraisalCampaign | int, actor) -> AppraisalCampaign:
    """Draft -> open: the questionnaire is frozen and a zeroed tally is laid out for every
    target × rating question, before anyone votes (so no row's creation marks a vote)."""
    _appraisal_manager(actor)
    campaign = _campaign_locked(campaign)
    if campaign.status != _CampaignStatus.DRAFT:
        raise _wrong_state(
            campaign, _("Only a draft campaign can be opened (this one is %(status)s).")
        )
    targets = list(campaign.targets.all())
    questions = list(campaign.questions.all())
    if not targets or not questions:
        raise InvalidInput(
            _(
                "Add at least one unit or cadre to appraise and one "
                "question before opening the campaign."
            ),
            code="campaign_incomplete",
        )
    if campaign.closes_at <= clock.now():
        raise InvalidInput(
            _("The closing time has already passed; set a later one first."),
            code="campaign_closing_passed",
        )
    rating = [q for q in questions if q.kind == AppraisalQuestion.Kind.RATING]
    AppraisalTally.objects.bulk_create(
        AppraisalTally(campaign=campaign, target=t, question=q) for t in targets for q in rating
    )
    return _campaign_move(
        campaign,
        to=_CampaignStatus.OPEN,
        actor=actor,
        data={"targets": len(targets), "questions": len(questions)},
    )


@transaction.atomic
def appraisal_campaign_close(*, campaign: AppraisalCampaign | int, actor) -> AppraisalCampaign:
    """Open -> closed (early or after the closing time). The codes in the invitation messages
    sent for this campaign are blanked out: they are useless now, and kept they would tie a
    person to a code."""
    _appraisal_manager(actor)
    campaign = _campaign_locked(campaign)
    if campaign.status != _CampaignStatus.OPEN:
        raise _wrong_state(
            campaign, _("Only an open campaign can be closed (this one is %(status)s).")
        )
    redacted = _appraisal_redact_messages(campaign)
    invitations = AppraisalInvitation.objects.filter(campaign=campaign)
    return _campaign_move(
        campaign,
        to=_CampaignStatus.CLOSED,
        actor=actor,
        data={
            "codes_issued": invitations.count(),
            "votes": invitations.filter(used=True).count(),
            "messages_redacted": redacted,
        },
    )


def _appraisal_redact_messages(campaign: AppraisalCampaign) -> int:
    from django.urls import reverse

    mine = set(
        AppraisalInvitation.objects.filter(campaign=campaign).values_list("token_hash", flat=True)
    )
    redacted = 0
    messages = Notification.objects.filter(link=reverse("evaluation:appraisal_vote"))
    for pk, body in messages.values_list("pk", "body").iterator():

        def blank(match):
            token = appraisal.token_normalize(match.group(0))
            return "****" if token and appraisal.token_hash(token) in mine else match.group(0)

        new = appraisal.TOKEN_IN_TEXT_RE.sub(blank, body)
        if new != body:
            Notification.objects.filter(pk=pk).update(body=new)
            redacted += 1
    return redacted


@transaction.atomic
def appraisal_campaign_publish(*, campaign: AppraisalCampaign | int, actor) -> AppraisalCampaign:
    """Closed -> published: the results and the approved comments become public."""
    _appraisal_manager(actor)
    campaign = _campaign_locked(campaign)
    if campaign.status != _CampaignStatus.CLOSED:
        raise _wrong_state(
            campaign, _("Only a closed campaign can be published (this one is %(status)s).")
        )
    pending = campaign.comments.filter(status=AppraisalComment.Status.PENDING).count()
    return _campaign_move(
        campaign, to=_CampaignStatus.PUBLISHED, actor=actor, data={"comments_unmoderated": pending}
    )


def _new_invitations(campaign: AppraisalCampaign, count: int) -> list[str]:
    """`count` fresh codes for the campaign; only their keyed hashes are stored, inserted in
    hash order (random) so that the table's order says nothing about who got which code."""
    tokens = [appraisal.token_new() for _ in range(count)]
    rows = sorted((appraisal.token_hash(t), t) for t in tokens)
    AppraisalInvitation.objects.bulk_create(
        AppraisalInvitation(id=uuid.uuid4(), campaign=campaign, token_hash=h) for h, _t in rows
    )
    return tokens


def _issuable(campaign: AppraisalCampaign) -> None:
    if campaign.status not in (_CampaignStatus.DRAFT, _CampaignStatus.OPEN):
        raise _wrong_state(
            campaign,
            _("Codes can be issued only before voting closes (this campaign is %(status)s)."),
        )


@transaction.atomic
def appraisal_tokens_issue(*, campaign: AppraisalCampaign | int, count, actor) -> list[str]:
    """Issue `count` voting codes to be printed. The plain codes are returned this once and
    never stored; the audit log records only how many."""
    _appraisal_manager(actor)
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_TOKENS_PER_BATCH:
        raise InvalidInput(
            _("Give a number of codes between 1 and %(max)d.") % {"max": MAX_TOKENS_PER_BATCH},
            code="token_count",
            fields={"count": _("Between 1 and %(max)d.") % {"max": MAX_TOKENS_PER_BATCH}},
        )
    campaign = _campaign_locked(campaign)
    _issuable(campaign)
    tokens = _new_invitations(campaign, count)
    audit_record(
        actor=actor,
        action="appraisal_tokens_issue",
        obj=campaign,
        data={"count": count, "channel": "print"},
    )
    return tokens


def _parse_recipients(recipients) -> tuple[list[str], list[str]]:
    if isinstance(recipients, str):
        recipients = re.split(r"[\s,;，；、]+", recipients)
    phones: list[str] = []
    emails: list[str] = []
    bad: list[str] = []
    for raw in recipients:
        item = str(raw).strip()
        if not item:
            continue
        if _APPRAISAL_PHONE.match(item.replace("-", "").replace(" ", "")):
            phone = item.replace("-", "").replace(" ", "")
            if phone not in phones:
                phones.append(phone)
            continue
        try:
            validate_email(item)
        except ValidationError:
            bad.append(item)
            continue
        if item.lower() not in emails:
            emails.append(item.lower())
    if bad:
        shown = "、".join(bad[:5]) + ("…" if len(bad) > 5 else "")
        raise InvalidInput(
            _("These are neither mobile numbers nor email addresses: %(items)s. Nothing was sent.")
            % {"items": shown},
            code="recipients_invalid",
            fields={"recipients": shown},
        )
    return phones, emails


@transaction.atomic
def appraisal_tokens_send(
    *, campaign: AppraisalCampaign | int, recipients, vote_url: str, actor
) -> int:
    """Send one new code to each mobile number (SMS) or email address. The list is used for
    delivery only: no invitation row names its recipient, and the codes inside the messages
    are blanked when the campaign closes. Returns the number of messages queued."""
    _appraisal_manager(actor)
    phones, emails = _parse_recipients(recipients)
    total = len(phones) + len(emails)
    if not total:
        raise InvalidInput(
            _("Enter at least one mobile number or email address."),
            code="recipients_empty",
            fields={"recipients": _("Empty.")},
        )
    if total > MAX_TOKENS_PER_BATCH:
        raise InvalidInput(
            _("Send to at most %(max)d people at a time.") % {"max": MAX_TOKENS_PER_BATCH},
            code="recipients_too_many",
        )
    campaign = _campaign_locked(campaign)
    _issuable(campaign)
    from django.urls import reverse

    tokens = _new_invitations(campaign, total)
    subject = _("Democratic appraisal invitation")
    closes = appraisal.local_time(campaign.closes_at)
    for (channel, address), token in zip(
        [("sms", p) for p in phones] + [("email", e) for e in emails], tokens, strict=True
    ):
        body = _(
            "You are invited to the democratic appraisal “%(name)s”. Your one-time code is "
            "%(code)s. Open %(url)s to vote before %(closes)s. Your vote is anonymous."
        ) % {
            "name": campaign.name,
            "code": appraisal.token_display(token),
            "url": f"{vote_url}#t={token}",
            "closes": closes,
        }
        notification_send(
            channel=channel,
            address=address,
            subject=subject,
            body=body,
            link=reverse("evaluation:appraisal_vote"),
            forget_after_send=True,
        )
    audit_record(
        actor=actor,
        action="appraisal_tokens_issue",
        obj=campaign,
        data={"count": total, "channel": "message", "sms": len(phones), "email": len(emails)},
    )
    return total


def _clean_answers(campaign: AppraisalCampaign, ratings: dict, texts: dict):
    targets = set(campaign.targets.values_list("pk", flat=True))
    kinds = dict(campaign.questions.values_list("pk", "kind"))
    clean_ratings: dict[tuple[int, int], int] = {}
    clean_texts: dict[tuple[int, int], str] = {}
    for (target, question), value in (ratings or {}).items():
        if value in (None, ""):
            continue  # "don't know": no rating
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = 0
        if (
            target not in targets
            or kinds.get(question) != AppraisalQuestion.Kind.RATING
            or value not in RATING_VALUES
        ):
            raise InvalidInput(
                _("A rating on the form is not valid. Please choose 1 to 5 stars."),
                code="rating_invalid",
            )
        clean_ratings[(target, question)] = value
    for (target, question), text in (texts or {}).items():
        text = _appraisal_text(text)
        if not text:
            continue
        if target not in targets or kinds.get(question) != AppraisalQuestion.Kind.TEXT:
            raise InvalidInput(
                _("A comment on the form does not belong to this campaign."), code="comment_invalid"
            )
        if len(text) > MAX_COMMENT:
            raise InvalidInput(
                _("A comment may have at most %(max)d characters.") % {"max": MAX_COMMENT},
                code="comment_too_long",
            )
        clean_texts[(target, question)] = text
    if not clean_ratings and not clean_texts:
        raise InvalidInput(
            _("Please rate at least one item before you submit."), code="ballot_empty"
        )
    return clean_ratings, clean_texts


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _appraisal_text(text) -> str:
    return _CONTROL.sub("", str(text or "")).strip()


def appraisal_vote(*, token: str, ratings: dict, texts: dict | None = None) -> None:
    """Cast the ballot of one code: `ratings` maps (target id, question id) to 1–5 (missing
    or "" = don't know), `texts` maps (target id, question id) to a comment.

    In one transaction, with the campaign row locked (votes in a campaign run one at a time):
    the code is marked used, and EVERY code row of the campaign rewritten; EVERY tally row of the campaign is rewritten (+1 where rated, +0
    elsewhere); EVERY comment of the campaign is deleted and written again, new ones among
    them, in the order of their random ids. Afterwards no row carries anything of this vote's
    own — no id, time, order, or (PostgreSQL) transaction id that only its rows share. Returns
    nothing: a receipt would be a link. Not audited, on purpose."""
    with transaction.atomic():
        invitation = appraisal.invitation_check(token, lock=True)
        campaign = invitation.campaign
        ratings, texts = _clean_answers(campaign, ratings, texts or {})
        # All codes of the campaign are rewritten, not just this one: in PostgreSQL an updated
        # row gets a new place in the table and the transaction's id (xmin), which would mark
        # this code as the one used by this transaction, and the codes' order of use.
        AppraisalInvitation.objects.filter(campaign=campaign).update(
            used=Case(
                When(pk=invitation.pk, then=Value(True)),
                default=F("used"),
                output_field=BooleanField(),
            )
        )

        tallies = dict(
            ((t, q), pk)
            for pk, t, q in AppraisalTally.objects.filter(campaign=campaign).values_list(
                "pk", "target_id", "question_id"
            )
        )
        if any(key not in tallies for key in ratings):
            raise InvalidInput(
                _("The questionnaire changed; please reload the page."), code="ballot_stale"
            )
        increments = {}
        for v in RATING_VALUES:
            ids = [tallies[key] for key, value in ratings.items() if value == v]
            one = (
                Case(When(pk__in=ids, then=Value(1)), default=Value(0), output_field=IntegerField())
                if ids
                else Value(0)
            )
            increments[f"c{v}"] = F(f"c{v}") + one
        AppraisalTally.objects.filter(campaign=campaign).update(**increments)

        comments = list(
            AppraisalComment.objects.filter(campaign=campaign).values(
                "id", "target_id", "question_id", "text", "status"
            )
        )
        comments += [
            {
                "id": uuid.uuid4(),
                "target_id": t,
                "question_id": q,
                "text": text,
                "status": AppraisalComment.Status.PENDING,
            }
            for (t, q), text in texts.items()
        ]
        AppraisalComment.objects.filter(campaign=campaign).delete()
        AppraisalComment.objects.bulk_create(
            AppraisalComment(campaign=campaign, **row)
            for row in sorted(comments, key=lambda row: row["id"].int)
        )


@transaction.atomic
def appraisal_comment_moderate(
    *, comment: AppraisalComment | str, decision: str, actor
) -> AppraisalComment:
    """Approve or reject one comment; only approved comments are ever published."""
    if actor is None or not may(actor, "evaluation.moderate_appraisal_comment"):
        raise PermissionDenied(
            _(
                "Only the organisation department and administrators "
                "may moderate appraisal comments."
            ),
            code="appraisal_forbidden",
        )
    if decision not in (AppraisalComment.Status.APPROVED, AppraisalComment.Status.REJECTED):
        raise InvalidInput(_("Choose approve or reject."), code="decision_invalid")
    pk = getattr(comment, "pk", comment)
    try:
        campaign_id = (
            AppraisalComment.objects.filter(pk=pk).values_list("campaign_id", flat=True).first()
        )
    except ValidationError:  # not a UUID
        campaign_id = None
    if campaign_id is None:
        raise NotFound(_("This comment does not exist."), code="comment_not_found")
    # Votes rewrite all comments of the campaign: lock the campaign as they do, then re-read.
    _campaign_locked(campaign_id)
    comment = AppraisalComment.objects.select_for_update().get(pk=pk)
    before = comment.status
    comment.status = decision
    comment.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="appraisal_comment_moderate",
        obj=comment,
        from_state=before,
        to_state=decision,
        data={"campaign": campaign_id},
    )
    return comment


def appraisal_campaigns_close_due() -> int:
    """Close every open campaign past its closing time (Celery beat): votes are refused after
    it anyway, and closing blanks the codes in the invitations and counts the campaign's
    scores. Returns how many were closed."""
    due = AppraisalCampaign.objects.filter(status=_CampaignStatus.OPEN, closes_at__lte=clock.now())
    closed = 0
    for pk in due.values_list("pk", flat=True):
        try:
            appraisal_campaign_close(campaign=pk, actor=SYSTEM)
            closed += 1
        except InvalidTransition:
            pass  # closed by someone else meanwhile
    return closed
