"""诉求: the service catalogue, appeals and their follow-ups and extensions."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Unit


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    URGENT = "urgent", _("Urgent")
    ORDINARY = "ordinary", _("Ordinary")
    COMPLEX = "complex", _("Complex")


class Track(models.TextChoices):
    HOTLINE = "hotline", _("Hotline (接诉即办)")
    XINFANG = "xinfang", _("Letters and visits (信访)")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    DISPATCHED = "dispatched", _("Dispatched")
    HANDLING = "handling", _("Being handled")
    # A reply that scored below REPLY_REVIEW_THRESHOLD waits for the unit leader (答复审核).
    REVIEWING = "reviewing", _("Reply under review")
    REPLIED = "replied", _("Replied")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = [
    Status.SUBMITTED,
    Status.DISPATCHED,
    Status.HANDLING,
    Status.REOPENED,
    Status.REVIEWING,
]
TERMINAL_STATES = [Status.CLOSED, Status.MERGED, Status.WITHDRAWN]


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    PHONE = "phone", _("Phone (12345)")
    OPEN311 = "open311", _("Open311")
    IMPORT = "import", _("Import")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Category(models.Model):
    """An entry of the service catalogue: what citizens appeal about, who handles it, how fast."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("group"),
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    default_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default unit"),
    )
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"),
        default=False,
        help_text=_("Send new appeals straight to the default unit, without a dispatcher."),
    )
    handling_days = models.PositiveSmallIntegerField(
        _("handling time limit (working days)"),
        null=True,
        blank=True,
        help_text=_("For ordinary appeals; empty means the default of 7 working days."),
    )
    contact_hours = models.PositiveSmallIntegerField(
        _("contact time limit (working hours)"),
        null=True,
        blank=True,
        help_text=_("For ordinary appeals; empty means the default of 8 working hours."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent else self.name


class AppealQuerySet(models.QuerySet["Appeal"]):
    def open(self) -> "AppealQuerySet":
        return self.filter(status__in=OPEN_STATES)

    def overdue(self, now: datetime | None = None) -> "AppealQuerySet":
        """Open appeals past their handling deadline, or not yet accepted past the contact one."""
        now = now or timezone.now()
        # "Open" said once outside the OR (both branches are open states): PostgreSQL then
        # reads the partial index of open appeals (appeal_open_due_idx) alone instead of
        # visiting the heap of every open appeal, which at a city's size is most of the time.
        return self.filter(status__in=OPEN_STATES).filter(
            Q(handling_deadline__lt=now)
            | Q(status__in=[Status.SUBMITTED, Status.DISPATCHED], contact_deadline__lt=now)
        )

    def due_within(self, delta: timedelta, now: datetime | None = None) -> "AppealQuerySet":
        now = now or timezone.now()
        return self.filter(
            status__in=OPEN_STATES, handling_deadline__gte=now, handling_deadline__lt=now + delta
        )

    def public(self) -> "AppealQuerySet":
        return self.filter(is_public=True).exclude(status__in=[Status.MERGED, Status.WITHDRAWN])


class Appeal(models.Model):
    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("category"),
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    track = models.CharField(
        _("track"), max_length=10, choices=Track.choices, default=Track.HOTLINE
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    contact_name = models.CharField(_("name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The number's lookup key (core.phones.phone_key): a citizen's appeals by every channel,
    # found through an index however the number was written, without a clear copy of it.
    contact_phone_key = models.CharField(
        _("phone lookup key"), max_length=64, blank=True, default=""
    )
    contact_email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_public = models.BooleanField(_("may be shown publicly"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("handling unit"),
    )
    co_units = models.ManyToManyField(
        Unit, blank=True, related_name="co_appeals", verbose_name=_("co-handling units")
    )
    master = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_appeals",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    contact_deadline = models.DateTimeField(_("contact deadline"))
    handling_deadline = models.DateTimeField(_("handling deadline"), db_index=True)
    reply = models.TextField(_("reply"), blank=True)
    # 答复质量: the score of the latest reply (None: not scored) and its breakdown and reasons;
    # while the appeal is `reviewing` the held reply is kept here ("draft"), not in `reply`.
    reply_score = models.FloatField(_("reply score"), null=True, blank=True)
    reply_review = models.JSONField(_("reply review"), default=dict, blank=True)
    public_note = models.CharField(_("public note"), max_length=300, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Optimistic concurrency: every transition increments it; a stale version is a conflict.
    version = models.PositiveIntegerField(_("version"), default=1)
    # What the router suggested at intake; a dispatcher's different choice is a correction
    # that the next training of the router learns from.
    suggested_category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested category"),
    )
    suggestion_confidence = models.FloatField(_("suggestion confidence"), null=True, blank=True)
    # When the router looked at it (with a suggestion or without): the routing sweeper's mark
    # of work done, so an appeal the router has nothing for is not asked about again.
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, null=True, blank=True, unique=True
    )
    source_ref = models.CharField(_("source reference"), max_length=100, null=True, blank=True)
    # A photo link a client sent (Open311 `media_url`). Never fetched (no internet on the
    # server, and fetching a caller's address is SSRF): staff see it as text, with a warning.
    external_media_url = models.CharField(_("external photo link"), max_length=500, blank=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "handling_deadline"], name="appeal_status_due_idx"),
            models.Index(fields=["unit", "status"], name="appeal_unit_status_idx"),
            models.Index(fields=["updated_at"], name="appeal_updated_idx"),
            # A number's appeals by its lookup key: 我的诉求 and the operator console's caller
            # history (equality only, so one plain b-tree; db_index would add a second,
            # pattern index on PostgreSQL).
            models.Index(fields=["contact_phone_key"], name="appeal_phone_key_idx"),
            # The public board and Open311 lists: public appeals by time.
            models.Index(fields=["is_public", "created_at"], name="appeal_public_time_idx"),
            # Open311's status=open lists: the public appeals still open, by time. A window of
            # past months holds hundreds of thousands of closed appeals and few open ones.
            models.Index(
                fields=["created_at"],
                name="appeal_public_open_time_idx",
                condition=Q(is_public=True) & ~Q(status__in=TERMINAL_STATES),
            ),
            # The routing sweeper's work (every second without a broker): only the appeals
            # still waiting for the router are indexed.
            models.Index(
                fields=["created_at"],
                name="appeal_unrouted_idx",
                condition=Q(category__isnull=True, routed_at__isnull=True, status="submitted"),
            ),
            # The overdue backlog by unit (dashboards, rankings, supervision): only open appeals
            # are indexed, with what the count reads, so it never touches the closed millions.
            models.Index(
                fields=["handling_deadline"],
                name="appeal_open_due_idx",
                condition=Q(status__in=OPEN_STATES),
                include=["unit", "contact_deadline", "replied_at", "status"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source_ref"],
                name="appeal_source_unique",
                condition=Q(source_ref__isnull=False),
            ),
            models.CheckConstraint(condition=Q(reopen_count__lte=2), name="appeal_reopen_max_2"),
        ]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def is_overdue(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if not self.is_open:
            return False
        late_contact = self.status in (Status.SUBMITTED, Status.DISPATCHED) and (
            self.contact_deadline < now
        )
        return bool(late_contact or self.handling_deadline < now)


class FollowUp(models.Model):
    """回访: the citizen's judgement of a reply. The latest one per appeal counts in the rates."""

    class By(models.TextChoices):
        CITIZEN = "citizen", _("The citizen, online")
        OPERATOR = "operator", _("An operator, by phone")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="followups")
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(_("resolved"))
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True)
    by = models.CharField(max_length=10, choices=By.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.satisfaction}"


class Extension(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    created_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(decision="pending"), name="one_pending_extension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} +{self.days} {self.decision}"


# --- roll-ups: the figures dashboards and rankings read instead of scanning appeals -----------
# Per day of receipt (and per month), unit and category: how many appeals came in and what
# became of them. Rebuilt a day at a time from the appeals (rollups.py), never counted up event
# by event, so a refresh that runs twice or late cannot make them drift.

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
    "reopened",  # reopened at least once on a dissatisfied follow-up
    "returned",  # returned by a unit at least once (退单)
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
    reopened = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyAppealStat(AppealFigures):
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily appeal figures")
        verbose_name_plural = _("daily appeal figures")
        indexes = [
            models.Index(fields=["day", "unit"], name="insight_stat_day_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} unit={self.unit_id} category={self.category_id}"


class DailyAppealTotal(models.Model):
    """The whole district's appeals received and closed on each day: the dashboard's trend
    reads one row a day, not every unit × category row of it (hundreds of thousands a year in
    a city). Rebuilt from the day's daily rows whenever they are (appeals.rollups)."""

    day = models.DateField(_("day"), unique=True)
    received = models.PositiveIntegerField(_("received"), default=0)
    closed = models.PositiveIntegerField(_("closed"), default=0)

    class Meta:
        verbose_name = _("daily appeal totals")
        verbose_name_plural = _("daily appeal totals")

    def __str__(self) -> str:
        return f"{self.day}: {self.received} received, {self.closed} closed"


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

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return self.name


class PhotoKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen's photo")
    BEFORE = "before", _("Before handling")
    AFTER = "after", _("After handling")


class AppealPhoto(models.Model):
    """A photo of an appeal: the citizen's, or the handler's before/after photo with the reply.
    core.uploads.clean_photo re-encoded it from its pixels (no EXIF, GPS, XMP or ICC). Public
    only when the appeal is public and whoever added it allowed it (`is_public`)."""

    appeal = models.ForeignKey(
        Appeal, on_delete=models.PROTECT, related_name="photos", verbose_name=_("appeal")
    )
    kind = models.CharField(
        _("photo of"), max_length=10, choices=PhotoKind.choices, default=PhotoKind.CITIZEN
    )
    file_type = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The storage name (random), never shown: the photo is served through its view.
    stored_as = models.CharField(_("stored as"), max_length=200)
    is_public = models.BooleanField(_("may be shown publicly"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["appeal", "pk"]
        verbose_name = _("appeal photo")
        verbose_name_plural = _("appeal photos")

    def __str__(self) -> str:
        return f"{self.appeal.tracking_number} · {self.pk}"
