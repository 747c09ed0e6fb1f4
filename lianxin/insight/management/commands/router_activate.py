from django.core.management.base import BaseCommand, CommandError

from lianxin.core.access import SYSTEM
from lianxin.core.errors import LianxinError
from lianxin.insight.services import router_model_activate


class Command(BaseCommand):
    help = "Make a stored version of the category router the active one."

    def add_arguments(self, parser):
        parser.add_argument("version", type=int)

    def handle(self, *args, **options):
        try:
            model = router_model_activate(version=options["version"], actor=SYSTEM)
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"router v{model.version} is active (macro-F1 {model.metrics.get('macro_f1')})"
        )
