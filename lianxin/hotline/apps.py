from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "lianxin.hotline"
    label = "hotline"
    verbose_name = _("Hotline centre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: apps.py is imported before the models are ready, and core.audit imports them.
        from lianxin.core.audit import audit_action_labels

        audit_action_labels(
            {
                "call_open": _("Call taken"),
                "call_answer": _("Call answered directly"),
                "call_appeal": _("Call made an appeal"),
                "call_add": _("Call added to an existing appeal"),
            }
        )
        # lazy: registers the permissions, once the models the rules read are loaded.
        from . import rules  # noqa: F401
