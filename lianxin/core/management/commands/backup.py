from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database and uploaded files into a new folder (not the keys in "
        "var/keys/: keep those apart). Restore with `restore`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            manifest = backup(folder)
        except (BackupError, FileExistsError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backup in {folder}: {manifest['vendor']}, {manifest['audit_events']} audit events"
        )
