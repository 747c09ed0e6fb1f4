"""Excel files people bring and take away: the first sheet of an uploaded .xlsx read safely
(size, type and row limits, each refused with a Chinese message and nothing read), header
names compared loosely, dates as people type them, and the import templates. The apps'
importers (outreach's registry, the knowledge base) decide what the rows mean."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from .errors import InvalidInput
from .text import visible

XLSX_MAGIC = b"PK\x03\x04"
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# Trailing blank lines are allowed beyond the row limit, not millions of them.
BLANK_LINES_ALLOWED = 1000


def header_key(text: str) -> str:
    """A header name compared loosely: no spaces, brackets, slashes, dashes, stars or case."""
    return re.sub(r"[\s()（）/、_\-*]", "", text).lower()


def first_sheet(data: bytes, name: str, *, max_bytes: int, max_rows: int) -> list[tuple[Any, ...]]:
    """The lines of the first sheet (the header line first), as cell values; InvalidInput
    (`file_too_large`, `not_xlsx`) when the file is too large or not an .xlsx workbook."""
    if len(data) > max_bytes:
        raise InvalidInput(
            _("The file is larger than %(mb).1f MB: split it into smaller files.")
            % {"mb": max_bytes / 1024 / 1024},
            code="file_too_large",
        )
    not_xlsx = InvalidInput(
        _("Only Excel .xlsx files can be imported: save the file as .xlsx and try again."),
        code="not_xlsx",
    )
    if not name.lower().endswith(".xlsx") or not data.startswith(XLSX_MAGIC):
        raise not_xlsx
    from openpyxl import load_workbook  # lazy: takes a second to import, only imports need it

    lines: list[tuple[Any, ...]] = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for cells in book.worksheets[0].iter_rows(values_only=True):
            lines.append(cells)
            if len(lines) > max_rows + BLANK_LINES_ALLOWED + 1:
                break
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError):
        raise not_xlsx from None
    return lines


def check_row_count(count: int, max_rows: int) -> None:
    """InvalidInput (`no_rows`, `too_many_rows`) unless 1 ≤ count ≤ max_rows."""
    if not count:
        raise InvalidInput(_("The file has no rows below the header."), code="no_rows")
    if count > max_rows:
        raise InvalidInput(
            _("The file has %(n)d rows; at most %(max)d can be imported at once: split it.")
            % {"n": count, "max": max_rows},
            code="too_many_rows",
        )


def parse_date(value: Any) -> date | None:
    """A date cell, or text like 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日; None when
    empty; ValueError when it is not a date."""
    if isinstance(value, date):
        return value
    raw = "" if value is None else visible(value)
    if not raw:
        return None
    match = DATE_TEXT.match(raw[:10] if re.match(r"^\d{4}-\d\d-\d\d[ T]", raw) else raw)
    if not match:
        raise ValueError(raw)
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def template_xlsx(title: str, columns: list[tuple[str, str]], *, width: int = 14) -> bytes:
    """An empty sheet `title` with the headers of `columns` (header, what it holds), and a
    second sheet, 填写说明, saying what each holds."""
    from openpyxl import Workbook  # lazy: as above
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([header for header, _note in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for header, note in columns:
        notes.append([header, note])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
