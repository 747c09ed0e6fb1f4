"""GeoReport v2 endpoints. Thin: parse the parameters, call selectors and services, render.
Every LianxinError becomes the spec's error document in the requested format."""

import functools
import logging
import re
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lianxin.core import uploads
from lianxin.core.errors import InvalidInput, LianxinError, NotFound, RateLimited
from lianxin.core.ratelimit import address_tag, client_address, within_rate
from lianxin.core.text import visible

from . import render, selectors, services
from .errors import Code

log = logging.getLogger("lianxin")
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"


def _param(request: HttpRequest, name: str) -> str:
    """A parameter from the form or the query string, cleaned as all typed text is
    (core.text.visible); empty is the same as absent."""
    value = request.POST.get(name) if request.method == "POST" else None
    if not value:
        value = request.GET.get(name, "")
    if "\x00" in value:
        raise InvalidInput(_("Malformed request."), code=Code.PARSE_ERROR)
    return visible(value)


def open311_view(methods=("GET",), files: str = ""):
    """`files`: the name of a multipart file field the view takes (`media`), read through
    core.uploads' handler before anything reads the body, and passed on as `files=`."""

    def decorate(view):
        @csrf_exempt
        @require_http_methods(list(methods))
        @functools.wraps(view)
        def wrapped(request, *args, fmt: str, **kwargs):
            try:
                if files:
                    multipart = request.method == "POST" and request.content_type == (
                        "multipart/form-data"
                    )
                    kwargs["files"] = uploads.read_files(request, files) if multipart else []
                _check_jurisdiction(request)
                _check_read_rate(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except LianxinError as exc:
                return render.error_response(fmt, exc.status, str(exc.message))
            except UnicodeDecodeError:
                return render.error_response(fmt, 400, _("Malformed request."))

        return wrapped

    return decorate


def _check_read_rate(request: HttpRequest) -> None:
    """Reads are open to anyone, so they are counted per address (OPEN311_READ_RATE): walking
    the tracking numbers costs time. Writes are counted per api_key."""
    if request.method == "GET" and not within_rate(
        f"open311-read:{address_tag(client_address(request))}", settings.OPEN311_READ_RATE
    ):
        raise RateLimited()


def _check_jurisdiction(request: HttpRequest) -> None:
    """jurisdiction_id is accepted; if OPEN311_JURISDICTION is set, another one is unknown."""
    ours = settings.OPEN311_JURISDICTION
    given = _param(request, "jurisdiction_id")
    if ours and given and given != ours:
        raise NotFound(_("jurisdiction_id %(id)s is unknown") % {"id": given[:50]})


@open311_view()
def discovery(request, *, fmt):
    url = request.build_absolute_uri("/open311/v2/")
    return render.respond(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": settings.OPEN311_CONTACT,
            "key_service": settings.OPEN311_KEY_SERVICE,
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@open311_view()
def services_list(request, *, fmt):
    return render.respond(
        fmt, "services", [render.service_dict(c) for c in selectors.services_list()]
    )


@open311_view()
def service_definition(request, service_code, *, fmt):
    category = services.service_category(service_code)
    return render.respond(
        fmt,
        "service_definition",
        render.service_definition(category, selectors.service_attributes(category)),
    )


def _when(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)):
            parsed = datetime(day.year, day.month, day.day)  # noqa: DTZ001 (made aware below)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(
            _("%(name)s is not a W3C datetime, e.g. 2026-01-31T00:00:00Z") % {"name": name}
        )
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        # A date at the edge of the calendar (9999-12-31T23:59:59-14:00) has no UTC form.
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(_("%(name)s is out of range") % {"name": name}) from None


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _site(request: HttpRequest) -> str:
    """This server's address, for media_url (a photo we serve ourselves)."""
    return request.build_absolute_uri("/").rstrip("/")


def _requests_list(request, fmt):
    ids = _list(_param(request, "service_request_id"))
    if ids:  # overrides every other filter
        return render.respond(
            fmt,
            "service_requests",
            [
                render.request_dict(a, site=_site(request))
                for a in selectors.requests_by_ids(ids, include_private=_client_key_given(request))
            ],
        )
    start = _when(_param(request, "start_date"), "start_date")
    end = _when(_param(request, "end_date"), "end_date")
    if start and end:
        if end < start:
            raise InvalidInput(_("end_date is before start_date"))
        if end - start > selectors.MAX_SPAN:
            raise InvalidInput(_("start_date and end_date may be at most 90 days apart"))
    status = {s.lower() for s in _list(_param(request, "status"))}
    if status - {"open", "closed"}:
        raise InvalidInput(_("status is open or closed"))
    category_ids = [
        services.service_category(code).pk for code in _list(_param(request, "service_code"))
    ]
    appeals = selectors.requests_window(
        start=start, end=end, category_ids=category_ids, status=status
    )
    return render.respond(
        fmt, "service_requests", [render.request_dict(a, site=_site(request)) for a in appeals]
    )


def _answers(request) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for name in request.POST:
        if match := ATTRIBUTE_RE.match(name):
            answers.setdefault(match.group(1), []).extend(request.POST.getlist(name))
    return answers


@open311_view(methods=("GET", "POST"), files="media")
def requests_collection(request, *, fmt, files):
    if request.method == "GET":
        return _requests_list(request, fmt)
    key = services.api_key_check(_param(request, "api_key"))
    data = services.RequestInput(
        **{name: _param(request, name) for name in services.RequestInput.__dataclass_fields__}
    )
    appeal = services.open311_request_submit(
        key=key, data=data, answers=_answers(request), media=files
    )
    return render.respond(fmt, "service_requests", [render.created_dict(appeal)], status=201)


def _client_key_given(request: HttpRequest) -> bool:
    """A valid api_key (counted against its rate) lets a client follow non-public requests."""
    raw = _param(request, "api_key")
    return bool(raw) and services.api_key_check(raw) is not None


@open311_view()
def request_detail(request, service_request_id, *, fmt):
    row = selectors.requests_by_ids(
        [service_request_id], include_private=_client_key_given(request)
    ).first()
    if row is None:
        raise NotFound(_("service_request_id %(id)s is unknown") % {"id": service_request_id})
    return render.respond(fmt, "service_requests", [render.request_dict(row, site=_site(request))])


@open311_view()
def token_detail(request, token, *, fmt):
    """Our tokens are the tracking numbers: a request has its id as soon as it is filed."""
    row = selectors.requests_by_ids([token], include_private=_client_key_given(request)).first()
    if row is None:
        raise NotFound(_("token %(token)s is unknown") % {"token": token})
    return render.respond(
        fmt, "service_requests", [{"service_request_id": row["tracking_number"], "token": token}]
    )


def not_found(request, *, fmt=None, **kwargs) -> HttpResponse:
    return render.error_response(fmt or "xml", 404, _("Not found."))
