from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "lianxin.appeals"
    label = "appeals"
    verbose_name = _("Appeals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: these modules import models, which cannot load before the app registry is ready.
        from lianxin.core.audit import audit_action_labels
        from lianxin.core.models import Unit

        from .catalogue import forget_catalogue
        from .models import Category

        audit_action_labels(
            {
                "submit": _("Submitted"),
                "dispatch": _("Dispatched"),
                "accept": _("Accepted by the unit"),
                "return": _("Returned to the dispatcher"),
                "transfer": _("Transferred"),
                "co_handle": _("Co-handling units added"),
                "extension_request": _("Extension requested"),
                "extension_approve": _("Extension approved"),
                "extension_reject": _("Extension rejected"),
                "reply": _("Replied"),
                "reply_held": _("Reply held for the unit leader's review"),
                "reply_approve": _("Replied (reviewed by the unit leader)"),
                "reply_reject": _("Reply rejected by the unit leader"),
                "followup": _("Rated and closed"),
                "reopen": _("Reopened after a dissatisfied rating"),
                "close": _("Closed"),
                "merge": _("Merged"),
                "withdraw": _("Withdrawn"),
                "contact_erase": _("Citizen's contact details erased (account deleted)"),
                "supervise": _("Supervised"),
                "escalate": _("Overdue: escalated"),
                "suggest": _("Category suggested by the router"),
                "supplement": _("The citizen added information (hotline call)"),
            }
        )
        for model in (Category, Unit):
            post_save.connect(forget_catalogue, sender=model, dispatch_uid=f"catalogue-{model}")
            post_delete.connect(forget_catalogue, sender=model, dispatch_uid=f"catalogue-d-{model}")
