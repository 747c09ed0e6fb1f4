"""Writes of the Open311 adapter: API keys, category questions, and filing a GeoReport
request as an appeal through `appeals.services.appeal_submit` (same checks, audit, clocks)."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from lianxin.appeals import services as appeal_services
from lianxin.appeals.catalogue import active_category
from lianxin.appeals.models import Appeal, Category, Channel
from lianxin.core import clock
from lianxin.core.access import SYSTEM
from lianxin.core.audit import audit_record
from lianxin.core.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from lianxin.core.ratelimit import count_hit, parse_rate
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock

from .defaults import ANIMAL_EPIDEMIC, EPIDEMIC_ATTRIBUTES
from .models import ApiKey, Datatype, ServiceAttribute

MAX_DESCRIPTION = 4000
TITLE_LENGTH = 40


# --- keys ---------------------------------------------------------------------------------


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, actor: Any = SYSTEM) -> tuple[ApiKey, str]:
    """A new key for a client organisation. Returns (key, raw key); the raw key is not kept."""
    name = clean_text(name, field="name", max_length=100)
    if ApiKey.objects.filter(name=name).exists():
        raise InvalidInput(_("A key with this name exists already."))
    raw = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name, key_hash=key_hash(raw), created_at=clock.now())
    audit_record(actor=actor, action="open311_key_create", obj=key, data={"name": name})
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey | int, actor: Any = SYSTEM) -> ApiKey:
    """Revoke a key for good; revoking it again changes nothing."""
    key = lock(ApiKey, key)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        commit(
            key,
            action="open311_key_revoke",
            actor=actor,
            fields=["revoked_at"],
            data={"name": key.name},
        )
    return key


def _rate() -> tuple[int, int] | None:
    return parse_rate(settings.OPEN311_KEY_RATE)


def api_key_check(raw: str | None) -> ApiKey:
    """The active key for `raw`, counted against its rate limit; 403 if missing or revoked."""
    if not raw:
        raise PermissionDenied(_("An api_key is required."))
    key = ApiKey.objects.filter(key_hash=key_hash(str(raw))).first()
    if key is None or not key.is_active:
        raise PermissionDenied(_("The api_key is not valid or has been revoked."))
    rate = _rate()
    if rate:
        limit, period = rate
        window = int(clock.now().timestamp()) // period
        counter = f"open311-rate:{key.pk}:{period}:{window}"
        if count_hit(counter, period + 1) > limit:
            raise RateLimited()
    return key


# --- category questions -------------------------------------------------------------------


def service_attributes_seed() -> int:
    """Give the animal-epidemic category its questions (species, animals sick, animals dead)
    if it exists and lacks them. For the demo loader; returns how many were created."""
    category = Category.objects.filter(code=ANIMAL_EPIDEMIC).first()
    if category is None:
        return 0
    created = 0
    for attribute in EPIDEMIC_ATTRIBUTES:
        defaults = {k: v for k, v in attribute.items() if k != "code"}
        _, new = ServiceAttribute.objects.get_or_create(
            category=category, code=attribute["code"], defaults=defaults
        )
        created += new
    return created


def _answer(attribute: ServiceAttribute, values: list[str]) -> str | None:
    """The readable answer to one question, or None if unanswered; InvalidInput if wrong."""
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return None
    keys = {str(v.get("key")): str(v.get("name", v.get("key"))) for v in attribute.values or []}
    bad = _("attribute[%(code)s]: not a valid value") % {"code": attribute.code}
    if attribute.datatype == Datatype.MULTIVALUELIST:
        if any(v not in keys for v in values):
            raise InvalidInput(bad)
        return ", ".join(keys[v] for v in values)
    value = values[0]
    if attribute.datatype == Datatype.SINGLEVALUELIST:
        if value not in keys:
            raise InvalidInput(bad)
        return keys[value]
    if attribute.datatype == Datatype.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise InvalidInput(bad) from None
        if not number.is_finite():
            raise InvalidInput(bad)
        return str(number)
    if attribute.datatype == Datatype.DATETIME:
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise InvalidInput(bad)
        return parsed.isoformat()
    return clean_text(value, field=f"attribute[{attribute.code}]", max_length=1000)


def attribute_block(category: Category, answers: dict[str, list[str]]) -> str:
    """Check the answers against the category's questions; the readable block appended to the
    appeal's content (appeals have no attribute storage of their own)."""
    lines = []
    for attribute in ServiceAttribute.objects.filter(category=category, is_active=True):
        answer = _answer(attribute, answers.get(attribute.code, []))
        if answer is None:
            if attribute.required:
                raise InvalidInput(_("attribute[%(code)s] is required") % {"code": attribute.code})
            continue
        lines.append(f"{attribute.description}: {answer}")
    return "\n".join(lines)


# --- requests -----------------------------------------------------------------------------


@dataclass
class RequestInput:
    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""


def _coordinate(value: str, name: str, limit: int) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(_("%(name)s is not a number") % {"name": name}) from None
    if not number.is_finite() or abs(number) > limit:
        raise InvalidInput(_("%(name)s is out of range") % {"name": name})
    return number.quantize(Decimal("0.000001"))


def service_category(code: str) -> Category:
    if not code:
        raise InvalidInput(_("service_code is required"))
    category = active_category(code)
    if category is None:
        raise NotFound(_("service_code %(code)s is unknown") % {"code": code[:50]})
    return category


def open311_request_submit(
    *,
    key: ApiKey,
    data: RequestInput,
    answers: dict[str, list[str]],
    media: Sequence[Any] = (),
) -> Appeal:
    """File one GeoReport request as an appeal; every check runs before anything is written.
    `media` (uploaded photos) are checked and cleaned as every appeal photo is, and shown
    publicly where the appeal is (a GeoReport request's media is public by the standard).
    `media_url` is kept as a link for staff and never fetched: the server has no internet,
    and fetching an address a caller chose would let it reach inside our network (SSRF)."""
    try:
        category = service_category(data.service_code.strip())
    except NotFound as exc:  # in a POST, an unknown code is a bad request, not a missing page
        raise InvalidInput(exc.message) from None
    if bool(data.lat.strip()) != bool(data.long.strip()):
        raise InvalidInput(_("lat and long must be given together"))
    lat = _coordinate(data.lat, "lat", 90) if data.lat.strip() else None
    long = _coordinate(data.long, "long", 180) if data.long.strip() else None
    address = data.address_string.strip()
    if lat is None and not address and not data.address_id.strip():
        raise InvalidInput(_("A location is required: lat and long, address_string or address_id"))
    if not address and data.address_id.strip():
        address = _("Address id %(id)s") % {"id": data.address_id.strip()[:50]}
    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            _("description is longer than %(n)d characters") % {"n": MAX_DESCRIPTION}
        )
    parts = [description or category.name]
    block = attribute_block(category, answers)
    if block:
        parts.append(block)
    first_line = (description.splitlines() or [""])[0]
    title = first_line[:TITLE_LENGTH] or category.name
    name = " ".join(p for p in (data.first_name.strip(), data.last_name.strip()) if p)
    with transaction.atomic():
        appeal, _created = appeal_services.appeal_submit(
            title=title,
            content="\n\n".join(parts),
            category=category,
            channel=Channel.OPEN311,
            contact_name=name,
            contact_phone=data.phone,
            contact_email=data.email,
            address=address,
            lat=lat,
            long=long,
            actor_label=f"open311:{key.name}",
            photos=media,
            photos_public=True,
            external_media_url=data.media_url.strip(),
        )
    return appeal
