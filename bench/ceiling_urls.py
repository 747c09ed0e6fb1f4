"""Bench-only URLconf: the ceiling for public intake, a bare insert of the same appeal rows.

POST /api/v1/appeals/ parses the same JSON and does one `Appeal.objects.create(...)`: no
validation, no category lookup per request, no calendar, no audit event. It runs behind the
same middleware as the project; it is never part of the project's URLconf."""

import json
import secrets
from datetime import timedelta

from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from lianxin.appeals.models import Appeal, Category, Channel
from lianxin.core.calendar import LOCAL
from lianxin.core.views import healthz

_categories: dict[str, int] | None = None


def _category_id(code: str | None) -> int | None:
    global _categories
    if _categories is None:
        _categories = dict(Category.objects.values_list("code", "id"))
    return _categories.get(code) if code else None


@csrf_exempt
def bare_insert(request):
    data = json.loads(request.body)
    now = timezone.now()
    appeal = Appeal.objects.create(
        tracking_number=now.astimezone(LOCAL).strftime("%Y%m%d")
        + f"{secrets.randbelow(10**12):012d}",
        title=data.get("title", ""),
        content=data.get("content", ""),
        category_id=_category_id(data.get("category")),
        urgency=data.get("urgency") or "ordinary",
        track=data.get("track") or "hotline",
        channel=Channel.API,
        contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""),
        contact_email=data.get("contact_email", ""),
        address=data.get("address", ""),
        is_public=bool(data.get("is_public")),
        created_at=now,
        updated_at=now,
        contact_deadline=now + timedelta(hours=8),
        handling_deadline=now + timedelta(days=7),
    )
    return JsonResponse(
        {"tracking_number": appeal.tracking_number, "status": appeal.status}, status=201
    )


urlpatterns = [path("healthz", healthz), path("api/v1/appeals/", bare_insert)]
