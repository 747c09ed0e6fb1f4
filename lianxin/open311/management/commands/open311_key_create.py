from django.core.management.base import BaseCommand, CommandError

from lianxin.core.errors import LianxinError
from lianxin.open311.services import api_key_create


class Command(BaseCommand):
    help = "Issue an Open311 API key to a client organisation and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the client organisation")

    def handle(self, *args, name, **options):
        try:
            _key, raw = api_key_create(name=name)
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(raw)
