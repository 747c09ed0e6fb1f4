"""Reads of the hotline: the console's four lookups (the caller's earlier appeals, the
suggested category and unit, likely duplicates, knowledge-base answers), calls as each role may
see them, and the figures of an operator's shift and of the centre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils.module_loading import import_string

from lianxin.appeals.catalogue import category_named
from lianxin.appeals.models import OPEN_STATES, Appeal
from lianxin.core import clock
from lianxin.core.access import may
from lianxin.core.calendar import LOCAL
from lianxin.core.masking import mask_phone
from lianxin.core.phones import phone_keys
from lianxin.insight import duplicates
from lianxin.insight.services.duplicates import duplicate_lookup
from lianxin.knowledge.selectors import search_articles

from .models import CLOSED_OUTCOMES, Call, Outcome

HISTORY_OPEN = 20
HISTORY_CLOSED = 10
SIMILAR = 5
ARTICLES = 5
MIN_LOOKUP_CHARS = 4  # shorter text suggests nothing worth reading


def caller_history(phone: str) -> list[Appeal]:
    """The number's appeals: open ones first (soonest deadline first), then the latest others.
    Found by the number's lookup key (core.phones), so "138 1234 5678" typed by the operator
    finds "+8613812345678" filed on the web: two queries on that index, whatever the table's
    size."""
    keys = phone_keys(phone)
    if not keys:
        return []
    base = Appeal.objects.filter(contact_phone_key__in=keys).select_related("unit", "category")
    open_ = list(base.filter(status__in=OPEN_STATES).order_by("handling_deadline")[:HISTORY_OPEN])
    done = list(base.exclude(status__in=OPEN_STATES).order_by("-created_at")[:HISTORY_CLOSED])
    return open_ + done


def appeal_row(appeal: Appeal, *, now: datetime) -> dict[str, Any]:
    is_open = appeal.status in OPEN_STATES
    return {
        "tracking_number": appeal.tracking_number,
        "title": appeal.title,
        "status": appeal.status,
        "status_label": appeal.get_status_display(),
        "open": is_open,
        "created_at": appeal.created_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
        "handling_deadline": appeal.handling_deadline.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
        "overdue": is_open and appeal.handling_deadline < now,
        "unit": appeal.unit.name if appeal.unit else "",
        "category": str(appeal.category) if appeal.category else "",
    }


def suggestion(text: str) -> dict[str, Any] | None:
    """The router's category for the matter as typed so far, with its default unit and
    whether intake would dispatch it at once (as appeals' routing decides)."""
    if len(text.strip()) < MIN_LOOKUP_CHARS or not settings.CATEGORY_SUGGESTER:
        return None
    found = import_string(settings.CATEGORY_SUGGESTER)(text)
    category = category_named(found[0]) if found else None
    if category is None:
        return None
    confidence = round(float(found[1]), 3)
    unit = category.default_unit
    return {
        "category": category.code,
        "category_name": str(category),
        "confidence": confidence,
        "unit": unit.name if unit else "",
        "dispatch_at_once": bool(
            unit
            and unit.is_active
            and (category.auto_dispatch or confidence >= settings.AUTO_DISPATCH_CONFIDENCE)
        ),
    }


def similar_appeals(text: str, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Recent appeals the duplicates engine finds in the matter as typed (insight's
    fingerprints, the window before now)."""
    if len(text.strip()) < MIN_LOOKUP_CHARS:
        return []
    now = now or clock.now()
    found = duplicate_lookup(fingerprint=duplicates.fingerprint("", text), created_at=now)
    ids = [pk for pk, _when, _score in found[:SIMILAR]]
    scores = {pk: score for pk, _when, score in found}
    appeals = Appeal.objects.filter(pk__in=ids).select_related("unit", "category")
    rows = [{**appeal_row(a, now=now), "score": round(scores[a.pk], 2)} for a in appeals]
    rows.sort(key=lambda r: -r["score"])
    return rows


def articles(query: str) -> list[dict[str, Any]]:
    if len(query.strip()) < 2:
        return []
    return [
        {
            "id": a.pk,
            "question": a.question,
            "answer": a.answer,
            "policy_basis": a.policy_basis,
            "unit": a.unit.name,
        }
        for a in search_articles(query, limit=ARTICLES)
    ]


def call_phone(user: Any, call: Call) -> str:
    return call.phone if may(user, "hotline.view_caller_phone", call) else mask_phone(call.phone)


# --- Figures ----------------------------------------------------------------------------------


def day_start(now: datetime) -> datetime:
    return now.astimezone(LOCAL).replace(hour=0, minute=0, second=0, microsecond=0)


def shift_start(now: datetime | None = None) -> datetime:
    """The start of the shift running at `now`: the latest of HOTLINE_SHIFT_STARTS (local
    hours) not after it, today or yesterday."""
    local = (now or clock.now()).astimezone(LOCAL)
    starts = sorted(set(settings.HOTLINE_SHIFT_STARTS)) or [0]
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    candidates = [midnight + timedelta(hours=h) for h in starts]
    candidates += [midnight - timedelta(days=1) + timedelta(hours=h) for h in starts]
    return max(c for c in candidates if c <= local)


@dataclass
class Figures:
    handled: int
    answered: int
    created: int
    added: int
    avg_seconds: int | None

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.handled if self.handled else None

    @property
    def answered_percent(self) -> str:
        share = self.answered_share
        return "—" if share is None else f"{share * 100:.1f}%"


_DURATION = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())


def figures(calls: Any) -> Figures:
    """Calls handled (an outcome recorded), how they ended and the mean handling time."""
    row = calls.filter(outcome__in=CLOSED_OUTCOMES).aggregate(
        handled=Count("pk"),
        answered=Count("pk", filter=Q(outcome=Outcome.ANSWERED)),
        created=Count("pk", filter=Q(outcome=Outcome.CREATED)),
        added=Count("pk", filter=Q(outcome=Outcome.ADDED)),
        avg=Avg(_DURATION),
    )
    avg = row["avg"]
    return Figures(
        handled=row["handled"],
        answered=row["answered"],
        created=row["created"],
        added=row["added"],
        avg_seconds=int(avg.total_seconds()) if avg is not None else None,
    )


def operator_figures(operator: Any, *, since: datetime) -> Figures:
    return figures(Call.objects.filter(operator=operator, started_at__gte=since))


def centre_figures(*, since: datetime) -> tuple[Figures, list[tuple[Any, Figures]]]:
    """The centre's figures since `since` and each operator's, most calls first."""
    calls = Call.objects.filter(started_at__gte=since)
    per = []
    ids = calls.values_list("operator", flat=True).distinct()
    for person in get_user_model().objects.filter(pk__in=list(ids)):
        per.append((person, figures(calls.filter(operator=person))))
    per.sort(key=lambda p: -p[1].handled)
    return figures(calls), per


def recent_calls(user: Any, *, since: datetime, limit: int = 50) -> list[dict[str, Any]]:
    calls = (
        Call.objects.filter(started_at__gte=since)
        .select_related("operator", "appeal", "article")
        .order_by("-started_at")[:limit]
    )
    return [{"call": c, "phone": call_phone(user, c)} for c in calls]
