from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.audit import audit_breaks
from lianxin.core.models import AuditEvent


class Command(BaseCommand):
    help = "Prove the audit log unbroken; exit non-zero naming the first broken event."

    def handle(self, *args: Any, **options: Any) -> None:
        first = next(audit_breaks(), None)
        if first is not None:
            where = f"event #{first.event_id}" if first.event_id else "chain head"
            raise CommandError(f"audit log broken at {where}: {first.reason}")
        self.stdout.write(f"audit log intact: {AuditEvent.objects.count()} events")
