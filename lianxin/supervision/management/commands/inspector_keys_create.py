"""Create an inspector's reporting keypair, asking for the passphrase (never on the command
line, where the shell's history and the process list would keep it). Scripted setups (the demo)
name an environment variable that holds it instead."""

import os
from getpass import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lianxin.core.errors import LianxinError
from lianxin.supervision.models import InspectorKey
from lianxin.supervision.services.keys import inspector_key_create


class Command(BaseCommand):
    help = "Create the keypair an inspector reads reports with (举报); prompts for the passphrase."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The inspector's username.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace an existing key (forgotten passphrase): the cases must "
            "then be shared again by another inspector.",
        )
        parser.add_argument(
            "--passphrase-env",
            metavar="NAME",
            help="Read the passphrase from this environment variable (scripts).",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing if the inspector has a key already (re-runnable).",
        )

    def handle(self, *args, user, replace, passphrase_env, if_missing, **options):
        person = get_user_model().objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"No user named {user!r}.")
        if if_missing and InspectorKey.objects.filter(user=person).exists():
            self.stdout.write(f"{user} has a key already.")
            return
        if passphrase_env:
            passphrase = os.environ.get(passphrase_env, "")
        else:
            passphrase = getpass("Passphrase (at least 12 characters): ")
            if passphrase != getpass("Passphrase again: "):
                raise CommandError("The two passphrases differ.")
        try:
            inspector_key_create(user=person, passphrase=passphrase, replace=replace)
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"Key created for {user}."))
