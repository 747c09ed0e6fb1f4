"""Duplicate appeals (重复诉求): fingerprints, the suggested earlier appeals, and a dispatcher's
"not a duplicate". The fingerprint rules are in insight/duplicates.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal
from lianxin.core import clock
from lianxin.core.audit import audit_record
from lianxin.core.transitions import lock, require_permission

from .. import duplicates
from ..errors import Code
from ..models import DuplicateCandidate, DuplicateKey

# 重复诉求: fingerprints are derived data (rebuilt by `manage.py duplicates_index`) and the
# suggestions change no appeal, so neither is audited; a dispatcher's "not a duplicate" is.

DUPLICATES_PER_APPEAL = 5
# Verified in Python, most shared keys first: bounds the lookup's time when a place is busy
# (real messages have 1.3 candidates on average; five suggestions are kept at most).
DUPLICATE_CANDIDATE_LIMIT = 10


def duplicate_window() -> timedelta:
    return timedelta(days=settings.DUPLICATE_WINDOW_DAYS)


def _appeal_fingerprint(title: str, content: str) -> duplicates.Fingerprint:
    return duplicates.fingerprint(title, content)


def duplicate_keys_store(*, appeals: list[tuple[int, datetime, duplicates.Fingerprint]]) -> int:
    """Replace the fingerprint keys of these (appeal id, created_at, fingerprint): safe to
    repeat. Returns the number of keys written."""
    rows = [
        DuplicateKey(appeal_id=pk, created_at=created_at, band_key=key)
        for pk, created_at, fp in appeals
        for key in fp.keys
    ]
    # A transaction of its own when called alone; inside the caller's, no savepoint: a
    # failure rolls the caller's back anyway, and the sweeper pays a round trip per savepoint.
    with transaction.atomic(savepoint=False):
        DuplicateKey.objects.filter(appeal_id__in=[pk for pk, _c, _f in appeals]).delete()
        DuplicateKey.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def duplicate_lookup(
    *,
    fingerprint: duplicates.Fingerprint,
    created_at: datetime,
    exclude: int | None = None,
    window: timedelta | None = None,
) -> list[tuple[int, datetime, float]]:
    """Appeals within the window either side of `created_at` that verify as duplicates of the
    fingerprinted text: (appeal id, created_at, score), best first. One indexed query for the
    candidates, one for their texts, exact verification in memory."""
    window = window or duplicate_window()
    ids = DuplicateKey.objects.matching(
        fingerprint.keys,
        start=created_at - window,
        end=created_at + window,
        exclude=exclude,
        limit=DUPLICATE_CANDIDATE_LIMIT,
    )
    found = []
    # Only the start of the content is fingerprinted: the rest need not leave the database.
    head = Substr("content", 1, duplicates.CONTENT_CHARS)
    for pk, title, content, when in Appeal.objects.filter(pk__in=ids).values_list(
        "pk", "title", head, "created_at"
    ):
        score = duplicates.verify(
            fingerprint, duplicates.fingerprint(title, content, with_bands=False)
        )
        if score > 0:
            found.append((pk, when, score))
    found.sort(key=lambda f: (-f[2], -f[0]))
    return found


def duplicates_find(*, appeal: Appeal | int, store: bool = True) -> list[DuplicateCandidate]:
    """duplicates_record, then every pair the appeal is in, with both appeals."""
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    duplicates_record(appeal=pk, store=store)
    return list(
        DuplicateCandidate.objects.filter(Q(appeal=pk) | Q(earlier=pk)).select_related(
            "appeal", "earlier"
        )
    )


# What duplicates_of reads of an appeal.
FINGERPRINT_FIELDS = ("title", "content", "created_at")


@dataclass
class Fingerprinted:
    """An appeal's fingerprint and the pairs it forms with earlier or later appeals: read and
    computed, nothing written yet (duplicates_store writes it)."""

    appeal_id: int
    created_at: datetime
    fingerprint: duplicates.Fingerprint
    pairs: list[DuplicateCandidate]


def duplicates_of(appeal: Appeal) -> Fingerprinted:
    """Fingerprint an appeal (read with at least FINGERPRINT_FIELDS) and find the appeals it
    duplicates, or that duplicate it when history arrives out of order: each pair once, the
    later appeal pointing at the earlier. Reads only."""
    fp = _appeal_fingerprint(appeal.title, appeal.content)
    matches = duplicate_lookup(fingerprint=fp, created_at=appeal.created_at, exclude=appeal.pk)
    pairs = []
    for pk, when, score in matches[:DUPLICATES_PER_APPEAL]:
        later_first = (appeal.created_at, appeal.pk) > (when, pk)
        later, earlier = (appeal.pk, pk) if later_first else (pk, appeal.pk)
        pairs.append(DuplicateCandidate(appeal_id=later, earlier_id=earlier, score=score))
    return Fingerprinted(appeal.pk, appeal.created_at, fp, pairs)


def duplicates_store(found: Fingerprinted, *, keys: bool = True) -> int:
    """Write what duplicates_of found: the appeal's fingerprint keys (unless `keys` is false)
    and its pairs. A pair a dispatcher dismissed stays dismissed. Returns how many pairs."""
    with transaction.atomic(savepoint=False):  # as duplicate_keys_store
        if keys:
            duplicate_keys_store(appeals=[(found.appeal_id, found.created_at, found.fingerprint)])
        DuplicateCandidate.objects.bulk_create(found.pairs, ignore_conflicts=True)
    return len(found.pairs)


def duplicates_record(*, appeal: Appeal | int, store: bool = True) -> int:
    """duplicates_of and duplicates_store for one appeal (`store`: its keys too). Returns how
    many pairs were found."""
    appeal_id = appeal.pk if isinstance(appeal, Appeal) else appeal
    found = duplicates_of(Appeal.objects.only(*FINGERPRINT_FIELDS).get(pk=appeal_id))
    return duplicates_store(found, keys=store)


def duplicate_dismiss(*, candidate: DuplicateCandidate | int, actor: Any) -> DuplicateCandidate:
    """ "Not a duplicate": the suggestion is hidden for good. Dispatchers, supervisors and
    administrators over the appeal's unit may say so (insight.dismiss_duplicate); saying it
    twice changes nothing."""
    with transaction.atomic():
        found = lock(
            DuplicateCandidate,
            candidate,
            related=("appeal__unit", "earlier"),
            missing=_("No such duplicate suggestion."),
            missing_code=Code.UNKNOWN_DUPLICATE,
        )
        require_permission(actor, "insight.dismiss_duplicate", found)
        if found.dismissed:
            return found
        found.dismissed = True
        found.dismissed_at = clock.now()
        found.dismissed_by = actor if getattr(actor, "is_authenticated", False) else None
        # Saved and audited here rather than by transitions.commit: the pair has no state field,
        # and its audit event has always read suggested → dismissed.
        found.save(update_fields=["dismissed", "dismissed_at", "dismissed_by"])
        audit_record(
            actor=actor,
            action="duplicate_dismiss",
            obj=found,
            from_state="suggested",
            to_state="dismissed",
            data={
                "appeal": found.appeal.tracking_number,
                "earlier": found.earlier.tracking_number,
                "score": found.score,
            },
        )
    return found
