from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "lianxin.outreach"
    label = "outreach"
    verbose_name = _("Cadres among the people")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: apps.py is imported before the models are ready, and core.audit imports them.
        from lianxin.core.audit import audit_action_labels

        audit_action_labels(
            {
                "household_register": _("Household registered"),
                "household_update": _("Household details changed"),
                "household_deactivate": _("Household deactivated"),
                "household_import_upload": _("Household registry file uploaded"),
                "household_import_start": _("Household registry import started"),
                "household_import_done": _("Household registry import finished"),
                "household_import_discard": _("Household registry import discarded"),
                "pairing_assign": _("Cadre paired with a household"),
                "pairing_reassign": _("Household reassigned to another cadre"),
                "visit_record": _("Visit recorded"),
                "visit_appeal": _("Need from a visit made an appeal"),
                "visit_photo_add": _("Photo added to a visit"),
                "contact_point_create": _("Contact point set up"),
                "reception_day_add": _("Reception day scheduled"),
                "booking_make": _("Reception slot booked"),
                "booking_cancel": _("Reception booking cancelled"),
                "reception_record": _("Reception recorded"),
                "reception_matter_add": _("Matter raised at a reception recorded"),
                "reception_matter_appeal": _("Matter raised at a reception made an appeal"),
            }
        )
        # lazy: registers the permissions, once the models the rules read are loaded.
        from . import rules  # noqa: F401
