from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "lianxin.insight"
    label = "insight"
    verbose_name = _("Insight")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # lazy: apps.py is imported before the app registry is ready; these modules use models.
        from lianxin.core.audit import audit_action_labels

        audit_action_labels(
            {
                "router_train": _("Routing model trained"),
                "router_activate": _("Routing model activated"),
                "alarm_raise": _("Early warning raised"),
                "alarm_update": _("Early warning updated"),
                "alarm_acknowledge": _("Early warning acknowledged"),
                "alarm_close": _("Early warning closed"),
                "field_report_file": _(
                    "Sick or dead animals seen in the field filed for early warning"
                ),
                "duplicate_dismiss": _("Possible duplicate dismissed"),
            }
        )
        from . import receivers  # noqa: F401  (lazy, as above: connects the appeal_received receivers)
