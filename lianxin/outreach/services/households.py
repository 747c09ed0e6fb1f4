"""Registering households and pairing them with cadres (联户)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, has_role
from lianxin.core.errors import InvalidInput
from lianxin.core.models import Unit
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission

from ..errors import Code
from ..models import Difficulty, Household, Pairing, Reason

PHONE_RE = re.compile(r"^\+?[0-9-]{5,20}$")


def household_register(
    *,
    actor: Any,
    unit: Unit,
    head_name: str,
    members: int,
    reasons: list[str],
    consent_on: date | None,
    difficulty: str = Difficulty.ORDINARY,
    phone: str = "",
    address: str = "",
    species: str = "",
    herd_size: int | None = None,
) -> Household:
    """List a household in the registry, with the date its consent was given."""
    require_permission(actor, "outreach.manage_households", unit)
    head_name = clean_text(
        head_name, field="head_name", max_length=50, label=_("Head of household")
    )
    address = clean_text(
        address, field="address", max_length=200, required=False, label=_("Address")
    )
    species = clean_text(
        species, field="species", max_length=50, required=False, label=_("Livestock species")
    )
    phone = re.sub(r"[\s()]", "", str(phone or ""))
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput(
            _("Enter a valid phone number, e.g. 13812345678."),
            fields={"phone": [_("Enter a valid phone number, e.g. 13812345678.")]},
        )
    if consent_on is None or consent_on > timezone.localdate(clock.now()):
        # PIPL: nobody is listed without their consent on record.
        raise InvalidInput(
            _("Record the date the household agreed to be listed."), code=Code.NO_CONSENT
        )
    reasons = list(dict.fromkeys(reasons))
    if not reasons or set(reasons) - set(Reason.values):
        raise InvalidInput(_("Choose one or more of the listed reasons."), code=Code.UNKNOWN_REASON)
    if difficulty not in Difficulty.values:
        raise InvalidInput(_("Unknown difficulty."))
    if not isinstance(members, int) or not 1 <= members <= 99:
        raise InvalidInput(_("Members: a number from 1 to 99."))
    if herd_size is not None and herd_size < 0:
        raise InvalidInput(_("The herd size cannot be negative."))
    with transaction.atomic():
        household = Household.objects.create(
            unit=unit,
            head_name=head_name,
            members=members,
            phone=phone,
            address=address,
            reasons=reasons,
            difficulty=difficulty,
            species=species,
            herd_size=herd_size,
            consent_on=consent_on,
            consent_recorded_by=actor,
            created_at=clock.now(),
        )
        commit(
            household,
            action="household_register",
            actor=actor,
            data={"unit": unit.pk, "reasons": reasons},
        )
    return household


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
