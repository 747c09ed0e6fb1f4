"""Reads for GeoReport v2: the services (active categories) and the requests (appeals) that
the public may see through it."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from lianxin.appeals.models import TERMINAL_STATES, Appeal, AppealPhoto, Category
from lianxin.core import clock

from .models import ServiceAttribute

MAX_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000


def services_list() -> QuerySet[Category]:
    """Active categories that are services, not groups (a group is a parent of others)."""
    return (
        Category.objects.filter(is_active=True)
        .exclude(Exists(Category.objects.filter(parent=OuterRef("pk"), is_active=True)))
        .select_related("parent")
        .annotate(
            has_attributes=Exists(
                ServiceAttribute.objects.filter(category=OuterRef("pk"), is_active=True)
            )
        )
        .order_by("code")
    )


def service_attributes(category: Category) -> list[ServiceAttribute]:
    return list(ServiceAttribute.objects.filter(category=category, is_active=True))


# The columns a GeoReport request shows (render.request_dict), fetched as plain rows: a list
# of 1,000 requests then costs no model instances.
REQUEST_FIELDS = (
    "tracking_number",
    "status",
    "public_note",
    "content",
    "is_public",
    "address",
    "lat",
    "long",
    "created_at",
    "updated_at",
    "handling_deadline",
    "category__name",
    "category__code",
    "unit__name",
)


def _requests() -> QuerySet:
    first_public_photo = (
        AppealPhoto.objects.filter(appeal=OuterRef("pk"), is_public=True)
        .order_by("pk")
        .values("pk")[:1]
    )
    return Appeal.objects.annotate(first_public_photo=Subquery(first_public_photo)).values(
        *REQUEST_FIELDS, "first_public_photo"
    )


def requests_by_ids(ids: list[str], *, include_private: bool = False) -> QuerySet:
    """Requests named by id (tracking number). Tracking numbers are printed on the public
    board, so to an anonymous caller a non-public appeal is not even confirmed to exist; a
    client organisation (with its api_key) follows the requests it files, public or not, and
    sees a non-public one's status only (render.request_dict)."""
    qs = _requests().filter(tracking_number__in=ids[:MAX_REQUESTS])
    if not include_private:
        qs = qs.filter(is_public=True)
    return qs.order_by("-created_at")


def requests_window(
    *, start: datetime | None, end: datetime | None, category_ids: list[int], status: set[str]
) -> QuerySet:
    """Public requests submitted in [start, end) — one range scan on the created_at index,
    newest first, at most 1,000. The caller checks the span."""
    if end is None:
        end = start + MAX_SPAN if start else clock.now()
    if start is None:
        start = end - MAX_SPAN
    qs = _requests().filter(is_public=True, created_at__gte=start, created_at__lt=end)
    if category_ids:
        qs = qs.filter(category_id__in=category_ids)
    if status == {"open"}:
        qs = qs.exclude(status__in=TERMINAL_STATES)
    elif status == {"closed"}:
        qs = qs.filter(status__in=TERMINAL_STATES)
    return qs.order_by("-created_at")[:MAX_REQUESTS]
