"""重复诉求: each appeal's fingerprint keys, and the duplicates suggested to dispatchers."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Appeal


class DuplicateKeyQuerySet(models.QuerySet):
    def matching(
        self,
        keys: list[int],
        *,
        start: datetime,
        end: datetime,
        exclude: int | None,
        limit: int = 200,
    ) -> list[int]:
        """Appeals created in [start, end] sharing any of `keys`, most keys shared first: one
        range scan of the primary key per key, never a scan of the window."""
        qs = self.filter(band_key__in=keys, created_at__gte=start, created_at__lte=end)
        if exclude is not None:
            qs = qs.exclude(appeal_id=exclude)
        rows = (
            qs.values("appeal_id")
            .annotate(n=models.Count("band_key"))
            .order_by("-n", "-appeal_id")[:limit]
        )
        return [r["appeal_id"] for r in rows]


class DuplicateKey(models.Model):
    """One fingerprint key of an appeal: a MinHash band of its text or a named place. The
    primary key (band_key, created_at, appeal) is the lookup index itself."""

    pk = models.CompositePrimaryKey("band_key", "created_at", "appeal")
    band_key = models.BigIntegerField()
    created_at = models.DateTimeField()
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")

    objects = DuplicateKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("duplicate fingerprint key")
        verbose_name_plural = _("duplicate fingerprint keys")

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.band_key}"


class DuplicateCandidate(models.Model):
    """A suggestion that `appeal` repeats the `earlier` one, until a dispatcher merges it or
    says it is not a duplicate."""

    appeal = models.ForeignKey(
        Appeal,
        on_delete=models.CASCADE,
        related_name="duplicate_candidates",
        verbose_name=_("appeal"),
    )
    earlier = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="+", verbose_name=_("earlier appeal")
    )
    score = models.FloatField(_("similarity"))
    created_at = models.DateTimeField(_("suggested at"), default=timezone.now)
    dismissed = models.BooleanField(_("not a duplicate"), default=False)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "earlier"], name="duplicate_pair_unique"),
        ]
        indexes = [models.Index(fields=["dismissed", "appeal"], name="duplicate_open_idx")]
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")

    def __str__(self) -> str:
        return f"{self.appeal_id} ~ {self.earlier_id} ({self.score:.2f})"


__all__ = ["DuplicateCandidate", "DuplicateKey", "DuplicateKeyQuerySet"]
