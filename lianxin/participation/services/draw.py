"""The stratified random draw of a hearing's participants, re-runnable by anyone.

Method ("stratified-uniform"): the applicants of each stake category, in the order they
applied (by id), and the categories in the order of their codes; one `random.Random(seed)`
(Python's Mersenne Twister; a text seed is hashed with SHA-512, the same on every platform and
Python version since 3.2) draws `quota` applicants of each category with `sample`. Same seed,
same applicants, same quotas: same panel.

Why not `sortition-algorithms` 0.12.15 (Flanigan et al.'s leximin/maximin): it installs 22
packages (cvxpy, HiGHS, gspread, oauth2client; a 500 MB environment) and would upgrade
`cryptography` in the lock; its leximin needs Gurobi (a commercial licence); its maximin runs
(HiGHS) but only raises the smallest probability: on the case of `test_small_case_by_hand` it
gave the four farmers 2/3, 1/3, 2/3, 1/3. With one feature (the stake) and exact quotas the
leximin distribution is the uniform one, which this draw gives (1/2 each): every panel holds exactly `quota_c` people of category c, so the selection
probabilities of c's applicants sum to `quota_c`, and the smallest of them is largest when all
are equal, `quota_c / applicants_c`, which uniform sampling gives. The probabilities below are
exact (fractions), not estimated.
"""

import random
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

METHOD = "stratified-uniform"


class DrawImpossible(ValueError):
    """The draw cannot be made (the message says why)."""


@dataclass(frozen=True)
class DrawResult:
    selected: list[int]  # applicant ids, category by category, in drawn order
    probabilities: dict[int, Fraction]  # every applicant's chance of selection


def stratified_draw(
    applicants: list[tuple[int, str]],
    quotas: dict[str, int],
    seed: str,
    labels: dict[str, str] | None = None,
) -> DrawResult:
    """`applicants`: (id, category) pairs; `quotas`: seats per category; `labels`: the
    categories' names for messages."""
    seats = sum(quotas.values())
    if seats > len(applicants):
        raise DrawImpossible(
            _("The hearing has %(seats)d seats but only %(n)d applicants: the draw cannot be made.")
            % {"seats": seats, "n": len(applicants)}
        )
    pools: dict[str, list[int]] = {}
    for pk, category in sorted(applicants):
        pools.setdefault(category, []).append(pk)
    for category, quota in sorted(quotas.items()):
        if quota > len(pools.get(category, [])):
            raise DrawImpossible(
                _(
                    "The quota of %(quota)d seat(s) for “%(category)s” cannot "
                    "be met: only %(n)d applicant(s) in that category."
                )
                % {
                    "quota": quota,
                    "category": (labels or {}).get(category, category),
                    "n": len(pools.get(category, [])),
                }
            )
    rng = random.Random(seed)
    selected: list[int] = []
    probabilities: dict[int, Fraction] = {pk: Fraction(0) for pk, _category in applicants}
    for category, quota in sorted(quotas.items()):
        pool = pools.get(category, [])
        selected += rng.sample(pool, quota)
        for pk in pool:
            probabilities[pk] = Fraction(quota, len(pool))
    return DrawResult(selected=selected, probabilities=probabilities)
