"""公示 / 公开征求意见: a notice in paragraphs, the comments on it, their grouping and answers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core import clock
from lianxin.core.models import Unit


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Open for comments")
    CLOSED = "closed", _("Closed")


class Notice(models.Model):
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("full text"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="notices", verbose_name=_("responsible unit")
    )
    is_major = models.BooleanField(_("major administrative decision"), default=True)
    opens_at = models.DateTimeField(_("comments open"))
    closes_at = models.DateTimeField(_("comments close"))
    # A major decision's comment period shorter than 30 days needs a reason that is shown (art. 15).
    short_period_reason = models.TextField(_("reason for a shorter period"), blank=True)
    channels = models.TextField(_("channels for comments"), blank=True)
    attachments = models.TextField(
        _("attachments"), blank=True, help_text=_("One link or file name per line.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    closing_summary = models.TextField(_("how the comments were taken into account"), blank=True)
    decision = models.ForeignKey(
        "participation.Decision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("decision"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-opens_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def period_days(self) -> int:
        return (self.closes_at - self.opens_at).days


class Paragraph(models.Model):
    """One article or paragraph of the notice's text, split when the notice is created."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="paragraphs", verbose_name=_("notice")
    )
    number = models.PositiveIntegerField(_("number"))
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        ordering = ["notice", "number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="paragraph_number_unique")
        ]

    def __str__(self):
        return f"{self.notice_id}-{self.number}"


class Outcome(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTLY = "partly", _("Partly adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


class Answer(models.Model):
    """The published answer to a comment or a group of comments (采纳情况说明, art. 32)."""

    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.TextField(_("reason"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), default=clock.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return self.get_outcome_display()


class CommentGroup(models.Model):
    """Comments on one topic, answered together."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="groups", verbose_name=_("notice")
    )
    topic = models.CharField(_("topic"), max_length=200)
    answer = models.OneToOneField(
        Answer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group",
        verbose_name=_("answer"),
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("comment group")
        verbose_name_plural = _("comment groups")
        ordering = ["pk"]

    def __str__(self):
        return self.topic


class Comment(models.Model):
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="comments", verbose_name=_("notice")
    )
    # None: on the whole text.
    paragraph = models.ForeignKey(
        Paragraph,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("paragraph"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    # What the public page shows: the masked real name, or "anonymous".
    author_label = models.CharField(_("shown as"), max_length=50)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    group = models.ForeignKey(
        CommentGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("group"),
    )
    answer = models.OneToOneField(
        Answer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comment",
        verbose_name=_("answer"),
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.notice_id}#{self.pk}"

    @property
    def public_answer(self) -> Answer | None:
        if self.answer_id:
            return self.answer
        group = self.group
        return group.answer if group is not None and group.answer_id else None


class NoticeAttachment(models.Model):
    """A file published with a notice for download (core.uploads checked its content). A
    removed attachment keeps its row, its name and hash, and the reason, shown publicly; only
    the stored file is deleted."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="files", verbose_name=_("notice")
    )
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(_("file type"), max_length=10)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The storage name (random), never shown: downloads go through the notice's page.
    stored_as = models.CharField(_("stored as"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_reason = models.TextField(_("reason for removal"), blank=True)

    class Meta:
        verbose_name = _("notice attachment")
        verbose_name_plural = _("notice attachments")
        ordering = ["notice", "pk"]

    def __str__(self):
        return self.name


class NoticeRevision(models.Model):
    """A correction of a published notice (更正), shown publicly with its date and reason:
    `changes` is a list of {"field", "old", "new"} (a paragraph: "field": "paragraph",
    "number": n), so the text people commented on stays readable."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("notice")
    )
    reason = models.TextField(_("reason for the correction"))
    changes = models.JSONField(_("changes"), default=list)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    changed_at = models.DateTimeField(_("corrected at"), default=clock.now)

    class Meta:
        verbose_name = _("notice correction")
        verbose_name_plural = _("notice corrections")
        ordering = ["notice", "pk"]

    def __str__(self):
        return f"{self.notice_id}/{self.pk}"
