"""(Re)build the duplicate finder's fingerprints of existing appeals, in batches; safe to re-run
(each batch replaces its appeals' keys). With --suggest, also record suggestions for the open
appeals afterwards."""

import time

from django.core.management.base import BaseCommand, CommandError

from lianxin.appeals.models import OPEN_STATES, Appeal
from lianxin.insight import duplicates
from lianxin.insight.services import duplicate_keys_store, duplicates_find


class Command(BaseCommand):
    help = "Fingerprint existing appeals for the duplicate finder (重复诉求)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="appeals per transaction")
        parser.add_argument(
            "--suggest",
            action="store_true",
            help="then record duplicate suggestions for open appeals",
        )

    def handle(self, *args, batch: int, suggest: bool, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        total = Appeal.objects.count()
        done = keys = 0
        last = 0
        t0 = time.monotonic()
        while True:
            rows = list(
                Appeal.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "created_at", "title", "content")[:batch]
            )
            if not rows:
                break
            keys += duplicate_keys_store(
                appeals=[
                    (pk, created_at, duplicates.fingerprint(title, content))
                    for pk, created_at, title, content in rows
                ]
            )
            done += len(rows)
            last = rows[-1][0]
            self.stdout.write(
                f"fingerprinted {done:,}/{total:,} appeals, {keys:,} keys "
                f"({time.monotonic() - t0:.0f}s)"
            )
        found = 0
        if suggest:
            open_ids = Appeal.objects.filter(status__in=OPEN_STATES).values_list("pk", flat=True)
            for n, pk in enumerate(open_ids.iterator(), 1):
                found += bool(duplicates_find(appeal=pk, store=False))
                if n % 1000 == 0:
                    self.stdout.write(f"checked {n:,} open appeals")
        summary = f"done: {done:,} appeals, {keys:,} keys"
        if suggest:
            summary += f", {found:,} open appeals with duplicate suggestions"
        self.stdout.write(self.style.SUCCESS(summary))
