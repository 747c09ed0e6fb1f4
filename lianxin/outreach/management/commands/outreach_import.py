"""Import a household registry from an .xlsx file into a unit's villages:
`python manage.py outreach_import registry.xlsx --unit east-street`. Safe to re-run: rows are
matched on (village, head of household, phone) and nobody is listed twice."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.access import SYSTEM
from lianxin.core.errors import LianxinError
from lianxin.core.models import Unit
from lianxin.outreach.registry_file import FIELDS
from lianxin.outreach.services.imports import household_import_open, household_import_run


class Command(BaseCommand):
    help = (
        "Import a household registry (.xlsx) into the villages under a unit. Columns are found "
        "from the header names; map others with --map field=column, fields: " + ", ".join(FIELDS)
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--unit", required=True, help="the unit's code")
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"unknown unit: {options['unit']}")
        overrides = {}
        for item in options["map"]:
            field, sep, column = item.partition("=")
            if not sep or field not in FIELDS:
                raise CommandError(f"bad --map {item!r}; fields: {', '.join(FIELDS)}")
            overrides[field] = column
        try:
            job = household_import_open(
                actor=SYSTEM,
                unit=unit,
                data=path.read_bytes(),
                file_name=path.name,
                mapping=overrides,
            )
            job = household_import_run(actor=SYSTEM, job=job, progress=self._progress)
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from exc
        sys.stderr.write("\n")
        mapped = ", ".join(f"{field}={column}" for field, column in job.mapping.items())
        self.stdout.write(f"columns: {mapped}")
        self.stdout.write(
            f"rows: {job.total}, imported: {job.created}, updated: {job.updated}, "
            f"unchanged: {job.unchanged}, skipped: {len(job.skipped)}"
        )
        for line, reason in job.skipped:
            self.stdout.write(f"  row {line}: {reason}")

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
