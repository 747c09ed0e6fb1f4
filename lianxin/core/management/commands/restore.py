from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from lianxin.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder (made by `backup`) into an empty database, then verify it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            manifest = restore(folder)
        except (BackupError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored the backup of {manifest['made_at']}")
        call_command("migrate", "--noinput", verbosity=0)  # a backup of an older version
        call_command("audit_verify", stdout=self.stdout)
