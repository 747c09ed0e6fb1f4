"""Files the supervision app hands out: the XLSX summary of a year's declarations (net assets,
change, income and flags per cadre), for the organisation department."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from django.utils.translation import gettext as _

from .models import Declaration
from .selectors import declaration_comparison

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def declarations_workbook(declarations: Iterable[Declaration], year: int) -> bytes:
    """One sheet named after the year, one row per declaration, flags one per line."""
    # lazy: openpyxl takes seconds to import, and only this export needs it.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    sheet.append(
        [
            _("Cadre"),
            _("Unit"),
            _("Year"),
            _("Status"),
            _("Net assets (yuan)"),
            _("Change (yuan)"),
            _("Income (yuan)"),
            _("Flags"),
        ]
    )
    for d in declarations:
        c = declaration_comparison(d)
        sheet.append(
            [
                d.cadre.get_full_name() or d.cadre.get_username(),
                d.unit.name,
                d.year,
                d.get_status_display(),
                float(c.net_current),
                None if c.net_change is None else float(c.net_change),
                float(c.income),
                "\n".join(f.message for f in c.flags),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
