"""The monthly rates and rankings: the public page, the leaders' page with trends, the appeals
behind each figure. (The public JSON API is in evaluation/api.py.)"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lianxin.appeals import rates as appeal_rates
from lianxin.core.access import may
from lianxin.core.errors import InvalidInput, LianxinError
from lianxin.core.models import Unit
from lianxin.core.ratelimit import within_rate

from ..exports import WRITERS, assessment_data
from ..rankings import (
    LEVEL_LABELS,
    LEVELS,
    SCORE_DEFINITION,
    compute_ranking,
    has_data,
    latest_month_with_figures,
    no_data,
    parse_level,
    parse_period,
    ranking_trends,
)
from ..rates import DEFINITIONS, LABELS, RATES, current_month, unit_counts
from ..selectors import DRILL_MEASURES, ranking_drill_appeals

# The figure a rate cell links to: the appeals that kept the rate from 100 % (or made it).
RATE_DRILL = {
    "response_rate": "not_responded",
    "resolution_rate": "unresolved",
    "satisfaction_rate": "dissatisfied",
    "on_time_rate": "replied_late",
    "reopen_rate": "reopened",
    "returned_rate": "returned",
    "received": "received",
    "overdue_count": "overdue",
}


def figure_count(counts: dict, measure: str) -> int:
    """How many appeals the roll-ups count behind a drill-down measure."""
    c = counts
    return {
        "received": c["received"],
        "dispatched": c["dispatched"],
        "not_responded": c["dispatched"] - c["responded_in_time"],
        "rated": c["rated"],
        "unresolved": c["rated"] - c["resolved"],
        "dissatisfied": c["dissatisfied"],
        "basically_satisfied": c["basically_satisfied"],
        "replied_late": c["replied"] - c["replied_in_time"],
        "reopened": c["reopened"],
        "returned": c["returned"],
        "overdue": appeal_rates.measures(c)["overdue_count"],
    }[measure]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _default_period() -> str:
    """Last month: the latest month whose figures have settled."""
    return f"{current_month() - timedelta(days=1):%Y-%m}"


def _spans() -> list[tuple[str, str]]:
    """Quick choices beside the month picker: this quarter and this year, so far."""
    now = current_month()
    quarter = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    return [(quarter, _("This quarter")), (str(now.year), _("This year"))]


def _choice(request) -> tuple[str, str]:
    return (request.GET.get("period") or _default_period()).strip(), request.GET.get(
        "level"
    ) or "street"


def _table(rows: list[dict], period: str, *, links: bool) -> list[dict]:
    out = []
    for r in rows:
        cells = []
        for key in (*RATES, "received", "overdue_count"):
            value = r[key]
            text = percent(value) if key in RATES else str(value)
            url = ""
            if links:
                url = (
                    reverse("evaluation:rankings-appeals")
                    + "?"
                    + urlencode(
                        {"unit": r["unit_id"], "period": period, "measure": RATE_DRILL[key]}
                    )
                )
            cells.append({"key": key, "label": LABELS[key], "text": text, "url": url})
        out.append(
            {
                "rank": r["rank"],
                "name": r["name"],
                "unit_id": r["unit_id"],
                "score": "—" if r["score"] is None else f"{r['score']:.2f}",
                "cells": cells,
            }
        )
    return out


def _ranking_context(request, *, links: bool) -> tuple[dict, int]:
    """The page context for the chosen month and level, and the HTTP status: 400 for a bad
    choice. A period without figures is still a page (200, linked from every header): it says
    so and offers the latest month that has figures."""
    period, level = _choice(request)
    context: dict[str, Any] = {
        "period": period,
        "level": level,
        "levels": [(k, LEVEL_LABELS[k]) for k in LEVELS],
        "max_period": f"{current_month():%Y-%m}",
        "labels": [LABELS[k] for k in (*RATES, "received", "overdue_count")],
        "definitions": [(LABELS[k], DEFINITIONS[k]) for k in (*RATES, "received", "overdue_count")],
        "common_definition": DEFINITIONS["common"],
        "score_definition": SCORE_DEFINITION,
        "rows": [],
        "error": "",
        "month_value": period,
        "spans": _spans(),
    }
    try:
        level = parse_level(level)
        span = parse_period(period)
    except InvalidInput as exc:
        context["error"] = exc.message
        return context, 400
    period = context["period"] = span.label
    context["level_label"] = LEVEL_LABELS[level]
    context["month"] = span.end  # the trends end with the period's last month
    context["month_value"] = period if span.is_month else ""
    rows = compute_ranking(level, span.start, span.end)
    if not has_data(rows):
        context["empty"] = no_data(period).message
        latest = latest_month_with_figures(level)
        if latest is not None:
            context["latest_period"] = f"{latest:%Y-%m}"
        return context, 200
    context["rows"] = _table(rows, period, links=links)
    context["ranking"] = rows
    return context, 200


def rankings_public(request):
    """评议结果公开: every unit's monthly rates, no personal data."""
    context, status = _ranking_context(request, links=False)
    return render(request, "evaluation/rankings.html", context, status=status)


@require_GET
def rankings_download(request):
    """A month's ranking (with annual=1 also the year's assessment) as XLSX or PDF: the same
    files as `manage.py evaluation_export`, for the buttons on the rankings pages. Public like
    the rankings; an address may make only so many (EVALUATION_PUBLIC_RATE)."""
    fmt = request.GET.get("format", "")
    if fmt not in WRITERS:
        return HttpResponseBadRequest(_("Choose XLSX or PDF."))
    ident = request.META.get("REMOTE_ADDR", "")
    if not request.user.is_authenticated and not within_rate(
        f"rankings-download:{ident}", settings.EVALUATION_PUBLIC_RATE
    ):
        return HttpResponse(_("Too many downloads; please try again later."), status=429)
    try:
        data = assessment_data(
            period=request.GET.get("period", ""),
            level=request.GET.get("level", "street"),
            annual=request.GET.get("annual") == "1",
        )
    except LianxinError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"ranking.{fmt}"
        WRITERS[fmt](data, path)
        content = path.read_bytes()
    kind = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=kind)
    name = f"ranking-{data.level}-{data.month:%Y-%m}{'-annual' if data.annual else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _may_lead(user) -> bool:
    return may(user, "evaluation.view_leader_rankings")


@login_required
def rankings_leaders(request):
    if not _may_lead(request.user):
        raise PermissionDenied(
            _(
                "This page is for leaders, supervisors, the organisation "
                "department and administrators."
            )
        )
    context, status = _ranking_context(request, links=True)
    if context["rows"]:
        trends = ranking_trends(
            context["level"], context["month"], units=[r["unit"] for r in context["ranking"]]
        )
        names = {r["unit_id"]: r["name"] for r in context["ranking"]}
        context["trends"] = {
            "months": trends["months"],
            "units": [
                {"id": pk, "name": names[pk], "points": points}
                for pk, points in trends["units"].items()
            ],
            "labels": {
                k: str(LABELS[k]) for k in ("response_rate", "resolution_rate", "satisfaction_rate")
            },
            "score_label": _("Score"),
        }
    return render(request, "evaluation/rankings_leaders.html", context, status=status)


@login_required
def rankings_appeals(request):
    """The appeals behind one figure of the leaders' page."""
    if not _may_lead(request.user):
        raise PermissionDenied(
            _(
                "This page is for leaders, supervisors, the organisation "
                "department and administrators."
            )
        )
    measure = request.GET.get("measure", "")
    unit_id = request.GET.get("unit", "")
    try:
        span = parse_period(request.GET.get("period"))
    except InvalidInput as exc:
        return HttpResponseBadRequest(exc.message)
    unit = Unit.objects.filter(pk=int(unit_id)).first() if unit_id.isdigit() else None
    if unit is None or measure not in DRILL_MEASURES:
        return HttpResponseBadRequest(_("Unknown unit or figure."))
    appeals = ranking_drill_appeals(
        request.user, unit=unit, start=span.start, end=span.end, measure=measure
    )
    counts = unit_counts([unit], span.start, span.end)[unit.pk]
    return render(
        request,
        "evaluation/rankings_appeals.html",
        {
            "unit": unit,
            "period": span.label,
            "measure_label": DRILL_MEASURES[measure][0],
            "figure": figure_count(counts, measure),
            "page": Paginator(appeals, 30).get_page(request.GET.get("page")),
            "now": timezone.now(),
            "back": reverse("evaluation:rankings-leaders")
            + "?"
            + urlencode(
                {
                    "period": span.label,
                    "level": "department" if unit.kind == "department" else "street",
                }
            ),
        },
    )
