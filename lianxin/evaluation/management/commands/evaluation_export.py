"""Export the monthly ranking (and with --annual the year's assessment) as XLSX or PDF."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.errors import LianxinError
from lianxin.evaluation.exports import WRITERS, assessment_data
from lianxin.evaluation.rankings import LEVELS


class Command(BaseCommand):
    help = (
        "Write the monthly assessment ranking of a level of units (streets and towns, or "
        "departments) as XLSX or PDF; with --annual also the year's assessment, January to "
        "the period's month."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="The month, YYYY-MM.")
        parser.add_argument("--format", required=True, choices=sorted(WRITERS))
        parser.add_argument("--out", required=True, help="The file to write.")
        parser.add_argument("--level", default="street", choices=list(LEVELS))
        parser.add_argument(
            "--annual",
            action="store_true",
            help="Add the year's assessment: each month's score and the year's figures per unit.",
        )

    def handle(self, *args, period, format, out, level, annual, **options):
        path = Path(out)
        if path.is_dir() or not path.parent.is_dir():
            raise CommandError(f"cannot write {path}: give a file in an existing directory")
        try:
            data = assessment_data(period=period, level=level, annual=annual)
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from exc
        try:
            WRITERS[format](data, path)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc}") from exc
        self.stdout.write(f"{data.title}: {len(data.ranking)} units written to {path}")
