"""The operator console (坐席工作台): one page for the call in hand, the small JSON lookups it
calls as the operator types, and the centre's figures for its supervisors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lianxin.appeals.models import Category, Track, Urgency
from lianxin.core import clock
from lianxin.core.access import may
from lianxin.core.errors import InvalidInput, LianxinError

from . import questions, selectors, services
from .models import Call, Outcome, Source

MAX_LOOKUP = 2000


def _operator(request: HttpRequest) -> None:
    if not may(request.user, "hotline.take_call"):
        raise PermissionDenied(_("Only hotline operators use the console."))


def _console(
    request: HttpRequest, *, error: LianxinError | None = None, data: Any = None
) -> HttpResponse:
    user: Any = request.user
    now = clock.now()
    call = services.open_call_of(user)
    since = selectors.shift_start(now)
    data = data or {}
    chosen = data.get("category", "")
    context = {
        "call": call,
        "history": (
            [selectors.appeal_row(a, now=now) for a in selectors.caller_history(call.phone)]
            if call
            else []
        ),
        "categories": Category.objects.filter(is_active=True).select_related("parent"),
        "urgencies": Urgency.choices,
        "tracks": Track.choices,
        "questions": [
            {
                "key": q.key,
                "text": q.text,
                "kind": q.kind,
                "required": q.required,
                "value": data.get(f"q_{q.key}", ""),
            }
            for q in questions.questions_for(chosen)
        ],
        "figures": selectors.operator_figures(user, since=since),
        "shift_start": since,
        "my_calls": Call.objects.filter(operator=user, started_at__gte=since)
        .exclude(outcome=Outcome.OPEN)
        .select_related("appeal", "article")[:10],
        "error": error,
        "errors": error.fields if error else {},
        "data": data,
    }
    return render(request, "hotline/console.html", context, status=error.status if error else 200)


@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    _operator(request)
    return _console(request)


@login_required
@require_POST
def call_start(request: HttpRequest) -> HttpResponse:
    _operator(request)
    try:
        services.call_open(
            operator=request.user, phone=request.POST.get("phone"), source=Source.CONSOLE
        )
    except LianxinError as exc:
        return _console(request, error=exc, data=request.POST)
    return redirect("hotline:console")


@login_required
@require_POST
def call_finish(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    post = request.POST
    outcome = post.get("outcome")
    common: dict[str, Any] = {
        "call": pk,
        "actor": request.user,
        "note": post.get("note"),
        "recording_ref": post.get("recording_ref"),
        "version": int(post["version"]) if str(post.get("version", "")).isdigit() else None,
    }
    try:
        if outcome == Outcome.ANSWERED:
            services.call_answer(
                **common, article=post.get("article"), category=post.get("category")
            )
            messages.success(request, _("Call recorded: answered directly."))
        elif outcome == Outcome.CREATED:
            _call, appeal = services.call_create_appeal(
                **common,
                title=post.get("title"),
                content=post.get("content"),
                category=post.get("category"),
                urgency=post.get("urgency"),
                track=post.get("track"),
                answers={k[2:]: v for k, v in post.items() if k.startswith("q_")},
                contact_name=post.get("contact_name"),
                address=post.get("address"),
                is_public=post.get("is_public") == "on",
            )
            messages.success(
                request,
                _("Appeal %(tn)s created (%(status)s).")
                % {"tn": appeal.tracking_number, "status": appeal.get_status_display()},
            )
        elif outcome == Outcome.ADDED:
            _call, appeal = services.call_add_to_appeal(
                **common, tracking_number=post.get("add_to")
            )
            messages.success(request, _("Added to appeal %(tn)s.") % {"tn": appeal.tracking_number})
        else:
            raise InvalidInput(_("Choose how the call ended."))
    except LianxinError as exc:
        return _console(request, error=exc, data=post)
    return redirect("hotline:console")


# --- Lookups: small JSON answers for the console's script, each one query or model call ----


def _lookup(fn: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], JsonResponse]:
    def view(request: HttpRequest) -> JsonResponse:
        if not may(request.user, "hotline.take_call"):
            return JsonResponse(
                {
                    "code": "permission_denied",
                    "detail": _("Only hotline operators use the console."),
                },
                status=403,
            )
        try:
            return JsonResponse({"results": fn(request)})
        except LianxinError as exc:
            return JsonResponse({"code": exc.code, "detail": str(exc.message)}, status=exc.status)

    view.__name__ = fn.__name__
    view.__doc__ = fn.__doc__
    return require_GET(view)


def _q(request: HttpRequest, name: str) -> str:
    return str(request.GET.get(name, ""))[:MAX_LOOKUP]


@_lookup
def lookup_history(request: HttpRequest) -> Any:
    phone = services.clean_phone(_q(request, "phone"))
    now = clock.now()
    return [selectors.appeal_row(a, now=now) for a in selectors.caller_history(phone)]


@_lookup
def lookup_suggest(request: HttpRequest) -> Any:
    return selectors.suggestion(_q(request, "text"))


@_lookup
def lookup_similar(request: HttpRequest) -> Any:
    return selectors.similar_appeals(_q(request, "text"))


@_lookup
def lookup_articles(request: HttpRequest) -> Any:
    return selectors.articles(_q(request, "q"))


@_lookup
def lookup_questions(request: HttpRequest) -> Any:
    return questions.as_json(_q(request, "category"))


@_lookup
def lookup_current(request: HttpRequest) -> Any:
    """The operator's open call, if any: the console waits on it for the telephone system."""
    call = services.open_call_of(request.user)
    return {"id": call.pk} if call else None


# --- The centre ---------------------------------------------------------------------------------

# Days before today each period reaches back (None: the shift running now).
PERIODS = {"shift": None, "today": 0, "7": 6, "30": 29}


@login_required
@require_GET
def centre(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "hotline.view_centre"):
        raise PermissionDenied(_("Only the centre's supervisors see its figures."))
    period = request.GET.get("period", "today")
    if period not in PERIODS:
        period = "today"
    now = clock.now()
    days = PERIODS[period]
    since = (
        selectors.shift_start(now)
        if days is None
        else selectors.day_start(now) - timedelta(days=days)
    )
    total, per_operator = selectors.centre_figures(since=since)
    return render(
        request,
        "hotline/centre.html",
        {
            "total": total,
            "per_operator": per_operator,
            "period": period,
            "periods": [
                ("shift", _("This shift")),
                ("today", _("Today")),
                ("7", _("Last 7 days")),
                ("30", _("Last 30 days")),
            ],
            "since": since,
            "calls": selectors.recent_calls(request.user, since=since),
        },
    )
