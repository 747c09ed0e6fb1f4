"""The handling unit's work: accepting, returning, extensions, replies and their review."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from lianxin.core import clock, transitions, uploads
from lianxin.core.access import first_role_holders
from lianxin.core.calendar import Calendar
from lianxin.core.errors import InvalidTransition
from lianxin.core.models import Role, Unit
from lianxin.core.notify import notify_people

from .. import clocks
from ..lifecycle import ACTION_PERMS, ALLOWED_FROM
from ..models import Appeal, Extension, PhotoKind, Status, Track
from .common import (
    MAX_CONTENT,
    check,
    clean_text,
    field_error,
    lock,
    notify_citizen,
    notify_unit_handlers,
    refusal,
    unit_data,
)
from .photos import PHOTO_FOLDER, checked_photos, store_photos

log = logging.getLogger(__name__)


def _unit_name(appeal: Appeal) -> str:
    return appeal.unit.name if appeal.unit else ""


def appeal_accept(*, appeal: Appeal | int, actor: Any, version: int | None = None) -> Appeal:
    def accepted(locked: Appeal) -> list[str]:
        locked.accepted_at = locked.accepted_at or clock.now()
        locked.public_note = _("Accepted by %(unit)s") % {"unit": _unit_name(locked)}
        return ["accepted_at", "public_note"]

    return transitions.transition(
        Appeal,
        appeal,
        action="accept",
        actor=actor,
        to=Status.HANDLING,
        version=version,
        perm=ACTION_PERMS["accept"],
        allowed=ALLOWED_FROM["accept"],
        refused=refusal("accept"),
        related=("unit", "category"),
        change=accepted,
        data=lambda a: unit_data(a.unit),
        missing=_("Appeal not found."),
    )


@transaction.atomic
def appeal_return(
    *, appeal: Appeal | int, actor: Any, reason: str, version: int | None = None
) -> Appeal:
    appeal = lock(appeal, version)
    check(appeal, "return", actor)
    reason = clean_text(reason, field="reason", max_length=1000)
    before, unit = appeal.status, appeal.unit
    appeal.status = Status.SUBMITTED
    appeal.unit = None
    appeal.return_count += 1
    appeal.public_note = _("Being re-dispatched")
    appeal.co_units.clear()
    return transitions.commit(
        appeal,
        action="return",
        actor=actor,
        from_state=before,
        reason=reason,
        fields=["unit", "return_count", "public_note"],
        data=unit_data(unit),
    )


@transaction.atomic
def extension_request(
    *, appeal: Appeal | int, actor: Any, days: Any, reason: str, version: int | None = None
) -> Extension:
    appeal = lock(appeal, version)
    check(appeal, "extension_request", actor)
    reason = clean_text(reason, field="reason", max_length=1000)
    limit = (
        clocks.XINFANG_MAX_EXTENSION_DAYS
        if appeal.track == Track.XINFANG
        else clocks.HOTLINE_MAX_EXTENSION_WORK_DAYS
    )
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= limit:
        raise field_error({"days": [_("An extension is 1 to %(n)d days.") % {"n": limit}]})
    if appeal.extensions.exclude(decision=Extension.Decision.REJECTED).exists():
        raise InvalidTransition(_("An appeal can be extended only once."))
    extension = Extension.objects.create(
        appeal=appeal, created_at=clock.now(), requested_by=actor, days=days, reason=reason
    )
    transitions.commit(
        appeal,
        action="extension_request",
        actor=actor,
        from_state=appeal.status,
        fields=[],
        reason=reason,
        data={"days": days, "extension_id": extension.pk},
    )
    return extension


@transaction.atomic
def extension_decide(
    *,
    appeal: Appeal | int,
    actor: Any,
    approve: bool,
    reason: str = "",
    version: int | None = None,
) -> Appeal:
    appeal = lock(appeal, version)
    check(appeal, "extension_decide", actor)
    extension = appeal.extensions.filter(decision=Extension.Decision.PENDING).first()
    if extension is None:
        raise InvalidTransition(_("There is no extension request to decide."))
    extension.decision = Extension.Decision.APPROVED if approve else Extension.Decision.REJECTED
    extension.decided_by = actor
    extension.decided_at = clock.now()
    extension.save(update_fields=["decision", "decided_by", "decided_at"])
    fields: list[str] = []
    if approve:
        appeal.handling_deadline = clocks.extended(
            deadline=appeal.handling_deadline,
            days=extension.days,
            track=appeal.track,
            calendar=Calendar.load(),
        )
        appeal.escalated_at = None
        appeal.public_note = _("Extension approved")
        fields = ["handling_deadline", "escalated_at", "public_note"]
    return transitions.commit(
        appeal,
        action="extension_approve" if approve else "extension_reject",
        actor=actor,
        from_state=appeal.status,
        fields=fields,
        reason=clean_text(reason, field="reason", max_length=1000, required=False),
        data={"days": extension.days, "handling_deadline": appeal.handling_deadline},
    )


def _score_reply(appeal: Appeal) -> dict[str, Any] | None:
    """The REPLY_SCORER's verdict on `appeal.reply` as a dict with at least "overall" (and
    "needs_review", the breakdown and reasons), or None when scoring is off or failed. A
    failing scorer never blocks a reply: it is logged and the reply goes out."""
    path = settings.REPLY_SCORER
    if not path:
        return None
    try:
        # A savepoint: a scorer that touches the database and fails must not break the reply's
        # transaction (PostgreSQL refuses every later statement of a failed transaction).
        with transaction.atomic():
            result = import_string(path)(appeal)
        review: dict[str, Any] = result.as_dict() if hasattr(result, "as_dict") else dict(result)
        review["overall"] = float(review["overall"])
        review.setdefault("needs_review", review["overall"] < settings.REPLY_REVIEW_THRESHOLD)
        return review
    except Exception:
        log.exception("reply scorer %s failed on appeal %s: reply not scored", path, appeal.pk)
        return None


def appeal_reply(
    *,
    appeal: Appeal | int,
    actor: Any,
    text: str,
    version: int | None = None,
    before_photos: Sequence[Any] = (),
    after_photos: Sequence[Any] = (),
    photos_public: bool = False,
) -> Appeal:
    """答复. The reply is scored (REPLY_SCORER); one scoring below the threshold is held for the
    unit leader's review (`reviewing`, the citizen is not told yet) instead of going out.
    The handler's photos of the place before and after the work go with it (all or nothing,
    as the citizen's: see services.photos); `photos_public` lets the public page show them."""
    before_files, after_files = list(before_photos or ()), list(after_photos or ())
    checked = checked_photos([*before_files, *after_files])
    stages = [PhotoKind.BEFORE] * len(before_files) + [PhotoKind.AFTER] * len(after_files)
    with uploads.storing(PHOTO_FOLDER) as save:
        return _reply(
            appeal,
            actor,
            text,
            version,
            list(zip(stages, checked, strict=True)),
            save,
            photos_public,
        )


def _reply(
    appeal: Appeal | int,
    actor: Any,
    text: str,
    version: int | None,
    photos: list[tuple[str, uploads.Upload]],
    save: Any,
    photos_public: bool,
) -> Appeal:
    appeal = lock(appeal, version)
    check(appeal, "reply", actor)
    text = clean_text(text, field="text", max_length=MAX_CONTENT)
    before, previous = appeal.status, (appeal.reply, appeal.replied_at)
    appeal.reply = text
    appeal.replied_at = clock.now()
    review = _score_reply(appeal)
    appeal.reply_score = review["overall"] if review else None
    appeal.reply_review = review or {}
    data = {**unit_data(appeal.unit), "score": appeal.reply_score}
    stored = [
        item
        for stage in (PhotoKind.BEFORE, PhotoKind.AFTER)
        for item in store_photos(
            appeal,
            [upload for kind, upload in photos if kind == stage],
            save,
            kind=stage,
            public=photos_public,
            actor=actor,
        )
    ]
    if stored:
        data["photos"] = stored
    # History being replayed (imports, demo data) is recorded as it happened, never held.
    if review and review["needs_review"] and not clock.replaying():
        appeal.status = Status.REVIEWING
        appeal.reply, appeal.replied_at = previous  # the citizen keeps seeing what they saw
        appeal.reply_review = {
            **review,
            "draft": text,
            "drafted_at": clock.now().isoformat(),
            "drafted_by": getattr(actor, "pk", None),
        }
        appeal.public_note = _("The reply is being reviewed by %(unit)s") % {
            "unit": _unit_name(appeal)
        }
        transitions.commit(
            appeal,
            action="reply_held",
            actor=actor,
            from_state=before,
            fields=["reply_score", "reply_review", "public_note"],
            data={**data, "reasons": [r["code"] for r in review.get("reasons", [])]},
        )
        if appeal.unit:
            notify_people(
                _reviewers(appeal.unit),
                subject=_("Reply to review: %(tn)s") % {"tn": appeal.tracking_number},
                body=_review_body(appeal, review),
                link=f"/appeals/{appeal.tracking_number}/",
            )
        return appeal
    appeal.status = Status.REPLIED
    appeal.public_note = _("Replied by %(unit)s") % {"unit": _unit_name(appeal)}
    transitions.commit(
        appeal,
        action="reply",
        actor=actor,
        from_state=before,
        fields=["reply", "replied_at", "public_note", "reply_score", "reply_review"],
        data=data,
    )
    notify_citizen(
        appeal, _("Your appeal %(tn)s has been answered") % {"tn": appeal.tracking_number}
    )
    return appeal


def _reviewers(unit: Unit) -> list[AbstractBaseUser]:
    """The unit's leaders; without any, the administrators above it (someone must decide)."""
    return first_role_holders([Role.LEADER, Role.ADMIN], unit)


def _review_body(appeal: Appeal, review: dict[str, Any]) -> str:
    reasons = "; ".join(str(r.get("message", r.get("code", ""))) for r in review.get("reasons", []))
    return _("%(tn)s %(title)s. Score %(score).2f. %(reasons)s") % {
        "tn": appeal.tracking_number,
        "title": appeal.title,
        "score": review["overall"],
        "reasons": reasons,
    }


@transaction.atomic
def appeal_review_reply(
    *,
    appeal: Appeal | int,
    actor: Any,
    approve: bool,
    reason: str = "",
    version: int | None = None,
) -> Appeal:
    """答复审核: the unit leader lets a held reply go to the citizen (`replied`) or sends it
    back to the handler (`handling`, a reason required) to answer again."""
    appeal = lock(appeal, version)
    check(appeal, "review", actor)
    reason = clean_text(reason, field="reason", max_length=1000, required=not approve)
    review = dict(appeal.reply_review or {})
    draft = review.pop("draft", "")
    before = appeal.status
    data = {**unit_data(appeal.unit), "score": appeal.reply_score}
    if approve:
        appeal.status = Status.REPLIED
        appeal.reply = draft or appeal.reply
        appeal.replied_at = clock.now()
        appeal.reply_review = {**review, "approved_by": actor.pk}
        appeal.public_note = _("Replied by %(unit)s") % {"unit": _unit_name(appeal)}
        transitions.commit(
            appeal,
            action="reply_approve",
            actor=actor,
            from_state=before,
            reason=reason,
            fields=["reply", "replied_at", "reply_review", "public_note"],
            data=data,
        )
        notify_citizen(
            appeal, _("Your appeal %(tn)s has been answered") % {"tn": appeal.tracking_number}
        )
        return appeal
    appeal.status = Status.HANDLING
    appeal.reply_review = {
        **review,
        "rejected_draft": draft,
        "rejected_by": actor.pk,
        "rejected_reason": reason,
    }
    appeal.public_note = _("Being handled")
    transitions.commit(
        appeal,
        action="reply_reject",
        actor=actor,
        from_state=before,
        reason=reason,
        fields=["reply_review", "public_note"],
        data={**data, "draft": draft},
    )
    if appeal.unit:
        notify_unit_handlers(
            appeal, appeal.unit, _("Reply rejected by the unit leader: answer again")
        )
    return appeal
