from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lianxin.core.calendar import LOCAL
from lianxin.insight.services import warning_rise_scan


class Command(BaseCommand):
    help = (
        "Run the early-warning rise rule over all category×area pairs now (the hourly task "
        "does the same), or as of --at (ISO date-time, Asia/Shanghai when it has no offset)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="scan as of this moment, e.g. 2025-03-10T09:00")

    def handle(self, *args, **options):
        at = None
        if options["at"]:
            try:
                at = datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(
                    f"--at {options['at']!r} is not an ISO date-time such as 2025-03-10T09:00"
                ) from exc
            if timezone.is_naive(at):
                at = at.replace(tzinfo=LOCAL)
        summary = warning_rise_scan(at=at)
        self.stdout.write(
            f"{summary['pairs']} category×area pairs scanned, {summary['raised']} alarms raised, "
            f"{summary['updated']} updated, {summary['areas_derived']} appeal areas derived"
        )
