import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.appeals.importer import DEFAULT_COLUMNS, import_appeals
from lianxin.core.errors import LianxinError


class Command(BaseCommand):
    help = (
        "Import historical appeals from XLSX or CSV. Safe to re-run: rows already imported are "
        "skipped. Map columns with --map field=column, fields: " + ", ".join(DEFAULT_COLUMNS)
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        mapping = {}
        for item in options["map"]:
            field, sep, column = item.partition("=")
            if not sep or field not in DEFAULT_COLUMNS:
                raise CommandError(f"bad --map {item!r}; fields: {', '.join(DEFAULT_COLUMNS)}")
            mapping[field] = column
        try:
            report = import_appeals(path, mapping=mapping, progress=self._progress)
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from exc
        sys.stderr.write("\n")
        self.stdout.write(
            f"rows: {report.total}, imported: {report.created}, already there: {report.already}, "
            f"skipped: {len(report.skipped)}"
        )
        for line, reason in report.skipped[:200]:
            self.stdout.write(f"  line {line}: {reason}")
        if len(report.skipped) > 200:
            self.stdout.write(f"  … and {len(report.skipped) - 200} more")

    def _progress(self, done: int, total: int) -> None:
        if done % 50 and done != total:
            return
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
