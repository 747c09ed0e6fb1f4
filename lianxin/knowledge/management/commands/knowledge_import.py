"""manage.py knowledge_import FILE [--unit CODE] [--publish]: import an existing knowledge base
(.xlsx) as the system; each row's outcome is printed, skipped rows with their reason."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.access import SYSTEM
from lianxin.core.errors import LianxinError
from lianxin.core.models import Unit
from lianxin.knowledge.services import knowledge_import


class Command(BaseCommand):
    help = "Import a knowledge base from an .xlsx file (问题, 答复, 政策依据, 责任单位, 生效日期, 失效日期)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--unit", help="code of the unit for rows that name none")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish at once (an approved knowledge base) instead of waiting for review",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No unit with code {options['unit']}")
        try:
            result = knowledge_import(
                actor=SYSTEM,
                data=path.read_bytes(),
                file_name=path.name,
                unit=unit,
                publish=options["publish"],
            )
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from None
        for row in result.skipped:
            self.stdout.write(f"row {row.line}: skipped: {row.reason}")
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.skipped_count} skipped"
        )
