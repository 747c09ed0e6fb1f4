"""How far the analysis of new appeals (duplicates, areas, animal clusters) has got."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["AnalysisCursor"]


class AnalysisCursor(models.Model):
    name = models.CharField(max_length=50, unique=True)
    last_appeal_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("analysis cursor")
        verbose_name_plural = _("analysis cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_appeal_id}"
