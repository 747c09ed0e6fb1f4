"""Leaders' contact points (联系点) and their reception days (接访日): a published schedule of
slots citizens book, the bookings, and what was raised at a reception (each matter may become
an appeal, whose outcome the contact point's public page shows)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.core import clock
from lianxin.core.calendar import LOCAL

__all__ = [
    "HOLDING",
    "Booking",
    "BookingStatus",
    "ContactPoint",
    "ContactPointKind",
    "ReceptionDay",
    "ReceptionMatter",
    "ReceptionSlot",
    "ReceptionStatus",
]


class ContactPointKind(models.TextChoices):
    VILLAGE = "village", _("Village or community")
    ENTERPRISE = "enterprise", _("Enterprise")
    FARM = "farm", _("Farm")


class ContactPoint(models.Model):
    """A leader's contact point. `unit` is the leader's unit: its staff keep the schedule and
    see the bookings. The leader's name and post are public (the sign at the door shows them)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=ContactPointKind.choices)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contact_points",
        verbose_name=_("leader"),
    )
    leader_title = models.CharField(_("leader's post"), max_length=100)
    unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        related_name="contact_points",
        verbose_name=_("leader's unit"),
    )
    village = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village or community where it is"),
    )
    address = models.CharField(_("address"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")

    def __str__(self) -> str:
        return self.name


class ReceptionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")


class ReceptionDay(models.Model):
    contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.PROTECT,
        related_name="days",
        verbose_name=_("contact point"),
    )
    day = models.DateField(_("reception day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReceptionStatus.choices,
        default=ReceptionStatus.SCHEDULED,
    )
    # Written when the reception is recorded; public, so no names in it.
    summary = models.TextField(_("public summary"), blank=True)
    walk_ins = models.PositiveSmallIntegerField(_("came without booking"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["day", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_point", "day"], name="outreach_one_reception_a_day"
            )
        ]
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")

    def __str__(self) -> str:
        return f"{self.contact_point} · {self.day}"


class ReceptionSlot(models.Model):
    """A time slot of a reception day; at most `capacity` active bookings (checked with the
    slot's row locked, so two citizens cannot both take the last place)."""

    reception = models.ForeignKey(
        ReceptionDay,
        on_delete=models.PROTECT,
        related_name="slots",
        verbose_name=_("reception day"),
    )
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    capacity = models.PositiveSmallIntegerField(_("places"))

    class Meta:
        ordering = ["reception_id", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="outreach_slot_ends_after"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="outreach_slot_capacity"),
        ]
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")

    def __str__(self) -> str:
        return f"{self.reception} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def places_left(self) -> int:
        """Free places: from the selectors' `taken` annotation where present."""
        taken = getattr(self, "taken", None)
        if taken is None:
            taken = sum(1 for b in self.bookings.all() if b.status in HOLDING)
        return max(self.capacity - taken, 0)

    @property
    def has_begun(self) -> bool:
        """The slot's start has come (local time): it can no longer be booked."""
        now = clock.now().astimezone(LOCAL)
        return (self.reception.day, self.starts_at) <= (now.date(), now.time())


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Came")
    ABSENT = "absent", _("Did not come")


# The bookings that hold a place in their slot.
HOLDING = [BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.ABSENT]


class Booking(models.Model):
    """A citizen's place in a slot. Booked on the web with a name and a mobile number, or by a
    hotline operator for a caller who gives no name (`anonymous`: the phone is optional and is
    only ever shown masked)."""

    slot = models.ForeignKey(
        ReceptionSlot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot")
    )
    code = models.CharField(_("booking code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    anonymous = models.BooleanField(_("anonymous caller"), default=False)
    matter = models.TextField(_("matter to raise"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by (operator)"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["slot_id", "created_at", "pk"]
        indexes = [models.Index(fields=["slot", "status"])]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return self.code


class ReceptionMatter(models.Model):
    """Something raised at a reception, by a booked citizen or someone who walked in. `title`
    is public (no names); the rest is for the unit's staff and the appeal made of it."""

    reception = models.ForeignKey(
        ReceptionDay,
        on_delete=models.PROTECT,
        related_name="matters",
        verbose_name=_("reception day"),
    )
    booking = models.ForeignKey(
        Booking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matters",
        verbose_name=_("booking"),
    )
    title = models.CharField(_("title (public)"), max_length=200)
    content = models.TextField(_("what was raised"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outreach_matters",
        verbose_name=_("appeal made of it"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["reception_id", "pk"]
        verbose_name = _("matter raised")
        verbose_name_plural = _("matters raised")

    def __str__(self) -> str:
        return self.title
