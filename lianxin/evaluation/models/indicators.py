"""党群关系指标体系: indicators grouped into versioned yearly schemes, and the frozen results
computed with a year's published scheme (see docs/evaluation/indicators.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..measures import MEASURES, Measure

__all__ = [
    "Direction",
    "Indicator",
    "IndicatorResult",
    "IndicatorScheme",
    "ResultSnapshot",
    "SchemeStatus",
    "UnitResult",
]


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published (frozen)")
    RETIRED = "retired", _("Replaced by a later version")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class IndicatorScheme(models.Model):
    """One version of a year's scheme. A published version is frozen: its indicators never
    change again; editing it means a new draft version of the same year."""

    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("based on"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="eval_scheme_year_version"),
            # The version results of a year are computed with: at most one per year.
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(status="published"),
                name="eval_scheme_one_published_per_year",
            ),
        ]
        verbose_name = _("indicator scheme")
        verbose_name_plural = _("indicator schemes")

    def __str__(self) -> str:
        return f"{self.year} v{self.version} {self.name}"

    @property
    def is_frozen(self) -> bool:
        return self.status != SchemeStatus.DRAFT


class Indicator(models.Model):
    """An indicator of one scheme version: which source measure, which way is better, the
    target in the measure's own unit and the weight in percent (a scheme's weights sum to 100)."""

    scheme = models.ForeignKey(
        IndicatorScheme,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("scheme"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source measure"), max_length=40)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["scheme", "position", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    @property
    def measure(self) -> Measure | None:
        return MEASURES.get(self.source)


class ResultSnapshot(models.Model):
    """The results of one year computed with that year's published scheme version. Never
    updated: a recomputation makes a new snapshot, the latest is the one shown."""

    year = models.PositiveSmallIntegerField(_("year"))
    scheme = models.ForeignKey(
        IndicatorScheme,
        on_delete=models.PROTECT,
        related_name="snapshots",
        verbose_name=_("scheme version"),
    )
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed by"),
    )
    # The measures' values were read over these months (first days of months).
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta:
        ordering = ["-year", "-computed_at", "-id"]
        verbose_name = _("result snapshot")
        verbose_name_plural = _("result snapshots")

    def __str__(self) -> str:
        return f"{self.year} · {self.scheme} · {self.computed_at:%Y-%m-%d %H:%M}"


class UnitResult(models.Model):
    """A unit's composite score in a snapshot: the sum of its indicators' contributions."""

    snapshot = models.ForeignKey(ResultSnapshot, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    composite = models.DecimalField(
        _("composite score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)

    class Meta:
        ordering = ["snapshot", "rank", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "unit"], name="eval_unitresult_unique"),
        ]
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.composite}"


class IndicatorResult(models.Model):
    """One indicator of one unit in a snapshot. The indicator's definition is copied so that
    the line reads the same whatever happens later."""

    unit_result = models.ForeignKey(UnitResult, on_delete=models.CASCADE, related_name="lines")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=40)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    target = models.DecimalField(max_digits=12, decimal_places=2)
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    # None: the unit had nothing to measure (no denominator); its weight went to the others.
    value = models.FloatField(_("value"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    effective_weight = models.DecimalField(max_digits=7, decimal_places=4, default=0)
    contribution = models.DecimalField(_("contribution"), max_digits=7, decimal_places=2, default=0)

    class Meta:
        ordering = ["unit_result", "position", "id"]
        verbose_name = _("indicator result")
        verbose_name_plural = _("indicator results")

    def __str__(self) -> str:
        return f"{self.name}: {self.contribution}"
