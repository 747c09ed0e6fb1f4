"""The one text cleaner for what people type: invisible characters out, space trimmed, length
and presence checked. Markup is kept as text (templates and the API always escape it)."""

import re
from typing import Any

from django.utils.translation import gettext as _

from lianxin.core.errors import InvalidInput

# Control, format (zero-width, bidi overrides), surrogate and private-use characters, but not
# newline and tab: they only hide or disguise text.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\ue000-\uf8ff\u0890\u0891\u08e2\U000110bd\U000110cd\U00013430-\U0001345f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f\U000f0000-\U0010ffff]"
)


def visible(value: Any) -> str:
    """`value` as text without invisible characters or surrounding space (None is "")."""
    return INVISIBLE.sub("", "" if value is None else str(value)).strip()


def clean_text(
    value: Any,
    *,
    field: str,
    max_length: int,
    required: bool = True,
    label: str | None = None,
    code: str | None = None,
) -> str:
    """The visible text of `value`, or InvalidInput naming `field` (shown as `label`) when it
    is missing or longer than `max_length`."""
    text = visible(value)
    problem = None
    if required and not text:
        problem = _("This field is required.")
    elif len(text) > max_length:
        problem = _("At most %(n)d characters.") % {"n": max_length}
    if problem is None:
        return text
    raise InvalidInput(
        _("%(field)s: %(message)s") % {"field": label or field, "message": problem},
        code=code,
        fields={field: [problem]},
    )
