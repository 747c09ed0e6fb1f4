"""What the participation pages share: running a service for a form, reading dates and ids."""

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from lianxin.core.access import units_where
from lianxin.core.errors import InvalidInput, LianxinError, RateLimited
from lianxin.core.models import Unit
from lianxin.core.params import as_id
from lianxin.core.ratelimit import address_tag, client_address, within_rate


def run(request: HttpRequest, service: Callable[[], Any], done: str) -> int | None:
    """Runs the service; on success shows `done` and returns None, else shows the refusal (the
    service changed nothing) and returns its HTTP status for the page shown again."""
    try:
        service()
    except LianxinError as exc:
        messages.error(request, str(exc.message))
        return exc.status
    messages.success(request, done)
    return None


def units_for(user, *roles: str, anywhere: tuple[str, ...] = ()) -> list[Unit]:
    """Active units in the subtrees where `user` holds one of `roles` (every unit for a
    holder of a role in `anywhere`): what a form offers."""
    units = list(Unit.objects.filter(is_active=True))
    if anywhere and units_where(user, *anywhere):
        return units
    roots = units_where(user, *roles)
    return [u for u in units if any(root.contains(u) for root in roots)]


def limit_public(request: HttpRequest) -> None:
    """Comments, applications and correction requests need no account: an address may send
    only so many (PUBLIC_SUBMIT_RATE, as for appeals)."""
    key = f"participation:{address_tag(client_address(request))}"
    if not within_rate(key, settings.PUBLIC_SUBMIT_RATE):
        raise RateLimited()


def posted_date(request: HttpRequest, name: str, label: str) -> date:
    value = parse_date(request.POST.get(name, "").strip()) if _dateish(request, name) else None
    if value is None:
        raise InvalidInput(
            _("%(field)s: enter a date (YYYY-MM-DD).") % {"field": label},
            fields={name: [_("Enter a date.")]},
        )
    return value


def posted_datetime(request: HttpRequest, name: str, label: str) -> datetime:
    text = request.POST.get(name, "").strip()
    value = parse_datetime(text) if _dateish(request, name) else None
    if value is None:
        day = parse_date(text) if _dateish(request, name) else None
        value = (
            datetime.combine(day, time(), tzinfo=timezone.get_current_timezone()) if day else None
        )
    if value is None:
        raise InvalidInput(
            _("%(field)s: enter a date (YYYY-MM-DD).") % {"field": label},
            fields={name: [_("Enter a date.")]},
        )
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _dateish(request: HttpRequest, name: str) -> bool:
    """parse_date raises on well-formed but impossible dates (2026-02-30); those are input
    errors like any other."""
    try:
        text = request.POST.get(name, "").strip()
        return bool(text) and (parse_date(text[:10]) is not None)
    except ValueError:
        return False


def posted_id(request: HttpRequest, name: str) -> int | None:
    return as_id(request.POST.get(name))


def posted_int(request: HttpRequest, name: str, label: str) -> int:
    text = request.POST.get(name, "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise InvalidInput(
            _("%(field)s: enter a whole number.") % {"field": label},
            fields={name: [_("Enter a whole number.")]},
        )
    return int(text)
