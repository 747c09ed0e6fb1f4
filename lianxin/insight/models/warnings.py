"""预警: the area derived for each appeal once, and the alarms the warning rules raise."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Appeal, Category
from lianxin.core.access import subtree_q, units_where
from lianxin.core.models import Role, Unit

__all__ = ["AppealArea", "Alarm", "AlarmMember", "AlarmQuerySet", "AlarmReport", "FieldReport"]


class AppealArea(models.Model):
    """The place (street/town/community/village unit) an appeal is about, derived once at intake
    from its address and text (lianxin.insight.warning.derive_area) so scans never parse text."""

    class Source(models.TextChoices):
        ADDRESS = "address", _("Address")
        CONTENT = "content", _("Title or content")
        UNIT = "unit", _("Handling unit")
        NONE = "none", _("Not found")

    appeal = models.OneToOneField(
        Appeal, on_delete=models.CASCADE, primary_key=True, related_name="warning_area"
    )
    area = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    # Set when an appeal without a category reads like a sick/dead-animal report.
    animal_keywords = models.BooleanField(default=False)
    derived_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("appeal area")
        verbose_name_plural = _("appeal areas")

    def __str__(self) -> str:
        return f"{self.appeal_id} → {self.area_id}"


class AlarmQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Alarm.ACTIVE)

    def visible_to(self, user):
        """Dispatchers, supervisors and administrators see alarms of areas or responsible units
        in their subtree; a unit leader sees those of the units he leads (畜牧兽医局's leader
        its animal alarms, a town's leader its villages'); a handler those his unit is
        responsible for (the ones he is alerted to). Nobody else sees any."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        units = units_where(user, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.LEADER)
        handling = units_where(user, Role.HANDLER)
        if not units and not handling:
            return self.none()
        return self.filter(subtree_q(units, "area") | subtree_q(units + handling, "unit"))


class Alarm(models.Model):
    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Cluster of animal reports")
        RISE = "rise", _("Significant rise")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    ACTIVE = (Status.OPEN, Status.ACKNOWLEDGED)

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    area = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    # Who must act: the category's default unit (畜牧兽医局 for animal reports).
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible unit"),
    )
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    count = models.PositiveIntegerField(_("reports"))
    baseline_count = models.PositiveIntegerField(_("reports in the baseline"), default=0)
    expected = models.FloatField(_("expected"), default=0)
    p_value = models.FloatField(_("p-value"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    appeals = models.ManyToManyField(
        Appeal, through="AlarmMember", related_name="+", verbose_name=_("appeals")
    )
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AlarmQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        constraints = [
            # Repeated scans update the active alarm of a key instead of raising another.
            models.UniqueConstraint(
                fields=["kind", "category", "area"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="insight_one_active_alarm",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="insight_alarm_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category_id}@{self.area_id}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def ratio(self) -> float | None:
        return self.count / self.expected if self.expected else None


class AlarmMember(models.Model):
    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="members")
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["appeal_id"]
        verbose_name = _("early warning member")
        verbose_name_plural = _("early warning members")
        constraints = [
            models.UniqueConstraint(fields=["alarm", "appeal"], name="insight_alarm_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.alarm_id}:{self.appeal_id}"


class FieldReport(models.Model):
    """Sick or dead animals seen by staff in the field rather than reported by a citizen: a
    cadre's farm visit (走访) files one through `field_report_file`. The warning rules count it
    like an appeal of its category, in its area, at its time. Insight keeps only what the rules
    and the alarm page need, and a label every reader of the alarm may see: never the
    household's name, phone or address (those stay with the filing app and its rules)."""

    # The filing app's key for what was seen (a visit's "outreach-visit:<id>"): filed once.
    source_ref = models.CharField(_("source reference"), max_length=60, unique=True)
    source_label = models.CharField(_("source"), max_length=120)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    area = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    reported_at = models.DateTimeField(_("seen at"))
    sick_count = models.PositiveIntegerField(_("animals sick"), default=0)
    dead_count = models.PositiveIntegerField(_("animals dead"), default=0)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        ordering = ["reported_at", "pk"]
        indexes = [
            models.Index(fields=["category", "area", "reported_at"], name="insight_fieldreport_idx")
        ]
        verbose_name = _("field report")
        verbose_name_plural = _("field reports")

    def __str__(self) -> str:
        return f"{self.source_label} {self.reported_at:%Y-%m-%d}"


class AlarmReport(models.Model):
    """A field report counted in an alarm, beside its member appeals."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="field_reports")
    report = models.ForeignKey(FieldReport, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report__reported_at", "report_id"]
        verbose_name = _("field report in an alarm")
        verbose_name_plural = _("field reports in alarms")
        constraints = [
            models.UniqueConstraint(fields=["alarm", "report"], name="insight_alarm_report_unique")
        ]

    def __str__(self) -> str:
        return f"{self.alarm_id}:{self.report_id}"
