"""Inspectors' keys for the reporting channel (举报): each inspector's keypair (the private key
sealed with their passphrase), unlocking it for a session, the report keys wrapped for each
inspector free of conflict, and sharing a case with inspectors who came later.

The server keeps no passphrase: without an inspector's unlocked private key it reads nothing."""

from __future__ import annotations

import base64
from typing import Any

import rules
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.access import has_role
from lianxin.core.audit import audit_record
from lianxin.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from lianxin.core.models import Role
from lianxin.core.ratelimit import count_hit, hits
from lianxin.core.transitions import commit, lock

from .. import reporting as rp
from ..errors import Code
from ..models.reports import InspectorKey, Report, ReportKeyWrap
from ..rules import report_conflicts

PASSPHRASE_MIN_CHARS = 12


# --- who may handle a case, and the case's key ----------------------------------------------
def check_handler(report: Report, actor: Any) -> None:
    """Inspectors free of conflict only; a conflicted one is told the case does not exist."""
    if not rules.has_perm("supervision.view_report", actor):
        raise PermissionDenied()
    if not rules.has_perm("supervision.handle_report", actor, report):
        raise NotFound(_("No such case."))


def eligible_keys(report: Report) -> list[InspectorKey]:
    """Keys of active inspectors free of conflict with the report."""
    keys = (
        InspectorKey.objects.filter(user__is_active=True, user__roles__role=Role.INSPECTOR)
        .distinct()
        .select_related("user")
    )
    return [k for k in keys if not report_conflicts(k.user, report)]


def report_key_for(*, report: Report, actor: Any, private_key: bytes | None) -> bytes:
    """The report's key, unwrapped with the inspector's unlocked private key."""
    check_handler(report, actor)
    if private_key is None:
        raise PermissionDenied(
            _("Unlock your key with your passphrase first."), code=Code.KEY_LOCKED
        )
    wrap = ReportKeyWrap.objects.filter(report=report, inspector_key__user=actor).first()
    key = rp.unwrap_for_inspector(wrap.wrapped_key, private_key) if wrap else None
    if key is None:
        raise PermissionDenied(
            _(
                "This case has not been shared with your key yet. An inspector who can read it "
                "can share it with you."
            ),
            code=Code.NO_CASE_KEY,
        )
    return key


def report_share(*, report: Report, actor: Any, private_key: bytes | None) -> int:
    """Wrap the report's key for every eligible inspector who has a keypair but no copy yet
    (inspectors added after the report came in). Returns how many were added."""
    key = report_key_for(report=report, actor=actor, private_key=private_key)
    have = set(report.wraps.values_list("inspector_key_id", flat=True))
    new = [k for k in eligible_keys(report) if k.pk not in have]
    if not new:
        return 0
    with transaction.atomic():
        ReportKeyWrap.objects.bulk_create(
            [
                ReportKeyWrap(
                    report=report,
                    inspector_key=k,
                    wrapped_key=rp.wrap_for_inspector(key, k.public_key),
                )
                for k in new
            ]
        )
        audit_record(
            actor=actor,
            action="report_share",
            obj=report,
            data={"inspectors": sorted(k.user_id for k in new)},
        )
    return len(new)


def reports_share_all(*, actor: Any, private_key: bytes | None) -> int:
    """report_share for every case the actor can read."""
    shared = 0
    for report in Report.objects.filter(wraps__inspector_key__user=actor).distinct():
        if rules.has_perm("supervision.handle_report", actor, report):
            shared += report_share(report=report, actor=actor, private_key=private_key)
    return shared


# --- the inspector's own keypair ------------------------------------------------------------
def _check_passphrase(passphrase: str, field: str) -> None:
    if len(passphrase or "") < PASSPHRASE_MIN_CHARS:
        raise InvalidInput(
            _("The passphrase must have at least %(n)d characters.") % {"n": PASSPHRASE_MIN_CHARS},
            code=Code.PASSPHRASE_TOO_SHORT,
            fields={field: [_("Too short.")]},
        )


def _key_locked(user: Any) -> InspectorKey | None:
    """The user's keypair row, locked (inside the caller's transaction), or None."""
    found = InspectorKey.objects.filter(user=user).only("pk").first()
    return lock(InspectorKey, found) if found is not None else None


def inspector_key_create(*, user: Any, passphrase: str, replace: bool = False) -> InspectorKey:
    """An inspector's keypair, its private key sealed with their passphrase. Replacing it (a
    forgotten passphrase) drops the old copies of report keys: another inspector must share
    the cases again."""
    if not has_role(user, Role.INSPECTOR):
        raise PermissionDenied(_("Only inspectors hold reporting keys."))
    _check_passphrase(passphrase, "passphrase")
    locked = rp.keypair_create(passphrase)
    with transaction.atomic():
        existing = _key_locked(user)
        if existing is not None:
            if not replace:
                raise Conflict(_("You already have a key."), code=Code.KEY_EXISTS)
            existing.delete()
        key = InspectorKey.objects.create(
            user=user,
            public_key=locked.public_key,
            sealed_private_key=locked.sealed_private_key,
            salt=locked.salt,
            opslimit=locked.opslimit,
            memlimit=locked.memlimit,
        )
        return commit(
            key, action="inspector_key_create", actor=user, data={"replaced": existing is not None}
        )


def inspector_key_change_passphrase(
    *, user: Any, passphrase: str, new_passphrase: str
) -> InspectorKey:
    """Seal the same private key under a new passphrase. The public key does not change, so
    every case already shared with the inspector stays readable; nothing needs re-sharing.
    The current passphrase is checked like an unlock (wrong ones count toward the lockout)."""
    _check_passphrase(new_passphrase, "new_passphrase")
    private_key = inspector_key_unlock(user=user, passphrase=passphrase)
    locked = rp.keypair_lock(private_key, new_passphrase)
    with transaction.atomic():
        key = _key_locked(user)
        if key is None or bytes(key.public_key) != locked.public_key:
            # The key was replaced (or removed) between the unlock and this transaction.
            raise Conflict(_("Your key changed meanwhile; try again."), code=Code.CONFLICT)
        key.sealed_private_key = locked.sealed_private_key
        key.salt, key.opslimit, key.memlimit = locked.salt, locked.opslimit, locked.memlimit
        return commit(
            key,
            action="inspector_key_change_passphrase",
            actor=user,
            fields=["sealed_private_key", "salt", "opslimit", "memlimit"],
            data={},
        )


def inspector_key_unlock(*, user: Any, passphrase: str) -> bytes:
    """The inspector's private key, for their session. Wrong passphrases are counted per
    person and lock unlocking for the lockout period."""
    limit, _overall, window = rp.failure_limits()
    fail_key = f"inspector-unlock-fail:{user.pk}"
    if hits(fail_key) >= limit:
        raise RateLimited()
    stored = InspectorKey.objects.filter(user=user).first()
    if stored is None:
        raise NotFound(_("You have no key yet."), code=Code.NO_KEY)
    private_key = rp.keypair_unlock(stored, passphrase or "")
    if private_key is None:
        count_hit(fail_key, window)
        raise PermissionDenied(_("Wrong passphrase."), code=Code.WRONG_PASSPHRASE)
    return private_key


# --- the unlocked key in a login session ----------------------------------------------------
# The private key is kept in the server-side session sealed with a random key that lives only
# in a cookie of the inspector's browser: neither a copy of the session store nor the cookie
# alone opens it. The views put the two halves in place; these functions are the crypto.


def session_key_seal(private_key: bytes) -> tuple[str, str]:
    """(the cookie's value, the session's sealed box), both as text."""
    cookie_key = rp.new_report_key()
    return (
        base64.urlsafe_b64encode(cookie_key).decode(),
        base64.b64encode(rp.seal(cookie_key, private_key)).decode(),
    )


def session_key_open(cookie: str, box: str) -> bytes | None:
    """The private key from its two halves, or None for a forged or stale cookie."""
    try:
        return rp.unseal(base64.urlsafe_b64decode(cookie), base64.b64decode(box))
    except Exception:  # noqa: BLE001  (whatever a forged cookie breaks: simply locked)
        return None
