from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "lianxin.open311"
    label = "open311"
    verbose_name = _("Open311 interface")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: apps.py is imported before the app registry is ready; these modules use models.
        from lianxin.core.audit import audit_action_labels

        from . import receivers  # noqa: F401  (connects the catalogue receivers)

        audit_action_labels(
            {
                "open311_key_create": _("Open311 API key created"),
                "open311_key_revoke": _("Open311 API key revoked"),
            }
        )
