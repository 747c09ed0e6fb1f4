"""Citizens' logins (我的诉求): a one-time code sent by SMS proves a mobile number, and the
number's lookup key (core.phones) binds the login to it.

What is kept, and why so little (PIPL: only what the purpose needs): the account holds the
number's keyed lookup key, never the number; a code is kept as a keyed hash with its own salt
until it is used or expires; counters are keyed on the lookup key and on the address's keyed
tag. The SMS itself is sent from the request, straight to the gateway, not queued as a
notification: a queued message would keep the code and the number in clear until delivered,
and a sign-in code that arrives after its few minutes is of no use anyway.

Limits: a code dies after CITIZEN_CODE_ATTEMPTS wrong tries, after CITIZEN_CODE_SECONDS or
once used; a new code replaces the old one; sends are limited per number and per address, and
wrong codes per address, so that guessing costs far more than six digits are worth. No answer
says whether a number has appeals: any valid mobile number gets a code."""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import clock, keys
from .audit import audit_record
from .errors import InvalidInput, LianxinError, RateLimited
from .masking import mask_phone
from .models import CitizenAccount, SigninCode
from .phones import MOBILE_RE, normalise_phone, phone_key, phone_keys
from .ratelimit import address_tag, count_hit, hits, parse_rate, within_rate
from .sms import get_sms_backend

log = logging.getLogger("lianxin.citizens")


class Code(StrEnum):
    PHONE_INVALID = "phone_invalid"  # not a mainland mobile number
    CODE_INVALID = "code_invalid"  # not six digits
    CODE_WRONG = "code_wrong"  # the code does not match; attempts remain
    CODE_EXPIRED = "code_expired"  # no live code for the number (expired, used or never sent)
    CODE_EXHAUSTED = "code_exhausted"  # too many wrong attempts: the code is dead
    SEND_LIMITED = "send_limited"  # too many codes asked for this number or from this address
    SIGNIN_LIMITED = "signin_limited"  # too many wrong codes from this address
    SMS_UNAVAILABLE = "sms_unavailable"  # the SMS gateway failed; nothing is kept


class SmsUnavailable(LianxinError):
    code = Code.SMS_UNAVAILABLE
    status = 503
    default_message = gettext_lazy("The text message could not be sent. Please try again later.")


def mobile_or_error(phone: object) -> str:
    number = normalise_phone(phone)
    if not MOBILE_RE.match(number):
        message = _("Enter a mobile phone number of 11 digits, e.g. 13812345678.")
        raise InvalidInput(message, code=Code.PHONE_INVALID, fields={"phone": [message]})
    return number


def _code_hash(key: str, salt: str, code: str, *, with_key: bytes | None = None) -> str:
    return keys.mac("signin-code", f"{key}:{salt}:{code}", key=with_key).hex()


def _code_matches(row: SigninCode, code: str) -> bool:
    """Constant-time, under the current key or a former one (rotation)."""
    return any(
        hmac.compare_digest(row.code_hash, _code_hash(row.phone_key, row.salt, code, with_key=k))
        for k in keys.keys("signin-code")
    )


def signin_code_send(*, phone: object, address: str) -> None:
    """Send a new sign-in code to `phone`, replacing any earlier one. RateLimited past the
    limits, SmsUnavailable if the gateway fails (the code is then not kept)."""
    number = mobile_or_error(phone)
    key = phone_key(number)
    limited = RateLimited(
        _("Too many codes were asked for. Please wait a while and try again."),
        code=Code.SEND_LIMITED,
    )
    # The address first: one address asking for many numbers is refused before it counts
    # against any number (which would lock their owners out).
    if not within_rate(
        f"citizen-send-addr:{address_tag(address)}", settings.CITIZEN_CODE_RATE_ADDRESS
    ):
        raise limited
    gap = settings.CITIZEN_CODE_RESEND_SECONDS
    if gap and count_hit(f"citizen-send-gap:{key}", gap) > 1:
        raise limited
    if not within_rate(f"citizen-send-phone:{key}", settings.CITIZEN_CODE_RATE_PHONE):
        raise limited
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    now = clock.now()
    with transaction.atomic():
        SigninCode.objects.filter(phone_key__in=phone_keys(number), used_at__isnull=True).delete()
        row = SigninCode.objects.create(
            phone_key=key,
            salt=salt,
            code_hash=_code_hash(key, salt, code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.CITIZEN_CODE_SECONDS),
        )
    minutes = max(1, settings.CITIZEN_CODE_SECONDS // 60)
    text = _(
        "[Lianxin 12345] Your sign-in code is %(code)s, valid for %(minutes)d minutes. "
        "Do not tell it to anyone, not even staff."
    ) % {"code": code, "minutes": minutes}
    try:
        get_sms_backend().send(number, text)
    except Exception as exc:  # any gateway failure: the code was never delivered
        SigninCode.objects.filter(pk=row.pk).delete()
        log.warning("sign-in code to %s not sent: %s", mask_phone(number), type(exc).__name__)
        raise SmsUnavailable() from exc


def signin_code_check(*, phone: object, code: object, address: str) -> Any:
    """The login of the number proved by `code` (made at its first sign-in), audited. Every
    refusal is a LianxinError with a code of `Code`; a wrong code counts against it."""
    number = mobile_or_error(phone)
    given = str(code or "").strip()
    if not (len(given) == 6 and given.isdigit()):
        message = _("The code is the 6 digits in the text message.")
        raise InvalidInput(message, code=Code.CODE_INVALID, fields={"code": [message]})
    fails = f"citizen-signin-fail:{address_tag(address)}"
    limit = parse_rate(settings.CITIZEN_SIGNIN_FAIL_RATE_ADDRESS)
    if limit and hits(fails) >= limit[0]:
        raise RateLimited(
            _("Too many wrong codes from here. Please wait a while and try again."),
            code=Code.SIGNIN_LIMITED,
        )
    outcome, user = _check_and_use(number, given)
    if outcome is None:
        return user
    if limit and outcome != Code.CODE_EXPIRED:
        count_hit(fails, limit[1])
    messages = {
        Code.CODE_WRONG: _("The code is wrong. Check the text message and try again."),
        Code.CODE_EXHAUSTED: _("The code was typed wrong too many times. Ask for a new code."),
        Code.CODE_EXPIRED: _("The code has expired or was already used. Ask for a new code."),
    }
    raise InvalidInput(messages[outcome], code=outcome, fields={"code": [messages[outcome]]})


def _check_and_use(number: str, given: str) -> tuple[Code | None, Any]:
    """On the code's locked row: (None, user) when it matches, else the refusal. A wrong try
    is committed with the refusal, so it counts even though the caller raises."""
    now = clock.now()
    with transaction.atomic():
        row = (
            SigninCode.objects.select_for_update()
            .filter(phone_key__in=phone_keys(number), used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            return Code.CODE_EXPIRED, None
        if row.attempts >= settings.CITIZEN_CODE_ATTEMPTS:
            return Code.CODE_EXHAUSTED, None
        if not _code_matches(row, given):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            exhausted = row.attempts >= settings.CITIZEN_CODE_ATTEMPTS
            return (Code.CODE_EXHAUSTED if exhausted else Code.CODE_WRONG), None
        row.used_at = now
        row.save(update_fields=["used_at"])
        return None, _account_signin(number, now)


def _account_signin(number: str, now: Any) -> Any:
    """The number's account, made at its first sign-in; its key brought up to the current
    one (core.keys rotation). A login with no name, no password and no role."""
    account = (
        CitizenAccount.objects.select_for_update()
        .select_related("user")
        .filter(phone_key__in=phone_keys(number))
        .first()
    )
    created = account is None
    if account is None:
        user = get_user_model().objects.create_user(
            username=f"citizen-{secrets.token_hex(8)}", password=None
        )
        try:
            with transaction.atomic():
                account = CitizenAccount.objects.create(
                    user=user, phone_key=phone_key(number), created_at=now, last_signin_at=now
                )
        except IntegrityError:  # the same number signed in at this very moment elsewhere
            user.delete()
            account = CitizenAccount.objects.select_related("user").get(
                phone_key__in=phone_keys(number)
            )
            created = False
    account.phone_key = phone_key(number)
    account.last_signin_at = now
    account.save(update_fields=["phone_key", "last_signin_at"])
    audit_record(
        actor=account.user,
        action="citizen_signin",
        obj=account,
        data={"first": created},
    )
    return account.user


def citizen_account_of(user: Any) -> CitizenAccount | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return CitizenAccount.objects.filter(user=user).first()


@transaction.atomic
def citizen_account_delete(*, user: Any) -> None:
    """Remove the login and its link to the number: the account row goes, the user is
    deactivated under a name that says nothing. The user row itself stays because the audit
    log names it (its events are hashed with the user's id) — it holds no personal data."""
    account = CitizenAccount.objects.select_for_update().filter(user=user).first()
    if account is None:
        return
    audit_record(actor=user, action="citizen_account_delete", obj=account)
    account.delete()
    SigninCode.objects.filter(phone_key=account.phone_key).delete()
    user.is_active = False
    user.username = f"deleted-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.save()


def purge_signin_codes() -> int:
    """Codes used or expired are of no use: drop them (the schedule calls this)."""
    deleted, _ = SigninCode.objects.filter(expires_at__lte=clock.now()).delete()
    used, _ = SigninCode.objects.filter(used_at__isnull=False).delete()
    return deleted + used
