"""Keep API answers JSON even when Django itself answers (unknown URL, unexpected error)."""

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

log = logging.getLogger("lianxin")
GetResponse = Callable[[HttpRequest], HttpResponse]
API_PREFIXES = ("/api/", "/healthz")


class ApiErrorMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A NUL byte is never meant, and PostgreSQL refuses to store or compare it: a query
        # string carrying one is malformed (400) for every page and API alike. (Open311 answers
        # it itself, in the format the client asked for.)
        if not request.path.startswith("/open311/") and any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return JsonResponse(
                {"code": "parse_error", "detail": _("Malformed request.")}, status=400
            )
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIXES)
            and response.status_code == 404
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OperationalError, InterfaceError)):
            return database_unavailable(request, exception)
        if not request.path.startswith(API_PREFIXES):
            return None
        if isinstance(exception, (json.JSONDecodeError, UnicodeDecodeError)):
            return JsonResponse(
                {"code": "parse_error", "detail": _("Malformed request.")}, status=400
            )
        log.exception("unhandled API error")
        return JsonResponse({"code": "server_error", "detail": _("Internal error.")}, status=500)


class BodySizeMiddleware:
    """A body larger than we would ever read is refused before anything reads it: 413 with a
    message, instead of Django's 400 deep inside a form or DRF reading it whole. File uploads
    (multipart) may be larger, up to REQUEST_MAX_UPLOAD_BYTES; every other body stops at
    DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = (
            settings.REQUEST_MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length > limit:
            detail = _("The request is too large (at most %(mb)d MB).") % {
                "mb": max(1, limit // (1024 * 1024))
            }
            if request.path.startswith(API_PREFIXES):
                return JsonResponse({"code": "too_large", "detail": detail}, status=413)
            return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def database_unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The database is restarting, unreachable or out of disk: 503 with a message saying that
    nothing was saved (the transaction rolled back), and when to try again, instead of a 500.
    The page is standalone: the site's layout itself needs the database."""
    log.error("database unavailable: %s: %s", type(exception).__name__, str(exception)[:200])
    detail = _(
        "The service is briefly unavailable and nothing was saved. Please try again in a minute."
    )
    if request.path.startswith(API_PREFIXES):
        response: HttpResponse = JsonResponse({"code": "unavailable", "detail": detail}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"detail": detail}), status=503)
    response["Retry-After"] = "30"
    return response


# What a page may load and run: only this server's files, no inline script, no framing, forms
# posted only here. Inline styles stay allowed (templates and ECharts set style attributes).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class TwoFactorMiddleware:
    """The one gate of the second factor (core.two_factor): a person whose role needs it, signed
    in with the password but not yet with a code, reaches only the code step (or the set-up
    page), logging out, the language switch and static files. Everything else sends them to the
    step (an API call gets a 403 saying so). After django_otp's OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # lazy: core.two_factor imports django-otp's models, which this module (loaded by the
        # settings' middleware list) must not import before the app registry is ready.
        from .two_factor import two_factor_pending

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not two_factor_pending(user):
            return self.get_response(request)
        step = reverse("two_factor")
        allowed = (
            step,
            reverse("two_factor_setup"),
            reverse("logout"),
            reverse("set_language"),
            settings.STATIC_URL,
            "/healthz",
            "/favicon.ico",
        )
        if request.path.startswith(allowed):
            return self.get_response(request)
        if request.path.startswith(API_PREFIXES):
            return JsonResponse(
                {
                    "code": "two_factor_required",
                    "detail": _(
                        "Enter the code from your authenticator app on the sign-in page first."
                    ),
                },
                status=403,
            )
        return redirect(f"{step}?{urlencode({'next': request.get_full_path()})}")
