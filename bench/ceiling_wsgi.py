"""Bench-only WSGI app: the ceiling for public intake, a bare insert of the same appeal rows
through the same server stack (gunicorn, Django settings, database and connection handling).

POST /api/v1/appeals/ parses the same JSON and does one `Appeal.objects.create(...)`: no
serializer, no validation, no category query (codes are mapped once per process), no
calendar/deadline computation (fixed offsets), no audit event, no transaction beyond the
INSERT's own. GET /healthz answers like the project's. Never part of the project's URLconf:
gunicorn loads it as `ceiling_wsgi:application` with `--pythonpath bench`."""

import json
import os
import secrets
import sys
import traceback
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from django.core import signals  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianxin.appeals.models import Appeal, Category, Channel  # noqa: E402
from lianxin.core.calendar import LOCAL  # noqa: E402

_categories: dict[str, int] | None = None


def _category_id(code: str | None) -> int | None:
    global _categories
    if _categories is None:
        _categories = dict(Category.objects.values_list("code", "id"))
    return _categories.get(code) if code else None


def _insert(data: dict) -> Appeal:
    now = timezone.now()
    return Appeal.objects.create(
        # 20 characters like the real ones; 12 random digits make a clash practically impossible,
        # so the ceiling needs no retry loop.
        tracking_number=now.astimezone(LOCAL).strftime("%Y%m%d") + f"{secrets.randbelow(10**12):012d}",
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


def _json(start_response, status: str, body: dict):
    payload = json.dumps(body, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(payload)))])
    return [payload]


def application(environ, start_response):
    # Django's own handler sends these; they open/close (or keep, per CONN_MAX_AGE) the
    # database connection exactly as for the real intake.
    signals.request_started.send(sender=None, environ=environ)
    try:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return _json(start_response, "200 OK", {"status": "ok"})
        if path != "/api/v1/appeals/":
            return _json(start_response, "404 Not Found", {"code": "not_found"})
        if method != "POST":
            return _json(start_response, "405 Method Not Allowed", {"code": "method"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(length))
        appeal = _insert(data)
        return _json(start_response, "201 Created", {
            "tracking_number": appeal.tracking_number, "status": appeal.status})
    except Exception as exc:
        traceback.print_exc()
        return _json(start_response, "500 Internal Server Error",
                     {"code": "server_error", "detail": f"{type(exc).__name__}: {exc}"})
    finally:
        signals.request_finished.send(sender=None)
