"""Background work of the insight app (Celery; eager in-process without a broker)."""

from typing import Any

from celery import shared_task
from django.db import transaction
from django.db.models import Exists, OuterRef

from lianxin.appeals.models import Appeal
from lianxin.core.queue import in_turns

from .models import AnalysisCursor, DuplicateKey
from .selectors import WINDOWS, hot_issues_for
from .services import duplicates as duplicate_services
from .services import warnings as warning_services

# --- new appeals: duplicates, area, animal clusters ----------------------------------------

# Appeals are committed almost, not exactly, in id order: each run looks again at this many
# ids below the cursor, so one committed late is not skipped.
CATCH_UP_OVERLAP = 1000
CATCH_UP_BATCH = 500
# What the analysis reads of an appeal, once, for its three steps.
ANALYSED_FIELDS = (
    *duplicate_services.FINGERPRINT_FIELDS,
    *warning_services.AREA_FIELDS,
    *warning_services.CLUSTER_FIELDS,
)


@shared_task
def analyse_new_appeal(appeal_id: int) -> int | None:
    """Fingerprint the new appeal and suggest the earlier ones it repeats (重复诉求), then
    derive its area and, for an animal report, run the cluster rule at once (预警). Returns
    the alarm raised or updated, if any. Its fingerprint keys mark the appeal as analysed."""
    return _analyse(appeal_id)


def _analyse(appeal_id: int, places: list[Any] | None = None) -> int | None:
    """Everything read and computed first, outside any transaction; then the writes, in one
    short transaction. Why: on SQLite a transaction holds the whole database, and requests
    waited while the analysis computed inside it (bench/intake.py)."""
    appeal = (
        Appeal.objects.select_related("unit", "category").only(*ANALYSED_FIELDS).get(pk=appeal_id)
    )
    found = duplicate_services.duplicates_of(appeal)
    area = warning_services.appeal_area_of(
        appeal, places if places is not None else warning_services.area_places()
    )
    with transaction.atomic():
        duplicate_services.duplicates_store(found)
        warning_services.appeal_area_store(area)
        alarm = warning_services.warning_cluster_check(appeal=appeal, area=area)
    return alarm.pk if alarm else None


@shared_task
def analyse_new_appeals() -> int:
    """Every few seconds (beat, or run_schedule in embedded mode): analyse the appeals no task
    has analysed yet, imported history included, oldest id first. Returns how many."""
    cursor, _ = AnalysisCursor.objects.get_or_create(name="new-appeals")
    analysed = DuplicateKey.objects.filter(appeal=OuterRef("pk"))
    pending = list(
        Appeal.objects.filter(pk__gt=cursor.last_appeal_id - CATCH_UP_OVERLAP)
        .exclude(Exists(analysed))
        .order_by("pk")
        .values_list("pk", flat=True)[:CATCH_UP_BATCH]
    )
    # The places (areas) are read once per batch, not once per appeal: at full intake this
    # sweeper's CPU is taken from the citizens' requests.
    places = warning_services.area_places() if pending else None
    # One appeal per turn: its writes are one transaction (_analyse).
    for (pk,) in in_turns(pending, 1):
        _analyse(pk, places)
    newest = (
        pending[-1]
        if len(pending) == CATCH_UP_BATCH
        else (Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    )
    AnalysisCursor.objects.filter(pk=cursor.pk, last_appeal_id__lt=newest).update(
        last_appeal_id=newest
    )
    return len(pending)


# --- early warning -------------------------------------------------------------------------


@shared_task
def warning_scan() -> dict[str, Any]:
    """Hourly (Celery beat): the rise rule over all category×area pairs."""
    return warning_services.warning_rise_scan()


# --- hot issues ----------------------------------------------------------------------------


@shared_task
def refresh_hot_issues() -> int:
    """Every few minutes (Celery beat): recompute each window's ranking, so pages never wait."""
    return sum(len(hot_issues_for(days, refresh=True)["issues"]) for days in WINDOWS)


# --- reply quality -------------------------------------------------------------------------
