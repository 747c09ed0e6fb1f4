"""Re-runs a hearing's draw from its applicants, quotas and a seed, and prints the panel:
anyone holding the published seed can check the published result. Changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from lianxin.participation.models import Hearing, Stake
from lianxin.participation.services.draw import METHOD, DrawImpossible
from lianxin.participation.services.hearings import draw_compute


class Command(BaseCommand):
    help = "Print the participants a hearing's stratified draw selects with SEED (read-only)."

    def add_arguments(self, parser):
        parser.add_argument("hearing_id", type=int)
        parser.add_argument("--seed", required=True)

    def handle(self, *args, hearing_id, seed, **options):
        hearing = Hearing.objects.filter(pk=hearing_id).first()
        if hearing is None:
            raise CommandError(f"No hearing {hearing_id}.")
        try:
            result = draw_compute(hearing, seed)
        except DrawImpossible as exc:
            raise CommandError(str(exc)) from exc
        applicants = {a.pk: a for a in hearing.applicants.all()}
        stakes = dict(Stake.choices)
        self.stdout.write(f"hearing {hearing.pk}  method {METHOD}  seed {seed!r}")
        for pk in result.selected:
            a = applicants[pk]
            self.stdout.write(
                f"{pk}\t{a.public_label}\t{stakes[a.stake]}\tp={result.probabilities[pk]}"
            )
        published = getattr(hearing, "draw", None)
        if published is not None and published.seed == seed:
            same = published.result.get("selected") == result.selected
            self.stdout.write(
                "matches the published draw" if same else "DIFFERS from the published draw"
            )
