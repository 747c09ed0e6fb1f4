"""Every change to an appeal: intake and each transition of the lifecycle.

Each service is atomic, checks permission and state on a row it has locked, bumps the
appeal's version (a caller passing a stale `version` gets a conflict) and writes one audit
event in the same transaction; notifications go out after commit."""

import hmac
import logging
import re
import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core import clock, keys
from lianxin.core.access import may, users_with_role
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL, Calendar
from lianxin.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from lianxin.core.models import Role, Unit
from lianxin.core.notify import notification_send, notify_people
from lianxin.core.queue import enqueue

from . import clocks
from .catalogue import active_category, category_named
from .models import (
    OPEN_STATES,
    Appeal,
    Category,
    Channel,
    Extension,
    FollowUp,
    Satisfaction,
    Status,
    Track,
    Urgency,
)
from .signals import appeal_received

log = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_CONTENT = 5000
MAX_REOPENS = 2
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\+?\d{8,15})$")
# Control, format (zero-width, bidi overrides), surrogate and private-use characters, but not
# newline and tab: they only hide or disguise text.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\ue000-\uf8ff\u0890\u0891\u08e2\U000110bd\U000110cd\U00013430-\U0001345f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f\U000f0000-\U0010ffff]"
)

# Which states each action may start from.
ALLOWED_FROM = {
    "dispatch": [Status.SUBMITTED],
    "accept": [Status.DISPATCHED, Status.REOPENED],
    "return": [Status.DISPATCHED, Status.REOPENED],
    "transfer": [Status.DISPATCHED, Status.HANDLING, Status.REOPENED],
    "co_handle": [Status.DISPATCHED, Status.HANDLING, Status.REOPENED],
    "extension_request": [Status.HANDLING],
    "extension_decide": [Status.HANDLING],
    "reply": [Status.HANDLING],
    "review": [Status.REVIEWING],
    "followup": [Status.REPLIED],
    "close": [Status.REPLIED],
    "merge": OPEN_STATES,
    "withdraw": OPEN_STATES,
    "supervise": OPEN_STATES,
}

ACTION_PERMS = {
    "dispatch": "appeals.dispatch_appeal",
    "accept": "appeals.handle_appeal",
    "return": "appeals.handle_appeal",
    "transfer": "appeals.dispatch_appeal",
    "co_handle": "appeals.co_handle_appeal",
    "extension_request": "appeals.handle_appeal",
    "extension_decide": "appeals.decide_extension",
    "reply": "appeals.handle_appeal",
    "review": "appeals.review_reply",
    "followup": "appeals.follow_up_appeal",
    "close": "appeals.dispatch_appeal",
    "merge": "appeals.dispatch_appeal",
    "withdraw": "appeals.dispatch_appeal",
    "supervise": "appeals.supervise_appeal",
}


# --- helpers ------------------------------------------------------------------------------


FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "content": gettext_lazy("Content"),
    "contact_name": gettext_lazy("Name"),
    "contact_phone": gettext_lazy("Phone"),
    "contact_email": gettext_lazy("Email"),
    "address": gettext_lazy("Address"),
    "category": gettext_lazy("Category"),
    "urgency": gettext_lazy("Urgency"),
    "track": gettext_lazy("Track"),
    "reason": gettext_lazy("Reason"),
    "text": gettext_lazy("Reply"),
    "comment": gettext_lazy("Comment"),
    "note": gettext_lazy("Note"),
    "days": gettext_lazy("Days"),
}


def field_error(errors: dict[str, list[str]]) -> InvalidInput:
    """One error for the caller: the first problem, named by its field, and all of them."""
    field, messages = next(iter(errors.items()))
    detail = _("%(field)s: %(message)s") % {"field": FIELD_LABELS.get(field, field),
                                             "message": messages[0]}
    if len(errors) > 1:
        detail = _("%(first)s (and %(n)d more)") % {"first": detail, "n": len(errors) - 1}
    return InvalidInput(detail, fields=errors)


def clean_text(value, *, field: str, max_length: int, required: bool = True) -> str:
    """Strip control characters and surrounding space; markup is kept as text (always escaped
    on output)."""
    text = _INVISIBLE.sub("", "" if value is None else str(value)).strip()
    if required and not text:
        raise field_error({field: [_("This field is required.")]})
    if len(text) > max_length:
        raise field_error({field: [_("At most %(n)d characters.") % {"n": max_length}]})
    return text


def _code_of(digest: bytes) -> str:
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def query_code_for(tracking_number: str) -> str:
    """The query code is derived, not stored: a copy of the database alone cannot reveal it."""
    return _code_of(keys.mac("query-code", f"query-code:{tracking_number}"))


def query_code_matches(appeal: Appeal, code: str) -> bool:
    """A code made under the current key or a former one (core.keys: rotation)."""
    given = str(code or "").strip()
    return any(hmac.compare_digest(_code_of(d), given)
               for d in keys.macs("query-code", f"query-code:{appeal.tracking_number}"))


def _new_tracking_number(now: datetime) -> str:
    return now.astimezone(LOCAL).strftime("%Y%m%d") + f"{secrets.randbelow(10**7):07d}"


def _lock(appeal: Appeal | int, version: int | None) -> Appeal:
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    locked = (
        Appeal.objects.select_for_update(of=("self",)).select_related("unit", "category")
        .filter(pk=pk).first()
    )
    if locked is None:
        raise NotFound(_("Appeal not found."))
    if version is not None and locked.version != version:
        raise Conflict()
    return locked


def _check(appeal: Appeal, action: str, actor, *, citizen: bool = False) -> None:
    """Permission first (a citizen is proved by the query code, checked by the caller), then
    whether the appeal's state allows the action."""
    if not citizen and (actor is None or not may(actor, ACTION_PERMS[action], appeal)):
        raise PermissionDenied()
    if appeal.status not in ALLOWED_FROM[action]:
        raise InvalidTransition(
            _("Cannot %(action)s an appeal that is %(status)s.")
            % {"action": ACTION_LABELS[action], "status": appeal.get_status_display()}
        )


def _commit(
    appeal: Appeal,
    *,
    action: str,
    actor,
    from_state: str,
    fields: list[str],
    reason: str = "",
    data: dict | None = None,
    actor_label: str = "",
) -> Appeal:
    appeal.version += 1
    appeal.updated_at = clock.now()
    appeal.save(update_fields=[*fields, "status", "version", "updated_at"])
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action=action,
        obj=appeal,
        from_state=from_state,
        to_state=appeal.status,
        reason=reason,
        data=data,
    )
    return appeal


def _unit_data(unit: Unit | None) -> dict:
    return {"unit_id": unit.pk, "unit": unit.name} if unit else {}


def _deadlines(appeal: Appeal, start: datetime, calendar: Calendar | None = None):
    return clocks.deadlines(
        start=start,
        urgency=appeal.urgency,
        track=appeal.track,
        category=appeal.category,
        calendar=calendar or Calendar.load(),
    )


# --- intake -------------------------------------------------------------------------------


def validated_intake(
    *, title, content, category, urgency, track, contact_name, contact_phone, contact_email,
    address,
) -> dict:
    """The intake's rules in one place: the cleaned values, or InvalidInput naming every field
    at fault. The submit page's form checks with it too, so all problems show at once."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for field, value, limit, required in [
        ("title", title, MAX_TITLE, True),
        ("content", content, MAX_CONTENT, True),
        ("contact_name", contact_name, 50, False),
        ("address", address, 200, False),
    ]:
        try:
            values[field] = clean_text(value, field=field, max_length=limit, required=required)
        except InvalidInput as exc:
            errors.update(exc.fields)
    phone = re.sub(r"[\s()]", "", str(contact_phone or ""))
    if phone and not PHONE_RE.match(phone):
        errors["contact_phone"] = [_("Enter a valid phone number, e.g. 13812345678.")]
    values["contact_phone"] = phone
    email = str(contact_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = [_("Enter a valid email address.")]
    values["contact_email"] = email
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Unknown urgency.")]
    if track not in Track.values:
        errors["track"] = [_("Unknown track.")]
    values["category"] = None
    if isinstance(category, Category):
        values["category"] = category
    elif category:
        values["category"] = active_category(str(category))
        if values["category"] is None:
            errors["category"] = [_("Unknown category: %(code)s") % {"code": str(category)[:50]}]
    if errors:
        raise field_error(errors)
    return values


def _same_request(existing: Appeal, title, content) -> Appeal:
    """A retry must be the same request: a key reused for other content reveals nothing."""
    same = (existing.title == clean_text(title, field="title", max_length=MAX_TITLE + 1, required=False)
            and existing.content == clean_text(content, field="content",
                                               max_length=MAX_CONTENT + 1, required=False))
    if not same:
        raise Conflict(_("This Idempotency-Key was used for a different appeal."),
                       code="idempotency_mismatch")
    return existing


def appeal_submit(
    *,
    title: str,
    content: str,
    category: Category | str | None = None,
    urgency: str = Urgency.ORDINARY,
    track: str = Track.HOTLINE,
    channel: str = Channel.WEB,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    address: str = "",
    lat=None,
    long=None,
    is_public: bool = False,
    submitted_by=None,
    idempotency_key: str | None = None,
    source_ref: str | None = None,
    created_at: datetime | None = None,
    actor_label: str = "",
) -> tuple[Appeal, bool]:
    """Take in one appeal. Returns (appeal, created); with an idempotency key or source
    reference seen before, the earlier appeal is returned and nothing is written."""
    if idempotency_key is not None:
        idempotency_key = clean_text(idempotency_key, field="idempotency_key", max_length=100)
        existing = Appeal.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return _same_request(existing, title, content), False
    if source_ref is not None:
        existing = Appeal.objects.filter(channel=channel, source_ref=source_ref).first()
        if existing:
            return existing, False
    values = validated_intake(
        title=title, content=content, category=category, urgency=urgency, track=track,
        contact_name=contact_name, contact_phone=contact_phone, contact_email=contact_email,
        address=address,
    )
    now = created_at or clock.now()
    calendar = Calendar.load()
    appeal = Appeal(
        **values,
        urgency=urgency,
        track=track,
        channel=channel,
        lat=lat,
        long=long,
        is_public=bool(is_public),
        submitted_by=submitted_by if getattr(submitted_by, "is_authenticated", False) else None,
        idempotency_key=idempotency_key,
        source_ref=source_ref,
        created_at=now,
        updated_at=now,
    )
    appeal.contact_deadline, appeal.handling_deadline = _deadlines(appeal, now, calendar)
    for attempt in range(5):
        appeal.tracking_number = _new_tracking_number(now)
        try:
            with transaction.atomic():
                appeal.save(force_insert=True)
                audit_record(
                    actor=submitted_by,
                    actor_label=actor_label or channel,
                    action="submit",
                    obj=appeal,
                    to_state=appeal.status,
                    data={
                        "channel": channel,
                        "category": appeal.category.code if appeal.category else None,
                        "urgency": urgency,
                        "track": track,
                    },
                )
                cat = appeal.category
                # An inactive default unit leaves the appeal for a dispatcher.
                if cat and cat.auto_dispatch and cat.default_unit_id and cat.default_unit.is_active:
                    _dispatch_locked(appeal, unit=cat.default_unit, actor=None, auto=True)
                elif cat is None and settings.CATEGORY_SUGGESTER:
                    # Off the intake path: the router's few milliseconds run after commit.
                    from .tasks import route_appeal

                    transaction.on_commit(lambda pk=appeal.pk: enqueue(route_appeal, pk))
                transaction.on_commit(
                    lambda pk=appeal.pk: appeal_received.send(sender=Appeal, appeal_id=pk)
                )
            return appeal, True
        except IntegrityError:
            appeal.pk = None
            appeal._state.adding = True
            if idempotency_key and Appeal.objects.filter(idempotency_key=idempotency_key).exists():
                # A concurrent retry with the same key won the race: answer with its appeal.
                existing = Appeal.objects.get(idempotency_key=idempotency_key)
                return _same_request(existing, title, content), False
            if source_ref and Appeal.objects.filter(channel=channel, source_ref=source_ref).exists():
                return Appeal.objects.get(channel=channel, source_ref=source_ref), False
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


# --- dispatch and handling ----------------------------------------------------------------


def _notify_unit_handlers(appeal: Appeal, unit: Unit, subject: str) -> None:
    link = f"/appeals/{appeal.tracking_number}/"
    body = f"{appeal.tracking_number} {appeal.title}"
    handlers = list(users_with_role(Role.HANDLER, unit)) or list(users_with_role(Role.LEADER, unit))
    notify_people(handlers, subject=subject, body=body, link=link)


def _dispatch_locked(appeal: Appeal, *, unit: Unit, actor, auto: bool = False) -> Appeal:
    if not unit.is_active:
        raise InvalidInput(_("The unit is not active."))
    before = appeal.status
    appeal.status = Status.DISPATCHED
    appeal.unit = unit
    appeal.dispatched_at = clock.now()
    appeal.public_note = _("Dispatched to %(unit)s") % {"unit": unit.name}
    _commit(
        appeal, action="dispatch", actor=actor, from_state=before,
        fields=["unit", "dispatched_at", "public_note", "category"],
        data={**_unit_data(unit), "auto": auto},
        actor_label="auto" if auto else "",
    )
    _notify_unit_handlers(appeal, unit, _("New appeal dispatched to your unit"))
    return appeal


@transaction.atomic
def appeal_dispatch(
    *, appeal: Appeal | int, unit: Unit, actor, category: Category | None = None,
    version: int | None = None,
) -> Appeal:
    appeal = _lock(appeal, version)
    _check(appeal, "dispatch", actor)
    if category is not None and category != appeal.category:
        appeal.category = category
        appeal.contact_deadline, appeal.handling_deadline = _deadlines(appeal, appeal.created_at)
        appeal.save(update_fields=["category", "contact_deadline", "handling_deadline"])
    return _dispatch_locked(appeal, unit=unit, actor=actor)


def appeal_route(*, appeal: Appeal | int) -> Appeal | None:
    """Ask the router for the category of an appeal that has none. At or above
    AUTO_DISPATCH_CONFIDENCE it is dispatched to that category's unit at once; below, the
    suggestion waits on the dispatcher console. The suggestion is kept either way: a
    dispatcher's other choice is a correction the router learns from."""
    pk = getattr(appeal, "pk", appeal)
    text = Appeal.objects.filter(pk=pk).values_list("title", "content").first()
    if text is None or not settings.CATEGORY_SUGGESTER:
        return None
    # The model runs before the row is locked: nobody waits on it.
    suggestion = import_string(settings.CATEGORY_SUGGESTER)(f"{text[0]}\n{text[1]}")
    category = category_named(suggestion[0]) if suggestion else None
    if category is None:
        return None
    with transaction.atomic():
        appeal = _lock(pk, None)
        if appeal.status != Status.SUBMITTED or appeal.category_id:
            return None  # a dispatcher was quicker
        appeal.suggested_category = category
        appeal.suggestion_confidence = round(float(suggestion[1]), 4)
        confident = appeal.suggestion_confidence >= settings.AUTO_DISPATCH_CONFIDENCE
        unit = category.default_unit
        _commit(appeal, action="suggest", actor=None, actor_label="router", from_state=appeal.status,
                fields=["suggested_category", "suggestion_confidence"],
                data={"category": category.code, "confidence": appeal.suggestion_confidence})
        if confident and unit is not None and unit.is_active:
            appeal.category = category
            appeal.contact_deadline, appeal.handling_deadline = _deadlines(appeal, appeal.created_at)
            appeal.save(update_fields=["category", "contact_deadline", "handling_deadline"])
            _dispatch_locked(appeal, unit=unit, actor=None, auto=True)
        return appeal


@transaction.atomic
def appeal_accept(*, appeal: Appeal | int, actor, version: int | None = None) -> Appeal:
    appeal = _lock(appeal, version)
    _check(appeal, "accept", actor)
    before = appeal.status
    appeal.status = Status.HANDLING
    appeal.accepted_at = appeal.accepted_at or clock.now()
    appeal.public_note = _("Accepted by %(unit)s") % {"unit": appeal.unit.name}
    return _commit(appeal, action="accept", actor=actor, from_state=before,
                   fields=["accepted_at", "public_note"], data=_unit_data(appeal.unit))


@transaction.atomic
def appeal_return(*, appeal: Appeal | int, actor, reason: str, version: int | None = None) -> Appeal:
    appeal = _lock(appeal, version)
    _check(appeal, "return", actor)
    reason = clean_text(reason, field="reason", max_length=1000)
    before, unit = appeal.status, appeal.unit
    appeal.status = Status.SUBMITTED
    appeal.unit = None
    appeal.return_count += 1
    appeal.public_note = _("Being re-dispatched")
    appeal.co_units.clear()
    return _commit(appeal, action="return", actor=actor, from_state=before, reason=reason,
                   fields=["unit", "return_count", "public_note"], data=_unit_data(unit))


@transaction.atomic
def appeal_transfer(
    *, appeal: Appeal | int, unit: Unit, actor, reason: str, version: int | None = None
) -> Appeal:
    appeal = _lock(appeal, version)
    _check(appeal, "transfer", actor)
    reason = clean_text(reason, field="reason", max_length=1000)
    if unit == appeal.unit:
        raise InvalidInput(_("The appeal is already with this unit."),
                           fields={"unit": [_("The appeal is already with this unit.")]})
    before, old = appeal.status, appeal.unit
    appeal.status = Status.DISPATCHED
    appeal.unit = unit
    appeal.dispatched_at = clock.now()
    appeal.public_note = _("Transferred to %(unit)s") % {"unit": unit.name}
    _commit(appeal, action="transfer", actor=actor, from_state=before, reason=reason,
            fields=["unit", "dispatched_at", "public_note"],
            data={**_unit_data(unit), "from_unit": old.name if old else None})
    _notify_unit_handlers(appeal, unit, _("Appeal transferred to your unit"))
    return appeal


@transaction.atomic
def appeal_co_handle(
    *, appeal: Appeal | int, units: list[Unit], actor, version: int | None = None
) -> Appeal:
    appeal = _lock(appeal, version)
    _check(appeal, "co_handle", actor)
    units = [u for u in units if u != appeal.unit]
    if not units:
        raise InvalidInput(_("Choose at least one other unit."),
                           fields={"units": [_("Choose at least one other unit.")]})
    appeal.co_units.add(*units)
    _commit(appeal, action="co_handle", actor=actor, from_state=appeal.status, fields=[],
            data={"units": [u.name for u in units]})
    for unit in units:
        _notify_unit_handlers(appeal, unit, _("Your unit is asked to co-handle an appeal"))
    return appeal


@transaction.atomic
def extension_request(
    *, appeal: Appeal | int, actor, days: int, reason: str, version: int | None = None
) -> Extension:
    appeal = _lock(appeal, version)
    _check(appeal, "extension_request", actor)
    reason = clean_text(reason, field="reason", max_length=1000)
    limit = (
        clocks.XINFANG_MAX_EXTENSION_DAYS if appeal.track == Track.XINFANG
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
    extension = Extension.objects.create(appeal=appeal, created_at=clock.now(), requested_by=actor, days=days, reason=reason)
    _commit(appeal, action="extension_request", actor=actor, from_state=appeal.status, fields=[],
            reason=reason, data={"days": days, "extension_id": extension.pk})
    return extension


@transaction.atomic
def extension_decide(
    *, appeal: Appeal | int, actor, approve: bool, reason: str = "", version: int | None = None
) -> Appeal:
    appeal = _lock(appeal, version)
    _check(appeal, "extension_decide", actor)
    extension = appeal.extensions.filter(decision=Extension.Decision.PENDING).first()
    if extension is None:
        raise InvalidTransition(_("There is no extension request to decide."))
    extension.decision = Extension.Decision.APPROVED if approve else Extension.Decision.REJECTED
    extension.decided_by = actor
    extension.decided_at = clock.now()
    extension.save(update_fields=["decision", "decided_by", "decided_at"])
    fields = []
    if approve:
        appeal.handling_deadline = clocks.extended(
            deadline=appeal.handling_deadline, days=extension.days, track=appeal.track,
            calendar=Calendar.load(),
        )
        appeal.escalated_at = None
        appeal.public_note = _("Extension approved")
        fields = ["handling_deadline", "escalated_at", "public_note"]
    return _commit(
        appeal, action="extension_approve" if approve else "extension_reject", actor=actor,
        from_state=appeal.status, fields=fields, reason=clean_text(reason, field="reason",
                                                                     max_length=1000, required=False),
        data={"days": extension.days, "handling_deadline": appeal.handling_deadline},
    )


def _score_reply(appeal: Appeal) -> dict | None:
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
        review = result.as_dict() if hasattr(result, "as_dict") else dict(result)
        review["overall"] = float(review["overall"])
        review.setdefault("needs_review", review["overall"] < settings.REPLY_REVIEW_THRESHOLD)
        return review
    except Exception:
        log.exception("reply scorer %s failed on appeal %s: reply not scored", path, appeal.pk)
        return None


@transaction.atomic
def appeal_reply(*, appeal: Appeal | int, actor, text: str, version: int | None = None) -> Appeal:
    """答复. The reply is scored (REPLY_SCORER); one scoring below the threshold is held for the
    unit leader's review (`reviewing`, the citizen is not told yet) instead of going out."""
    appeal = _lock(appeal, version)
    _check(appeal, "reply", actor)
    text = clean_text(text, field="text", max_length=MAX_CONTENT)
    before, previous = appeal.status, (appeal.reply, appeal.replied_at)
    appeal.reply = text
    appeal.replied_at = clock.now()
    review = _score_reply(appeal)
    appeal.reply_score = review["overall"] if review else None
    appeal.reply_review = review or {}
    data = {**_unit_data(appeal.unit), "score": appeal.reply_score}
    # History being replayed (imports, demo data) is recorded as it happened, never held.
    if review and review["needs_review"] and not clock.replaying():
        appeal.status = Status.REVIEWING
        appeal.reply, appeal.replied_at = previous  # the citizen keeps seeing what they saw
        appeal.reply_review = {**review, "draft": text, "drafted_at": clock.now().isoformat(),
                               "drafted_by": getattr(actor, "pk", None)}
        appeal.public_note = _("The reply is being reviewed by %(unit)s") % {
            "unit": appeal.unit.name}
        _commit(appeal, action="reply_held", actor=actor, from_state=before,
                fields=["reply_score", "reply_review", "public_note"],
                data={**data, "reasons": [r["code"] for r in review.get("reasons", [])]})
        notify_people(
            _reviewers(appeal.unit),
            subject=_("Reply to review: %(tn)s") % {"tn": appeal.tracking_number},
            body=_review_body(appeal, review),
            link=f"/appeals/{appeal.tracking_number}/",
        )
        return appeal
    appeal.status = Status.REPLIED
    appeal.public_note = _("Replied by %(unit)s") % {"unit": appeal.unit.name}
    _commit(appeal, action="reply", actor=actor, from_state=before,
            fields=["reply", "replied_at", "public_note", "reply_score", "reply_review"], data=data)
    _notify_citizen(appeal, _("Your appeal %(tn)s has been answered") % {"tn": appeal.tracking_number})
    return appeal


def _reviewers(unit: Unit):
    """The unit's leaders; without any, the administrators above it (someone must decide)."""
    return list(users_with_role(Role.LEADER, unit)) or list(users_with_role(Role.ADMIN, unit))


def _review_body(appeal: Appeal, review: dict) -> str:
    reasons = "; ".join(str(r.get("message", r.get("code", ""))) for r in review.get("reasons", []))
    return _("%(tn)s %(title)s. Score %(score).2f. %(reasons)s") % {
        "tn": appeal.tracking_number, "title": appeal.title, "score": review["overall"],
        "reasons": reasons}


@transaction.atomic
def appeal_review_reply(
    *, appeal: Appeal | int, actor, approve: bool, reason: str = "", version: int | None = None
) -> Appeal:
    """答复审核: the unit leader lets a held reply go to the citizen (`replied`) or sends it
    back to the handler (`handling`, a reason required) to answer again."""
    appeal = _lock(appeal, version)
    _check(appeal, "review", actor)
    reason = clean_text(reason, field="reason", max_length=1000, required=not approve)
    review = dict(appeal.reply_review or {})
    draft = review.pop("draft", "")
    before = appeal.status
    data = {**_unit_data(appeal.unit), "score": appeal.reply_score}
    if approve:
        appeal.status = Status.REPLIED
        appeal.reply = draft or appeal.reply
        appeal.replied_at = clock.now()
        appeal.reply_review = {**review, "approved_by": actor.pk}
        appeal.public_note = _("Replied by %(unit)s") % {"unit": appeal.unit.name}
        _commit(appeal, action="reply_approve", actor=actor, from_state=before, reason=reason,
                fields=["reply", "replied_at", "reply_review", "public_note"], data=data)
        _notify_citizen(appeal, _("Your appeal %(tn)s has been answered") % {
            "tn": appeal.tracking_number})
        return appeal
    appeal.status = Status.HANDLING
    appeal.reply_review = {**review, "rejected_draft": draft, "rejected_by": actor.pk,
                           "rejected_reason": reason}
    appeal.public_note = _("Being handled")
    _commit(appeal, action="reply_reject", actor=actor, from_state=before, reason=reason,
            fields=["reply_review", "public_note"], data={**data, "draft": draft})
    _notify_unit_handlers(appeal, appeal.unit, _("Reply rejected by the unit leader: answer again"))
    return appeal


def _notify_citizen(appeal: Appeal, subject: str) -> None:
    body = _("Query it with tracking number %(tn)s and your query code.") % {
        "tn": appeal.tracking_number
    }
    if appeal.contact_phone:
        notification_send(channel="sms", address=appeal.contact_phone, subject=subject, body=body)
    if appeal.contact_email:
        notification_send(channel="email", address=appeal.contact_email, subject=subject, body=body)


@transaction.atomic
def appeal_follow_up(
    *,
    appeal: Appeal | int,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
    actor=None,
    by_citizen: bool = False,
    version: int | None = None,
) -> Appeal:
    """回访. The citizen (proved by the query code, checked by the caller) or an operator on
    the phone. Dissatisfied sends the appeal back to its unit, at most twice."""
    appeal = _lock(appeal, version)
    _check(appeal, "followup", actor, citizen=by_citizen)
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(_("Choose satisfied, basically satisfied or dissatisfied."),
                           fields={"satisfaction": [_("Unknown choice.")]})
    comment = clean_text(comment, field="comment", max_length=1000, required=False)
    FollowUp.objects.create(
        appeal=appeal, created_at=clock.now(), resolved=bool(resolved), satisfaction=satisfaction, comment=comment,
        by=FollowUp.By.CITIZEN if by_citizen else FollowUp.By.OPERATOR,
        operator=None if by_citizen else actor, unit=appeal.unit,
    )
    before = appeal.status
    data = {"resolved": bool(resolved), "satisfaction": satisfaction, **_unit_data(appeal.unit)}
    if satisfaction == Satisfaction.DISSATISFIED and appeal.reopen_count < MAX_REOPENS:
        appeal.status = Status.REOPENED
        appeal.reopen_count += 1
        appeal.escalated_at = None
        appeal.contact_deadline, appeal.handling_deadline = _deadlines(appeal, clock.now())
        appeal.public_note = _("Reopened: the unit handles it again")
        fields = ["reopen_count", "escalated_at", "contact_deadline", "handling_deadline", "public_note"]
        action = "reopen"
        _notify_unit_handlers(appeal, appeal.unit, _("Citizen dissatisfied: appeal reopened"))
    else:
        appeal.status = Status.CLOSED
        appeal.closed_at = clock.now()
        appeal.public_note = _("Closed")
        fields = ["closed_at", "public_note"]
        action = "followup"
    return _commit(appeal, action=action, actor=actor, from_state=before, fields=fields,
                   reason=comment, data=data, actor_label="citizen" if by_citizen else "")


@transaction.atomic
def appeal_close(*, appeal: Appeal | int, actor, reason: str, version: int | None = None) -> Appeal:
    """Close a replied appeal without a rating (e.g. the citizen could not be reached)."""
    appeal = _lock(appeal, version)
    _check(appeal, "close", actor)
    reason = clean_text(reason, field="reason", max_length=1000)
    before = appeal.status
    appeal.status = Status.CLOSED
    appeal.closed_at = clock.now()
    appeal.public_note = _("Closed")
    return _commit(appeal, action="close", actor=actor, from_state=before, reason=reason,
                   fields=["closed_at", "public_note"])


@transaction.atomic
def appeal_merge(
    *, appeal: Appeal | int, master: Appeal | int, actor, version: int | None = None
) -> Appeal:
    pks = sorted({getattr(appeal, "pk", appeal), getattr(master, "pk", master)})
    if len(pks) == 1:
        raise InvalidInput(_("An appeal cannot be merged into itself."))
    # Lock both rows in one order, so two opposite merges cannot deadlock.
    locked = {pk: _lock(pk, None) for pk in pks}
    appeal = locked[getattr(appeal, "pk", appeal)]
    master = locked[getattr(master, "pk", master)]
    if version is not None and appeal.version != version:
        raise Conflict()
    _check(appeal, "merge", actor)
    if master.status in (Status.MERGED, Status.WITHDRAWN):
        raise InvalidTransition(_("The master appeal is merged or withdrawn itself."))
    before = appeal.status
    appeal.status = Status.MERGED
    appeal.master = master
    appeal.closed_at = clock.now()
    appeal.public_note = _("Merged into %(tn)s") % {"tn": master.tracking_number}
    return _commit(appeal, action="merge", actor=actor, from_state=before,
                   fields=["master", "closed_at", "public_note"],
                   data={"master": master.tracking_number})


@transaction.atomic
def appeal_withdraw(
    *, appeal: Appeal | int, actor=None, by_citizen: bool = False, reason: str = "",
    version: int | None = None,
) -> Appeal:
    appeal = _lock(appeal, version)
    _check(appeal, "withdraw", actor, citizen=by_citizen)
    before = appeal.status
    appeal.status = Status.WITHDRAWN
    appeal.closed_at = clock.now()
    appeal.public_note = _("Withdrawn")
    return _commit(appeal, action="withdraw", actor=actor, from_state=before,
                   reason=clean_text(reason, field="reason", max_length=1000, required=False),
                   fields=["closed_at", "public_note"], actor_label="citizen" if by_citizen else "")


@transaction.atomic
def appeal_supervise(*, appeal: Appeal | int, actor, note: str, version: int | None = None) -> Appeal:
    """督办: a supervisor presses the unit; its leaders are told at once."""
    appeal = _lock(appeal, version)
    _check(appeal, "supervise", actor)
    note = clean_text(note, field="note", max_length=1000)
    _commit(appeal, action="supervise", actor=actor, from_state=appeal.status, fields=[],
            reason=note, data=_unit_data(appeal.unit))
    if appeal.unit:
        notify_people(users_with_role(Role.LEADER, appeal.unit),
                      subject=_("Supervision: %(tn)s") % {"tn": appeal.tracking_number},
                      body=note, link=f"/appeals/{appeal.tracking_number}/")
    return appeal


@transaction.atomic
def appeal_escalate_overdue(*, appeal: Appeal | int, now: datetime | None = None) -> Appeal | None:
    """Flag one overdue appeal and tell the unit's leaders and the supervisors (once)."""
    appeal = _lock(appeal, None)
    now = now or clock.now()
    if appeal.escalated_at is not None or not appeal.is_overdue(now):
        return None
    appeal.escalated_at = now
    _commit(appeal, action="escalate", actor=None, actor_label="system",
            from_state=appeal.status, fields=["escalated_at"],
            data={"handling_deadline": appeal.handling_deadline, **_unit_data(appeal.unit)})
    root = appeal.unit or Unit.objects.filter(parent=None).first()
    people = set()
    if appeal.unit:
        people |= set(users_with_role(Role.LEADER, appeal.unit))
    if root:
        people |= set(users_with_role(Role.SUPERVISOR, root))
    notify_people(
        sorted(people, key=lambda u: u.pk),
        subject=_("Overdue appeal %(tn)s") % {"tn": appeal.tracking_number},
        body=appeal.title,
        link=f"/appeals/{appeal.tracking_number}/",
    )
    return appeal


ACTION_LABELS = {
    "submit": gettext_lazy("submit"),
    "dispatch": gettext_lazy("dispatch"),
    "accept": gettext_lazy("accept"),
    "return": gettext_lazy("return"),
    "transfer": gettext_lazy("transfer"),
    "co_handle": gettext_lazy("add co-handling units to"),
    "extension_request": gettext_lazy("request an extension for"),
    "extension_decide": gettext_lazy("decide the extension of"),
    "reply": gettext_lazy("reply to"),
    "review": gettext_lazy("review the reply to"),
    "followup": gettext_lazy("follow up"),
    "close": gettext_lazy("close"),
    "merge": gettext_lazy("merge"),
    "withdraw": gettext_lazy("withdraw"),
    "supervise": gettext_lazy("supervise"),
}
