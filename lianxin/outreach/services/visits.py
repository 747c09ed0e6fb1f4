"""Visits from the field (走访), and a need found on one made an appeal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal
from lianxin.appeals.services.intake import appeal_submit
from lianxin.core import clock, uploads
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission

# outreach → insight, never the other way: insight takes "field reports" from anyone and
# knows nothing of visits. A direct call rather than a signal, because the warning must be
# filed in the visit's own transaction (a visit stored without its warning would be a silent
# hole in 预警), and a signal insight could listen to would have to live in outreach (insight
# importing outreach) or in core (core naming outreach's concepts).
from lianxin.insight.services import field_report_file

from ..errors import Code
from ..models import Household, Pairing, Visit, VisitForm, VisitPhoto

PHOTO_FOLDER = "outreach/visits"


def _count(value: Any, label: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise InvalidInput(_("%(field)s: a whole number, 0 or more.") % {"field": label})
    return number


def visit_record(
    *,
    actor: Any,
    pairing: Pairing | int,
    visited_on: date,
    form: str,
    client_uuid: UUID,
    notes: str = "",
    needs: str = "",
    immunisation_done: bool | None = None,
    sick_count: Any = None,
    dead_count: Any = None,
    biosecurity_ok: bool | None = None,
    saved_at: datetime | None = None,
    photos: Sequence[Any] = (),
) -> tuple[Visit, bool]:
    """Record a visit by the cadre paired with the household. Returns (visit, created): the
    same `client_uuid` sent again (a phone resending after the signal came back) returns the
    visit stored the first time and writes nothing. `saved_at` is when a phone saved a visit
    kept offline. `photos` (uploaded files, up to VISIT_PHOTOS_MAX) are stored with it, or,
    when one is not a photo, the whole visit is refused and nothing stays in storage."""
    existing = Visit.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        return _same_visit(existing, pairing), False
    if form not in VisitForm.values:
        raise InvalidInput(_("Choose how the visit was made."), fields={"form": [_("Required.")]})
    notes = clean_text(notes, field="notes", max_length=4000, required=False, label=_("Notes"))
    needs = clean_text(
        needs, field="needs", max_length=2000, required=False, label=_("Needs found")
    )
    if visited_on > timezone.localdate(clock.now()):
        raise InvalidInput(
            _("The visit date cannot be later than today."),
            code=Code.FUTURE_DATE,
            fields={"visited_on": [_("The visit date cannot be later than today.")]},
        )
    if saved_at is not None:
        if saved_at.tzinfo is None:
            raise InvalidInput(_("The time the phone saved the visit has no time zone."))
        # A phone whose clock runs ahead cannot have saved the visit after it arrived.
        saved_at = min(saved_at, clock.now())
    farm = form == VisitForm.FARM
    sick = _count(sick_count, _("Animals sick")) if farm else None
    dead = _count(dead_count, _("Animals dead")) if farm else None
    checked = _photos(photos, already=0)
    try:
        with uploads.storing(PHOTO_FOLDER) as save:
            locked = lock(Pairing, pairing, related=["household__unit"])
            if locked.ends_on is not None and locked.cadre_id == getattr(actor, "pk", None):
                raise InvalidTransition(
                    _("You are no longer paired with this household."), code=Code.PAIRING_ENDED
                )
            require_permission(actor, "outreach.record_visit", locked)
            if visited_on < locked.starts_on:
                raise InvalidInput(
                    _("The visit date is before the pairing began."), code=Code.BEFORE_PAIRING
                )
            visit = Visit.objects.create(
                pairing=locked,
                visited_on=visited_on,
                form=form,
                notes=notes,
                needs=needs,
                immunisation_done=bool(immunisation_done) if farm else None,
                sick_count=sick,
                dead_count=dead,
                biosecurity_ok=bool(biosecurity_ok) if farm else None,
                client_uuid=client_uuid,
                saved_at=saved_at,
                recorded_by=actor,
                created_at=clock.now(),
            )
            commit(
                visit,
                action="visit_record",
                actor=actor,
                data={
                    "household": locked.household_id,
                    "form": form,
                    "visited_on": visited_on.isoformat(),
                    "saved_at": saved_at.isoformat() if saved_at else None,
                    "photos": _store_photos(visit, checked, save, actor),
                },
            )
            if sick or dead:
                _file_with_early_warning(visit, locked.household, actor)
    except IntegrityError:
        # The same visit arrived twice at once: the other request stored it.
        existing = Visit.objects.filter(client_uuid=client_uuid).first()
        if existing is None:
            raise
        return _same_visit(existing, pairing), False
    return visit, True


def _photos(files: Sequence[Any], *, already: int) -> list[uploads.Upload]:
    """Checked (by content) and re-encoded before any lock is taken: decoding takes time."""
    if not files:
        return []
    checked = uploads.check_uploads(
        files, already=already, max_count=settings.VISIT_PHOTOS_MAX, kinds=uploads.PHOTOS
    )
    return [uploads.clean_photo(upload) for upload in checked]


def _store_photos(
    visit: Visit, checked: list[uploads.Upload], save: Any, actor: Any
) -> list[dict[str, Any]]:
    """The photos stored and their rows made; what the audit keeps of them (never content)."""
    made = [
        VisitPhoto.objects.create(
            visit=visit,
            kind=upload.kind.code,
            size=upload.size,
            sha256=upload.sha256,
            stored_as=save(upload),
            added_by=actor,
            created_at=clock.now(),
        )
        for upload in checked
    ]
    return [{"id": p.pk, "kind": p.kind, "size": p.size, "sha256": p.sha256} for p in made]


def visit_photo_add(*, actor: Any, visit: Visit | int, files: Sequence[Any]) -> list[VisitPhoto]:
    """Photos added to a visit already recorded (taken later, or the form was sent offline),
    by the cadre paired with the household now. All or nothing, as on the visit form."""
    pk = visit.pk if isinstance(visit, Visit) else visit
    already = VisitPhoto.objects.filter(visit_id=pk).count()
    checked = uploads.check_uploads(
        files, already=already, max_count=settings.VISIT_PHOTOS_MAX, kinds=uploads.PHOTOS
    )
    checked = [uploads.clean_photo(upload) for upload in checked]
    with uploads.storing(PHOTO_FOLDER) as save:
        locked = lock(Visit, visit, related=["pairing"], missing=_("No such visit."))
        require_permission(actor, "outreach.record_visit", locked.pairing)
        uploads.require_room(
            already=locked.photos.count(), adding=len(checked), max_count=settings.VISIT_PHOTOS_MAX
        )
        data = _store_photos(locked, checked, save, actor)
        commit(
            locked,
            action="visit_photo_add",
            actor=actor,
            data={"household": locked.pairing.household_id, "photos": data},
        )
    return list(locked.photos.filter(pk__in=[p["id"] for p in data]))


def seen_at(visited_on: date, recorded_at: datetime) -> datetime:
    """When the animals were seen, for the warning rules: the moment the visit was recorded
    if that was on the visit's day, else (a visit logged offline, sent later) the end of
    its day, never later than what the cadre wrote down."""
    return min(recorded_at, datetime.combine(visited_on, time(23, 59, 59), tzinfo=LOCAL))


def farm_label(household: Household) -> str:
    """How a farm is named in an alarm: its village and what it keeps, never who runs it (the
    alarm is read by dispatchers and supervisors who need not know the household)."""
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language
        what = household.species or _("livestock")
        label = _("Visit: %(place)s %(species)s farm") % {
            "place": household.unit.name,
            "species": what,
        }
        if household.herd_size:
            label += _(" (herd of %(n)s)") % {"n": household.herd_size}
    return label


def _file_with_early_warning(visit: Visit, household: Household, actor: Any) -> None:
    """Sick or dead animals seen on a farm visit count in early warning like a citizen's
    report of them (same category, area and window)."""
    field_report_file(
        source_ref=f"outreach-visit:{visit.pk}",
        source_label=farm_label(household),
        area=household.unit,
        reported_at=seen_at(visit.visited_on, visit.created_at),
        sick=visit.sick_count or 0,
        dead=visit.dead_count or 0,
        actor=actor,
    )


def _same_visit(visit: Visit, pairing: Pairing | int) -> Visit:
    pk = pairing.pk if isinstance(pairing, Pairing) else pairing
    if visit.pairing_id != pk:
        raise Conflict(
            _("This visit was already sent for another household."), code=Code.UUID_REUSED
        )
    return visit


def visit_need_to_appeal(
    *, actor: Any, visit: Visit | int, title: str, category: Any = None
) -> Appeal:
    """The needs found on a visit, filed as an appeal in one step (handled like any other),
    linked to the visit so its outcome shows on the household's record."""
    with transaction.atomic():
        locked = lock(Visit, visit, related=["pairing__household"])
        require_permission(actor, "outreach.appeal_need", locked.pairing)
        if not locked.needs:
            raise InvalidInput(_("This visit found no needs to file."), code=Code.NO_NEEDS)
        if locked.appeal_id is not None:
            raise InvalidTransition(
                _("These needs are already an appeal."), code=Code.ALREADY_APPEALED
            )
        household = locked.pairing.household
        appeal, _created = appeal_submit(
            title=title,
            content=locked.needs,
            category=category,
            contact_name=household.head_name,
            contact_phone=household.phone,
            address=household.address or household.unit.name,
            submitted_by=actor,
            idempotency_key=f"outreach-visit-{locked.pk}",
        )
        locked.appeal = appeal
        commit(
            locked,
            action="visit_appeal",
            actor=actor,
            fields=["appeal"],
            data={"appeal": appeal.pk, "household": household.pk},
        )
    return appeal
