from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lianxin.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo district (idempotent: a second run changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--appeals", type=int, default=500)
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo(appeals=options["appeals"], stdout=self.stdout)
        if options["quiet"]:
            return
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        shown = [row for row in logins if not row[0].startswith(("handler-", "leader-"))]
        shown += [
            row
            for row in logins
            if row[0] in ("handler-vet", "leader-vet", "handler-dongcheng", "handler-env")
        ]
        for username, role, unit in shown:
            self.stdout.write(f"  {username:<20} {role:<11} {unit}")
        self.stdout.write("  (and handler-<unit>/leader-<unit> for every department and street)")
        if settings.LIANXIN_TWO_FACTOR_ROLES:
            self.stdout.write(
                f"  Roles {', '.join(settings.LIANXIN_TWO_FACTOR_ROLES)} need a second factor: at the "
                "first sign-in they scan a QR code into an authenticator app (TOTP) on a phone.\n"
                "  Without a phone: LIANXIN_TWO_FACTOR_ROLES= make run (a demo only)."
            )
