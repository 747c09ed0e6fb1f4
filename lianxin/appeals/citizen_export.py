"""The citizen's copy of their data (PIPL art. 45) laid out as JSON (for another service) and
as an Excel workbook (for a person): the account, the appeals, the ratings and the progress."""

from __future__ import annotations

import json
from datetime import datetime
from io import BytesIO
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return "" if value is None else value


APPEAL_COLUMNS = [
    ("tracking_number", gettext_lazy("Tracking number")),
    ("title", gettext_lazy("Title")),
    ("content", gettext_lazy("Content")),
    ("category", gettext_lazy("Category")),
    ("channel", gettext_lazy("Channel")),
    ("status", gettext_lazy("Status")),
    ("urgency", gettext_lazy("Urgency")),
    ("contact_name", gettext_lazy("Name")),
    ("contact_phone", gettext_lazy("Phone")),
    ("contact_email", gettext_lazy("Email")),
    ("address", gettext_lazy("Address")),
    ("is_public", gettext_lazy("May be shown publicly")),
    ("unit", gettext_lazy("Handled by")),
    ("submitted_at", gettext_lazy("Submitted")),
    ("handling_deadline", gettext_lazy("Answer due")),
    ("reply", gettext_lazy("Reply")),
    ("replied_at", gettext_lazy("Replied at")),
    ("closed_at", gettext_lazy("Closed at")),
]


def as_workbook(data: dict[str, Any]) -> bytes:
    # lazy: openpyxl takes a while to import, and only this download needs it.
    from openpyxl import Workbook

    book = Workbook()
    account = book.active
    account.title = _("Account")
    account.append([_("Account created"), _cell(data["account"]["created_at"])])
    account.append([_("Last sign-in"), _cell(data["account"]["last_signin_at"])])
    account.append([_("What is kept"), data["account"]["kept"]])

    appeals = book.create_sheet(_("Appeals"))
    appeals.append([str(label) for _key, label in APPEAL_COLUMNS])
    for appeal in data["appeals"]:
        appeals.append([_cell(appeal[key]) for key, _label in APPEAL_COLUMNS])

    ratings = book.create_sheet(_("Ratings"))
    ratings.append(
        [_("Tracking number"), _("Time"), _("Resolved"), _("Satisfaction"), _("Comment"), _("By")]
    )
    progress = book.create_sheet(_("Progress"))
    progress.append([_("Tracking number"), _("Time"), _("Step")])
    for appeal in data["appeals"]:
        for r in appeal["ratings"]:
            ratings.append(
                [appeal["tracking_number"]]
                + [_cell(r[k]) for k in ("at", "resolved", "satisfaction", "comment", "by")]
            )
        for step in appeal["progress"]:
            progress.append([appeal["tracking_number"], _cell(step["at"]), step["step"]])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
