from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.core.access import SYSTEM
from lianxin.core.services import two_factor_reset


class Command(BaseCommand):
    help = (
        "Reset a person's second factor (lost or replaced phone): their devices are removed "
        "and their API tokens revoked; they set up the app again at their next sign-in. For "
        "when no administrator can sign in to the admin (its action does the same)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the username")
        parser.add_argument("--reason", default="", help="why (kept in the audit log)")

    def handle(self, *args: Any, user: str, reason: str, **options: Any) -> None:
        person = get_user_model().objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"no user named {user!r}")
        removed = two_factor_reset(user=person, actor=SYSTEM, reason=reason or "manage.py")
        self.stdout.write(
            f"{user}: {removed} device(s) removed; the next sign-in sets up the "
            "authenticator app again."
        )
