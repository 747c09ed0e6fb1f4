"""Writes of the spot checks (随机抽查) of the integrity records: the seed is announced first,
the draw made from it later, and both kept so that anyone can re-run the draw
(integrity.draw, docs/supervision/integrity.md)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import SystemActor
from lianxin.core.audit import audit_record
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import Unit
from lianxin.core.transitions import commit, lock, require_state

from .. import integrity as integrity_rules
from ..errors import Code
from ..models import Declaration, DeclarationStatus, SpotCheck
from ..rules import can


def _share(value: Any) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(
            _("The share must be a number between 0 and 1."),
            fields={"share": [_("Between 0 and 1, e.g. 0.1 for 10 %.")]},
        ) from exc
    if not share.is_finite() or not Decimal("0") < share <= 1:
        raise InvalidInput(
            _("The share must be a number between 0 and 1."),
            fields={"share": [_("Between 0 and 1, e.g. 0.1 for 10 %.")]},
        )
    return share.quantize(Decimal("0.0001"))


def _check_drawer(actor: Any, unit: Unit) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor is None or not can(actor, "supervision.draw_spot_check", unit):
        raise PermissionDenied(
            _("Spot checks are drawn by the organisation department."), code=Code.NOT_ALLOWED
        )


def spot_check_announce(*, year: int, seed: str, share: Any, unit: Unit, actor: Any) -> SpotCheck:
    """Publish the seed of a coming draw (e.g. a date and the number announced at a public
    meeting, or a lottery result of a named future day). The draw can only use a seed announced
    before it."""
    _check_drawer(actor, unit)
    # Trimmed but otherwise kept as typed: the seed is published, and the draw must be
    # re-runnable from exactly the published text.
    seed = (seed or "").strip()
    if not seed or len(seed) > 200:
        raise InvalidInput(
            _("Give the seed (at most 200 characters)."),
            fields={"seed": [_("Give the seed (at most 200 characters).")]},
        )
    share = _share(share)
    try:
        with transaction.atomic():
            check = SpotCheck.objects.create(
                year=int(year),
                unit=unit,
                seed=seed,
                share=share,
                created_at=clock.now(),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                actor=actor,
                action="spot_check_announce",
                obj=check,
                to_state=check.status,
                data={"year": check.year, "unit_id": unit.pk, "seed": seed, "share": str(share)},
            )
    except IntegrityError as exc:
        raise InvalidInput(
            _("This seed has already been used for this year and unit."),
            code=Code.SEED_USED,
            fields={"seed": [_("Already used.")]},
        ) from exc
    return check


def spot_check_eligible(*, year: int, unit: Unit) -> list[str]:
    """The cadres (usernames, sorted) with a submitted or locked declaration for `year` whose
    unit at the time lies in `unit`'s subtree."""
    return sorted(
        set(
            Declaration.objects.filter(
                year=year,
                unit__path__startswith=unit.path,
                status__in=[DeclarationStatus.SUBMITTED, DeclarationStatus.LOCKED],
            ).values_list("cadre__username", flat=True)
        )
    )


def spot_check_draw(*, spot_check: SpotCheck | int, actor: Any) -> SpotCheck:
    """Draw the announced spot check: integrity.draw(seed, eligible, share), stored with the
    eligible list and its hash so that anyone can re-run it."""
    with transaction.atomic():
        check = lock(SpotCheck, spot_check, related=("unit",))
        _check_drawer(actor, check.unit)
        require_state(
            check,
            [SpotCheck.Status.ANNOUNCED],
            message=_("This spot check has already been drawn."),
            code=Code.ALREADY_DRAWN,
        )
        eligible = spot_check_eligible(year=check.year, unit=check.unit)
        if not eligible:
            raise InvalidTransition(
                _("No cadre has submitted a declaration for this year in this unit yet."),
                code=Code.NOBODY_ELIGIBLE,
            )
        check.eligible = eligible
        check.eligible_hash = integrity_rules.eligible_hash(eligible)
        check.drawn = integrity_rules.draw(check.seed, eligible, check.share)
        check.status = SpotCheck.Status.DRAWN
        check.drawn_at = clock.now()
        return commit(
            check,
            action="spot_check_draw",
            actor=actor,
            fields=["eligible", "eligible_hash", "drawn", "drawn_at"],
            from_state=SpotCheck.Status.ANNOUNCED,
            data={
                "eligible_hash": check.eligible_hash,
                "eligible": len(eligible),
                "drawn": len(check.drawn),
            },
        )
