"""听证: announcement (materials 7 days ahead, the selection method published), applications,
the stratified draw, minutes and the positions heard."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_record
from lianxin.core.errors import InvalidInput, InvalidTransition
from lianxin.core.masking import mask_name
from lianxin.core.models import Unit
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission, require_state

from ..errors import Code
from ..models import (
    Applicant,
    Decision,
    Draw,
    Hearing,
    HearingStatus,
    Notice,
    Position,
    Quota,
    Stake,
    Stance,
)
from .common import article
from .draw import METHOD, DrawImpossible, DrawResult, stratified_draw

MATERIALS_LEAD = timedelta(days=7)  # art. 16, as the issue reads it: materials a week ahead


def hearing_announce(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    place: str,
    held_at: datetime,
    materials_at: datetime,
    selection_method: str,
    quotas: dict[str, int],
    materials: str = "",
    notice: Notice | None = None,
    decision: Decision | None = None,
) -> Hearing:
    require_permission(actor, "participation.organise_hearing", unit)
    title = clean_text(title, field="title", max_length=200, label=_("Title"))
    place = clean_text(place, field="place", max_length=200, label=_("Place"))
    method = clean_text(
        selection_method,
        field="selection_method",
        max_length=5000,
        label=_("Participant selection method"),
    )
    if held_at - materials_at < MATERIALS_LEAD:
        message = _(
            "%(rule)s: the materials must be public at least 7 days before the hearing."
        ) % {"rule": article("第十六条")}
        raise InvalidInput(
            message, code=Code.MATERIALS_TOO_LATE, fields={"materials_at": [message]}
        )
    quotas = {stake: int(n) for stake, n in quotas.items() if int(n) > 0}
    if not quotas or any(stake not in Stake.values for stake in quotas):
        raise InvalidInput(
            _("Give at least one quota, for the stake categories listed."), code=Code.BAD_QUOTAS
        )
    with transaction.atomic():
        hearing = Hearing.objects.create(
            title=title,
            unit=unit,
            place=place,
            held_at=held_at,
            materials_at=materials_at,
            selection_method=method,
            seats=sum(quotas.values()),
            notice=notice,
            decision=decision,
            materials=clean_text(materials, field="materials", max_length=20_000, required=False),
        )
        Quota.objects.bulk_create(
            Quota(hearing=hearing, stake=s, seats=n) for s, n in quotas.items()
        )
        audit_record(
            actor=actor,
            action="hearing_announce",
            obj=hearing,
            to_state=hearing.status,
            data={"quotas": quotas},
        )
    return hearing


def hearing_apply(
    *, hearing_id: int, actor: Any, name: str, stake: str, statement: str = ""
) -> Applicant:
    """Anyone may apply, with the stake that puts them in a quota's category."""
    name = clean_text(name, field="name", max_length=50, label=_("Name"))
    if stake not in Stake.values:
        raise InvalidInput(
            _("Choose your stake in the matter."), fields={"stake": [_("Choose a stake.")]}
        )
    statement = clean_text(statement, field="statement", max_length=2000, required=False)
    signed_in = actor is not None and actor.is_authenticated
    with transaction.atomic():
        hearing = lock(Hearing, hearing_id, missing=_("No such hearing."))
        require_state(
            hearing,
            [HearingStatus.ANNOUNCED],
            code=Code.HEARING_NOT_OPEN,
            message=_("This hearing no longer takes applications (%(status)s)."),
        )
        applicant = Applicant.objects.create(
            hearing=hearing,
            user=actor if signed_in else None,
            name=name,
            public_label=mask_name(name),
            stake=stake,
            statement=statement,
        )
        audit_record(
            actor=actor if signed_in else None,
            actor_label="" if signed_in else "public",
            action="hearing_apply",
            obj=applicant,
            data={"stake": stake},
        )
    return applicant


def draw_compute(hearing: Hearing, seed: str) -> DrawResult:
    """The draw for the hearing's applicants and quotas with `seed` (changes nothing): what
    `hearing_draw` stores and `manage.py hearing_draw` prints."""
    applicants = list(hearing.applicants.values_list("pk", "stake"))
    quotas = dict(hearing.quotas.values_list("stake", "seats"))
    return stratified_draw(applicants, quotas, seed, labels={k: str(v) for k, v in Stake.choices})


def hearing_draw(*, hearing_id: int, actor: Any, seed: str) -> Draw:
    """Draws the participants with the published seed; a draw that cannot be made (more seats
    than applicants, a quota larger than its category) is refused and nothing changes."""
    seed = clean_text(seed, field="seed", max_length=100, label=_("Seed"))
    with transaction.atomic():
        hearing = lock(Hearing, hearing_id, missing=_("No such hearing."))
        require_permission(actor, "participation.organise_hearing", hearing)
        require_state(hearing, [HearingStatus.ANNOUNCED], code=Code.HEARING_NOT_OPEN)
        try:
            result = draw_compute(hearing, seed)
        except DrawImpossible as exc:
            raise InvalidTransition(str(exc), code=Code.DRAW_IMPOSSIBLE) from exc
        chosen = set(result.selected)
        for applicant in hearing.applicants.all():
            applicant.selected = applicant.pk in chosen
            applicant.probability = float(result.probabilities[applicant.pk])
            applicant.save(update_fields=["selected", "probability"])
        draw = Draw.objects.create(
            hearing=hearing,
            seed=seed,
            method=METHOD,
            drawn_by=actor,
            result={
                "selected": result.selected,
                "probabilities": {str(k): str(v) for k, v in result.probabilities.items()},
            },
        )
        hearing.status = HearingStatus.DRAWN
        commit(
            hearing,
            action="hearing_draw",
            actor=actor,
            from_state=HearingStatus.ANNOUNCED,
            data={"seed": seed, "method": METHOD, "selected": result.selected},
        )
    return draw


def hearing_minutes(
    *, hearing_id: int, actor: Any, minutes: str, positions: list[tuple[str, str, str]]
) -> Hearing:
    """The hearing was held: its minutes and the positions heard (speaker, stance, summary)."""
    minutes = clean_text(minutes, field="minutes", max_length=50_000, label=_("Minutes"))
    cleaned = []
    for speaker, stance, summary in positions:
        if stance not in Stance.values:
            raise InvalidInput(
                _("Each position is for, against, or for with conditions."),
                fields={"stance": [_("Choose a stance.")]},
            )
        cleaned.append(
            (
                clean_text(speaker, field="speaker", max_length=60, label=_("Speaker")),
                stance,
                clean_text(summary, field="summary", max_length=5000, label=_("Summary")),
            )
        )
    with transaction.atomic():
        hearing = lock(Hearing, hearing_id, missing=_("No such hearing."))
        require_permission(actor, "participation.organise_hearing", hearing)
        require_state(hearing, [HearingStatus.DRAWN])
        Position.objects.bulk_create(
            Position(hearing=hearing, speaker=s, stance=st, summary=t) for s, st, t in cleaned
        )
        hearing.minutes = minutes
        hearing.status = HearingStatus.HELD
        return commit(
            hearing,
            action="hearing_minutes",
            actor=actor,
            fields=["minutes"],
            from_state=HearingStatus.DRAWN,
            data={"positions": len(cleaned)},
        )


def position_respond(*, position_id: int, actor: Any, response: str) -> Position:
    """How the decision answers a position heard (linked through the hearing's decision)."""
    response = clean_text(response, field="response", max_length=5000, label=_("Response"))
    with transaction.atomic():
        position = lock(Position, position_id, related=["hearing"], missing=_("No such position."))
        require_permission(actor, "participation.organise_hearing", position.hearing)
        position.response = response
        return commit(position, action="hearing_position", actor=actor, fields=["response"])
