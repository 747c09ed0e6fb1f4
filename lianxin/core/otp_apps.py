"""django-otp's TOTP app, configured here (a module of its own: with two AppConfig classes in
core/apps.py Django would no longer pick CoreConfig for lianxin.core)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OtpTotpConfig(AppConfig):
    """django-otp's TOTP devices, named in the page's language: the user page's list of
    permissions names every model (django-otp gives its model an English name that no catalogue
    can translate, so it is renamed here; the migrations keep the original)."""

    name = "django_otp.plugins.otp_totp"
    label = "otp_totp"
    verbose_name = _("Second factor")
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        model = self.get_model("TOTPDevice")
        model._meta.verbose_name = _("authenticator app")
        model._meta.verbose_name_plural = _("authenticator apps")
