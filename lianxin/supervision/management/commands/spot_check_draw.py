"""Announce, draw and verify a random spot check (随机抽查) of asset declarations.

    manage.py spot_check_draw --announce --year 2026 --share 0.1 --seed "2027-03-01 #4821"
    manage.py spot_check_draw --year 2026 --seed "2027-03-01 #4821"            (the draw)
    manage.py spot_check_draw --verify --year 2026 --seed "2027-03-01 #4821"
    manage.py spot_check_draw --verify --seed S --share 0.1 --eligible-file names.txt

The draw sorts the eligible cadres' usernames by HMAC-SHA256(seed, username) and takes the first
ceil(share × n); see docs/supervision/integrity.md."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.access import SYSTEM
from lianxin.core.errors import LianxinError
from lianxin.core.models import Unit
from lianxin.supervision import integrity
from lianxin.supervision.models import SpotCheck
from lianxin.supervision.services import spot_checks


class Command(BaseCommand):
    help = "Announce the seed of a spot check, draw it, or verify a draw."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--seed", required=True)
        parser.add_argument("--share", help="the share to draw, 0 < share ≤ 1 (e.g. 0.1)")
        parser.add_argument("--unit", help="unit code (default: the root of the tree)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--announce", action="store_true", help="publish the seed; the draw comes later"
        )
        mode.add_argument(
            "--verify",
            action="store_true",
            help="re-run a stored draw (or one over --eligible-file) and compare",
        )
        parser.add_argument(
            "--eligible-file", help="with --verify: one username a line; checks the draw over it"
        )

    def handle(self, *args, **opts):
        seed = opts["seed"]
        if opts["verify"] and opts["eligible_file"]:
            return self._verify_file(seed, opts)
        if opts["year"] is None:
            raise CommandError("--year is required")
        unit = self._unit(opts["unit"])
        try:
            if opts["announce"]:
                if not opts["share"]:
                    raise CommandError("--announce needs --share")
                check = spot_checks.spot_check_announce(
                    year=opts["year"], seed=seed, share=opts["share"], unit=unit, actor=SYSTEM
                )
                self.stdout.write(
                    f"announced spot check #{check.pk}: year {check.year}, "
                    f"unit {unit.code}, share {check.share}, seed {seed!r}"
                )
                return
            check = SpotCheck.objects.filter(year=opts["year"], unit=unit, seed=seed).first()
            if check is None:
                raise CommandError(
                    f"no spot check announced for year {opts['year']}, unit {unit.code} and this "
                    "seed: announce it first with --announce (the seed must be public before the "
                    "draw)"
                )
            if opts["share"] and self._share(opts["share"]) != check.share:
                raise CommandError(f"the announced share is {check.share}, not {opts['share']}")
            if opts["verify"]:
                return self._verify(check)
            check = spot_checks.spot_check_draw(spot_check=check, actor=SYSTEM)
        except LianxinError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"drew {len(check.drawn)} of {len(check.eligible)} "
            f"(eligible list sha256 {check.eligible_hash}):"
        )
        for name in check.drawn:
            self.stdout.write(f"  {name}")

    def _unit(self, code):
        if code:
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                raise CommandError(f"no unit with code {code!r}")
            return unit
        roots = list(Unit.objects.filter(parent__isnull=True)[:2])
        if len(roots) != 1:
            raise CommandError("give --unit: there is not exactly one root unit")
        return roots[0]

    def _share(self, text) -> Decimal:
        try:
            share = Decimal(str(text))
        except InvalidOperation as exc:
            raise CommandError("--share must be a number, e.g. 0.1") from exc
        if not Decimal("0") < share <= 1:
            raise CommandError("--share must be above 0 and at most 1")
        return share.quantize(Decimal("0.0001"))

    def _verify(self, check: SpotCheck):
        if check.status != SpotCheck.Status.DRAWN:
            raise CommandError("this spot check has not been drawn yet")
        problems = []
        if integrity.eligible_hash(check.eligible) != check.eligible_hash:
            problems.append("the stored eligible list does not match its hash")
        again = integrity.draw(check.seed, check.eligible, check.share)
        if again != list(check.drawn):
            problems.append(f"re-running the draw gives {again}, not the stored {check.drawn}")
        if check.created_at > (check.drawn_at or check.created_at):
            problems.append("the seed was recorded after the draw")
        now = spot_checks.spot_check_eligible(year=check.year, unit=check.unit)
        if integrity.eligible_hash(now) != check.eligible_hash:
            self.stdout.write(
                "note: the eligible list has changed since the draw "
                f"(now {len(now)} cadres); the draw is verified over the stored "
                "list"
            )
        if problems:
            raise CommandError("verification FAILED: " + "; ".join(problems))
        self.stdout.write(
            f"verified: seed {check.seed!r}, {len(check.eligible)} eligible "
            f"(sha256 {check.eligible_hash}), share {check.share} → "
            f"{', '.join(check.drawn)}"
        )

    def _verify_file(self, seed, opts):
        if not opts["share"]:
            raise CommandError("--eligible-file needs --share")
        path = Path(opts["eligible_file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        names = [
            line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        if not names:
            raise CommandError(f"{path.name} has no names")
        share = self._share(opts["share"])
        drawn = integrity.draw(seed, names, share)
        self.stdout.write(f"eligible list sha256 {integrity.eligible_hash(names)}")
        self.stdout.write(f"drawn ({len(drawn)} of {len(set(names))}): {', '.join(drawn)}")
