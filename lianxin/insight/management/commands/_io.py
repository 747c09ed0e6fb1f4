"""Reading the labelled or unlabelled message files the router commands take."""

from pathlib import Path

from django.core.management.base import CommandError

from lianxin.appeals.importer import read_rows
from lianxin.core.errors import LianxinError


def read_columns(
    path_arg: str, columns: list[str], optional: tuple[str, ...] = ()
) -> list[list[str]]:
    """The named columns of a CSV or XLSX file, one list per column; a clear CommandError
    when the file or a column is missing or there are no rows. A column named in `optional`
    may be absent: it reads as empty strings."""
    path = Path(path_arg)
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    try:
        header, rows, _count = read_rows(path)
    except LianxinError as exc:
        raise CommandError(str(exc.message)) from exc
    except Exception as exc:  # a corrupt workbook or CSV: say so, do not print a traceback
        raise CommandError(f"cannot read {path.name}: {exc}") from exc
    if not header:
        raise CommandError(f"{path.name} is empty")
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        raise CommandError(
            f"{path.name} has no column {', '.join(missing)}; its columns: {', '.join(header)}"
        )
    index = [header.index(c) if c in header else None for c in columns]
    out: list[list[str]] = [[] for _ in columns]
    for row in rows:
        row = list(row or [])
        if not any(str(c or "").strip() for c in row):
            continue
        for k, i in enumerate(index):
            value = row[i] if i is not None and i < len(row) else ""
            out[k].append("" if value is None else str(value))
    if not out[0]:
        raise CommandError(f"{path.name} has no data rows")
    return out
