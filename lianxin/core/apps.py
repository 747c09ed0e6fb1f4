from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "lianxin.core"
    label = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import signin  # noqa: F401 - connects the failed sign-in counter
        from .audit import audit_action_labels
        from .calendar import forget_overrides
        from .models import CalendarOverride

        post_save.connect(forget_overrides, sender=CalendarOverride, dispatch_uid="calendar-save")
        post_delete.connect(forget_overrides, sender=CalendarOverride, dispatch_uid="calendar-del")
        audit_action_labels(
            {
                "two_factor_enrol": _("Second factor: set-up begun"),
                "two_factor_confirm": _("Second factor set up"),
                "two_factor_reset": _("Second factor reset"),
                "citizen_signin": _("Citizen signed in by SMS code"),
                "citizen_data_export": _("Citizen downloaded a copy of their data"),
                "citizen_account_delete": _("Citizen deleted their account"),
            }
        )
