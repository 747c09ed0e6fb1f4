"""民主评议 (democratic appraisal): campaigns, one-time voting codes, and anonymous results.

What a vote leaves behind is deliberately thin: a used flag on a code's keyed hash, +1 on
counters, and comments that carry no time, no order and no link to a code. Why, and what an
administrator can still learn, is in docs/evaluation/appraisal.md."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "AppraisalCampaign",
    "AppraisalComment",
    "AppraisalInvitation",
    "AppraisalQuestion",
    "AppraisalTally",
    "AppraisalTarget",
]

RATING_VALUES = (1, 2, 3, 4, 5)


class AppraisalCampaign(models.Model):
    class Kind(models.TextChoices):
        UNITS = "units", _("Units")
        CADRES = "cadres", _("Cadres")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for voting")
        CLOSED = "closed", _("Voting closed")
        PUBLISHED = "published", _("Published")

    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(
        _("who is appraised"), max_length=10, choices=Kind.choices, default=Kind.UNITS
    )
    opens_at = models.DateTimeField(_("voting opens at"))
    closes_at = models.DateTimeField(_("voting closes at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    intro = models.TextField(_("introduction shown to voters"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year", "-opens_at", "-id"]
        verbose_name = _("appraisal campaign")
        verbose_name_plural = _("appraisal campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="appraisal_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("Voting must close after it opens.")})

    def accepts_votes_at(self, moment) -> bool:
        return self.status == self.Status.OPEN and self.opens_at <= moment < self.closes_at


class AppraisalTarget(models.Model):
    """A unit or a cadre being appraised in a campaign."""

    campaign = models.ForeignKey(
        AppraisalCampaign,
        on_delete=models.CASCADE,
        related_name="targets",
        verbose_name=_("campaign"),
    )
    unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cadre"),
    )
    display_name = models.CharField(_("name shown to voters"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["campaign", "order", "id"]
        verbose_name = _("appraised unit or cadre")
        verbose_name_plural = _("appraised units and cadres")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, cadre__isnull=True)
                    | Q(unit__isnull=True, cadre__isnull=False)
                ),
                name="appraisal_target_unit_xor_cadre",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.display_name:
            return self.display_name
        if self.unit_id and self.unit is not None:
            return self.unit.name
        if self.cadre_id and self.cadre is not None:
            return self.cadre.get_full_name() or self.cadre.get_username()
        return ""

    def clean(self):
        if bool(self.unit_id) == bool(self.cadre_id):
            raise ValidationError(_("Choose either a unit or a cadre."))
        campaign = getattr(self, "campaign", None)
        if campaign is not None:
            if campaign.kind == AppraisalCampaign.Kind.UNITS and not self.unit_id:
                raise ValidationError({"unit": _("This campaign appraises units.")})
            if campaign.kind == AppraisalCampaign.Kind.CADRES and not self.cadre_id:
                raise ValidationError({"cadre": _("This campaign appraises cadres.")})


class AppraisalQuestion(models.Model):
    """One item of the questionnaire, asked about every target."""

    class Kind(models.TextChoices):
        RATING = "rating", _("Rating 1–5")
        TEXT = "text", _("Free text")

    campaign = models.ForeignKey(
        AppraisalCampaign,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("campaign"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RATING)
    text = models.CharField(_("question"), max_length=300)

    class Meta:
        ordering = ["campaign", "order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class AppraisalInvitation(models.Model):
    """A one-time voting code, kept only as a keyed hash. No contact details, no times: who
    received which code is not stored here. The random id and the hash-sorted insertion keep
    the row order from following the order the codes were handed out."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        AppraisalCampaign, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("voting code")
        verbose_name_plural = _("voting codes")

    def __str__(self) -> str:
        return self.token_hash[:8]


class AppraisalTally(models.Model):
    """How many voters gave each star value to one target on one rating question. Every vote
    rewrites every tally row of its campaign, so no row tells which vote touched it last."""

    campaign = models.ForeignKey(
        AppraisalCampaign, on_delete=models.CASCADE, related_name="tallies"
    )
    target = models.ForeignKey(AppraisalTarget, on_delete=models.CASCADE, related_name="tallies")
    question = models.ForeignKey(
        AppraisalQuestion, on_delete=models.CASCADE, related_name="tallies"
    )
    c1 = models.PositiveIntegerField(default=0)
    c2 = models.PositiveIntegerField(default=0)
    c3 = models.PositiveIntegerField(default=0)
    c4 = models.PositiveIntegerField(default=0)
    c5 = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("appraisal tally")
        verbose_name_plural = _("appraisal tallies")
        constraints = [
            models.UniqueConstraint(fields=["target", "question"], name="appraisal_tally_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}/{self.question_id}"

    @property
    def histogram(self) -> dict[int, int]:
        return {v: getattr(self, f"c{v}") for v in RATING_VALUES}


class AppraisalComment(models.Model):
    """A free-text answer about one target. No ballot, code, voter or time; the random id
    decides the row order (all comments of a campaign are rewritten in id order on each vote)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        AppraisalCampaign, on_delete=models.CASCADE, related_name="comments"
    )
    target = models.ForeignKey(AppraisalTarget, on_delete=models.CASCADE, related_name="comments")
    question = models.ForeignKey(
        AppraisalQuestion, on_delete=models.CASCADE, related_name="comments"
    )
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["id"]
        verbose_name = _("appraisal comment")
        verbose_name_plural = _("appraisal comments")

    def __str__(self) -> str:
        return self.text[:40]
