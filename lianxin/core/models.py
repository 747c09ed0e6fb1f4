"""Units, roles held in units, the working-day calendar, the audit log and notifications."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("District / county")
    HOTLINE = "hotline", _("Hotline centre")
    DEPARTMENT = "department", _("Department")
    STREET = "street", _("Street")
    TOWN = "town", _("Town / township")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")
    OFFICE = "office", _("Office")


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree(self, unit: "Unit") -> "UnitQuerySet":
        return self.filter(path__startswith=unit.path)

    def in_tree_order(self) -> list["Unit"]:
        """The units as a picker lists them: each parent before its children, siblings in the
        order they were set up. `path` holds the ids as text, so ordering by it in SQL puts unit
        10 before unit 2 (and a PostgreSQL collation that ignores the dots breaks even the
        subtrees apart): the ids are compared as numbers here."""
        return sorted(
            self.select_related("parent"),
            key=lambda unit: [int(pk) for pk in unit.path.split(".") if pk],
        )


class Unit(models.Model):
    """A node of the organisation tree. `path` is the materialised path ("1.4.9.") so that a
    role held in a unit reaches its whole subtree with one indexed prefix query."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            if self.parent is not None:  # the parent's path as stored now, not as cached on self
                self.parent.path = Unit.objects.values_list("path", flat=True).get(
                    pk=self.parent.pk
                )
            path = f"{self.parent.path if self.parent else ''}{self.pk}."
            if path != self.path:
                old = self.path
                Unit.objects.filter(pk=self.pk).update(path=path)
                if old:  # moved: its whole subtree moves with it (roles reach by path)
                    Unit.objects.filter(path__startswith=old).exclude(pk=self.pk).update(
                        path=Concat(Value(path), Substr("path", len(old) + 1))
                    )
                self.path = path

    def clean(self) -> None:
        super().clean()
        if (
            self.pk
            and self.parent is not None
            and (self.parent_id == self.pk or self.parent.path.startswith(self.path))
        ):
            raise ValidationError(
                {"parent": _("A unit cannot be placed under itself or one of its own units.")}
            )

    def contains(self, other: "Unit | None") -> bool:
        return other is not None and other.path.startswith(self.path)


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    DISPATCHER = "dispatcher", _("Dispatcher")
    # 坐席: takes the hotline's calls (hotline app); sees callers' earlier appeals, not the
    # dispatcher's queue.
    OPERATOR = "operator", _("Hotline operator")
    HANDLER = "handler", _("Handler")
    LEADER = "leader", _("Unit leader")
    SUPERVISOR = "supervisor", _("Supervisor")
    INSPECTOR = "inspector", _("Inspector")
    ORGDEPT = "orgdept", _("Organisation department")
    ADMIN = "admin", _("Administrator")


class RoleAssignment(models.Model):
    """A role held by a person in a unit; it reaches that unit's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="roles", verbose_name=_("unit")
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="role_unique_per_unit")
        ]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class CalendarOverride(models.Model):
    """An administrator's correction of the statutory calendar for one date."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("is a working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        kind = _("working day") if self.is_workday else _("holiday")
        return f"{self.date} {kind}"


# The actors the services record by a label instead of a person (channels, automatic steps),
# said in the reader's language when shown; the stored label stays as written (it is hashed).
ACTOR_LABELS = {
    "web": _("Citizen online"),
    "api": _("API client"),
    "phone": _("12345 hotline"),
    "12345": _("12345 hotline"),
    "open311": _("Open311 client"),
    "import": _("Batch import"),
    "citizen": _("Citizen"),
    "router": _("Smart routing"),
    "auto": _("Automatic dispatch"),
    "system": _("System"),
}


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every change of state.

    A writer stores the event with its `content_hash` (a keyed MAC of its canonical JSON) and
    nothing else of the chain; the sealer (core.audit.audit_seal) later gives it its place
    `seq`, the `prev_hash` of the event before it and its chained `hash`. Events from before
    the sealer (empty `content_hash`) were chained as they were written:
    `hash` = sha256(prev_hash + canonical JSON). See core.audit."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor (as recorded)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=50)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=50)
    from_state = models.CharField(_("from state"), max_length=30, blank=True)
    to_state = models.CharField(_("to state"), max_length=30, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    seq = models.BigIntegerField(_("place in the chain"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx"),
            # What the sealer looks for: small, as only the newest events are not sealed yet.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        from .audit import action_label  # audit builds on these models

        return f"#{self.pk} {action_label(self.action)} {self.object_type}:{self.object_id}"

    @property
    def actor_display(self) -> str:
        """Who acted, for pages: a known label in the reader's language ("open311:<key>" keeps
        the key's name), else the person's name, else the label as stored."""
        label, _colon, detail = self.actor_label.partition(":")
        if label in ACTOR_LABELS:
            return f"{ACTOR_LABELS[label]} · {detail}" if detail else str(ACTOR_LABELS[label])
        if self.actor is not None:
            return self.actor.get_full_name() or self.actor.get_username()
        return self.actor_label or str(ACTOR_LABELS["system"])


class AuditChainHead(models.Model):
    """The newest sealed event's place and hash, signed (a keyed MAC) by the sealer: the
    checkpoint that proves no event was cut from the end of the chain. Only the sealer locks
    this row; writers never touch it."""

    last_hash = models.CharField(_("last hash"), max_length=64)
    seq = models.BigIntegerField(_("place in the chain"), default=0)
    mac = models.CharField(_("signature"), max_length=64, blank=True)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_singleton")]
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return self.last_hash


class Notification(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        INAPP = "inapp", _("In the app")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        NOT_SENT = "not_sent", _("Not sent (historical record)")

    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    channel = models.CharField(_("delivery channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A one-time secret (an appraisal code): body and address are erased once delivered, so
    # nothing kept links the secret to the person it went to.
    forget_after_send = models.BooleanField(_("erase once delivered"), default=False)
    # A delivery attempt under way (see core.tasks.deliver_notification) until this time.
    claimed_until = models.DateTimeField(_("being delivered until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="notification_status_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.subject


class RateCounter(models.Model):
    """A counter of attempts in a fixed window (core.ratelimit). A table of its own rather
    than the cache: counting is one atomic statement, a hit never extends the window, and
    no other traffic can evict a lock (a database cache culls its oldest entries)."""

    name = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField()
    window_ends = models.BigIntegerField()  # Unix seconds: the same integer on every database

    class Meta:
        indexes = [models.Index(fields=["window_ends"], name="ratecounter_ends_idx")]
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return self.name


class CitizenAccount(models.Model):
    """A citizen's login (我的诉求), bound to the mobile number they proved with an SMS code.
    The number itself is not kept: only its lookup key (core.phones), which finds their
    appeals. Deleting the account removes this row and deactivates the login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="citizen_account",
        verbose_name=_("login"),
    )
    phone_key = models.CharField(_("phone lookup key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    last_signin_at = models.DateTimeField(_("last sign-in"))

    class Meta:
        verbose_name = _("citizen account")
        verbose_name_plural = _("citizen accounts")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class SigninCode(models.Model):
    """A one-time SMS sign-in code, kept only as a keyed hash (core.keys `signin-code`) with
    its own random salt: a copy of the database shows neither the code nor the number."""

    phone_key = models.CharField(_("phone lookup key"), max_length=64)
    salt = models.CharField(_("salt"), max_length=32)
    code_hash = models.CharField(_("code hash"), max_length=64)
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone_key", "-created_at"], name="signincode_phone_idx")]
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
