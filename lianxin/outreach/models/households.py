"""The household registry (联户) and the pairing of cadres with households.

Only what the purpose needs is kept (PIPL): who, where, why listed, how to reach them, and
the consent to be listed. A pairing is never edited into another: reassignment ends the old
pairing and opens a new one, so who was responsible when stays on record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Difficulty", "Household", "Pairing", "Reason"]


class Reason(models.TextChoices):
    LOW_INCOME = "low_income", _("Low income")
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    DISABLED = "disabled", _("Disabled person")
    LEFT_BEHIND_CHILDREN = "left_behind_children", _("Left-behind children")
    LIVESTOCK_FARM = "livestock_farm", _("Livestock farm")
    OTHER = "other", _("Other")


class Difficulty(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    SEVERE = "severe", _("Severe difficulty")


class Household(models.Model):
    unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("village or community"),
    )
    head_name = models.CharField(_("head of household"), max_length=50)
    members = models.PositiveSmallIntegerField(_("members"), default=1)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Why the household is listed: codes of `Reason`, one or more (a farm run by an elderly
    # person living alone is both).
    reasons = models.JSONField(_("reasons listed"), default=list)
    difficulty = models.CharField(
        _("difficulty"), max_length=10, choices=Difficulty.choices, default=Difficulty.ORDINARY
    )
    species = models.CharField(_("livestock species"), max_length=50, blank=True)
    herd_size = models.PositiveIntegerField(_("herd size"), null=True, blank=True)
    consent_on = models.DateField(_("consent given on"))
    # Empty when a registry was imported from the command line (the audit log says "system").
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    deactivated_on = models.DateField(_("deactivated on"), null=True, blank=True)
    deactivation_reason = models.CharField(_("reason for deactivation"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["unit_id", "head_name", "pk"]
        constraints = [
            # The natural key (docs/outreach/README.md): a village lists a head of household with
            # a phone once, so an import run twice, or a form sent twice, lists nobody twice.
            models.UniqueConstraint(
                fields=["unit", "head_name", "phone"], name="outreach_household_natural_key"
            ),
        ]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.head_name} · {self.unit}"

    def reason_labels(self) -> list[str]:
        labels = dict(Reason.choices)
        return [str(labels.get(code, code)) for code in self.reasons]

    @property
    def is_farm(self) -> bool:
        return Reason.LIVESTOCK_FARM in self.reasons


class Pairing(models.Model):
    """A cadre responsible for a household from `starts_on` until `ends_on` (open: current)."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("household")
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="outreach_pairings",
        verbose_name=_("cadre"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["household_id", "-starts_on", "-pk"]
        constraints = [
            # One current cadre per household: reassignment closes the old pairing first.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(ends_on__isnull=True),
                name="outreach_one_current_pairing",
            ),
        ]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")

    def __str__(self) -> str:
        return f"{self.cadre} · {self.household}"

    @property
    def is_current(self) -> bool:
        return self.ends_on is None
