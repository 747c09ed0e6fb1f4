"""Background work of the insight app (Celery; eager in-process without a broker)."""

from celery import shared_task

# --- duplicates ----------------------------------------------------------------------------


@shared_task
def duplicates_find_task(appeal_id: int) -> int:
    """Fingerprint one appeal and record its duplicate suggestions; returns how many it has."""
    from .services import duplicates_find

    return len(duplicates_find(appeal=appeal_id))


# --- early warning -------------------------------------------------------------------------


@shared_task
def warning_on_intake(appeal_id: int) -> int | None:
    """Derive the new appeal's area; for an animal report run the cluster rule at once."""
    from . import services

    services.appeal_area_derive(appeal=appeal_id)
    alarm = services.warning_cluster_check(appeal=appeal_id)
    return alarm.pk if alarm else None


@shared_task
def warning_scan() -> dict:
    """Hourly (Celery beat): the rise rule over all category×area pairs."""
    from . import services

    return services.warning_rise_scan()


# --- hot issues ----------------------------------------------------------------------------


@shared_task
def refresh_hot_issues() -> int:
    """Every few minutes (Celery beat): recompute each window's ranking, so pages never wait."""
    from .selectors import WINDOWS, hot_issues_for

    return sum(len(hot_issues_for(days, refresh=True)["issues"]) for days in WINDOWS)


# --- reply quality -------------------------------------------------------------------------
