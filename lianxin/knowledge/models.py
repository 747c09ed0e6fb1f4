from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Unit


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Awaiting the unit's review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Article(models.Model):
    """One question and its answer as the responsible unit stands behind it. The fields are
    the current version; each published change is kept as an `ArticleVersion`."""

    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    policy_basis = models.CharField(
        _("policy basis"),
        max_length=300,
        blank=True,
        help_text=_("Document number and article, e.g. 国办发〔2020〕53号 第三条"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible unit")
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge-base articles")

    def __str__(self):
        return self.question
