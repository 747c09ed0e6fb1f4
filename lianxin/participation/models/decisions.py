"""决策: the statutory steps of a major administrative decision (重大行政决策程序暂行条例), and
what follows it: milestones, requests for correction (纠错), liability records (问责)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core import clock
from lianxin.core.models import Unit


class StepKind(models.TextChoices):
    PARTICIPATION = "participation", _("Public participation")
    ARGUMENTATION = "argumentation", _("Expert argumentation")
    RISK = "risk", _("Risk assessment")
    LEGALITY = "legality", _("Legality review")
    DISCUSSION = "discussion", _("Collective discussion")
    PUBLICATION = "publication", _("Publication")
    EVALUATION = "evaluation", _("Post-decision evaluation")


# The statutory order; a decision's status is the last step it completed.
STEP_ORDER: list[str] = [
    StepKind.PARTICIPATION,
    StepKind.ARGUMENTATION,
    StepKind.RISK,
    StepKind.LEGALITY,
    StepKind.DISCUSSION,
    StepKind.PUBLICATION,
    StepKind.EVALUATION,
]


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    PARTICIPATION = "participation", _("Public participation done")
    ARGUMENTATION = "argumentation", _("Expert argumentation done")
    RISK = "risk", _("Risk assessed")
    LEGALITY = "legality", _("Legality reviewed")
    DISCUSSION = "discussion", _("Collectively discussed")
    PUBLICATION = "publication", _("Published, being implemented")
    EVALUATION = "evaluation", _("Evaluated after implementation")


class Decision(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("responsible unit")
    )
    # The cadre who answers for the decision (lifelong accountability, art. 38).
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible cadre"),
    )
    status = models.CharField(
        _("status"), max_length=14, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


class Step(models.Model):
    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="steps", verbose_name=_("decision")
    )
    kind = models.CharField(_("step"), max_length=14, choices=StepKind.choices)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"))
    summary = models.TextField(_("summary"))
    evidence = models.TextField(_("evidence"), blank=True)
    # Collective discussion: the dissenting opinions, recorded as said (art. 30).
    dissent = models.TextField(_("dissenting opinions"), blank=True)
    # Publication: how public and expert opinions were adopted (art. 32).
    adoption = models.TextField(_("how opinions were adopted"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)

    class Meta:
        verbose_name = _("decision step")
        verbose_name_plural = _("decision steps")
        ordering = ["decision", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "kind"], name="decision_step_once")
        ]

    def __str__(self):
        return self.get_kind_display()


class ExpertOpinion(models.Model):
    step = models.ForeignKey(
        Step, on_delete=models.CASCADE, related_name="opinions", verbose_name=_("step")
    )
    expert = models.CharField(_("expert"), max_length=100)
    opinion = models.TextField(_("opinion"))

    class Meta:
        verbose_name = _("expert opinion")
        verbose_name_plural = _("expert opinions")
        ordering = ["step", "pk"]

    def __str__(self):
        return self.expert


class Milestone(models.Model):
    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("decision")
    )
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    evidence = models.TextField(_("evidence"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["decision", "due_on", "pk"]

    def __str__(self):
        return self.title

    @property
    def on_time(self) -> bool | None:
        """Completed by its due date; None while it is not completed."""
        return None if self.completed_on is None else self.completed_on <= self.due_on


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    ANSWERED = "answered", _("Answered")


class CorrectionRequest(models.Model):
    """A citizen's request to correct a decision being implemented (纠错, art. 35)."""

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("decision")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_label = models.CharField(_("shown as"), max_length=50)
    text = models.TextField(_("request"))
    created_at = models.DateTimeField(_("requested at"), default=clock.now)
    deadline = models.DateTimeField(_("answer due"))
    status = models.CharField(
        _("status"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.decision_id}#{self.pk}"


class LiabilityRecord(models.Model):
    """The cadre answerable for a decision found wrong (终身责任追究, art. 38)."""

    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="liabilities", verbose_name=_("decision")
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible cadre"),
    )
    finding = models.TextField(_("finding"))
    measure = models.TextField(_("measure taken"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)

    class Meta:
        verbose_name = _("liability record")
        verbose_name_plural = _("liability records")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.decision_id}: {self.cadre_id}"
