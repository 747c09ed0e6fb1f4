"""Guessing passwords is not free: failed sign-ins are counted per account and address, per
address, and per account, on every way in (the login page, Django admin, the API token), and
over a limit the attempt is refused before the password is even checked.

A lock keyed on the account alone would let anyone lock a cadre out of their office by typing
wrong passwords from anywhere; so the tight limit is per account *and* address, the address
limit is loose enough for an office behind one NAT, and the per-account limit, for guessing
spread over many addresses, lasts at most its (short) window."""

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from .ratelimit import address_tag, client_address, count_hit, hits, parse_rate, seconds_left

LIMITS = (  # (setting, what the counter is keyed on)
    ("LOGIN_RATE_ACCOUNT_ADDRESS", ("account", "address")),
    ("LOGIN_RATE_ADDRESS", ("address",)),
    ("LOGIN_RATE_ACCOUNT", ("account",)),
)


def _counters(username: str, request: Any) -> list[tuple[str, int, int]]:
    parts = {
        "account": (username or "").strip().lower()[:150],
        "address": address_tag(client_address(request)) if request is not None else "-",
    }
    counters = []
    for name, keys in LIMITS:
        parsed = parse_rate(getattr(settings, name))
        if parsed:
            key = "signin-fail:" + ":".join(f"{k}={parts[k]}" for k in keys)
            counters.append((key, *parsed))
    return counters


def signin_locked(username: str, request: Any) -> bool:
    return signin_wait(username, request) > 0


def signin_wait(username: str, request: Any) -> int:
    """Seconds until this account may be tried again from here (0: it may now)."""
    return max(
        (
            seconds_left(key)
            for key, limit, _seconds in _counters(username, request)
            if hits(key) >= limit
        ),
        default=0,
    )


class SigninForm(AuthenticationForm):
    """The login page's form: over a limit it says so, and for how long, instead of "wrong
    password" (the password is not even checked then)."""

    locked_message = ""

    def clean(self) -> dict[str, Any]:
        wait = signin_wait(self.cleaned_data.get("username", ""), self.request)
        if wait:
            self.locked_message = _(
                "Too many failed attempts. Try again in %(minutes)d minutes, or ask the "
                "administrator to check your account."
            ) % {"minutes": -(-wait // 60)}
            raise ValidationError(self.locked_message, code="locked")
        return super().clean()


def signin_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """user_login_failed: count the failure against each limit."""
    for key, _limit, seconds in _counters(credentials.get("username", ""), request):
        count_hit(key, seconds)


class SigninThrottleBackend:
    """First of AUTHENTICATION_BACKENDS: refuses (PermissionDenied stops authenticate() for
    every backend) an attempt over a limit, whatever the password."""

    def authenticate(self, request: Any, username: str | None = None, **kwargs: Any) -> None:
        if username is not None and signin_locked(username, request):
            raise PermissionDenied
        return None

    # No get_user(): this backend never signs anyone in, so no session ever names it (and
    # Django's force_login, which takes the first backend that has one, passes it by).


user_login_failed.connect(signin_failed, dispatch_uid="core-signin-failed")
