"""Indicator schemes and their results: schemes are versioned per year; a published version is
frozen and results are snapshots computed with it (docs/evaluation/indicators.md)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NoReturn

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition
from lianxin.core.models import Unit
from lianxin.core.text import visible
from lianxin.core.transitions import commit, lock, require_state

from ..errors import Code
from ..measures import MEASURES, measure_values, year_months
from ..models import (
    Direction,
    Indicator,
    IndicatorResult,
    IndicatorScheme,
    ResultSnapshot,
    SchemeStatus,
    UnitResult,
)
from ..selectors import assessed_units, scheme_in_force
from .common import require, year_value

WEIGHT_TOTAL = Decimal("100")
_CENT = Decimal("0.01")
MAX_INDICATORS = 50


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


def indicators_clean(rows: list[dict]) -> list[dict]:
    """Check a scheme's whole list of indicators; the weights must sum to exactly 100 %.
    Raises InvalidInput naming the first problem (the row number counts from 1)."""
    if not rows:
        raise InvalidInput(_("A scheme needs at least one indicator."), code=Code.NO_INDICATORS)
    if len(rows) > MAX_INDICATORS:
        raise InvalidInput(_("A scheme has at most %(n)d indicators.") % {"n": MAX_INDICATORS})
    clean: list[dict] = []
    names: set[str] = set()
    for number, row in enumerate(rows, start=1):

        def fail(message: str, field: str, number: int = number) -> NoReturn:
            raise InvalidInput(
                _("Indicator %(n)d: %(message)s") % {"n": number, "message": message},
                code=Code.INVALID_INDICATOR,
                fields={field: [message]},
            )

        name = visible(row.get("name") or "")
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
            code=Code.WEIGHTS_NOT_100,
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


def _lock_draft(scheme: IndicatorScheme) -> IndicatorScheme:
    """The scheme's row, locked; a published or retired version is frozen."""
    scheme = lock(IndicatorScheme, scheme, missing=_("Indicator scheme not found."))
    if scheme.status != SchemeStatus.DRAFT:
        raise _frozen(scheme)
    return scheme


def _scheme_commit(
    scheme: IndicatorScheme,
    *,
    action: str,
    actor: Any,
    fields: list[str],
    from_state: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Save and audit a locked scheme: its `version` is its number within the year, not an
    edit counter; an edit that moves no state names none."""
    commit(
        scheme,
        action=action,
        actor=actor,
        fields=fields,
        from_state=from_state,
        data=data,
        state_field="status" if from_state else "",
        version_field=None,
    )


def _frozen(scheme: IndicatorScheme) -> InvalidTransition:
    return InvalidTransition(
        _(
            "Version %(version)d of the %(year)d scheme is %(status)s and cannot be changed; make "
            "a new version instead."
        )
        % {"version": scheme.version, "year": scheme.year, "status": scheme.get_status_display()},
        code=Code.SCHEME_FROZEN,
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
    require(actor, "evaluation.manage_indicators")
    year = year_value(year)
    name = visible(name or "")[:200] or _("Indicator scheme %(year)d") % {"year": year}
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
                code=Code.DRAFT_EXISTS,
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
    require(actor, "evaluation.manage_indicators", scheme)
    rows = indicators_clean(indicators)
    with transaction.atomic():
        scheme = _lock_draft(scheme)
        if name is not None and name.strip():
            scheme.name = visible(name)[:200]
        _replace_indicators(scheme, rows)
        _scheme_commit(
            scheme,
            action="scheme_save",
            actor=actor,
            fields=["name"],
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
    require(actor, "evaluation.manage_indicators", scheme)
    with transaction.atomic():
        scheme = lock(IndicatorScheme, scheme, missing=_("Indicator scheme not found."))
        require_state(
            scheme,
            [SchemeStatus.DRAFT],
            message=_("Only a draft can be published."),
            code=Code.NOT_DRAFT,
        )
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
                code=Code.RESULTS_EXIST,
            )
        if in_force is not None:
            in_force.status = SchemeStatus.RETIRED
            _scheme_commit(
                in_force,
                action="scheme_retire",
                actor=actor,
                fields=["status"],
                from_state=SchemeStatus.PUBLISHED,
                data={"replaced_by": scheme.pk},
            )
        scheme.status = SchemeStatus.PUBLISHED
        scheme.published_at = clock.now()
        _scheme_commit(
            scheme,
            action="scheme_publish",
            actor=actor,
            fields=["status", "published_at"],
            from_state=SchemeStatus.DRAFT,
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
    require(actor, "evaluation.manage_indicators")
    year = year_value(year)
    if year > clock.now().astimezone(LOCAL).year:
        raise InvalidInput(
            _("The year %(year)d has not begun.") % {"year": year}, code=Code.FUTURE_YEAR
        )
    scheme = scheme_in_force(year)
    if scheme is None:
        raise InvalidInput(
            _("There is no published scheme for %(year)d.") % {"year": year},
            code=Code.NO_PUBLISHED_SCHEME,
        )
    units = assessed_units() if units is None else units
    if not units:
        raise InvalidInput(_("There are no units to assess."), code=Code.NO_UNITS)
    indicators = list(scheme.indicators.order_by("position", "id"))
    keys = sorted({i.source for i in indicators})
    try:
        values = measure_values(keys, units, year)
    except LookupError as exc:
        measure = MEASURES.get(str(exc.args[0]))
        raise InvalidInput(
            _("The source “%(source)s” is not available.")
            % {"source": measure.label if measure else exc.args[0]},
            code=Code.MEASURE_UNAVAILABLE,
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
            code=Code.NO_DATA,
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
