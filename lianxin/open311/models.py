"""Open311 adapter state: API keys of client organisations, and the extra questions
(service definition attributes) that a category of the appeals catalogue asks."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import Category


class ApiKey(models.Model):
    """A client organisation's key. Only its sha256 is stored: the key is shown once."""

    name = models.CharField(_("client organisation"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Datatype(models.TextChoices):
    STRING = "string", _("String")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Text")
    SINGLEVALUELIST = "singlevaluelist", _("One of a list")
    MULTIVALUELIST = "multivaluelist", _("Several of a list")


class ServiceAttribute(models.Model):
    """One extra question of a category (GeoReport v2 service definition attribute).
    `values` is a list of {"key": …, "name": …} for the list datatypes."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="open311_attributes",
        verbose_name=_("category"),
    )
    code = models.SlugField(_("code"), max_length=50)
    datatype = models.CharField(_("datatype"), max_length=20, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.CharField(_("question"), max_length=200)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    values = models.JSONField(_("values"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_unique")
        ]
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")

    def __str__(self) -> str:
        return f"{self.category.code}:{self.code}"
