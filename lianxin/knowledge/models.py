"""Articles (the live text the unit stands behind), their versions (every draft, review and
publication, kept as history) and how often an article answered a citizen on the portal."""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Unit


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Awaiting the unit's review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ArticleQuerySet(models.QuerySet["Article"]):
    def valid_on(self, day) -> "ArticleQuerySet":
        """Published and in force on `day`: what search and the public may see."""
        return self.filter(status=ArticleStatus.PUBLISHED, valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def expiring(self, day, days: int) -> "ArticleQuerySet":
        """Published articles whose validity ends within `days` of `day` (or has ended)."""
        return self.filter(
            status=ArticleStatus.PUBLISHED,
            valid_to__isnull=False,
            valid_to__lte=day + timedelta(days=days),
        )


class Article(models.Model):
    """One question and its answer as the responsible unit stands behind it. The text fields
    are the published text (a draft's own text until its first publication); an edit waits in
    an `ArticleVersion` until the unit's reviewer publishes it."""

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
    # The edit counter of optimistic concurrency (core.transitions); the published version's
    # number is `published_number`.
    version = models.PositiveIntegerField(_("version"), default=1)
    published_number = models.PositiveIntegerField(_("published version"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The appeal whose reply this article was proposed from (a tracking number, not a key:
    # the article outlives the appeal's retention).
    source_appeal = models.CharField(_("proposed from appeal"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # PostgreSQL's index of the published text (tokens.py; filled by services/index.py), with
    # its GIN index made in migration 0002 (SQLite has no GIN). SQLite keeps the index in the
    # FTS5 table knowledge_article_fts instead and leaves this empty.
    search_vector = SearchVectorField(_("search index"), null=True, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    # Set on the articles search returns (selectors.search_articles), not stored.
    score: float
    matched: list[str]
    snippet: str

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge-base articles")
        indexes = [
            models.Index(fields=["unit", "status"], name="knowledge_article_unit"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["unit", "question"], name="knowledge_question_unique")
        ]

    def __str__(self) -> str:
        return self.question


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Awaiting review")
    PUBLISHED = "published", _("Published (current)")
    SUPERSEDED = "superseded", _("Superseded")


class ArticleVersion(models.Model):
    """One version of an article's text: written (who, when, why), reviewed and published
    (by whom, when). At most one version per article is pending (draft or in review)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="versions", verbose_name=_("article")
    )
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    policy_basis = models.CharField(_("policy basis"), max_length=300, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_label = models.CharField(_("author"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique"),
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(status__in=["draft", "in_review"]),
                name="knowledge_one_pending_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleUse(models.Model):
    """How often, per day, the article was offered to a citizen on the portal before filing
    and what came of it: it answered the question (no appeal filed) or the citizen went on."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="uses", verbose_name=_("article")
    )
    day = models.DateField(_("day"))
    answered = models.PositiveIntegerField(_("answered the question"), default=0)
    continued = models.PositiveIntegerField(_("filed anyway"), default=0)

    class Meta:
        verbose_name = _("article use")
        verbose_name_plural = _("article uses")
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="knowledge_use_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.day}"
