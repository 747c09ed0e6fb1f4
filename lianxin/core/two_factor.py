"""The second factor: people whose roles open whistleblower reports, asset declarations or the
admin (LIANXIN_TWO_FACTOR_ROLES) confirm each sign-in with a six-digit code from an
authenticator app (TOTP, RFC 6238, through django-otp).

After the password such a person is signed in but not yet *verified*: TwoFactorMiddleware lets
them reach nothing but the code step (or, without a confirmed device, the set-up page) and
logging out. The API token asks for the same code (`otp`). Wrong codes are counted per account
with core.ratelimit; over the limit even the right code is refused until the window ends.

The secret (the device's key) is shown once, on the set-up page, and is never logged nor put
in the audit log, which records only that a device was set up, confirmed or reset."""

import base64
import re
from typing import Any

import segno
from django.conf import settings
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import roles_of
from .ratelimit import count_hit, hits, parse_rate, seconds_left

ADMIN = "admin"  # in LIANXIN_TWO_FACTOR_ROLES: the admin role, staff and superusers


def two_factor_required(user: Any) -> bool:
    """Whether `user` must confirm sign-ins with a code."""
    required = set(settings.LIANXIN_TWO_FACTOR_ROLES)
    if not required or user is None or not user.is_authenticated:
        return False
    if ADMIN in required and (user.is_staff or user.is_superuser):
        return True
    return any(role in required for role, _unit in roles_of(user))


def two_factor_pending(user: Any) -> bool:
    """Signed in with the password, but the code step is still to pass (needs OTPMiddleware)."""
    return two_factor_required(user) and not user.is_verified()


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: Any) -> TOTPDevice | None:
    """The device being set up (not yet confirmed by a right code), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


# --- Wrong codes, counted per account (the password was right: only the owner, or whoever has
# the password, gets here) ---------------------------------------------------------------------


def _counter(user: Any) -> tuple[str, int, int] | None:
    parsed = parse_rate(settings.LOGIN_RATE_OTP)
    if parsed is None:
        return None
    return (f"otp-fail:account={user.get_username().lower()[:150]}", *parsed)


def code_wait(user: Any) -> int:
    """Seconds until codes may be tried again for this account (0: now)."""
    counter = _counter(user)
    if counter is None:
        return 0
    key, limit, _seconds = counter
    return seconds_left(key) if hits(key) >= limit else 0


def locked_message(wait: int) -> str:
    return _(
        "Too many wrong codes. Try again in %(minutes)d minutes, or ask the administrator "
        "to check your account."
    ) % {"minutes": -(-wait // 60)}


CODE_PATTERN = re.compile(r"\d{6}")


def check_code(device: TOTPDevice, code: str) -> bool:
    """Whether `code` (spaces allowed: apps show "123 456") is the device's current code, once:
    a code already used is refused. A wrong code counts against the account's limit; callers
    check code_wait() first."""
    code = re.sub(r"\s", "", code or "")
    if CODE_PATTERN.fullmatch(code) and device.verify_token(code):
        return True
    counter = _counter(device.user)
    if counter:
        key, _limit, seconds = counter
        count_hit(key, seconds)
    return False


# --- The set-up page ------------------------------------------------------------------------


def secret_text(device: TOTPDevice) -> str:
    """The key as people type it into an app without a camera: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn here (no network, no image file
    that could be cached or logged)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr", lineclass=None
    )
