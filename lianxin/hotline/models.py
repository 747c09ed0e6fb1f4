"""来电: each call an operator takes at the 12345 centre, how long it took and how it ended."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Appeal, Category
from lianxin.knowledge.models import Article


class Outcome(models.TextChoices):
    OPEN = "open", _("On the line")
    # 直接答复: a consultation answered on the call; no appeal, counted on its own.
    ANSWERED = "answered", _("Answered directly")
    CREATED = "created", _("Appeal created")
    ADDED = "added", _("Added to an existing appeal")


CLOSED_OUTCOMES = [Outcome.ANSWERED, Outcome.CREATED, Outcome.ADDED]


class Source(models.TextChoices):
    CONSOLE = "console", _("Typed on the console")
    TELEPHONY = "telephony", _("From the telephone system")


class CallQuerySet(models.QuerySet["Call"]):
    def closed(self) -> "CallQuerySet":
        return self.filter(outcome__in=CLOSED_OUTCOMES)


class Call(models.Model):
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("operator"),
    )
    phone = models.CharField(_("caller's number"), max_length=20)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.CONSOLE
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    answers = models.JSONField(_("answers to the category's questions"), default=dict, blank=True)
    article = models.ForeignKey(
        Article,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("knowledge-base article used"),
    )
    appeal = models.ForeignKey(
        Appeal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appeal"),
    )
    recording_ref = models.CharField(
        _("recording reference"),
        max_length=100,
        blank=True,
        help_text=_("The call's recording in the telephone system."),
    )
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            # An operator's shift figures and open call.
            models.Index(fields=["operator", "started_at"], name="call_operator_time_idx"),
            # The centre's figures over a period.
            models.Index(fields=["started_at"], name="call_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} · {self.get_outcome_display()}"

    @property
    def seconds(self) -> int | None:
        """Handling time, from taking the call to recording its outcome."""
        if self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.started_at).total_seconds()))
