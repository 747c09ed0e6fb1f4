"""Intake: the rules of a new appeal and taking one in (web, API, imports, other channels)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lianxin.core import clock, uploads
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL, Calendar
from lianxin.core.errors import Conflict, InvalidInput
from lianxin.core.phones import phone_key
from lianxin.core.queue import enqueue
from lianxin.core.rows import insert_row

# The module, not its names: tasks imports the services, so its names may not exist yet
# while this module loads (a worker imports tasks first).
from .. import tasks
from ..catalogue import active_category
from ..errors import Code
from ..models import Appeal, Category, Channel, Track, Urgency
from ..signals import appeal_received
from .common import MAX_CONTENT, MAX_TITLE, clean_text, deadlines, field_error
from .dispatch import dispatch_locked
from .photos import PHOTO_FOLDER, checked_photos, store_photos

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\+?\d{8,15})$")


def _new_tracking_number(now: datetime) -> str:
    return now.astimezone(LOCAL).strftime("%Y%m%d") + f"{secrets.randbelow(10**7):07d}"


def validated_intake(
    *,
    title: Any,
    content: Any,
    category: Any,
    urgency: Any,
    track: Any,
    contact_name: Any,
    contact_phone: Any,
    contact_email: Any,
    address: Any,
) -> dict[str, Any]:
    """The intake's rules in one place: the cleaned values, or InvalidInput naming every field
    at fault. The submit page's form checks with it too, so all problems show at once."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
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


def _same_request(existing: Appeal, title: Any, content: Any) -> Appeal:
    """A retry must be the same request: a key reused for other content reveals nothing."""
    same = existing.title == clean_text(
        title, field="title", max_length=MAX_TITLE + 1, required=False
    ) and existing.content == clean_text(
        content, field="content", max_length=MAX_CONTENT + 1, required=False
    )
    if not same:
        raise Conflict(
            _("This Idempotency-Key was used for a different appeal."),
            code=Code.IDEMPOTENCY_MISMATCH,
        )
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
    lat: Any = None,
    long: Any = None,
    is_public: bool = False,
    submitted_by: Any = None,
    idempotency_key: str | None = None,
    source_ref: str | None = None,
    created_at: datetime | None = None,
    actor_label: str = "",
    photos: Sequence[Any] = (),
    photos_public: bool = False,
    external_media_url: str = "",
) -> tuple[Appeal, bool]:
    """Take in one appeal. Returns (appeal, created); with an idempotency key or source
    reference seen before, the earlier appeal is returned and nothing is written (a retry
    with its photos adds none). `photos` (uploaded files, up to APPEAL_PHOTOS_MAX) are stored
    with it, cleaned of all metadata, or when one is bad the whole appeal is refused and no
    file stays behind; `photos_public`: the citizen lets them be shown where the appeal is.
    `external_media_url` is a link a client sent (Open311), kept as text and never fetched."""
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
        title=title,
        content=content,
        category=category,
        urgency=urgency,
        track=track,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        address=address,
    )
    checked = checked_photos(photos)
    external_media_url = clean_text(
        external_media_url, field="media_url", max_length=500, required=False
    )
    now = created_at or clock.now()
    calendar = Calendar.load()
    appeal = Appeal(
        **values,
        contact_phone_key=phone_key(values["contact_phone"]),
        urgency=urgency,
        track=track,
        channel=channel,
        lat=lat,
        long=long,
        is_public=bool(is_public),
        submitted_by=submitted_by if getattr(submitted_by, "is_authenticated", False) else None,
        idempotency_key=idempotency_key,
        source_ref=source_ref,
        external_media_url=external_media_url,
        created_at=now,
        updated_at=now,
    )
    appeal.contact_deadline, appeal.handling_deadline = deadlines(appeal, now, calendar)
    for attempt in range(5):
        appeal.tracking_number = _new_tracking_number(now)
        try:
            # A refused or retried attempt deletes the files it stored (core.uploads.storing).
            with uploads.storing(PHOTO_FOLDER) as save:
                insert_row(appeal)  # not save(): the hot path of intake (core.rows)
                stored = store_photos(
                    appeal, checked, save, public=photos_public, actor=submitted_by
                )
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
                        **({"photos": stored} if stored else {}),
                        **({"external_media_url": True} if external_media_url else {}),
                    },
                )
                _after_intake(appeal)
            return appeal, True
        except IntegrityError:
            appeal.pk = None
            appeal._state.adding = True
            if idempotency_key and Appeal.objects.filter(idempotency_key=idempotency_key).exists():
                # A concurrent retry with the same key won the race: answer with its appeal.
                existing = Appeal.objects.get(idempotency_key=idempotency_key)
                return _same_request(existing, title, content), False
            if (
                source_ref
                and Appeal.objects.filter(channel=channel, source_ref=source_ref).exists()
            ):
                return Appeal.objects.get(channel=channel, source_ref=source_ref), False
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _after_intake(appeal: Appeal) -> None:
    """Dispatch at once where the category says so, else route it after commit; tell the
    listeners (insight) once the appeal is committed. Neither runs in the request: with a
    broker they are tasks, without one `run_schedule` finds the appeal in the database."""
    cat = appeal.category
    # An inactive default unit leaves the appeal for a dispatcher.
    if cat and cat.auto_dispatch and cat.default_unit and cat.default_unit.is_active:
        dispatch_locked(appeal, unit=cat.default_unit, actor=None, auto=True)
    elif cat is None and settings.CATEGORY_SUGGESTER:
        transaction.on_commit(partial(enqueue, tasks.route_appeal, appeal.pk))
    transaction.on_commit(partial(appeal_received.send, sender=Appeal, appeal_id=appeal.pk))
