"""Coverage of the pairings in a period, per unit and per cadre, recounted from the visits:
`python manage.py outreach_coverage --period 2026Q4`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.errors import InvalidInput
from lianxin.core.models import Unit
from lianxin.outreach.selectors import coverage


class Command(BaseCommand):
    help = "Coverage of household pairings per unit in a period (2026Q4 or 2026-11)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2026Q4 (a quarter) or 2026-11")
        parser.add_argument("--unit", help="only this unit's subtree (its code)")
        parser.add_argument("--cadres", action="store_true", help="a line per cadre too")

    def handle(self, *args: Any, **options: Any) -> None:
        units = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"unknown unit: {options['unit']}")
            units = [unit]
        try:
            rows = coverage(options["period"], units)
        except InvalidInput as exc:
            raise CommandError(str(exc.message)) from exc
        due = sum(r.due for r in rows)
        covered = sum(r.covered for r in rows)
        self.stdout.write(f"period {options['period']}")
        for row in rows:
            self.stdout.write(
                f"{row.unit.code}\t{row.unit.name}\t{row.covered}/{row.due}\t{row.percent:.1f}%"
            )
            if options["cadres"]:
                for cadre, (cadre_due, cadre_covered) in sorted(row.cadres.items()):
                    self.stdout.write(f"  {cadre}\t{cadre_covered}/{cadre_due}")
        percent = 100.0 * covered / due if due else 100.0
        self.stdout.write(f"total\t{covered}/{due}\t{percent:.1f}%")
