from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.audit import audit_breaks
from lianxin.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Seal the committed audit events, then prove the chain unbroken; exit non-zero naming "
        "the first broken event."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="check only, seal nothing (is the schedule sealing in time?)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        first = next(audit_breaks(seal=not options["no_seal"]), None)
        if first is not None:
            where = f"event #{first.event_id}" if first.event_id else "chain head"
            raise CommandError(f"audit log broken at {where}: {first.reason}")
        self.stdout.write(f"audit log intact: {AuditEvent.objects.count()} events")
