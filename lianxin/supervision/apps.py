from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SupervisionConfig(AppConfig):
    name = "lianxin.supervision"
    label = "supervision"
    # Not the appeals' "Supervision" (督办, urging a unit on): this app is the discipline
    # inspection office's oversight of cadres (纪检监督).
    verbose_name = pgettext_lazy("app", "Supervision")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: apps.py is imported before the models are ready, and core.audit imports them.
        from lianxin.core.audit import audit_action_labels

        audit_action_labels(
            {
                "declaration_save": _("Asset declaration saved"),
                "declaration_submit": _("Asset declaration submitted"),
                "declaration_lock": _("Asset declaration locked"),
                "declaration_return": _("Asset declaration returned"),
                "personal_report_save": _("Personal-matter report saved"),
                "personal_report_submit": _("Personal-matter report submitted"),
                "personal_report_lock": _("Personal-matter report locked"),
                "spot_check_announce": _("Spot check announced"),
                "spot_check_draw": _("Spot check drawn"),
                "report_received": _("Report received"),
                "report_message": _("Message on a report"),
                "report_note": _("Note on a report"),
                "report_assess": _("Report assessed"),
                "report_investigate": _("Report under investigation"),
                "report_conclude": _("Report concluded"),
                "report_share": _("Report shared with inspectors"),
                "report_escalate": _("Report overdue: escalated"),
                "inspector_key_create": _("Inspector key created"),
                "inspector_key_change_passphrase": _("Inspector key passphrase changed"),
            }
        )
        # lazy: registers the permissions, once the models the rules read are loaded.
        from . import rules  # noqa: F401
