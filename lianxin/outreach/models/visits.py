"""Visits (走访) logged by the paired cadre, from the field."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .households import Pairing

__all__ = ["Visit", "VisitForm", "VisitPhoto"]


class VisitForm(models.TextChoices):
    HOME = "home", _("Home visit")
    FARM = "farm", _("Farm visit")
    PHONE = "phone", _("Phone call")
    RECEPTION = "reception", _("Reception")


class Visit(models.Model):
    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="visits", verbose_name=_("pairing")
    )
    visited_on = models.DateField(_("visit date"))
    form = models.CharField(_("form"), max_length=10, choices=VisitForm.choices)
    notes = models.TextField(_("notes"), blank=True)
    needs = models.TextField(_("needs found"), blank=True)
    # The farm checklist; empty (None) on other visits.
    immunisation_done = models.BooleanField(_("immunisation done"), null=True, blank=True)
    sick_count = models.PositiveIntegerField(_("animals sick"), null=True, blank=True)
    dead_count = models.PositiveIntegerField(_("animals dead"), null=True, blank=True)
    biosecurity_ok = models.BooleanField(_("biosecurity in order"), null=True, blank=True)
    # Made on the phone when the form is filled: the same visit sent twice is stored once.
    client_uuid = models.UUIDField(_("client id"), unique=True)
    # When the phone saved a visit kept offline (its clock), which may be days before it
    # arrived (`created_at`); empty for a visit posted with signal.
    saved_at = models.DateTimeField(_("saved on the phone at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    appeal = models.ForeignKey(
        "appeals.Appeal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outreach_visits",
        verbose_name=_("appeal from the needs"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["pairing", "visited_on"])]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.pairing.household} · {self.visited_on}"


class VisitPhoto(models.Model):
    """A photo taken on a visit (core.uploads.clean_photo re-encoded it: no EXIF or GPS), shown
    on the household's page to those who may see the household, never public."""

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="photos", verbose_name=_("visit")
    )
    kind = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The storage name (random), never shown: the photo is served through its view.
    stored_as = models.CharField(_("stored as"), max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return f"{self.visit} · {self.pk}"
