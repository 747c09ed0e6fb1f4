"""Share every case an inspector can read with the inspectors who have a key but no copy of
the case's key yet (inspectors added after the reports came in). Asks for the passphrase."""

from getpass import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lianxin.core.errors import LianxinError
from lianxin.supervision.services.keys import inspector_key_unlock, reports_share_all


class Command(BaseCommand):
    help = "Re-wrap report keys for newly added inspectors, as an inspector who can read them."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="An inspector who can read the cases.")

    def handle(self, *args, user, **options):
        person = get_user_model().objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"No user named {user!r}.")
        try:
            private_key = inspector_key_unlock(user=person, passphrase=getpass("Passphrase: "))
            shared = reports_share_all(actor=person, private_key=private_key)
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"{shared} case key(s) shared."))
