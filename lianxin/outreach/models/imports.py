"""An import of a household registry from an .xlsx file: the rows read from it (kept only until
the import is done), the column mapping chosen, how far it got, and what became of each row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["HouseholdImport", "ImportStatus"]


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for the column mapping")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    DISCARDED = "discarded", _("Discarded")


class HouseholdImport(models.Model):
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file_name = models.CharField(_("file"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    header = models.JSONField(_("header"), default=list)
    # The data rows as read (sheet line = index + 2); emptied when the import is done (PIPL:
    # the registry lives in the households, not in a copy of the file).
    rows = models.JSONField(default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    total = models.PositiveIntegerField(_("rows"), default=0)
    position = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("imported"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    # [[sheet line, reason], ...]
    skipped = models.JSONField(_("skipped rows"), default=list)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("household import")
        verbose_name_plural = _("household imports")

    def __str__(self) -> str:
        return f"{self.file_name} · {self.unit}"

    @property
    def percent(self) -> int:
        return int(100 * self.position / self.total) if self.total else 100
