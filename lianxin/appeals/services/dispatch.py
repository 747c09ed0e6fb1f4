"""The dispatcher's work: routing, dispatching, transferring, co-handling, merging, closing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from lianxin.core import clock, transitions
from lianxin.core.access import first_role_holders_by_unit
from lianxin.core.errors import InvalidInput, InvalidTransition
from lianxin.core.models import Unit
from lianxin.core.queue import in_turns
from lianxin.core.rows import writes_held

from ..catalogue import category_named
from ..models import Appeal, Category, Status
from .common import (
    UNIT_RECIPIENTS,
    check,
    clean_text,
    deadlines,
    lock,
    notify_unit_handlers,
    unit_data,
)

# Appeals the routing sweeper writes in one transaction (core.queue.in_turns). On SQLite it
# pauses at least 25 ms after a chunk that kept requests waiting: chunks of 10 routed about
# 300 appeals a second, behind a full intake; 40 hold the database about 4 ms (bench/intake.py,
# docs/operations.md: 50 kept up too but took more of the requests' CPU, 30 fell behind).
ROUTE_CHUNK = 40
# What the router answers for a text: a category's name and its confidence, or nothing.
Suggestion = tuple[str, float] | None


def dispatch_locked(
    appeal: Appeal,
    *,
    unit: Unit,
    actor: Any,
    auto: bool = False,
    handlers: list[Any] | None = None,
) -> Appeal:
    """Dispatch an appeal whose row the caller holds (intake, routing, the dispatcher).
    `handlers`: the unit's, when the caller found them already (notify_unit_handlers)."""
    if not unit.is_active:
        raise InvalidInput(_("The unit is not active."))
    before = appeal.status
    appeal.status = Status.DISPATCHED
    appeal.unit = unit
    appeal.dispatched_at = clock.now()
    appeal.public_note = _("Dispatched to %(unit)s") % {"unit": unit.name}
    transitions.commit(
        appeal,
        action="dispatch",
        actor=actor,
        from_state=before,
        # The category and its deadlines too: _recategorise leaves them to this save.
        fields=["unit", "dispatched_at", "public_note", "category"] + DEADLINE_FIELDS,
        data={**unit_data(unit), "auto": auto},
        actor_label="auto" if auto else "",
    )
    notify_unit_handlers(appeal, unit, _("New appeal dispatched to your unit"), handlers=handlers)
    return appeal


DEADLINE_FIELDS = ["contact_deadline", "handling_deadline"]


def _recategorise(appeal: Appeal, category: Category) -> None:
    """A new category brings its own deadlines, counted from receipt. Saved by the dispatch
    that always follows (dispatch_locked), in its one UPDATE."""
    appeal.category = category
    appeal.contact_deadline, appeal.handling_deadline = deadlines(appeal, appeal.created_at)


@transaction.atomic
def appeal_dispatch(
    *,
    appeal: Appeal | int,
    unit: Unit,
    actor: Any,
    category: Category | None = None,
    version: int | None = None,
) -> Appeal:
    appeal = lock(appeal, version)
    check(appeal, "dispatch", actor)
    if category is not None and category != appeal.category:
        _recategorise(appeal, category)
    return dispatch_locked(appeal, unit=unit, actor=actor)


def appeal_route(*, appeal: Appeal | int) -> Appeal | None:
    """Ask the router for the category of an appeal that has none. At or above
    AUTO_DISPATCH_CONFIDENCE it is dispatched to that category's unit at once; below, the
    suggestion waits on the dispatcher console. The suggestion is kept either way: a
    dispatcher's other choice is a correction the router learns from."""
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    text = Appeal.objects.filter(pk=pk).values_list("title", "content").first()
    if text is None or not settings.CATEGORY_SUGGESTER:
        return None
    # The model runs before the row is locked: nobody waits on it.
    suggestion = import_string(settings.CATEGORY_SUGGESTER)(f"{text[0]}\n{text[1]}")
    return next(iter(_route_chunk([(pk, suggestion)])), None)


def appeals_route(*, ids: list[int]) -> int:
    """appeal_route for several appeals (the sweeper's batch), the router asked once for all
    their texts: one model call for 200 texts costs about what 15 single calls cost, and
    at full intake the router's CPU is taken from the citizens' requests. Returns how many got
    a suggestion."""
    if not ids or not settings.CATEGORY_SUGGESTER:
        return 0
    texts = {
        pk: f"{title}\n{content}"
        for pk, title, content in Appeal.objects.filter(pk__in=ids).values_list(
            "pk", "title", "content"
        )
    }
    found = [pk for pk in ids if pk in texts]
    suggestions = list(zip(found, suggest_many([texts[pk] for pk in found]), strict=True))
    return sum(
        len(_route_chunk(chunk)) for chunk in in_turns(suggestions, ROUTE_CHUNK, urgent=True)
    )


def suggest_many(texts: list[str]) -> list[Suggestion]:
    """CATEGORY_SUGGESTER for each text: in one call when the suggester offers one (a `many`
    attribute, texts -> suggestions), else text by text."""
    suggest = import_string(settings.CATEGORY_SUGGESTER)
    many = getattr(suggest, "many", None)
    if many is not None:
        return list(many(texts))
    return [suggest(text) for text in texts]


def _route_chunk(chunk: Sequence[tuple[int, Suggestion]]) -> list[Appeal]:
    """Keep the router's suggestions for these appeals, and dispatch those it is confident of,
    in one transaction; returns the appeals that got a suggestion.

    The changes are built first, outside the transaction, from the appeals as read, with their
    writes held (core.rows.writes_held). The transaction then locks the appeals, checks that
    none has changed since (its version: every transition moves it), and writes: each
    appeal's suggestion and dispatch in one UPDATE, the rows with the same fields in one
    statement, the audit events and the messages to the officials in one INSERT each. Should
    one have changed (a dispatcher was quicker), the changes are built again from the locked
    rows, inside the transaction.

    Why: at full intake the sweeper's CPU is taken from the citizens' requests, and one
    statement for each of these for each appeal took most of it (docs/operations.md); and on
    the embedded SQLite a transaction holds the whole database, and the sweeper pauses after
    a chunk as long as its transaction took, three times over (core.queue.in_turns): built
    inside it, the suggestion fell seconds behind a full intake."""
    now = clock.now()
    named = [(pk, s, category_named(s[0]) if s else None) for pk, s in chunk]
    # Nothing to suggest: only the mark that the router has looked (no state changes).
    unknown = [pk for pk, _s, category in named if category is None]
    known = [(pk, s, category) for pk, s, category in named if s is not None and category]
    pks = [pk for pk, _s, _c in known]
    units = {c.default_unit.pk: c.default_unit for _pk, _s, c in known if c.default_unit}
    handlers = first_role_holders_by_unit(UNIT_RECIPIENTS, units.values()) if known else {}
    read = {appeal.pk: appeal for appeal in Appeal.objects.filter(pk__in=pks)}
    versions = {pk: appeal.version for pk, appeal in read.items()}
    with writes_held() as held:
        routed = _suggest_all(known, read, now, handlers)
    with transaction.atomic():
        if unknown:
            Appeal.objects.filter(pk__in=unknown, routed_at__isnull=True).update(routed_at=now)
        if not known:
            return []
        # Its unit and category are not read along: routing sets both.
        still = Appeal.objects.select_for_update(of=("self",)).filter(pk__in=pks)
        if dict(still.order_by("pk").values_list("pk", "version")) != versions:
            with writes_held() as held:
                routed = _suggest_all(known, transitions.lock_many(Appeal, pks), now, handlers)
        held.write()
    return routed


def _suggest_all(
    known: Sequence[tuple[int, tuple[str, float], Category]],
    appeals: dict[int, Appeal],
    now: datetime,
    handlers: dict[int, list[Any]],
) -> list[Appeal]:
    routed = []
    for pk, (_name, confidence), category in known:
        appeal = appeals.get(pk)
        if appeal is None or appeal.status != Status.SUBMITTED or appeal.category_id:
            continue  # gone, or a dispatcher was quicker
        _suggest(appeal, category, confidence, now, handlers)
        routed.append(appeal)
    return routed


def _suggest(
    appeal: Appeal,
    category: Category,
    confidence: float,
    now: datetime,
    handlers: dict[int, list[Any]],
) -> None:
    appeal.suggested_category = category
    appeal.suggestion_confidence = round(float(confidence), 4)
    appeal.routed_at = now
    transitions.commit(
        appeal,
        action="suggest",
        actor=None,
        actor_label="router",
        from_state=appeal.status,
        fields=["suggested_category", "suggestion_confidence", "routed_at"],
        data={"category": category.code, "confidence": appeal.suggestion_confidence},
    )
    unit = category.default_unit
    if (
        appeal.suggestion_confidence >= settings.AUTO_DISPATCH_CONFIDENCE
        and unit
        and unit.is_active
    ):
        _recategorise(appeal, category)
        dispatch_locked(appeal, unit=unit, actor=None, auto=True, handlers=handlers[unit.pk])


@transaction.atomic
def appeal_transfer(
    *, appeal: Appeal | int, unit: Unit, actor: Any, reason: str, version: int | None = None
) -> Appeal:
    appeal = lock(appeal, version)
    check(appeal, "transfer", actor)
    reason = clean_text(reason, field="reason", max_length=1000)
    if unit == appeal.unit:
        raise InvalidInput(
            _("The appeal is already with this unit."),
            fields={"unit": [_("The appeal is already with this unit.")]},
        )
    before, old = appeal.status, appeal.unit
    appeal.status = Status.DISPATCHED
    appeal.unit = unit
    appeal.dispatched_at = clock.now()
    appeal.public_note = _("Transferred to %(unit)s") % {"unit": unit.name}
    transitions.commit(
        appeal,
        action="transfer",
        actor=actor,
        from_state=before,
        reason=reason,
        fields=["unit", "dispatched_at", "public_note"],
        data={**unit_data(unit), "from_unit": old.name if old else None},
    )
    notify_unit_handlers(appeal, unit, _("Appeal transferred to your unit"))
    return appeal


@transaction.atomic
def appeal_co_handle(
    *, appeal: Appeal | int, units: list[Unit], actor: Any, version: int | None = None
) -> Appeal:
    appeal = lock(appeal, version)
    check(appeal, "co_handle", actor)
    units = [u for u in units if u != appeal.unit]
    if not units:
        raise InvalidInput(
            _("Choose at least one other unit."),
            fields={"units": [_("Choose at least one other unit.")]},
        )
    appeal.co_units.add(*units)
    transitions.commit(
        appeal,
        action="co_handle",
        actor=actor,
        from_state=appeal.status,
        fields=[],
        data={"units": [u.name for u in units]},
    )
    for unit in units:
        notify_unit_handlers(appeal, unit, _("Your unit is asked to co-handle an appeal"))
    return appeal


@transaction.atomic
def appeal_close(
    *, appeal: Appeal | int, actor: Any, reason: str, version: int | None = None
) -> Appeal:
    """Close a replied appeal without a rating (e.g. the citizen could not be reached)."""
    appeal = lock(appeal, version)
    check(appeal, "close", actor)
    reason = clean_text(reason, field="reason", max_length=1000)
    before = appeal.status
    appeal.status = Status.CLOSED
    appeal.closed_at = clock.now()
    appeal.public_note = _("Closed")
    return transitions.commit(
        appeal,
        action="close",
        actor=actor,
        from_state=before,
        reason=reason,
        fields=["closed_at", "public_note"],
    )


@transaction.atomic
def appeal_merge(
    *, appeal: Appeal | int, master: Appeal | int, actor: Any, version: int | None = None
) -> Appeal:
    appeal_pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    master_pk = master.pk if isinstance(master, Appeal) else master
    if appeal_pk == master_pk:
        raise InvalidInput(_("An appeal cannot be merged into itself."))
    # Lock both rows in one order, so two opposite merges cannot deadlock.
    locked = {
        pk: lock(pk, version if pk == appeal_pk else None) for pk in sorted((appeal_pk, master_pk))
    }
    merged, into = locked[appeal_pk], locked[master_pk]
    check(merged, "merge", actor)
    if into.status in (Status.MERGED, Status.WITHDRAWN):
        raise InvalidTransition(_("The master appeal is merged or withdrawn itself."))
    before = merged.status
    merged.status = Status.MERGED
    merged.master = into
    merged.closed_at = clock.now()
    merged.public_note = _("Merged into %(tn)s") % {"tn": into.tracking_number}
    return transitions.commit(
        merged,
        action="merge",
        actor=actor,
        from_state=before,
        fields=["master", "closed_at", "public_note"],
        data={"master": into.tracking_number},
    )
