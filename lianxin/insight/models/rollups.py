"""Roll-ups for the leaders' dashboard: per day of receipt, unit and category, how many appeals
came in and what became of them. Rebuilt a day at a time from the appeals (never counted up
event by event), so a refresh that runs twice or late cannot make them drift."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Category
from lianxin.core.models import Unit

__all__ = ["DailyAppealStat", "MonthlyAppealStat", "RollupState"]

# The counters, in the order the dashboard shows them. Every one is a count of appeals
# received in the row's period (a cohort), as they stand at the last refresh.
COUNTERS = [
    "received",
    "dispatched",
    "responded_in_time",  # accepted before the contact deadline
    "replied",
    "replied_in_time",  # replied before the handling deadline
    "open",
    "closed",
    "rated",  # has a follow-up (回访); the last one counts
    "resolved",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
]


class AppealFigures(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, related_name="+")
    received = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    responded_in_time = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    replied_in_time = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically_satisfied = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyAppealStat(AppealFigures):
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily appeal figures")
        verbose_name_plural = _("daily appeal figures")
        indexes = [models.Index(fields=["day", "unit"], name="insight_stat_day_unit_idx")]

    def __str__(self) -> str:
        return f"{self.day} unit={self.unit_id} category={self.category_id}"


class MonthlyAppealStat(AppealFigures):
    """The daily rows summed by calendar month, so that a year on the dashboard reads a few
    thousand rows instead of tens of thousands. Rebuilt from a month's daily rows whenever one
    of its days is."""

    month = models.DateField(_("month"))  # its first day

    class Meta:
        verbose_name = _("monthly appeal figures")
        verbose_name_plural = _("monthly appeal figures")
        indexes = [models.Index(fields=["month"], name="insight_stat_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} unit={self.unit_id} category={self.category_id}"


class RollupState(models.Model):
    """Where the last refresh stopped: appeals changed since `watermark` or created after
    `last_appeal_id` (imports and replays write historical timestamps) are rolled up next."""

    name = models.CharField(max_length=50, unique=True)
    watermark = models.DateTimeField(null=True)
    last_appeal_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name
