"""社情民意: the category router's versioned models (the fitted pipeline lives in a file)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RouterModelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class RouterModel(models.Model):
    """One trained category router. The pipeline is a file under VAR_DIR/models whose sha256
    is kept here and checked before the file is unpickled."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    is_active = models.BooleanField(_("active"), default=False)
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("sha256"), max_length=64)
    labels = models.JSONField(_("labels"), default=list)
    training_rows = models.PositiveIntegerField(_("training rows"), default=0)
    # Cross-validated figures: macro_f1, per_class_f1, confusion matrix, labels, folds, params.
    metrics = models.JSONField(_("metrics"), default=dict)
    params = models.JSONField(_("parameters"), default=dict)
    source = models.CharField(_("training data"), max_length=500, blank=True)

    objects = RouterModelQuerySet.as_manager()

    class Meta:
        verbose_name = _("category router model")
        verbose_name_plural = _("category router models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="insight_one_active_router"
            )
        ]

    def __str__(self) -> str:
        return f"router v{self.version}"
