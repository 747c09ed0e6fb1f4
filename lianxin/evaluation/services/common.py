"""What the evaluation services share: the permission check and the year a form names."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from lianxin.core.access import may
from lianxin.core.errors import InvalidInput, PermissionDenied

from ..errors import Code

FIRST_YEAR, LAST_YEAR = 2000, 2100


def require(actor: Any, perm: str, obj: models.Model | None = None) -> None:
    """PermissionDenied unless the rules let `actor` do `perm` (on `obj`, or at all: unlike
    core.transitions.require_permission, which always has the locked row)."""
    if actor is None or not may(actor, perm, obj):
        raise PermissionDenied()


def year_value(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            _("Enter a year between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code=Code.INVALID_YEAR,
            fields={"year": [_("Not a valid year.")]},
        )
    return year
