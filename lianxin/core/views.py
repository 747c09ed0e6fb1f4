"""Health check, home page routing, the notification list, and signing in (the password, then
the second factor's code step and set-up page)."""

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import has_role
from .models import Role
from .services import two_factor_confirm, two_factor_enrol
from .signin import SigninForm
from .two_factor import (
    check_code,
    code_wait,
    confirmed_device,
    locked_message,
    qr_svg,
    secret_text,
    two_factor_pending,
    two_factor_required,
)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": str(exc) or type(exc).__name__}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


# Where each role's work starts, first match wins: a person lands on it after login (and from
# an error page's way back).
LANDINGS = [
    ((Role.DISPATCHER,), "appeals:dispatch"),
    ((Role.OPERATOR,), "hotline:console"),
    ((Role.HANDLER, Role.LEADER), "appeals:workbench"),
    ((Role.SUPERVISOR,), "appeals:supervision"),
    ((Role.INSPECTOR,), "supervision:report-cases"),
    ((Role.ORGDEPT,), "evaluation:appraisal_list"),
]


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    for roles, landing in LANDINGS:
        if has_role(user, *roles):
            return redirect(landing)
    if user.is_staff and (user.is_superuser or has_role(user, Role.ADMIN)):
        return redirect("admin:index")
    return redirect("appeals:portal")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    # login_required: the user is signed in, not AnonymousUser.
    items = request.user.notifications.filter(channel="inapp")[:100]  # type: ignore[union-attr]
    return render(request, "core/notifications.html", {"items": items})


# --- Signing in ---------------------------------------------------------------------------------


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


class SigninView(LoginView):
    """The password step. Someone whose role needs the second factor goes on to the code step,
    or to setting up their app the first time (TwoFactorMiddleware would send them there
    anyway; this spares a detour)."""

    authentication_form = SigninForm

    def get_success_url(self) -> str:
        target = super().get_success_url()
        user = self.request.user
        if two_factor_required(user):
            return _with_next(
                "two_factor" if confirmed_device(user) else "two_factor_setup", target
            )
        return target


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Six-digit code"), max_length=20)


def _code_error(request: HttpRequest, device: TOTPDevice) -> str | None:
    """The posted code checked against `device`: None when it is right, else what to say."""
    wait = code_wait(request.user)
    if wait:
        return locked_message(wait)
    if check_code(device, request.POST.get("code", "")):
        return None
    wait = code_wait(request.user)
    if wait:
        return locked_message(wait)
    return _(
        "That code is not right. Enter the six digits your authenticator app shows now "
        "(they change every 30 seconds; a code already used is not accepted twice), and "
        "check that the phone's clock is right."
    )


def _verified(request: HttpRequest, device: TOTPDevice) -> None:
    # A new session key for the signed-in-with-both-factors session (as login() does).
    request.session.cycle_key()
    django_otp.login(request, device)


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The code step after the password."""
    target = _next_url(request)
    if not two_factor_pending(request.user):
        return redirect(target)
    device = confirmed_device(request.user)
    if device is None:
        return redirect(_with_next("two_factor_setup", target))
    error = None
    if request.method == "POST":
        error = _code_error(request, device)
        if error is None:
            _verified(request, device)
            return redirect(target)
    return render(
        request,
        "registration/two_factor.html",
        {"form": CodeForm(), "error": error, "next": target},
    )


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """The first sign-in of someone whose role needs the second factor: scan the QR code (or
    type the key) into an authenticator app, then prove it with a code. The key is shown on
    this page only, which no cache keeps."""
    target = _next_url(request)
    if not two_factor_pending(request.user):
        return redirect(target)
    if confirmed_device(request.user) is not None:
        return redirect(_with_next("two_factor", target))
    device = two_factor_enrol(user=request.user)
    error = None
    if request.method == "POST":
        error = _code_error(request, device)
        if error is None:
            two_factor_confirm(device=device, actor=request.user)
            _verified(request, device)
            messages.success(
                request,
                _(
                    "Your authenticator app is set up. From now on, sign-in asks for its code after "
                    "the password."
                ),
            )
            return redirect(target)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": CodeForm(),
            "error": error,
            "next": target,
            "qr": qr_svg(device),
            "secret": secret_text(device),
        },
    )
