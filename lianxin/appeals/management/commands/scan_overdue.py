import time

from django.core.management.base import BaseCommand

from lianxin.appeals.tasks import scan_overdue


class Command(BaseCommand):
    help = "Escalate overdue appeals once; with --loop N, every N seconds (embedded mode)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0)

    def handle(self, *args, **options):
        while True:
            n = scan_overdue()
            self.stdout.write(f"escalated {n} overdue appeals")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
