from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lianxin.appeals.rollups import rollup_refresh


class Command(BaseCommand):
    help = (
        "Bring the dashboard's daily roll-ups up to date (Celery beat does it every minute); "
        "--full rebuilds them all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        days = rollup_refresh(full=options["full"])
        self.stdout.write(f"rebuilt {days} days of roll-ups")
