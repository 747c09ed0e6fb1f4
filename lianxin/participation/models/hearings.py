"""听证: the announcement, applicants with their stake, quotas per stake, the draw, minutes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core import clock
from lianxin.core.models import Unit


class Stake(models.TextChoices):
    RESIDENT = "resident", _("Resident near the site")
    BUSINESS = "business", _("Business")
    FARMER = "farmer", _("Farmer")
    EXPERT = "expert", _("Expert")
    DEPUTY = "deputy", _("People's deputy")
    OTHER = "other", _("Other member of the public")


class HearingStatus(models.TextChoices):
    ANNOUNCED = "announced", _("Announced, taking applications")
    DRAWN = "drawn", _("Participants drawn")
    HELD = "held", _("Held")


class Hearing(models.Model):
    title = models.CharField(_("title"), max_length=200)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="hearings", verbose_name=_("organising unit")
    )
    notice = models.ForeignKey(
        "participation.Notice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hearings",
        verbose_name=_("notice"),
    )
    decision = models.ForeignKey(
        "participation.Decision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hearings",
        verbose_name=_("decision"),
    )
    place = models.CharField(_("place"), max_length=200)
    held_at = models.DateTimeField(_("hearing date"))
    materials_at = models.DateTimeField(_("materials published"))
    materials = models.TextField(_("materials"), blank=True)
    selection_method = models.TextField(_("participant selection method"))
    seats = models.PositiveIntegerField(_("seats"))
    status = models.CharField(
        _("status"), max_length=10, choices=HearingStatus.choices, default=HearingStatus.ANNOUNCED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["-held_at", "-pk"]

    def __str__(self):
        return self.title


class Quota(models.Model):
    hearing = models.ForeignKey(
        Hearing, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("hearing")
    )
    stake = models.CharField(_("stake"), max_length=10, choices=Stake.choices)
    seats = models.PositiveIntegerField(_("seats"))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["hearing", "stake"]
        constraints = [
            models.UniqueConstraint(fields=["hearing", "stake"], name="quota_stake_unique")
        ]

    def __str__(self):
        return f"{self.get_stake_display()}: {self.seats}"


class Applicant(models.Model):
    hearing = models.ForeignKey(
        Hearing, on_delete=models.CASCADE, related_name="applicants", verbose_name=_("hearing")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=50)
    # Public: the masked name, never the full one.
    public_label = models.CharField(_("public label"), max_length=60)
    stake = models.CharField(_("stake"), max_length=10, choices=Stake.choices)
    statement = models.TextField(_("what the applicant wants to say"), blank=True)
    created_at = models.DateTimeField(_("applied at"), default=clock.now)
    selected = models.BooleanField(_("selected"), default=False)
    # Selection probability of the published draw (quota of the stake / applicants of it).
    probability = models.FloatField(_("selection probability"), null=True, blank=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["hearing", "pk"]

    def __str__(self):
        return self.public_label


class Draw(models.Model):
    hearing = models.OneToOneField(
        Hearing, on_delete=models.CASCADE, related_name="draw", verbose_name=_("hearing")
    )
    seed = models.CharField(_("seed"), max_length=100)
    method = models.CharField(_("method"), max_length=100)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn at"), default=clock.now)
    # The selected applicants' ids in order, and each applicant's probability: what anyone
    # re-running `hearing_draw` with the seed must get.
    result = models.JSONField(_("result"), default=dict)

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")

    def __str__(self):
        return f"{self.hearing_id}: {self.seed}"


class Stance(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    CONDITIONS = "conditions", _("For, with conditions")


class Position(models.Model):
    """A position heard at the hearing; the decision's publication answers it."""

    hearing = models.ForeignKey(
        Hearing, on_delete=models.CASCADE, related_name="positions", verbose_name=_("hearing")
    )
    speaker = models.CharField(_("speaker"), max_length=60)
    stance = models.CharField(_("stance"), max_length=12, choices=Stance.choices)
    summary = models.TextField(_("summary"))
    response = models.TextField(_("response in the decision"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=clock.now)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["hearing", "pk"]

    def __str__(self):
        return f"{self.speaker}: {self.get_stance_display()}"
