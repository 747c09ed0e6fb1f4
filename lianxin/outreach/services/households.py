"""Registering households and pairing them with cadres (联户)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, has_role
from lianxin.core.errors import InvalidInput, InvalidTransition
from lianxin.core.models import Unit
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission

from ..errors import Code
from ..models import Difficulty, Household, Pairing, Reason

PHONE_RE = re.compile(r"^\+?[0-9]{5,20}$")
# What an edit may change; the rest (consent recorder, history) is the record's own.
EDITABLE = (
    "head_name",
    "members",
    "phone",
    "address",
    "reasons",
    "difficulty",
    "species",
    "herd_size",
    "consent_on",
)


def normalize_phone(value: Any) -> str:
    """Digits (and a leading +) only: "138 1234-5678" and "13812345678" are one phone, so one
    natural key."""
    return re.sub(r"[\s()（）-]", "", str(value or ""))


def _refuse(field: str, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, code=code, fields={field: [message]})


def _whole(value: Any, field: str, message: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _refuse(field, message) from None
    if not low <= number <= high:
        raise _refuse(field, message)
    return number


def household_fields(
    *,
    head_name: Any,
    members: Any,
    reasons: list[str],
    consent_on: date | None,
    difficulty: str = Difficulty.ORDINARY,
    phone: Any = "",
    address: Any = "",
    species: Any = "",
    herd_size: Any = None,
) -> dict[str, Any]:
    """The checked values of a household, keeping only what its reasons need (PIPL): species
    and herd size are kept for a livestock farm and required there, dropped for any other."""
    head_name = clean_text(
        head_name, field="head_name", max_length=50, label=_("Head of household")
    )
    address = clean_text(
        address, field="address", max_length=200, required=False, label=_("Address")
    )
    phone = normalize_phone(phone)
    if phone and not PHONE_RE.match(phone):
        raise _refuse("phone", _("Enter a valid phone number, e.g. 13812345678."))
    if consent_on is None:
        # PIPL: nobody is listed without their consent on record.
        raise _refuse(
            "consent_on", _("Record the date the household agreed to be listed."), Code.NO_CONSENT
        )
    if consent_on > timezone.localdate(clock.now()):
        raise _refuse(
            "consent_on", _("The consent date cannot be later than today."), Code.NO_CONSENT
        )
    reasons = list(dict.fromkeys(reasons))
    if not reasons or set(reasons) - set(Reason.values):
        raise _refuse(
            "reasons", _("Choose one or more of the listed reasons."), Code.UNKNOWN_REASON
        )
    if difficulty not in Difficulty.values:
        raise _refuse("difficulty", _("Unknown difficulty."))
    members = _whole(members, "members", _("Members: a number from 1 to 99."), 1, 99)
    if Reason.LIVESTOCK_FARM in reasons:
        species = clean_text(
            species, field="species", max_length=50, required=False, label=_("Livestock species")
        )
        if not species:
            raise _refuse(
                "species", _("A livestock farm: enter the species kept."), Code.FARM_DETAILS
            )
        if herd_size in (None, ""):
            raise _refuse(
                "herd_size", _("A livestock farm: enter the herd size."), Code.FARM_DETAILS
            )
        herd_size = _whole(
            herd_size, "herd_size", _("Herd size: a whole number, 0 or more."), 0, 10**9
        )
    else:
        species, herd_size = "", None
    return {
        "head_name": head_name,
        "members": members,
        "phone": phone,
        "address": address,
        "reasons": reasons,
        "difficulty": difficulty,
        "species": species,
        "herd_size": herd_size,
        "consent_on": consent_on,
    }


def _duplicate() -> InvalidInput:
    return _refuse(
        "head_name",
        _("This village already lists a household with this head and phone."),
        Code.DUPLICATE_HOUSEHOLD,
    )


def household_register(
    *,
    actor: Any,
    unit: Unit,
    head_name: str,
    members: Any,
    reasons: list[str],
    consent_on: date | None,
    difficulty: str = Difficulty.ORDINARY,
    phone: str = "",
    address: str = "",
    species: str = "",
    herd_size: Any = None,
) -> Household:
    """List a household in the registry, with the date its consent was given."""
    require_permission(actor, "outreach.manage_households", unit)
    values = household_fields(
        head_name=head_name,
        members=members,
        reasons=reasons,
        consent_on=consent_on,
        difficulty=difficulty,
        phone=phone,
        address=address,
        species=species,
        herd_size=herd_size,
    )
    if Household.objects.filter(
        unit=unit, head_name=values["head_name"], phone=values["phone"]
    ).exists():
        raise _duplicate()
    try:
        with transaction.atomic():
            household = Household.objects.create(
                unit=unit,
                consent_recorded_by=actor if getattr(actor, "pk", None) else None,
                created_at=clock.now(),
                **values,
            )
            commit(
                household,
                action="household_register",
                actor=actor,
                data={"unit": unit.pk, "reasons": values["reasons"]},
            )
    except IntegrityError:
        raise _duplicate() from None  # the same household registered at the same moment
    return household


def household_update(
    *,
    actor: Any,
    household: Household | int,
    version: int | None = None,
    unit: Unit | None = None,
    **changes: Any,
) -> Household:
    """Change a household's details (those in `EDITABLE`, and its village). `version`: the one
    the form was built from; a household changed since is a conflict. The audit event names the
    fields changed, not their values (the log is kept for ever; the personal data is not)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    try:
        with transaction.atomic():
            locked = lock(Household, household, version=version, related=["unit"])
            require_permission(actor, "outreach.manage_households", locked)
            if not locked.is_active:
                raise InvalidTransition(
                    _("This household was deactivated: it can no longer be changed."),
                    code=Code.HOUSEHOLD_INACTIVE,
                )
            if unit is not None and unit.pk != locked.unit_id:
                require_permission(actor, "outreach.manage_households", unit)
            values = household_fields(
                **{name: changes.get(name, getattr(locked, name)) for name in EDITABLE}
            )
            changed = [name for name in EDITABLE if values[name] != getattr(locked, name)]
            if unit is not None and unit.pk != locked.unit_id:
                locked.unit = unit
                changed.append("unit")
            if not changed:
                return locked
            if (
                Household.objects.filter(
                    unit=locked.unit_id, head_name=values["head_name"], phone=values["phone"]
                )
                .exclude(pk=locked.pk)
                .exists()
            ):
                raise _duplicate()
            for name in EDITABLE:
                setattr(locked, name, values[name])
            commit(
                locked,
                action="household_update",
                actor=actor,
                fields=changed,
                data={"fields": changed},
            )
    except IntegrityError:
        raise _duplicate() from None
    return locked


def household_deactivate(
    *, actor: Any, household: Household | int, reason: str, version: int | None = None
) -> Household:
    """Take a household off the registry's active list (moved away, no longer in difficulty,
    deceased), with the reason. Its current pairing ends today; the record and its history
    stay."""
    reason = clean_text(reason, field="reason", max_length=200, label=_("Reason"))
    with transaction.atomic():
        locked = lock(Household, household, version=version, related=["unit"])
        require_permission(actor, "outreach.manage_households", locked)
        if not locked.is_active:
            raise InvalidTransition(
                _("This household is already deactivated."), code=Code.HOUSEHOLD_INACTIVE
            )
        today = timezone.localdate(clock.now())
        current = (
            Pairing.objects.select_for_update()
            .filter(household=locked, ends_on__isnull=True)
            .first()
        )
        if current is not None:
            current.ends_on = max(today, current.starts_on)
            current.save(update_fields=["ends_on"])
        locked.is_active = False
        locked.deactivated_on = today
        locked.deactivation_reason = reason
        commit(
            locked,
            action="household_deactivate",
            actor=actor,
            fields=["is_active", "deactivated_on", "deactivation_reason"],
            reason=reason,
            data={"pairing_ended": current.pk if current else None},
        )
    return locked


def pairing_assign(
    *, actor: Any, household: Household | int, cadre: Any, starts_on: date | None = None
) -> Pairing:
    """Pair `cadre` with the household from `starts_on` (today). A current pairing with another
    cadre ends the day before: the history of who was responsible when is kept."""
    starts_on = starts_on or timezone.localdate(clock.now())
    with transaction.atomic():
        locked = lock(Household, household, related=["unit"])
        require_permission(actor, "outreach.manage_households", locked)
        if not has_role(cadre, *OFFICIAL_ROLES):
            raise InvalidInput(_("Households are paired with cadres only."), code=Code.NOT_A_CADRE)
        current = (
            Pairing.objects.select_for_update()
            .filter(household=locked, ends_on__isnull=True)
            .first()
        )
        if current is not None and current.cadre_id == cadre.pk:
            raise InvalidInput(
                _("This cadre is already paired with the household."), code=Code.SAME_CADRE
            )
        if current is not None:
            if starts_on <= current.starts_on:
                raise InvalidInput(_("The new pairing must start after the current one began."))
            current.ends_on = starts_on - timedelta(days=1)
            current.save(update_fields=["ends_on"])
        pairing = Pairing.objects.create(
            household=locked, cadre=cadre, starts_on=starts_on, created_at=clock.now()
        )
        commit(
            pairing,
            action="pairing_reassign" if current else "pairing_assign",
            actor=actor,
            data={
                "household": locked.pk,
                "cadre": cadre.pk,
                "previous": current.pk if current else None,
                "starts_on": starts_on.isoformat(),
            },
        )
    return pairing
