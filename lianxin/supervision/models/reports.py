"""The reporting channel (举报): encrypted reports, their evidence and messages, the inspectors'
keypairs and the log of every read.

Nothing here holds report content in clear, nor when or from where a report came beyond its
day. Ids are random UUIDs so that they say nothing of order or volume. See
docs/supervision/reporting.md for what each field reveals to whom."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "InspectorKey",
    "Report",
    "ReportFile",
    "ReportKeyWrap",
    "ReportMessage",
    "ReportRead",
    "ReportStatus",
]


class ReportStatus(models.TextChoices):
    """ISO 37002's steps: received → assessed → investigating → concluded; or not accepted."""

    RECEIVED = "received", pgettext_lazy("report status", "Received")
    ASSESSED = "assessed", _("Accepted for investigation")
    INVESTIGATING = "investigating", _("Under investigation")
    CONCLUDED = "concluded", _("Concluded")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class InspectorKey(models.Model):
    """An inspector's keypair. The private key is sealed with a key derived (argon2id) from
    the inspector's passphrase, which the server never stores."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inspector_key",
        verbose_name=_("inspector"),
    )
    public_key = models.BinaryField()
    sealed_private_key = models.BinaryField()
    salt = models.BinaryField()
    opslimit = models.PositiveBigIntegerField()
    memlimit = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inspector key")
        verbose_name_plural = _("inspector keys")

    def __str__(self) -> str:
        return f"{self.user} · key"


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=[ReportStatus.CONCLUDED, ReportStatus.NOT_ACCEPTED])

    def overdue(self, today):
        """Open reports past a clock that has not been met nor escalated yet."""
        late_ack = models.Q(
            acknowledged_on__isnull=True, ack_due__lt=today, ack_escalated_on__isnull=True
        )
        late_feedback = models.Q(
            feedback_on__isnull=True, feedback_due__lt=today, feedback_escalated_on__isnull=True
        )
        return self.open().filter(late_ack | late_feedback)


class Report(models.Model):
    """A report. Its content (accused, what happened, when) is sealed with the report's own
    key; the key is wrapped for each inspector who may read it (ReportKeyWrap) and once more
    with a key derived from the receipt, for the reporter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    # The day only: no time, address or device is ever recorded.
    received_on = models.DateField(_("received on"))
    clocks = models.CharField(max_length=10, default="eu")
    ack_due = models.DateField(_("acknowledge by"))
    feedback_due = models.DateField(_("feedback by"))
    acknowledged_on = models.DateField(null=True, blank=True)
    feedback_on = models.DateField(null=True, blank=True)
    ack_escalated_on = models.DateField(null=True, blank=True)
    feedback_escalated_on = models.DateField(null=True, blank=True)
    # The receipt: an argon2id hash (its salt inside the encoding) to verify it, and a short
    # keyed bucket to find the few reports worth verifying against.
    receipt_hash = models.CharField(max_length=200)
    receipt_bucket = models.PositiveIntegerField(db_index=True)
    # The report key sealed with argon2id(receipt, reporter_salt): the reporter's own copy.
    reporter_wrap = models.BinaryField()
    reporter_salt = models.BinaryField()
    reporter_opslimit = models.PositiveBigIntegerField()
    reporter_memlimit = models.PositiveBigIntegerField()
    # {"accused", "content", "occurred_on"} sealed with the report key.
    ciphertext = models.BinaryField()
    # In clear, for conflict of interest: the unit the reporter named (or that their text
    # names), and keyed hashes of the words of the accused text (the text stays sealed).
    accused_unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accused unit"),
    )
    accused_salt = models.BinaryField()
    accused_hashes = models.JSONField(default=list)
    # The submission is audited the day after, in a batch (see services.reports_audit_received),
    # so the audit chain's order and clock do not reveal the time of day.
    received_audited = models.BooleanField(default=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on"]
        verbose_name = pgettext_lazy("whistleblowing", "report")
        verbose_name_plural = pgettext_lazy("whistleblowing", "reports")

    def __str__(self) -> str:
        return str(self.id)

    @property
    def short_id(self) -> str:
        return str(self.id)[:8]

    @property
    def is_open(self) -> bool:
        return self.status not in (ReportStatus.CONCLUDED, ReportStatus.NOT_ACCEPTED)


class ReportKeyWrap(models.Model):
    """A report's key sealed (crypto_box_seal) to one inspector's public key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="wraps")
    inspector_key = models.ForeignKey(InspectorKey, on_delete=models.CASCADE, related_name="wraps")
    wrapped_key = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "inspector_key"], name="report_wrap_unique")
        ]
        verbose_name = _("report key copy")
        verbose_name_plural = _("report key copies")

    def __str__(self) -> str:
        return f"{self.report_id} → {self.inspector_key_id}"


class ReportFile(models.Model):
    """An evidence file, sealed with the report key, under MEDIA_ROOT with a random name.
    Its original name and type are sealed too (`meta`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    stored_name = models.CharField(max_length=100, unique=True)
    meta = models.BinaryField()

    class Meta:
        verbose_name = _("report evidence file")
        verbose_name_plural = _("report evidence files")

    def __str__(self) -> str:
        return self.stored_name


class ReportMessage(models.Model):
    """A message between the reporter and the inspectors: which side and which day only; or
    an inspectors' note of an investigation step, sealed alike, never shown to the reporter."""

    class Side(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        INSPECTOR = "inspector", _("Inspector")
        NOTE = "note", _("Investigation note")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=10, choices=Side.choices)
    sent_on = models.DateField()
    # Orders a day's messages without storing a time.
    seq = models.PositiveIntegerField()
    ciphertext = models.BinaryField()

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="report_message_seq_unique")
        ]
        verbose_name = _("report message")
        verbose_name_plural = _("report messages")

    def __str__(self) -> str:
        return f"{self.report_id} #{self.seq} {self.side} {self.sent_on}"


class ReportRead(models.Model):
    """Every decryption of a case by an official: who and when. Shown to the inspection lead."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    what = models.CharField(max_length=20, default="case")  # "case" or "file"

    # Labels, not field choices: choices would only add a migration for the same two codes.
    WHAT_LABELS = {"case": _("The case"), "file": _("An evidence file")}

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["report", "at"], name="report_read_idx")]
        verbose_name = _("report read")
        verbose_name_plural = _("report reads")

    def __str__(self) -> str:
        return f"{self.report_id} · {self.user_id} · {self.at:%Y-%m-%d %H:%M}"

    @property
    def what_label(self) -> str:
        return str(self.WHAT_LABELS.get(self.what, self.what))
