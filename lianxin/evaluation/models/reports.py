"""述职述廉 and 质询: cadres' yearly duty-and-integrity reports with the citizens' ratings and
(moderated) comments, and inquiries to units or cadres that must be answered publicly in time."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CommentStatus",
    "DutyReport",
    "Inquiry",
    "InquiryStatus",
    "ReportRating",
    "ReportStatus",
]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class DutyReport(models.Model):
    """A cadre's yearly 述职述廉 report, for the unit in which the cadre holds the role."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_reports",
        verbose_name=_("cadre"),
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="duty_reports", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "unit", "year"], name="eval_dutyreport_one_per_year"
            ),
        ]
        indexes = [models.Index(fields=["status", "year"], name="eval_dutyreport_year_idx")]
        verbose_name = _("duty-and-integrity report")
        verbose_name_plural = _("duty-and-integrity reports")

    def __str__(self) -> str:
        return self.title


class CommentStatus(models.TextChoices):
    NONE = "none", _("No comment")
    PENDING = "pending", _("Awaiting moderation")
    APPROVED = "approved", _("Published")
    REJECTED = "rejected", _("Not published")


class ReportRating(models.Model):
    """A citizen's rating (1–5) of a report and an optional comment shown once approved.
    One per citizen account; anonymous ratings carry a keyed hash of the address instead."""

    report = models.ForeignKey(
        DutyReport, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("duty report")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rated by"),
    )
    # HMAC(secret, report + client address): one anonymous rating per address and report,
    # without storing the address.
    anon_key = models.CharField(_("anonymous rater key"), max_length=64, blank=True, default="")
    stars = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    comment_status = models.CharField(
        _("comment status"),
        max_length=10,
        choices=CommentStatus.choices,
        default=CommentStatus.NONE,
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                condition=Q(user__isnull=False),
                name="eval_rating_one_per_citizen",
            ),
            models.UniqueConstraint(
                fields=["report", "anon_key"],
                condition=~Q(anon_key=""),
                name="eval_rating_one_per_address",
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="eval_rating_stars_1_5"
            ),
        ]
        indexes = [models.Index(fields=["comment_status", "id"], name="eval_rating_moderation_idx")]
        verbose_name = _("report rating")
        verbose_name_plural = _("report ratings")

    def __str__(self) -> str:
        return f"{self.report_id}: {self.stars}"


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("Awaiting answer")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Inquiry(models.Model):
    """A 质询 addressed to a unit (optionally to one of its cadres), answered publicly by the
    unit's leader by `deadline` (working days after submission)."""

    class AskerKind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        DEPUTY = "deputy", _("Deputy")

    # A citizen asks with an account, or without one by name and mobile number (like an
    # appeal): then `asker` is empty, and the number, never shown, gets the answer by SMS.
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("asked by"),
    )
    asker_name = models.CharField(_("name of the asker"), max_length=50, blank=True)
    asker_phone = models.CharField(_("mobile number of the asker"), max_length=20, blank=True)
    asker_kind = models.CharField(
        _("asked as"), max_length=10, choices=AskerKind.choices, default=AskerKind.CITIZEN
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("unit")
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries_addressed",
        verbose_name=_("cadre"),
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("question"))
    status = models.CharField(
        _("status"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    created_at = models.DateTimeField(_("submitted at"))
    deadline = models.DateTimeField(_("answer due"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "deadline"], name="eval_inquiry_unit_due_idx"),
            models.Index(fields=["status", "deadline"], name="eval_inquiry_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(asker__isnull=False) | ~Q(asker_phone=""),
                name="eval_inquiry_asker_or_phone",
            ),
        ]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")

    def __str__(self) -> str:
        return self.title

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return self.answered_at <= self.deadline
